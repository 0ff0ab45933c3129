"""Rate limits: each one trips at its configured number, refuses with the friendly 429 page,
shows back what the member typed, and keeps nothing of the refused request."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from limits import parse_many
from sqlalchemy import func, select

from forum.config import DEFAULTS
from forum.extensions import db
from forum.models import Member, Post, Report, Vote, utcnow
from tests.factories import (
    count,
    csrf_token,
    login,
    make_answer,
    make_experience,
    make_member,
    make_question,
    outbox,
    post_form,
)

BREAK = "Please take a short break"


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def kept(response, text: str) -> bool:
    """Tell whether the refusal shows `text` back in a read-only box of its own."""
    return f"readonly>{text}</textarea>" in page_of(response)


def ask(client, title: str, body: str = "Does anyone else get this at night?"):
    return post_form(client, "/ask", {"title": title, "body": body, "tags": "baclofen",
                                      "action": "post"}, token_from="/ask")


@pytest.mark.parametrize("key", ["REGISTER_LIMIT", "RESET_REQUEST_LIMIT", "RESET_ACCOUNT_LIMIT",
                                 "POST_LIMIT", "NEW_MEMBER_POST_LIMIT", "REPORT_LIMIT",
                                 "VOTE_LIMIT", "LOGIN_FAILURE_LIMIT"])
def test_every_default_limit_is_a_limit_the_limiter_reads(key):
    assert parse_many(DEFAULTS[key])


def test_registrations_from_one_address_are_limited_and_the_form_is_kept(app, client):
    app.config["REGISTER_LIMIT"] = "2 per hour"
    for name in ("rowan", "priya"):
        response = post_form(client, "/register", {"username": name, "email": f"{name}@x.org",
                                                   "password": "a long enough password",
                                                   "consent": "y"},
                             token_from="/register")
        assert response.status_code == 303
    refused = post_form(client, "/register", {"username": "tomasz", "email": "tomasz@x.org",
                                              "password": "a long enough password", "consent": "y"},
                        token_from="/register")
    assert refused.status_code == 429
    page = page_of(refused)
    assert BREAK in page and "Many accounts have been made from your connection" in page
    assert "You can try again in about" in page
    assert kept(refused, "tomasz") and kept(refused, "tomasz@x.org")
    assert "a long enough password" not in page
    assert count(Member) == 2 and len(outbox(app)) == 2


def test_refused_registrations_with_mistakes_do_not_count(app, client):
    app.config["REGISTER_LIMIT"] = "1 per hour"
    for _ in range(3):
        mistake = post_form(client, "/register", {"username": "x", "email": "nope",
                                                  "password": "short"}, token_from="/register")
        assert mistake.status_code == 422
    assert post_form(client, "/register", {"username": "rowan", "email": "rowan@x.org",
                                           "password": "a long enough password", "consent": "y"},
                     token_from="/register").status_code == 303


def forgot(client, identifier: str):
    return post_form(client, "/forgot-password", {"identifier": identifier},
                     token_from="/forgot-password")


def test_reset_requests_from_one_address_are_limited(app, client):
    app.config["RESET_REQUEST_LIMIT"] = "2 per hour"
    make_member("priya")
    assert forgot(client, "priya").status_code == 303
    assert forgot(client, "somebody-else").status_code == 303
    refused = forgot(client, "priya")
    assert refused.status_code == 429
    assert "from your connection" in page_of(refused) and kept(refused, "priya")
    assert len(outbox(app)) == 1


def test_reset_requests_for_one_account_are_limited_whether_or_not_it_exists(app):
    app.config["RESET_ACCOUNT_LIMIT"] = "2 per hour"
    make_member("priya")
    # From different addresses: the limit follows what was typed, not who typed it.
    clients = [app.test_client() for _ in range(6)]
    for index, typed in enumerate(("priya", "nobody-here")):
        first, second, third = clients[3 * index:3 * index + 3]
        assert forgot(first, typed).status_code == 303
        environ = {"REMOTE_ADDR": f"10.0.0.{index + 1}"}
        assert post_form(second, "/forgot-password", {"identifier": typed.upper()},
                         token_from="/forgot-password").status_code == 303
        refused = third.post("/forgot-password", environ_base=environ, data={
            "identifier": f"  {typed} ", "csrf_token": _token(third)})
        assert refused.status_code == 429
        assert "Many new-password links have been asked for that account" in page_of(refused)
    assert len(outbox(app)) == 2
    assert forgot(app.test_client(), "someone-new").status_code == 303


def _token(client) -> str:
    return csrf_token(client, "/forgot-password")


def test_a_new_member_may_post_a_few_times_then_keeps_their_text(app, client):
    app.config.update(NEW_MEMBER_POST_LIMIT="2 per hour", POST_LIMIT="100 per hour")
    newcomer = make_member("newcomer")
    login(client, "newcomer")
    assert ask(client, "Night spasms and baclofen timing?").status_code == 303
    other = make_question(make_member("other"))
    answered = post_form(client, f"/threads/{other.id}/answers",
                         {"body": "I take mine an hour before bed."}, token_from="/")
    assert answered.status_code == 303  # answers count too
    refused = ask(client, "Does heat make spasticity worse?",
                  body="Every summer my legs get **much** stiffer.")
    assert refused.status_code == 429
    page = page_of(refused)
    assert "While your account is new" in page
    assert kept(refused, "Does heat make spasticity worse?")
    assert kept(refused, "Every summer my legs get **much** stiffer.")
    assert kept(refused, "baclofen")
    assert db.session.scalar(select(func.count()).select_from(Post).where(
        Post.author_id == newcomer.id)) == 2


def test_suggesting_tags_and_mistakes_do_not_use_up_a_new_members_posts(app, client):
    app.config.update(NEW_MEMBER_POST_LIMIT="1 per hour")
    make_member("newcomer")
    login(client, "newcomer")
    suggest = post_form(client, "/ask", {"title": "Tizanidine and clonus", "body": "Mornings.",
                                         "action": "suggest"}, token_from="/ask")
    assert suggest.status_code == 200
    assert ask(client, "").status_code == 422
    assert ask(client, "Tizanidine and clonus in the mornings").status_code == 303


def test_an_established_member_has_the_wider_limit(app, client):
    app.config.update(NEW_MEMBER_POST_LIMIT="1 per hour", POST_LIMIT="3 per hour")
    regular = make_member("regular")
    for number in range(3):
        make_experience(regular, title=f"Report number {number} on baclofen")
    regular.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    login(client, "regular")
    for number in range(3):
        assert ask(client, f"Question number {number} about stretching").status_code == 303
    refused = ask(client, "One question too many about stretching")
    assert refused.status_code == 429
    assert "You have posted many times in a short while" in page_of(refused)
    assert kept(refused, "One question too many about stretching")


def test_reports_per_day_are_limited_and_the_note_is_kept(app, client):
    app.config["REPORT_LIMIT"] = "1 per day"
    author = make_member("author")
    make_member("reporter")
    first, second = (make_question(author, title=f"Stretching question number {n}")
                     for n in (1, 2))
    login(client, "reporter")
    assert post_form(client, f"/posts/{first.id}/report", {"reason": "spam",
                                                          "note": "Looks like an advert."},
                     token_from=f"/posts/{first.id}/report").status_code == 303
    refused = post_form(client, f"/posts/{second.id}/report",
                        {"reason": "spam", "note": "The same advert again."},
                        token_from=f"/posts/{second.id}/report")
    assert refused.status_code == 429
    assert "You have reported many posts today" in page_of(refused)
    assert kept(refused, "The same advert again.")
    assert count(Report) == 1


def test_helpful_marks_per_day_are_limited(app, client):
    app.config["VOTE_LIMIT"] = "2 per day"
    author = make_member("author")
    make_member("voter")
    question = make_question(author)
    answers = [make_answer(author, question, body=f"Stretch for {n} minutes.") for n in (5, 10, 15)]
    login(client, "voter")
    for answer in answers[:2]:
        assert post_form(client, f"/posts/{answer.id}/helpful", {},
                         token_from="/").status_code == 303
    refused = post_form(client, f"/posts/{answers[2].id}/helpful", {}, token_from="/")
    assert refused.status_code == 429
    assert "You have marked many posts as helpful today" in page_of(refused)
    assert count(Vote) == 2


def test_limits_count_each_member_apart(app):
    app.config.update(NEW_MEMBER_POST_LIMIT="1 per hour")
    for name in ("rowan", "priya"):
        make_member(name)
        client = app.test_client()
        login(client, name)
        assert ask(client, f"A first question from {name}").status_code == 303
        assert ask(client, f"A second question from {name}").status_code == 429
