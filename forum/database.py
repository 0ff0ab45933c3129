"""The database's state: SQLite settings, first-start set-up and the migration check."""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app, render_template
from flask_migrate import upgrade
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from forum.extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
UPGRADE_COMMAND = "flask --app app db upgrade"


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, _record) -> None:
    """Give SQLite connections foreign keys, WAL and a busy timeout instead of "locked"."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def head_revisions() -> set[str]:
    """Return the newest migration revisions in migrations/."""
    return set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def current_revisions() -> set[str]:
    """Return the revisions the database is at (empty for a new database)."""
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def schema_problem() -> str | None:
    """Say in one line what is wrong with the schema and how to fix it, or None."""
    try:
        current = current_revisions()
    except OperationalError:
        return "The database cannot be reached. Check DATABASE_URL and that the server runs."
    heads = head_revisions()
    if current == heads:
        return None
    if not current:
        return f"The database has no tables yet. Run: {UPGRADE_COMMAND}"
    if current - heads and not _known(current):
        return "The database is at a newer version than this code. Deploy the matching code."
    return f"The database is at an older version than this code. Run: {UPGRADE_COMMAND}"


def _known(revisions: set[str]) -> bool:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    try:
        return all(script.get_revision(rev) is not None for rev in revisions)
    except CommandError:
        return False


def prepare_database(app: Flask) -> None:
    """On the embedded default, create the database on first start; then check it per request."""
    if app.config["AUTO_SETUP"]:
        with app.app_context():
            _first_start(app)
    if app.config.get("SCHEMA_CHECK", True):
        app.before_request(_require_current_schema)


def _first_start(app: Flask) -> None:
    lock_path = Path(app.instance_path) / "setup.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # several workers may start at once
        if current_revisions() or inspect(db.engine).get_table_names():
            return
        upgrade(directory=str(MIGRATIONS_DIR))
        from forum.services.articles import load_default_articles

        load_default_articles()  # the medically reviewed reading list threads point to
        from forum.services import indexing

        indexing.rebuild()  # an empty index to write into
        if app.config.get("LOAD_DEMO_CONTENT"):
            from forum.services.demo import load_demo

            load_demo()


def _require_current_schema():
    if current_app.extensions.get("thaw_schema_ok"):
        return None
    problem = schema_problem()
    if problem is None:
        current_app.extensions["thaw_schema_ok"] = True
        return None
    current_app.logger.error(problem)
    return render_template("errors/setup.html", problem=problem), 503
