"""One permission policy: templates, views and services ask forum.permissions the same question."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from forum import permissions
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.models import Member, Post
from forum.services import posts
from tests.factories import login, make_answer, make_member, make_question


def _member(member_id: int, role: str = "member") -> Member:
    return Member(id=member_id, username=f"m{member_id}", role=role)


def _post(kind: str = "answer", *, author_id: int = 1, status: str = "published",
          post_id: int = 10, parent_id: int | None = 20) -> Post:
    return Post(id=post_id, kind=kind, author_id=author_id, status=status,
                parent_id=parent_id if kind == "answer" else None)


AUTHOR, OTHER, MODERATOR = _member(1), _member(2), _member(3, "moderator")


@pytest.mark.parametrize(("actor", "status", "allowed"), [
    (AUTHOR, "published", True),
    (AUTHOR, "held", True),
    (AUTHOR, "removed", False),  # a moderator's removal stands
    (AUTHOR, "deleted", False),
    (OTHER, "published", False),
    (MODERATOR, "removed", True),
    (MODERATOR, "deleted", False),
    (None, "published", False),
    (AnonymousUserMixin(), "published", False),
])
def test_who_may_edit_and_delete_a_post(actor, status, allowed):
    post = _post(status=status)
    assert permissions.can_edit(actor, post) is allowed
    assert permissions.can_delete(actor, post) is allowed


def test_only_the_asker_accepts_a_published_answer_to_their_question():
    question = _post("question", author_id=2, post_id=20)
    answer = _post(author_id=1, parent_id=20)
    assert permissions.can_accept(OTHER, answer, question)
    assert not permissions.can_accept(AUTHOR, answer, question)
    assert not permissions.can_accept(MODERATOR, answer, question)
    assert not permissions.can_accept(OTHER, _post(author_id=1, status="held"), question)
    experience = _post("experience", author_id=2, post_id=20)
    assert not permissions.can_accept(OTHER, answer, experience)


def test_nobody_marks_or_reports_their_own_post():
    answer = _post(author_id=1)
    assert permissions.can_mark_helpful(OTHER, answer) and permissions.can_report(OTHER, answer)
    assert not permissions.can_mark_helpful(AUTHOR, answer)
    assert not permissions.can_report(AUTHOR, answer)
    assert not permissions.can_mark_helpful(OTHER, _post("question", author_id=1))
    assert not permissions.can_report(OTHER, _post(author_id=1, status="held"))
    assert not permissions.can_report(None, answer)


def test_moderators_moderate_and_read_held_posts_but_not_deleted_ones():
    held, deleted = _post(author_id=1, status="held"), _post(author_id=1, status="deleted")
    assert permissions.can_moderate(MODERATOR) and not permissions.can_moderate(OTHER)
    assert permissions.can_read(MODERATOR, held) and permissions.can_read(AUTHOR, held)
    assert not permissions.can_read(OTHER, held) and not permissions.can_read(None, held)
    assert not permissions.can_read(MODERATOR, deleted)


def edit_link(post: Post) -> str:
    return f'href="/posts/{post.id}/edit"'


def test_changing_one_rule_changes_the_page_the_view_and_the_service(client, monkeypatch):
    rowan, sasha = make_member("rowan"), make_member("sasha")
    question = make_question(rowan)
    answer = make_answer(sasha, question)
    login(client, "sasha")
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert edit_link(answer) in page  # the rule as it is: authors edit their own posts
    assert client.get(f"/posts/{answer.id}/edit").status_code == 200

    monkeypatch.setattr(permissions, "can_edit", lambda actor, post: False)

    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert edit_link(answer) not in page
    assert f'href="/posts/{answer.id}/delete"' in page  # the other rules stay as they were
    assert client.get(f"/posts/{answer.id}/edit").status_code == 403
    with pytest.raises(PermissionDenied):
        posts.edit_post(actor=db.session.get(Member, sasha.id), post=answer,
                        body="A new text nobody wrote before.")
    assert db.session.get(Post, answer.id).body != "A new text nobody wrote before."
