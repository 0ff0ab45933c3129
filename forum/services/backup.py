"""Backups that are safe while the forum serves: SQLite's online backup API, or pg_dump."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from forum.extensions import db


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


def _libpq_url() -> str:
    url = make_url(str(db.engine.url)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if database is None:  # sqlite:// with no file: an in-memory database
        raise BackupError("An in-memory SQLite database has no file to back up or restore.")
    return Path(database)


def create_backup(path: Path) -> None:
    """Write a consistent copy of the database to `path`, readable by its owner only."""
    dialect = db.engine.dialect.name
    # Made 0600 before anything is written to it: a backup holds every email and post.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)  # a consistent snapshot, even with writers active
        finally:
            target.close()
            source.close()
    elif dialect == "postgresql":
        # Only the forum's own schema: other schemas in the database are not ours to restore.
        schema = db.session.execute(text("SELECT current_schema()")).scalar()
        db.session.remove()
        _run(["pg_dump", "--format=custom", "--no-owner", f"--schema={schema}",
              f"--file={path}", _libpq_url()])
    else:
        raise BackupError(f"Backups are not supported for {dialect}.")


def restore_backup(path: Path) -> None:
    """Replace the database's content with the backup at `path`."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    db.session.remove()
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is not a sound SQLite database.")
            target = sqlite3.connect(_sqlite_path(), timeout=30)
            try:
                source.backup(target)  # writes wait on SQLite's lock while this runs
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a SQLite backup ({error}).") from None
        finally:
            source.close()
    elif dialect == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url()}", str(path)])
    else:
        raise BackupError(f"Restoring is not supported for {dialect}.")
    db.engine.dispose()  # connections opened before the restore may cache the old schema


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools.")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # pg tools print the connection string on some errors: keep only the first line.
        first = (result.stderr or "failed").strip().splitlines()[0]
        raise BackupError(f"{command[0]} failed: {first}")
