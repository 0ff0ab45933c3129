"""Fixtures: a fresh app on a temporary database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import contextvars
import os
import uuid

import pytest
from flask.testing import FlaskClient

from app import create_app
from forum.extensions import db


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    pytest-flask keeps a request context pushed during each test, and Flask reuses a pushed
    app context for a request; without this, requests would share its `g` (where Flask-Login
    caches the user) and its database session. Each request runs in a fresh
    `contextvars.Context`, where no context is pushed, so Flask pushes and pops its own.
    """

    def __enter__(self):
        # `with client:` keeps the last request's contexts pushed after it returns; here they
        # would be pushed inside the fresh Context and could not be popped outside it.
        raise TypeError("IsolatedClient does not keep request contexts: read the database "
                        "inside `with app.app_context():` after the request instead.")

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


# Tests make many posts and accounts from one address in a moment; tests of a limit lower it.
GENEROUS_LIMITS = {key: "1000 per minute" for key in (
    "REGISTER_LIMIT", "RESET_REQUEST_LIMIT", "RESET_ACCOUNT_LIMIT", "POST_LIMIT",
    "NEW_MEMBER_POST_LIMIT", "VOTE_LIMIT", "EMAIL_CHANGE_LIMIT", "ACCOUNT_PASSWORD_LIMIT")}


@pytest.fixture(scope="session")
def postgres_schema():
    """A schema of this test run's own, so runs sharing one PostgreSQL database never collide."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield None
        return
    from sqlalchemy import create_engine, text

    from forum.config import database_url as driver_url

    name = f"thaw_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(driver_url(url))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    yield name
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'thaw-test.sqlite3'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL run skipped: TEST_DATABASE_URL is not set")
    return url


@pytest.fixture
def engine_options(database_url, request) -> dict:
    if database_url.startswith("sqlite"):
        return {}
    schema = request.getfixturevalue("postgres_schema")
    return {"pool_pre_ping": True, "connect_args": {"options": f"-csearch_path={schema}"}}


@pytest.fixture
def app(database_url, engine_options, tmp_path):
    app = create_app({
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options or {"pool_pre_ping": True},
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "SEARCH_BACKEND": "memory",  # tests that need Whoosh set "whoosh" before searching
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "AUTO_SETUP": False,
        "SCHEMA_CHECK": False,
        **GENEROUS_LIMITS,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """The app's test client, used without `with` (pytest-flask's own keeps contexts)."""
    return app.test_client()
