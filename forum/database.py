"""The database's state: SQLite settings, write transactions, row lookup, migration check."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from forum.errors import NotFound
from forum.extensions import db

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
UPGRADE_COMMAND = "flask --app app db upgrade"
WRITING = "thaw.writing"  # in Session.info while a write_transaction block runs


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
        if hasattr(sqlite3, "LEGACY_TRANSACTION_CONTROL"):  # Python 3.12+; a later default
            # would BEGIN on every read: see _sqlite_write_lock for why we do not want that.
            dbapi_connection.autocommit = sqlite3.LEGACY_TRANSACTION_CONTROL


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one transaction that writes, committed when the block ends.

    On SQLite the transaction opens with BEGIN IMMEDIATE, so it waits (busy_timeout) for the
    write lock before its first read: nothing it reads can change before it writes, and it
    never fails as a read transaction does when it tries to write after another worker
    committed (a "database is locked" that no timeout helps). PostgreSQL needs nothing more.

    What the session holds is committed first and reloads inside, under the lock. Inside
    another write_transaction the block joins it. Rendering and screening belong before the
    block: every moment inside it is a moment other writers wait.
    """
    session = db.session()
    if session.info.get(WRITING):
        yield
        return
    session.commit()  # ends the reads before it; loaded rows are read again in the block
    session.info[WRITING] = True
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(WRITING, None)


def get_or_not_found(model: type[T], row_id: int) -> T:
    """Return the model's row with this id, or raise NotFound(row_id)."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(row_id)
    return row


def lock(row: object) -> None:
    """Read a row again inside a write_transaction, locking it on PostgreSQL until the commit.

    SQLite's write transaction already holds the whole database; on PostgreSQL this keeps two
    workers from both reading a row and then writing what they computed from it. The lock is
    FOR NO KEY UPDATE: rows that point to this one (a new answer, a vote) can still be added.
    """
    db.session.refresh(row, with_for_update={"of": type(row), "key_share": True})


@event.listens_for(Session, "after_begin")
def _sqlite_write_lock(session: Session, _transaction, connection) -> None:
    """Open a write_transaction's SQLite transaction with BEGIN IMMEDIATE.

    Other transactions keep the driver's own handling, which sends BEGIN only just before the
    first INSERT, UPDATE or DELETE, so reads hold no snapshot and every transaction starts by
    taking the write lock. SQLAlchemy's recipe of a BEGIN before every transaction would make
    each read-then-write outside a write_transaction (the index job replay, commands) fail
    as soon as another worker committed between its read and its write.
    """
    if session.info.get(WRITING) and connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def chunks(items: Iterable, size: int = 500) -> Iterator[list]:
    """Split ids into lists short enough for an IN (...) on every database."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
