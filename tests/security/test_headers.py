"""Security headers, cookie flags, and sessions that really end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from forum.extensions import db
from forum.models import utcnow
from forum.security import CONTENT_SECURITY_POLICY, is_private_path
from forum.services import members
from tests.factories import PASSWORD, csrf_token, login, make_member, make_question, post_form

EXPECTED_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PUBLIC_PAGES = ["/", "/threads", "/tags", "/tags/baclofen", "/login", "/register",
                "/no-such-page", "/api/v1/tags"]


def test_the_policy_is_the_strict_one_without_unsafe_sources():
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not over plain http in tests


def test_thread_pages_and_redirects_carry_the_headers_too(client):
    post = make_question(make_member("rowan"))
    for path in (f"/threads/{post.id}", f"/posts/{post.id}", "/ask"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == EXPECTED_CSP, path


def test_account_pages_are_never_cached_and_public_pages_may_be(client):
    make_member("rowan")
    for path in ("/login", "/register"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    login(client, "rowan")
    assert client.get("/account/profile").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/tags").headers.get("Cache-Control", "")


def test_every_account_and_moderation_route_is_private(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/account", "/moderation")):
            assert is_private_path(rule.rule.split("<")[0]), rule.rule
    assert is_private_path("/moderation") and is_private_path("/moderation/queue")


def test_moderation_pages_are_never_cached(app, client):
    routes = [r for r in app.url_map.iter_rules()
              if r.rule.startswith("/moderation") and "GET" in r.methods and not r.arguments]
    assert routes
    make_member("overseer", role="admin")
    login(client, "overseer")
    for rule in routes:
        assert client.get(rule.rule).headers.get("Cache-Control") == "no-store", rule.rule


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(client):
    make_member("rowan")
    response = login(client, "rowan", remember="y")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        flags = cookies[name].lower()
        assert "httponly" in flags and "samesite=lax" in flags, cookies[name]


def test_production_cookies_are_secure_and_https_is_pinned(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
                      "SECRET_KEY": "a-production-secret", "INSTANCE_PATH": str(tmp_path / "i"),
                      "AUTO_SETUP": False, "SCHEMA_CHECK": False})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        db.create_all()
        members.register(username="rowan", email="rowan@example.org", password=PASSWORD)
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "username": "rowan",
                                           "password": PASSWORD, "remember": "y"})
    assert response.status_code in (302, 303)
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie, cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _remember_only(app, remember_cookie: str):
    """Return a fresh client holding nothing but a remember-me cookie."""
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember_cookie)
    return fresh


def _is_logged_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def _remember_cookie(app, username: str) -> str:
    device = app.test_client()
    login(device, username, remember="y")
    return device.get_cookie("remember_token").value


def test_remember_me_cookie_stops_working_after_logging_out_elsewhere(app, client):
    make_member("rowan")
    remembered = _remember_cookie(app, "rowan")
    assert _is_logged_in(_remember_only(app, remembered))  # the cookie alone logs in
    login(client, "rowan")
    assert post_form(client, "/logout", {}, token_from="/tags").status_code in (302, 303)
    assert not _is_logged_in(_remember_only(app, remembered))
    assert not _is_logged_in(client)


def test_remember_me_cookie_stops_working_after_a_suspension(app, client):
    member = make_member("rowan")
    remembered = _remember_cookie(app, "rowan")
    login(client, "rowan")
    assert _is_logged_in(client) and _is_logged_in(_remember_only(app, remembered))
    members.suspend(actor=None, member=member, until=utcnow() + timedelta(days=3),
                    reason="Spam links")
    assert not _is_logged_in(_remember_only(app, remembered))
    assert not _is_logged_in(client)
