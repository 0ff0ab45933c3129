"""First start on the embedded default, production settings, and clear set-up errors."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import func, select

from app import create_app
from forum.config import SetupError
from forum.extensions import db
from forum.models import Member, Post


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "SEARCH_INDEX_DIR", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)


def test_first_start_creates_the_database_at_the_latest_migration_with_demo_content(
        tmp_path, clean_env):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert (tmp_path / "instance" / "thaw.sqlite3").exists()
    with app.app_context():
        from forum.database import schema_problem

        assert schema_problem() is None
        assert db.session.scalar(select(func.count()).select_from(Post)
                                 .where(Post.is_demo.is_(True))) > 5
    page = app.test_client().get("/").get_data(as_text=True)
    assert "demo content" in page


def test_first_start_shows_the_demo_community_treatment_figures_and_a_review_queue(
        tmp_path, clean_env):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    client = app.test_client()
    with app.app_context():
        threads = db.session.scalar(select(func.count()).select_from(Post).where(
            Post.is_demo.is_(True), Post.parent_id.is_(None)))
        assert threads >= 120
    slugs = ("baclofen", "tizanidine", "gabapentin", "botulinum-toxin", "physiotherapy",
             "stretching", "nabiximols", "orthotics", "yoga", "fes")
    enough = [slug for slug in slugs
              if client.get(f"/api/v1/treatments/{slug}/summary").get_json()["enough_data"]]
    assert len(enough) >= 6
    accounts = (tmp_path / "instance" / "demo-accounts.txt").read_text().splitlines()
    password = next(line.split()[1] for line in accounts if line.startswith("demo_mod_sam "))
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"csrf_token": token, "username": "demo_mod_sam",
                                "password": password})
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Nothing is waiting for review" not in queue and "waiting" in queue


def test_second_start_keeps_the_data_and_adds_no_more_demo_content(tmp_path, clean_env):
    config = {"INSTANCE_PATH": str(tmp_path / "instance")}
    first = create_app(config)
    with first.app_context():
        before = db.session.scalar(select(func.count()).select_from(Post))
    second = create_app(config)
    with second.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post)) == before


def test_demo_content_is_removed_by_one_command(tmp_path, clean_env):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    result = app.test_cli_runner().invoke(args=["demo", "remove"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post)) == 0
        assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    assert "demo content" not in app.test_client().get("/").get_data(as_text=True)


def test_unwritable_instance_folder_gives_one_line_and_the_fix(tmp_path, clean_env):
    if os.geteuid() == 0:
        locked = tmp_path / "file-in-the-way"
        locked.write_text("")
        instance = locked / "instance"  # a path under a file can never be created
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        instance = locked / "instance"
    with pytest.raises(SetupError) as raised:
        create_app({"INSTANCE_PATH": str(instance)})
    message = raised.value.format_message()
    assert "\n" not in message
    assert str(instance) in message and "Fix: mkdir -p" in message


def test_with_database_url_the_app_never_creates_the_schema(tmp_path, clean_env, monkeypatch):
    path = tmp_path / "prod.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "flask --app app db upgrade" in response.get_data(as_text=True)
    tables = sqlite3.connect(path).execute("select name from sqlite_master").fetchall()
    assert tables == []


def test_flask_db_upgrade_then_serves_without_demo_content(tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "demo content" not in response.get_data(as_text=True)


def test_database_at_an_older_migration_explains_the_upgrade(tmp_path, clean_env):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    result = app.test_cli_runner().invoke(args=["db", "downgrade", "660f30cc978f"])
    assert result.exit_code == 0, result.output
    restarted = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    response = restarted.test_client().get("/")
    assert response.status_code == 503
    assert "Run: flask --app app db upgrade" in response.get_data(as_text=True)
    assert restarted.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    assert restarted.test_client().get("/").status_code == 200


def test_database_from_newer_code_says_so(tmp_path, clean_env):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
        db.session.commit()
    restarted = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    response = restarted.test_client().get("/")
    assert response.status_code == 503
    assert "newer version than this code" in response.get_data(as_text=True)


def test_production_refuses_to_start_without_a_secret_key(tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    with pytest.raises(SetupError, match="SECRET_KEY is not set"):
        create_app({"INSTANCE_PATH": str(tmp_path / "instance")})


def test_production_session_cookies_are_secure_httponly_and_lax(tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://thaw@db.invalid/thaw")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.setenv("PUBLIC_URL", "https://thaw.example.org")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SCHEMA_CHECK": False})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_an_operator_sets_rate_limits_in_the_environment(tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("NEW_MEMBER_POST_LIMIT", "1 per day")
    monkeypatch.setenv("VOTE_LIMIT", "5 per hour")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "LOAD_DEMO_CONTENT": False})
    assert app.config["NEW_MEMBER_POST_LIMIT"] == "1 per day"
    assert app.config["VOTE_LIMIT"] == "5 per hour"
    assert app.config["POST_LIMIT"] == "20 per hour;60 per day"  # the default stays
