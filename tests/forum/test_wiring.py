"""Listeners live on the forum's own session class and each app's engines, added once."""

from __future__ import annotations

import subprocess
import sys

import flask_sqlalchemy.session
from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from app import create_app
from forum.extensions import ThawSession, db
from forum.models import IndexJob
from forum.services import indexing
from tests.factories import make_member, make_question

SHARED = (Session, flask_sqlalchemy.session.Session, Engine, Pool, Connection)

SNAPSHOT = """
import json, pkgutil, importlib, sys, tempfile
import flask_sqlalchemy.session
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool
SHARED = (Session, flask_sqlalchemy.session.Session, Engine, Pool, Connection)
def listeners():
    return sorted(f"{cls.__name__}.{name}:{fn!r}" for cls in SHARED
                  for name in cls.dispatch._event_names
                  for fn in getattr(cls.dispatch, name)._clslevel.get(cls, ()))
before = listeners()
import app, forum, search, moderation
for package in (forum, search, moderation):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
folder = tempfile.mkdtemp()
made = app.create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db.sqlite3",
                       "INSTANCE_PATH": folder, "AUTO_SETUP": False, "SCHEMA_CHECK": False,
                       "SECRET_KEY": "x", "SEARCH_BACKEND": "memory"})
with made.app_context():
    from forum.extensions import db
    db.create_all()
    db.session.execute(db.text("select 1"))
    db.session.commit()
print(json.dumps(sorted(set(listeners()) - set(before))))
"""


def test_importing_the_forum_and_creating_an_app_adds_no_listener_to_shared_classes():
    result = subprocess.run([sys.executable, "-c", SNAPSHOT], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_no_forum_hook_is_registered_on_a_shared_class(app):
    for name in ("after_begin", "after_flush", "do_orm_execute", "before_commit",
                 "after_commit", "after_soft_rollback", "after_transaction_end"):
        for fn in getattr(ThawSession.dispatch, name)._clslevel.get(ThawSession, ()):
            for cls in (Session, flask_sqlalchemy.session.Session):
                assert not event.contains(cls, name, fn)


def test_a_second_app_doubles_no_listener_and_both_get_the_sqlite_settings(app, tmp_path):
    other = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite3'}",
                        "INSTANCE_PATH": str(tmp_path / "other"), "AUTO_SETUP": False,
                        "SCHEMA_CHECK": False, "SECRET_KEY": "x", "SEARCH_BACKEND": "memory"})
    for made in (app, other):
        with made.app_context():
            hooks = list(db.session().dispatch.before_commit)
            assert len(hooks) == len(set(hooks))
            if db.engine.dialect.name == "sqlite":
                db.engine.dispose()
                with db.engine.connect() as connection:
                    assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
                    assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                    assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
            db.session.remove()


def test_a_rolled_back_transaction_writes_no_index_job(app):
    post = make_question(make_member("rowan"), title="Stretching at night", tags="stretching")
    before = db.session.scalar(select(db.func.count()).select_from(IndexJob))
    indexing.queue([post.id])
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(IndexJob)) == before
