"""Figures computed from every post, cached until the posts change.

Popular tags and the treatment insights aggregate the whole forum: with 100,000 posts that is
most of a page's time. Each transaction that writes posts, tags, experience reports or side
effects gives the content_version row a new random number when it commits; a page reads that
number (one primary-key lookup) and reuses what was computed for it. So a figure is never
stale: the first page after a change computes it again.

The number changes from hooks on the forum's session class (added by init_app, which the app
factory calls), so no service can forget it: they see rows changed through the ORM, and
insert(), update() and delete() statements on those tables run through the session. Writes
that go around the session (a raw connection, text() SQL, another program) are not seen: posts
are written through the session.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from itertools import chain
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from forum.database import listen_once
from forum.extensions import ThawSession, db
from forum.models import ContentVersion

# The tables the cached figures are computed from.
WATCHED = frozenset({"post", "post_tag", "experience", "side_effect"})
CHANGED = "thaw.content_changed"  # in Session.info: this transaction wrote a watched table
EXTENSION = "thaw.content_cache"
MAX_ENTRIES = 1024  # one entry per page variant (compared treatments, symptoms); plenty

T = TypeVar("T")


class _Cache:
    """What was computed for one content version, in one process."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.values: dict[Hashable, object] = {}


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """Return compute()'s value for the posts as they are now, computing it once per version.

    Values are shared between requests: treat them as read-only.
    """
    version = current_version()  # runs first: it flushes the session's pending changes
    if version is None or db.session().info.get(CHANGED):
        # Uncommitted changes of our own: figures must include them, and nobody else may
        # see them, so compute without the cache.
        return compute()
    store = current_app.extensions.get(EXTENSION)
    if store is None or store.version != version:
        store = _Cache(version)
        current_app.extensions[EXTENSION] = store
    try:
        return store.values[key]  # type: ignore[return-value]
    except KeyError:
        pass
    value = compute()
    if len(store.values) >= MAX_ENTRIES:
        store.values.clear()
    store.values[key] = value
    return value


def init_app(app: Flask) -> None:
    """Note writes to the watched tables and bump the version when they commit."""
    listen_once(ThawSession, "after_flush", _note_flushed_changes)
    listen_once(ThawSession, "do_orm_execute", _note_statements)
    listen_once(ThawSession, "before_commit", _bump_when_changed)
    listen_once(ThawSession, "after_transaction_end", _forget_when_done)


def current_version() -> int | None:
    """Return the content version, or None where the database has no row for it."""
    return db.session.scalar(select(ContentVersion.version).where(ContentVersion.id == 1))


def _note_flushed_changes(session: Session, _flush: UOWTransaction) -> None:
    if session.info.get(CHANGED):
        return
    # new, dirty and deleted still hold what this flush wrote.
    for instance in chain(session.new, session.dirty, session.deleted):
        if getattr(type(instance), "__tablename__", None) in WATCHED:
            session.info[CHANGED] = True
            return


def _note_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED:
            state.session.info[CHANGED] = True


def _bump_when_changed(session: Session) -> None:
    """Write the new version last, just before COMMIT: the row lock is held for a moment, and
    is always the last lock a transaction takes, so writers never deadlock on it."""
    session.flush()
    if session.info.pop(CHANGED, False):
        session.execute(update(ContentVersion).where(ContentVersion.id == 1)
                        .values(version=secrets.randbits(62)))


def _forget_when_done(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction, committed or rolled back
        session.info.pop(CHANGED, None)
