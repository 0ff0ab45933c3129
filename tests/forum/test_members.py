"""Registering, logging in and out, profiles, roles and suspension, through the HTTP surface."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import Member, utcnow
from forum.services import members
from tests.factories import (
    PASSWORD,
    csrf_token,
    login,
    mail_link,
    make_member,
    outbox,
    post_form,
    register,
)


def test_newcomer_confirms_their_email_then_logs_in(app, client):
    response = register(client)
    assert response.status_code in (302, 303)
    assert "open the link in it" in client.get(response.location).get_data(as_text=True)
    assert "Log out" not in client.get("/").get_data(as_text=True)
    [mail] = outbox(app)
    assert mail["To"] == "rowan@example.org"
    link = mail_link(mail)
    page = client.get(link).get_data(as_text=True)
    assert "Confirm my email" in page
    token = link.partition("token=")[2]
    confirmed = post_form(client, "/confirm-email", {"token": token}, token_from=link)
    assert confirmed.status_code in (302, 303)
    login(client, "rowan")
    home = client.get("/").get_data(as_text=True)
    assert "rowan" in home and "Log out" in home


def test_password_is_stored_as_argon2id_with_owasp_parameters(client):
    register(client)
    stored = db.session.scalar(select(Member.password_hash).where(Member.username == "rowan"))
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert PASSWORD not in stored


def test_registration_errors_name_each_field_and_keep_the_input(client):
    response = register(client, username="x!", email="not-an-email", password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Usernames are 3-30 letters" in page
    assert "does not look like an email" in page
    assert "at least 8 characters" in page
    assert 'value="not-an-email"' in page


def test_taken_username_is_refused_whatever_its_case(client):
    make_member("Rowan")
    response = register(client, username="rowan", email="other@example.org")
    assert response.status_code == 422
    assert "That username is taken" in response.get_data(as_text=True)


def test_login_failure_says_the_same_for_unknown_user_and_wrong_password(client):
    make_member("priya")
    wrong_password = login(client, "priya", "not the password")
    unknown_user = login(client, "nobody-here", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    for response in (wrong_password, unknown_user):
        assert "Wrong username or password." in response.get_data(as_text=True)


def test_repeated_login_failures_are_throttled_with_a_friendly_page(app, client):
    app.config["LOGIN_FAILURE_LIMIT"] = "3 per minute"
    make_member("priya")
    for _ in range(3):
        assert login(client, "priya", "wrong guess").status_code == 401
    throttled = login(client, "priya", PASSWORD)
    assert throttled.status_code == 429
    assert "Please take a short break" in throttled.get_data(as_text=True)


def test_successful_logins_do_not_count_towards_the_throttle(app, client):
    app.config["LOGIN_FAILURE_LIMIT"] = "2 per minute"
    make_member("priya")
    for _ in range(4):
        assert login(client, "priya").status_code in (302, 303)
        post_form(client, "/logout", {}, token_from="/")


def test_remember_me_sets_a_long_lived_cookie(client):
    make_member("ines")
    login(client, "ines", remember="y")
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_no_long_lived_cookie(client):
    make_member("ines")
    login(client, "ines")
    assert client.get_cookie("remember_token") is None


def test_logout_ends_the_session_and_needs_a_post(client):
    make_member("ines")
    login(client, "ines")
    assert client.get("/logout").status_code == 405
    post_form(client, "/logout", {}, token_from="/")
    assert "Log in" in client.get("/").get_data(as_text=True)
    assert client.get("/ask").status_code in (302, 303)


def test_logout_ends_sessions_on_other_devices(app, client):
    make_member("ines")
    other_device = app.test_client()
    login(other_device, "ines")
    login(client, "ines")
    post_form(client, "/logout", {}, token_from="/")
    assert other_device.get("/ask").status_code in (302, 303)


def test_next_after_login_stays_on_the_site(client):
    make_member("tomasz")
    inside = login(client, "tomasz", next="/tags")
    assert inside.headers["Location"].endswith("/tags")
    post_form(client, "/logout", {}, token_from="/")
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example",
                   "https:evil.example", "/\tevil", " //evil.example"):
        response = login(client, "tomasz", next=target)
        assert "evil" not in response.headers["Location"], target
        post_form(client, "/logout", {}, token_from="/")


def test_email_is_never_shown_on_the_public_profile(client):
    make_member("priya")
    page = client.get("/members/priya").get_data(as_text=True)
    assert "priya@example.org" not in page
    login(client, "priya")
    assert "priya@example.org" not in client.get("/members/priya").get_data(as_text=True)


def test_member_edits_bio_and_treatments_shown_on_profile(client):
    make_member("priya")
    login(client, "priya")
    response = post_form(client, "/account/profile",
                         {"bio": "SPMS since 2012.", "treatments": ["tizanidine", "yoga"]})
    assert response.status_code in (302, 303)
    page = client.get("/members/priya").get_data(as_text=True)
    assert "SPMS since 2012." in page
    assert "Tizanidine" in page and "Yoga" in page


def test_profile_lists_the_members_posts(client):
    from tests.factories import make_question

    author = make_member("priya")
    make_question(author, title="Night spasms and hot weather?")
    assert "Night spasms and hot weather?" in client.get("/members/priya").get_data(as_text=True)


def test_unknown_profile_is_a_friendly_404(client):
    response = client.get("/members/nobody")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.get_data(as_text=True)


def test_suspended_member_cannot_post_and_is_told_why(client):
    member = make_member("sam")
    members.suspend(actor=None, member=member, until=utcnow() + timedelta(days=3),
                    reason="Repeated selling of medicine")
    login(client, "sam")
    response = client.get("/ask")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "suspended until" in page and "Repeated selling of medicine" in page


def test_users_cli_creates_a_moderator_with_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "mod_ana", "--role", "moderator"],
                           input="a long moderator password\n")
    assert result.exit_code == 0, result.output
    member = members.find_member("mod_ana")
    assert member.role == "moderator"
    assert members.authenticate(username="mod_ana", password="a long moderator password")


def test_users_cli_sets_a_role_and_explains_unknown_names(app):
    make_member("priya")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "set-role", "priya", "admin"]).exit_code == 0
    assert members.find_member("priya").role == "admin"
    missing = runner.invoke(args=["users", "set-role", "ghost", "admin"])
    assert missing.exit_code != 0 and "No member is called 'ghost'" in missing.output


def test_register_form_refuses_a_missing_csrf_token_and_keeps_nothing(client):
    response = client.post("/register", data={"username": "rowan", "email": "r@example.org",
                                              "password": PASSWORD})
    assert response.status_code == 400
    assert members.find_member("rowan") is None
    assert csrf_token(client, "/register")


def test_the_most_common_passwords_are_refused(client):
    response = register(client, password="Password1")
    assert response.status_code == 422
    assert "one of the most common" in response.get_data(as_text=True)
    assert members.find_member("rowan") is None


def test_passwords_of_64_characters_are_accepted(client):
    assert register(client, password="a slow river " * 5 + "bend").status_code in (302, 303)
