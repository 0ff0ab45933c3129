"""First start: create the database and its starting content, then check the schema per request."""

from __future__ import annotations

import fcntl
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_migrate import upgrade
from sqlalchemy import inspect

from forum.database import MIGRATIONS_DIR, current_revisions, schema_problem
from forum.extensions import db
from forum.services import indexing
from forum.services.articles import load_default_articles
from forum.services.demo import load_demo


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
        load_default_articles()  # the medically reviewed reading list threads point to
        indexing.rebuild()  # an empty index to write into
        if app.config.get("LOAD_DEMO_CONTENT"):
            load_demo()


def _require_current_schema() -> tuple[str, int] | None:
    if current_app.extensions.get("thaw_schema_ok"):
        return None
    problem = schema_problem()
    if problem is None:
        current_app.extensions["thaw_schema_ok"] = True
        return None
    current_app.logger.error(problem)
    return render_template("errors/setup.html", problem=problem), 503
