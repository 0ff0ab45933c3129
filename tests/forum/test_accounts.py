"""Joining with a confirmed email and choosing a new password, through the pages and the mail."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.mail import Message, OutboxMailer, SmtpMailer, init_mail, mailer
from forum.models import AccountToken, Member, utcnow
from forum.services import members, posts, review
from tests.factories import (
    PASSWORD,
    count,
    csrf_token,
    login,
    mail_link,
    make_experience,
    make_member,
    outbox,
    post_form,
    register,
)

NEW_PASSWORD = "my knees creak on stairs"


def forgot(client, identifier: str):
    return post_form(client, "/forgot-password", {"identifier": identifier},
                     token_from="/forgot-password")


def token_of(link: str) -> str:
    return link.partition("token=")[2]


def reset(client, link: str, password: str = NEW_PASSWORD):
    return post_form(client, "/reset-password", {"token": token_of(link), "password": password},
                     token_from="/forgot-password")


def answer_page(client, response) -> str:
    """Follow a redirect the way a browser does; return the page without its CSRF tokens."""
    page = client.get(response.location).get_data(as_text=True)
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page)


# Joining ---------------------------------------------------------------------------------

def test_a_taken_email_gets_the_same_answer_and_its_owner_a_notice(app, client):
    make_member("priya")  # priya@example.org
    free = register(client, username="rowan", email="rowan@example.org")
    other = app.test_client()
    taken = register(other, username="someone", email="PRIYA@example.org")
    assert free.status_code == taken.status_code == 303
    assert free.location == taken.location
    assert answer_page(client, free) == answer_page(other, taken)
    assert members.find_member("someone") is None and count(Member) == 2
    confirm, notice = outbox(app)
    assert confirm["To"] == "rowan@example.org" and "Confirm" in confirm["Subject"]
    assert notice["To"] == "priya@example.org"
    body = notice.get_content()
    assert "already have an account" in body and "Your username is: priya" in body
    assert "/forgot-password" in body and "token=" not in body


def test_a_taken_username_is_still_reported_because_usernames_are_public(app, client):
    make_member("priya")
    response = register(client, username="Priya", email="new@example.org")
    assert response.status_code == 422
    assert "That username is taken" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_an_unconfirmed_member_cannot_log_in_and_is_sent_a_new_link(app, client):
    register(client)
    refused = login(client, "rowan")
    assert refused.status_code == 401
    assert "confirm your email address first" in refused.get_data(as_text=True)
    assert "Log out" not in client.get("/").get_data(as_text=True)
    first, second = outbox(app)
    assert mail_link(first) != mail_link(second)
    assert post_form(client, "/confirm-email", {"token": token_of(mail_link(second))},
                     token_from=mail_link(second)).status_code == 303
    assert login(client, "rowan").status_code == 303


def test_a_confirmation_link_works_once(app, client):
    register(client)
    link = mail_link(outbox(app)[0])
    assert post_form(client, "/confirm-email", {"token": token_of(link)},
                     token_from=link).status_code == 303
    again = client.get(link)
    assert again.status_code == 410
    assert "This link does not work any more" in again.get_data(as_text=True)


def test_joining_again_from_the_same_form_twice_makes_one_account(app, client):
    register(client)
    register(client)  # pressed twice: the second finds the username taken
    assert count(Member) == 1


# Forgot password -------------------------------------------------------------------------

def test_asking_for_a_new_password_says_the_same_whatever_was_typed(app):
    make_member("priya")
    answers, pages = [], set()
    for typed in ("priya", "PRIYA@example.org", "nobody-here", "nobody@example.org"):
        client = app.test_client()
        response = forgot(client, typed)
        answers.append((response.status_code, response.location))
        pages.add(answer_page(client, response))
    assert answers == [(303, "/check-your-email")] * 4
    [page] = pages
    assert "If an account matches, we&#39;ve sent a link" in page
    assert [mail["To"] for mail in outbox(app)] == ["priya@example.org"] * 2


def test_the_login_page_links_to_the_forgot_password_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page
    assert "Type your username or the email" in client.get("/forgot-password").get_data(
        as_text=True)


def test_an_empty_request_is_refused_with_a_clear_message(app, client):
    response = forgot(client, "   ")
    assert response.status_code == 422
    assert "Your username or email is empty" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_no_mail_goes_to_an_imported_account_without_an_address(app, client):
    with app.app_context():
        members.imported_member("old_timer")
        db.session.commit()
    assert forgot(client, "old_timer").status_code == 303
    assert outbox(app) == []


# Choosing a new password -----------------------------------------------------------------

def test_a_new_password_ends_every_other_session_and_replaces_the_old(app, client):
    make_member("priya")
    elsewhere = app.test_client()
    login(elsewhere, "priya")
    assert "Log out" in elsewhere.get("/").get_data(as_text=True)
    forgot(client, "priya")
    link = mail_link(outbox(app)[0])
    form = client.get(link).get_data(as_text=True)
    assert "Choose a new password" in form and "priya" in form
    response = reset(client, link)
    assert response.status_code == 303 and response.location == "/login"
    assert "Log in with your new password" in answer_page(client, response)
    assert "Log out" not in elsewhere.get("/").get_data(as_text=True)
    assert login(app.test_client(), "priya", PASSWORD).status_code == 401
    assert login(app.test_client(), "priya", NEW_PASSWORD).status_code == 303
    changed = outbox(app)[-1]
    assert changed["To"] == "priya@example.org" and "was changed" in changed["Subject"]


def test_a_new_password_follows_the_registration_rules_and_the_link_still_works(app, client):
    make_member("priya")
    forgot(client, "priya")
    link = mail_link(outbox(app)[0])
    common = reset(client, link, password="Password1")
    assert common.status_code == 422
    assert "one of the most common" in common.get_data(as_text=True)
    short = reset(client, link, password="short")
    assert short.status_code == 422 and "at least 8 characters" in short.get_data(as_text=True)
    assert reset(client, link).status_code == 303
    stored = db.session.scalar(select(Member.password_hash).where(Member.username == "priya"))
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored


def test_a_password_link_works_once_and_older_links_die_with_it(app, client):
    make_member("priya")
    forgot(client, "priya")
    forgot(client, "priya")
    older, newer = (mail_link(mail) for mail in outbox(app))
    assert reset(client, newer).status_code == 303
    for link in (newer, older):
        used = client.get(link)
        assert used.status_code == 410
        assert "This link does not work any more" in used.get_data(as_text=True)
        assert reset(client, link, password="another fine sentence").status_code == 410
    assert login(app.test_client(), "priya", NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("links", ["the same link", "two links"])
def test_password_links_used_by_two_requests_at_once_change_the_password_once(app, client,
                                                                              links):
    """Two workers, each with its own connection, post the reset form at the same moment."""
    make_member("priya")
    forgot(client, "priya")
    forgot(client, "priya")
    mailed = [mail_link(mail) for mail in outbox(app)]
    chosen = [mailed[0], mailed[0]] if links == "the same link" else mailed
    passwords = [NEW_PASSWORD, "another fine sentence"]
    browsers = [app.test_client(), app.test_client()]
    tokens = [csrf_token(browser, "/forgot-password") for browser in browsers]
    start, answers = threading.Barrier(2), {}

    def submit(number: int) -> None:
        start.wait()
        answers[number] = browsers[number].post("/reset-password", data={
            "csrf_token": tokens[number], "token": token_of(chosen[number]),
            "password": passwords[number]}).status_code

    workers = [threading.Thread(target=submit, args=(number,)) for number in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(answers.values()) == [303, 410]
    winner = passwords[0] if answers[0] == 303 else passwords[1]
    loser = passwords[1] if winner == passwords[0] else passwords[0]
    assert login(app.test_client(), "priya", winner).status_code == 303
    assert login(app.test_client(), "priya", loser).status_code == 401
    assert [m["Subject"] for m in outbox(app)].count("Your Thaw password was changed") == 1
    db.session.expire_all()
    assert members.find_member("priya").session_version == 2  # counted up once
    assert db.session.scalar(select(func.count()).select_from(AccountToken).where(
        AccountToken.used_at.is_(None))) == 0


def test_an_expired_password_link_is_refused(app, client):
    make_member("priya")
    forgot(client, "priya")
    link = mail_link(outbox(app)[0])
    with app.app_context():
        for row in db.session.scalars(select(AccountToken)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(link).status_code == 410
    assert reset(client, link).status_code == 410
    assert login(app.test_client(), "priya", PASSWORD).status_code == 303


def test_only_a_hash_of_the_token_is_stored(app, client):
    make_member("priya")
    forgot(client, "priya")
    token = token_of(mail_link(outbox(app)[0]))
    stored = db.session.scalar(select(AccountToken.token_hash))
    assert len(token) >= 43 and token not in stored
    assert stored == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize("token", ["", "x", "é" * 50, "a" * 5000, "' OR 1=1 --"])
def test_a_broken_link_gets_a_clear_refusal(client, token):
    for path in ("/reset-password", "/confirm-email"):
        response = client.get(path, query_string={"token": token})
        assert response.status_code == 410
        assert "This link does not work any more" in response.get_data(as_text=True)


def test_following_a_password_link_confirms_a_waiting_account(app, client):
    register(client)
    forgot(client, "rowan")
    reset(client, mail_link(outbox(app)[-1]))
    assert login(client, "rowan", NEW_PASSWORD).status_code == 303


def test_links_use_the_public_address_not_the_requests_host(app, client):
    app.config["PUBLIC_URL"] = "https://thaw.example.org/"
    make_member("priya")
    page = client.get("/forgot-password", base_url="http://attacker.example")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    sent = client.post("/forgot-password", base_url="http://attacker.example",
                       data={"csrf_token": token.group(1), "identifier": "priya"})
    assert sent.status_code == 303
    body = outbox(app)[0].get_content()
    assert "https://thaw.example.org/reset-password?token=" in body
    assert "attacker.example" not in body


def test_addresses_and_tokens_never_reach_the_log(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    make_member("priya")
    register(client, username="rowan", email="rowan@example.org")
    register(app.test_client(), username="someone", email="priya@example.org")
    forgot(client, "priya@example.org")
    link = mail_link(outbox(app)[-1])
    reset(client, link)
    assert outbox(app)
    for secret in ("priya@example.org", "rowan@example.org", token_of(link), NEW_PASSWORD):
        assert secret not in caplog.text


# Pruning accounts never confirmed ---------------------------------------------------------

def age(username: str, hours: int) -> None:
    """Move an account's joining, and the links mailed to it, `hours` into the past."""
    member = members.find_member(username)
    member.created_at -= timedelta(hours=hours)
    for row in db.session.scalars(select(AccountToken).where(
            AccountToken.member_id == member.id)):
        row.created_at -= timedelta(hours=hours)
        row.expires_at -= timedelta(hours=hours)
    db.session.commit()


