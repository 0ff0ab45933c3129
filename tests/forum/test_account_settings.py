"""Changing email and password from the account page; consent and the privacy pages at sign-up."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import Member
from forum.services import members
from tests.factories import (
    PASSWORD,
    login,
    mail_link,
    make_member,
    outbox,
    post_form,
    register,
)

NEW_PASSWORD = "my knees creak on stairs"


def change_email(client, email: str, password: str = PASSWORD):
    return post_form(client, "/account/email", {"email": email, "current_password": password},
                     token_from="/account/email")


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    return post_form(client, "/account/password",
                     {"current_password": current, "password": new},
                     token_from="/account/password")


def confirm(client, link: str):
    token = link.partition("token=")[2]
    return post_form(client, "/account/email/confirm", {"token": token}, token_from=link)


# Email -----------------------------------------------------------------------------------

def test_a_new_email_counts_once_its_link_is_followed_and_the_old_one_is_told(app, client):
    make_member("rowan")
    login(client, "rowan")
    response = change_email(client, "rowan.new@example.org")
    assert response.status_code == 303
    assert members.find_member("rowan").email == "rowan@example.org"  # not yet
    [link_mail] = outbox(app)
    assert link_mail["To"] == "rowan.new@example.org"
    link = mail_link(link_mail)
    page = client.get(link)
    assert page.status_code == 200 and "rowan.new@example.org" in page.get_data(as_text=True)

    assert confirm(app.test_client(), link).status_code == 303  # any browser: the link proves it
    db.session.rollback()
    rowan = members.find_member("rowan")
    assert rowan.email == "rowan.new@example.org"
    assert members.find_by_email("ROWAN.NEW@example.org").id == rowan.id
    notice = outbox(app)[-1]
    assert notice["To"] == "rowan@example.org" and "changed" in notice["Subject"]
    body = notice.get_content()
    assert "r•••@example.org" in body and "rowan.new@" not in body
    assert client.get(link).status_code == 410  # it works once


def test_changing_email_asks_for_the_current_password(app, client):
    make_member("rowan")
    login(client, "rowan")
    refused = change_email(client, "rowan.new@example.org", password="not my password")
    assert refused.status_code == 422
    assert "That is not your current password." in refused.get_data(as_text=True)
    bad = change_email(client, "not an address")
    assert bad.status_code == 422 and "does not look like an email" in bad.get_data(as_text=True)
    assert outbox(app) == []


def test_an_email_of_another_account_gets_the_same_answer_and_its_owner_a_notice(app, client):
    make_member("rowan")
    make_member("priya")
    login(client, "rowan")
    response = change_email(client, "Priya@example.org")
    assert response.status_code == 303
    [notice] = outbox(app)
    assert notice["To"] == "priya@example.org" and "token=" not in notice.get_content()
    assert members.find_member("rowan").email == "rowan@example.org"


def test_a_link_for_an_address_taken_meanwhile_changes_nothing(app, client):
    make_member("rowan")
    login(client, "rowan")
    change_email(client, "shared@example.org")
    link = mail_link(outbox(app)[0])
    make_member("shared")  # shared@example.org joins first
    response = confirm(client, link)
    assert response.status_code == 409
    assert "belongs to another account" in response.get_data(as_text=True)
    assert members.find_member("rowan").email == "rowan@example.org"


def test_email_change_links_are_rate_limited_per_member(app, client):
    app.config["EMAIL_CHANGE_LIMIT"] = "2 per hour"
    make_member("rowan")
    login(client, "rowan")
    for number in range(2):
        assert change_email(client, f"new{number}@example.org").status_code == 303
    refused = change_email(client, "new3@example.org")
    assert refused.status_code == 429
    assert "Many links to confirm a new email" in refused.get_data(as_text=True)
    assert len(outbox(app)) == 2


# Password --------------------------------------------------------------------------------

def test_changing_the_password_keeps_this_device_and_ends_the_others(app, client):
    make_member("rowan")
    elsewhere = app.test_client()
    login(client, "rowan")
    login(elsewhere, "rowan")
    response = change_password(client)
    assert response.status_code == 303
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302  # sent to log in
    assert login(app.test_client(), "rowan").status_code == 401  # the old password
    assert login(app.test_client(), "rowan", NEW_PASSWORD).status_code == 303
    [mail] = outbox(app)
    assert mail["To"] == "rowan@example.org" and "password was changed" in mail["Subject"]
    assert "every other device" in mail.get_content()


def test_changing_the_password_asks_for_the_current_one_and_follows_the_rules(app, client):
    make_member("rowan")
    login(client, "rowan")
    version = members.find_member("rowan").session_version
    wrong = change_password(client, current="not my password")
    assert wrong.status_code == 422
    assert "That is not your current password." in wrong.get_data(as_text=True)
    weak = change_password(client, new="Password1")
    assert weak.status_code == 422 and "most common" in weak.get_data(as_text=True)
    db.session.rollback()
    assert members.find_member("rowan").session_version == version
    assert outbox(app) == []


def test_guessing_the_current_password_is_rate_limited(app, client):
    app.config["ACCOUNT_PASSWORD_LIMIT"] = "2 per hour"
    make_member("rowan")
    login(client, "rowan")
    for _ in range(2):
        assert change_password(client, current="guess").status_code == 422
    refused = change_password(client)  # even the right one, for now
    assert refused.status_code == 429
    assert login(app.test_client(), "rowan").status_code == 303  # nothing changed


# Consent and the pages it points to ------------------------------------------------------

def test_joining_needs_consent_to_store_health_information(app, client):
    page = client.get("/register").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*type="checkbox"[^>]*>', page)
    assert "checked" not in box
    assert 'href="/privacy"' in page and 'href="/terms"' in page
    refused = register(client, consent=False)
    assert refused.status_code == 422
    assert "tick the box" in refused.get_data(as_text=True)
    assert members.find_member("rowan") is None and outbox(app) == []
    assert register(client).status_code == 303
    assert db.session.scalars(select(Member)).one().consented_at is not None


def test_the_privacy_and_rules_pages_are_linked_from_every_page(app, client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in home and 'href="/terms"' in home
    privacy = client.get("/privacy").get_data(as_text=True)
    for words in ("No advertising", "never sell", "Who sees it", "How long", "/account/data",
                  "/account/delete", "30 days"):
        assert words in privacy, words
    rules = client.get("/terms").get_data(as_text=True)
    assert "Never sell, swap, give or offer to find medicines" in rules
    assert "When three different members report the same post" in rules
