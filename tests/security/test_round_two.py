"""Hardening, round two (issue 16): each finding an attacker or a careless user made."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.services import posts
from tests.factories import login, make_member, make_question, post_form

HELD_BODY = "You should just take 150 mg of baclofen a day, the label is overcautious."


def held_question(author) -> Post:
    post = posts.create_thread(author=author, kind="question", title="Is this too much?",
                               body=HELD_BODY, tags="baclofen")
    assert post.status == "held"
    return post


# 1. History ------------------------------------------------------------------------------

def test_history_hides_a_held_version_the_author_edited_clean(app, client):
    post = held_question(make_member("rowan"))
    login(client, "rowan")
    edit = f"/posts/{post.id}/edit"
    response = post_form(client, edit, {"title": "Is this too much?", "tags": "baclofen",
                                        "body": "I will ask my neurologist about the dose."},
                         token_from=edit)
    assert response.status_code == 303
    assert db.session.scalar(select(Post.status).where(Post.id == post.id)) == "published"
    public = app.test_client().get(f"/posts/{post.id}/history")
    assert public.status_code == 200
    assert "label is overcautious" not in public.get_data(as_text=True)
    own = client.get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "label is overcautious" in own and "never published" in own


def test_history_still_shows_published_versions_to_everyone(app, client):
    question = make_question(make_member("rowan"), body="First wording, published.")
    login(client, "rowan")
    edit = f"/posts/{question.id}/edit"
    post_form(client, edit, {"title": question.title, "tags": "baclofen",
                             "body": "Second wording."}, token_from=edit)
    public = app.test_client().get(f"/posts/{question.id}/history").get_data(as_text=True)
    assert "First wording, published." in public