def test_accounts_never_confirmed_are_pruned_when_their_links_expired_unless_they_left_traces(
        app, client):
    over = app.config["EMAIL_CONFIRM_HOURS"] + 1
    for name in ("rowan", "sasha", "tomasz", "ines", "wren", "mia"):
        register(app.test_client(), username=name, email=f"{name}@example.org")
    priya = make_member("priya")  # confirmed
    report = make_experience(priya)
    members.imported_member("oldtimer")  # no email: never confirms, never goes
    db.session.commit()
    for name in ("rowan", "tomasz", "ines", "wren", "mia", "priya", "oldtimer"):
        age(name, over)
    age("sasha", over - 2)  # her link still works
    login(app.test_client(), "tomasz")  # unconfirmed: mailed a new link, which works
    posts.create_thread(author=members.find_member("ines"), kind="question",
                        title="Does stretching help at night?", body="It helps me a little.",
                        tags="stretching")
    posts.toggle_helpful(actor=members.find_member("wren"), post=report)
    review.report_post(reporter=members.find_member("mia"), post=report, reason="spam")

    result = app.test_cli_runner().invoke(args=["users", "prune-unconfirmed"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Removed 1 unconfirmed account."
    assert "@" not in result.output
    left = set(db.session.scalars(select(Member.username)))
    assert left == {"sasha", "tomasz", "ines", "wren", "mia", "priya", "oldtimer"}
    assert db.session.scalar(select(func.count()).select_from(AccountToken).join(
        Member, isouter=True).where(Member.id.is_(None))) == 0
    assert register(client, username="rowan", email="rowan@example.org").status_code == 303
    assert outbox(app)[-1]["To"] == "rowan@example.org"  # a fresh account and link
    assert "Removed 0 unconfirmed accounts." in app.test_cli_runner().invoke(
        args=["users", "prune-unconfirmed"]).output


# The mail service ------------------------------------------------------------------------

class FakeSMTP:
    """Stands in for smtplib.SMTP: records what a real server would have been told."""

    sent: list = []
    fail = False

    def __init__(self, host, port, timeout):
        self.calls = [("connect", host, port)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context):
        self.calls.append(("starttls",))

    def login(self, username, password):
        self.calls.append(("login", username))

    def send_message(self, email):
        import smtplib

        if FakeSMTP.fail:
            raise smtplib.SMTPRecipientsRefused({"secret@example.org": (550, b"no")})
        FakeSMTP.sent.append((self.calls, email))


def test_smtp_is_used_when_a_mail_server_is_configured(app, monkeypatch):
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PORT="2525", MAIL_USERNAME="thaw",
                      MAIL_PASSWORD="s3cret", MAIL_SENDER="Thaw <forum@example.org>")
    init_mail(app)
    with app.app_context():
        smtp = mailer()
        assert isinstance(smtp, SmtpMailer)
        smtp.send(Message(to="priya@example.org", subject="Hello", body="A line."))
        smtp.close()
    [(calls, email)] = FakeSMTP.sent
    assert calls == [("connect", "smtp.example.org", 2525), ("starttls",), ("login", "thaw")]
    assert email["To"] == "priya@example.org" and email["From"] == "Thaw <forum@example.org>"
    assert email.get_content().strip() == "A line."


def test_a_failed_delivery_is_logged_without_the_address(monkeypatch, caplog):
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "fail", True)
    smtp = SmtpMailer(host="smtp.example.org", port=25, sender="t@example.org", starttls=False)
    assert smtp.deliver(Message(to="secret@example.org", subject="Hi", body="x")) is False
    smtp.close()
    assert "SMTPRecipientsRefused" in caplog.text and "secret@example.org" not in caplog.text


def test_the_outbox_writes_files_only_the_owner_can_read(tmp_path):
    OutboxMailer(tmp_path / "outbox", sender="t@example.org").send(
        Message(to="priya@example.org", subject="Hi", body="x"))
    [path] = (tmp_path / "outbox").iterdir()
    assert path.suffix == ".eml" and path.stat().st_mode & 0o077 == 0
