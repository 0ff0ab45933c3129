"""Hardening, round two (issue 16): each finding an attacker or a careless user made."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from app import create_app
from forum.config import SetupError
from forum.extensions import db
from forum.models import Post
from forum.services import posts
from tests.factories import login, make_member, make_question, outbox, post_form

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


# 2. Links in mail ------------------------------------------------------------------------

def _forgot_from(client, host: str, identifier: str):
    page = client.get("/forgot-password", base_url=f"http://{host}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    return client.post("/forgot-password", base_url=f"http://{host}",
                       data={"csrf_token": token.group(1), "identifier": identifier})


def test_without_public_url_a_forged_host_never_reaches_a_reset_link(app, client):
    assert not os.environ.get("PUBLIC_URL")
    make_member("priya")
    assert _forgot_from(client, "attacker.example", "priya").status_code == 303
    body = outbox(app)[-1].get_content()
    assert "attacker.example" not in body
    assert "http://127.0.0.1:5000/reset-password?token=" in body


def test_a_forwarded_host_behind_a_trusted_proxy_never_reaches_a_link(tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "TRUSTED_PROXY_COUNT": 1,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'f.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "AUTO_SETUP": False,
                      "SCHEMA_CHECK": False, "SEARCH_BACKEND": "memory",
                      "SEARCH_INDEX_DIR": str(tmp_path / "index"), "WTF_CSRF_ENABLED": False,
                      "SERVER_NAME": None})
    with app.app_context():
        db.create_all()
        make_member("priya")
    client = app.test_client()
    sent = client.post("/forgot-password", data={"identifier": "priya"},
                       headers={"X-Forwarded-Host": "attacker.example"})
    assert sent.status_code == 303
    assert "attacker.example" not in outbox(app)[-1].get_content()


def test_production_on_a_database_server_refuses_to_start_without_public_url(
        tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://thaw@db.invalid/thaw")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    with pytest.raises(SetupError, match="PUBLIC_URL is not set"):
        create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SCHEMA_CHECK": False})
    monkeypatch.setenv("PUBLIC_URL", "thaw.example.org")  # no scheme: links would not work
    with pytest.raises(SetupError, match="PUBLIC_URL must be"):
        create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SCHEMA_CHECK": False})
