"""Notifications: in the app, by mail at once or in a digest, and unsubscribing by link."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from forum.database import write_transaction
from forum.extensions import db
from forum.models import DigestRun, Notification, utcnow
from forum.services import notifications
from tests.factories import (
    csrf_token,
    login,
    make_answer,
    make_member,
    make_question,
    outbox,
    post_form,
)


def _notify(member, kind="answer", post=None, text="rowan answered your question"):
    with write_transaction():
        notifications.notify(member_id=member.id, kind=kind, post=post, text=text)


def test_an_immediate_kind_is_mailed_after_the_commit_with_an_unsubscribe_header(app):
    asker = make_member("asker")
    question = make_question(asker)
    _notify(asker, post=question)
    [mail] = outbox(app)
    assert mail["To"] == "asker@example.org"
    assert "rowan answered your question" in mail.get_content()
    assert mail["List-Unsubscribe"].startswith("<http")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_rolled_back_event_mails_nothing(app):
    asker = make_member("asker")
    try:
        with write_transaction():
            notifications.notify(member_id=asker.id, kind="answer", text="lost")
            raise RuntimeError("the event failed")
    except RuntimeError:
        pass
    assert outbox(app) == []
    assert db.session.scalar(select(Notification)) is None


def test_digest_kinds_are_not_mailed_at_once(app):
    author = make_member("author")
    _notify(author, kind="reply", text="A reply in a thread you follow")
    assert outbox(app) == []


def test_helpful_marks_are_batched_into_one_unread_row(app):
    author, one, two, three = (make_member(n) for n in ("author", "one", "two", "three"))
    answer = make_answer(author, make_question(one))
    for voter in (one, two, three):
        with write_transaction():
            notifications.notify_helpful(post=answer, voter=voter)
    rows = list(db.session.scalars(select(Notification).where(
        Notification.member_id == author.id, Notification.kind == "helpful")))
    assert len(rows) == 1
    assert rows[0].text.startswith("3 members found your answer helpful")


def test_the_list_and_the_bell_show_unread_items_and_mark_all_read(app, client):
    member = make_member("reader")
    question = make_question(member)
    _notify(member, post=question, text="someone answered your question")
    login(client, "reader")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"Notifications <span[^>]*>\(1 unread\)</span>", page)
    listing = client.get("/notifications").get_data(as_text=True)
    assert "someone answered your question" in listing
    response = post_form(client, "/notifications/read", {}, token_from="/notifications")
    assert response.status_code == 303
    assert notifications.unread_count(member) == 0


def test_the_api_lists_items_and_marks_them_read_with_csrf(app, client):
    member = make_member("reader")
    _notify(member, text="first")
    _notify(member, text="second")
    login(client, "reader")
    data = client.get("/api/v1/notifications").get_json()
    assert data["unread"] == 2
    assert [item["text"] for item in data["items"]] == ["second", "first"]
    assert set(data["items"][0]) == {"id", "kind", "created_at", "read", "url", "text"}
    refused = client.post("/api/v1/notifications/read", json={"ids": [data["items"][0]["id"]]})
    assert refused.status_code == 400
    token = csrf_token(client, "/notifications")
    done = client.post("/api/v1/notifications/read", json={"ids": [data["items"][0]["id"]]},
                       headers={"X-CSRFToken": token})
    assert done.get_json() == {"marked": 1, "unread": 1}


def test_the_api_needs_a_login(app, client):
    response = client.get("/api/v1/notifications")
    assert response.status_code in (302, 401)


def test_unsubscribe_link_works_without_login_for_that_member_and_kind_only(app, client):
    member, other = make_member("member"), make_member("other")
    _notify(member, text="an answer")
    link = re.search(r"https?://[^/\s]+(/unsubscribe/\S+)", outbox(app)[0].get_content())[1]
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 200
    assert "no more of these emails" in response.get_data(as_text=True)
    assert notifications.preferences(member)["answer"] == "off"
    assert notifications.preferences(member)["moderation"] == "immediate"
    assert notifications.preferences(other)["answer"] == "immediate"


def test_a_tampered_unsubscribe_link_is_refused_with_a_clear_page(app, client):
    member = make_member("member")
    token = notifications.unsubscribe_token(member, "answer")
    response = client.post(f"/unsubscribe/{token[:-2]}xx")
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)
    assert notifications.preferences(member)["answer"] == "immediate"


def test_preferences_page_saves_choices(app, client):
    member = make_member("member")
    login(client, "member")
    choices = {name: "digest" for name in notifications.KINDS}
    response = post_form(client, "/account/notifications", {**choices, "digest": "weekly"},
                         token_from="/account/notifications")
    assert response.status_code == 303
    saved = notifications.preferences(member)
    assert saved["answer"] == "digest" and saved["digest"] == "weekly"


def _digest_items(member, texts, post=None):
    for text in texts:
        _notify(member, kind="reply", post=post, text=text)


def test_the_digest_sends_one_mail_per_member_and_period_and_is_idempotent(app, database_url):
    member = make_member("member")
    question = make_question(member)
    _digest_items(member, ["reply one", "reply two"], post=question)
    now = utcnow()
    first = notifications.send_digests(period="daily", now=now)
    again = notifications.send_digests(period="daily", now=now)
    mails = outbox(app)
    assert (first.sent, again.sent) == (1, 0)
    assert len(mails) == 1
    body = mails[0].get_content()
    assert "reply one" in body and "reply two" in body
    assert db.session.scalar(select(DigestRun.items)) == 2


def test_a_claimed_period_is_never_sent_twice_even_with_new_items(app, database_url):
    member = make_member("member")
    _digest_items(member, ["before"])
    now = utcnow()
    notifications.send_digests(period="daily", now=now)
    _digest_items(member, ["after"])
    assert notifications.send_digests(period="daily", now=now).skipped == 1
    assert len(outbox(app)) == 1
    # The next day's digest lists the new item only.
    notifications.send_digests(period="daily", now=now + timedelta(days=1))
    mails = outbox(app)
    assert len(mails) == 2
    assert "after" in mails[1].get_content() and "before" not in mails[1].get_content()


def test_the_digest_lists_only_posts_the_member_may_see(app, database_url):
    member, author = make_member("member"), make_member("author")
    question = make_question(author, title="A thread that will be removed")
    kept = make_question(author, title="A thread that stays up")
    _digest_items(member, ["about the removed thread"], post=question)
    _digest_items(member, ["about the kept thread"], post=kept)
    with write_transaction():
        question.status = "removed"
    notifications.send_digests(period="daily")
    body = outbox(app)[0].get_content()
    assert "about the kept thread" in body
    assert "about the removed thread" not in body


# The events, from the services that cause them -------------------------------------------------

def _texts(member) -> list[str]:
    return [row.text for row in notifications.recent(member)]


def test_an_answer_tells_the_asker_at_once_and_followers_in_the_digest(app):
    asker, helper, follower = make_member("asker"), make_member("helper"), make_member("fan")
    thread = make_question(asker, title="How do you get through nights?")
    from forum.services import following

    following.set_thread_follow(member=follower, thread=thread, follow=True)
    make_answer(helper, thread)
    assert _texts(asker) == ["helper answered your question in “How do you get through nights?”."]
    assert _texts(follower) == [
        "helper replied in “How do you get through nights?”, a thread you follow."]
    assert _texts(helper) == []
    [mail] = outbox(app)
    assert mail["To"] == "asker@example.org"
    assert "Stretching" not in mail.get_content()  # who did what, never the text


def test_accepting_an_answer_and_marking_it_helpful_tell_its_author(app):
    from forum.services import posts

    asker, helper = make_member("asker"), make_member("helper")
    answer = make_answer(helper, make_question(asker))
    posts.accept_answer(actor=asker, answer=answer)
    posts.toggle_helpful(actor=asker, post=answer)
    assert [row.kind for row in notifications.recent(helper)] == ["helpful", "accepted"]


def test_a_new_thread_under_a_followed_tag_tells_the_follower(app):
    from forum.services import following

    author, fan = make_member("author"), make_member("fan")
    following.set_tag_follow(member=fan, tag="baclofen", follow=True)
    make_question(author, tags="baclofen")
    assert [row.kind for row in notifications.recent(fan)] == ["tag_post"]


def test_a_removal_tells_the_author_the_reason_and_the_mail_has_no_body(app):
    from forum.models import ReviewItem
    from forum.services import review

    author, moderator = make_member("author"), make_member("mod", role="moderator")
    post = make_question(author, body="A body that must never be mailed.")
    db.session.add(ReviewItem(post_id=post.id, source="reports", severity=1))
    db.session.commit()
    item_id = db.session.scalar(select(ReviewItem.id))
    review.remove(actor=moderator, item_id=item_id, reason="Selling medicine is not allowed")
    [text] = _texts(author)
    assert "A moderator removed your post." in text
    assert "Selling medicine is not allowed" in text
    mail = outbox(app)[-1]
    assert "Selling medicine is not allowed" in mail.get_content()
    assert "never be mailed" not in mail.get_content()


def test_two_digest_runs_at_once_send_each_member_one_mail(app, database_url):
    import threading

    people = [make_member(f"reader{n}") for n in range(4)]
    for member in people:
        _digest_items(member, [f"news for {member.username}"])
    now = utcnow()
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                results.append(notifications.send_digests(period="daily", now=now))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(result.sent for result in results) == 4
    assert sorted(mail["To"] for mail in outbox(app)) == sorted(
        f"{member.username}@example.org" for member in people)


def test_the_digest_command_reports_what_it_sent(app):
    member = make_member("member")
    _digest_items(member, ["a reply"])
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "digest", "--period", "daily"])
    again = runner.invoke(args=["notifications", "digest", "--period", "daily"])
    assert first.exit_code == 0 and "1 digest sent" in first.output
    assert again.exit_code == 0 and "0 digests sent" in again.output
    assert len(outbox(app)) == 1


def test_a_held_answer_approved_later_tells_the_asker_then(app):
    from forum.models import ReviewItem
    from forum.services import review

    asker, helper = make_member("asker"), make_member("helper")
    moderator = make_member("mod", role="moderator")
    thread = make_question(asker)
    answer = make_answer(helper, thread)
    with write_transaction():
        db.session.execute(
            Notification.__table__.delete())  # as if the answer had been held from the start
        answer.status = "held"
        db.session.add(ReviewItem(post_id=answer.id, source="screening", severity=2))
    item_id = db.session.scalar(select(ReviewItem.id))
    review.approve(actor=moderator, item_id=item_id)
    assert [row.kind for row in notifications.recent(asker)] == ["answer"]
    assert [row.kind for row in notifications.recent(helper)] == ["moderation"]
