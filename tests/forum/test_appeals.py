"""Appeals: once, by the author of a held or removed post, into the queue with its own label."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.errors import Invalid
from forum.extensions import db
from forum.models import Appeal, AuditEntry, ReviewItem
from forum.services import appeals, review
from tests.factories import login, make_member, make_question, post_form


def _removed_post(moderator_name="mod"):
    author = make_member("author")
    moderator = make_member(moderator_name, role="moderator")
    make_member("other")
    post = make_question(author, title="Which stretches help at night?")
    db.session.add(ReviewItem(post_id=post.id, source="reports", severity=1))
    db.session.commit()
    item = db.session.scalar(select(ReviewItem))
    review.remove(actor=moderator, item_id=item.id, reason="Off topic for this forum")
    return author, moderator, db.session.get(type(post), post.id)


def test_the_author_appeals_a_removed_post_once_from_the_post(app, client):
    author, moderator, post = _removed_post()
    login(client, "author")
    assert client.get(f"/posts/{post.id}/appeal").status_code == 200
    response = post_form(client, f"/posts/{post.id}/appeal",
                         {"text": "It was a question about my own stretches."},
                         token_from=f"/posts/{post.id}/appeal")
    assert response.status_code == 303
    appeal = db.session.scalar(select(Appeal))
    assert appeal.original_outcome == "removed"
    assert appeal.original_by_id == moderator.id
    assert appeal.original_reason == "Off topic for this forum"
    item = db.session.get(ReviewItem, appeal.review_item_id)
    assert (item.source, item.state) == ("appeal", "open")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "appeal"))
    # Once: the page is gone now.
    assert client.get(f"/posts/{post.id}/appeal").status_code == 404


def test_an_appeal_needs_a_text_and_only_the_author_may_appeal(app, client):
    author, _moderator, post = _removed_post()
    with pytest.raises(Invalid):
        appeals.file_appeal(author=author, post=post, text="  ")
    login(client, "other")
    assert client.get(f"/posts/{post.id}/appeal").status_code == 404


def test_the_removed_post_shows_its_author_an_appeal_button_and_then_the_status(app, client):
    _author, _moderator, post = _removed_post()
    login(client, "author")
    page = client.get(f"/threads/{post.id}").get_data(as_text=True)
    assert "Appeal this decision" in page
    post_form(client, f"/posts/{post.id}/appeal", {"text": "Please look again."},
              token_from=f"/posts/{post.id}/appeal")
    page = client.get(f"/threads/{post.id}").get_data(as_text=True)
    assert "Appeal this decision" not in page
    assert "You appealed this decision" in page


def test_the_queue_shows_the_appeal_with_the_original_decision_and_who_made_it(app, client):
    author, moderator, post = _removed_post()
    appeals.file_appeal(author=author, post=post, text="It answers the question.")
    make_member("second", role="moderator")
    login(client, "second")
    page = client.get("/moderation").get_data(as_text=True)
    assert "<strong>Appeal</strong> from author" in page
    assert "Originally removed by mod" in page
    assert "Another moderator than mod should take it." in page
    client.post("/logout", data={})
    login(client, "mod")
    page = client.get("/moderation").get_data(as_text=True)
    assert "You made the original decision" in page


def test_an_approved_appeal_publishes_the_post_tells_the_author_and_is_audited(app):
    from forum.services import notifications

    author, moderator, post = _removed_post()
    appeal = appeals.file_appeal(author=author, post=post, text="It answers the question.")
    second = make_member("second", role="moderator")
    review.approve(actor=second, item_id=appeal.review_item_id)
    db.session.expire_all()
    assert db.session.get(type(post), post.id).status == "published"
    assert db.session.get(Appeal, appeal.id).outcome == "reversed"
    assert "Your appeal was successful" in notifications.recent(author)[0].text
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"appeal", "appeal_decided"} <= actions


def test_a_removal_upheld_on_appeal_tells_the_author_the_decision_stands(app):
    from forum.services import notifications

    author, moderator, post = _removed_post()
    appeal = appeals.file_appeal(author=author, post=post, text="Please.")
    review.dismiss(actor=make_member("second", role="moderator"), item_id=appeal.review_item_id)
    assert db.session.get(Appeal, appeal.id).outcome == "upheld"
    assert "the decision stands" in notifications.recent(author)[0].text
