"""The index job log: jobs queued in a transaction, written as it commits, applied after it.

Session hooks do the writing and the applying, as they bump the content cache's version, so
no service can forget either: a service queues the posts whose entries change and commits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from forum.database import chunks, listen_once
from forum.extensions import ThawSession, db
from forum.models import IndexJob, Post
from forum.services.indexing.documents import (
    document_for,
    expected_versions,
    get_index,
    indexable,
    load_with_threads,
)
from forum.services.indexing.nodes import (
    bookkeeping_due,
    current_position,
    index_missing,
    note_progress,
    pruned_through,
)
from forum.services.indexing.rebuilding import rebuild
from search import CheckReport, IndexBusy, IndexUnavailable

log = logging.getLogger(__name__)

JOB_BATCH = 500
REBUILD_AFTER_IMPORT = 5000  # beyond this many new posts, one bulk rebuild beats replaying jobs
CHANNEL = "thaw_search_log"  # PostgreSQL NOTIFY channel: new index jobs were committed
LOG_LOCK = 1_700_017  # advisory lock key: jobs get their ids in commit order
# Keys in Session.info:
PENDING_JOBS = "thaw.index_jobs"  # post ids queued in this transaction
NOT_REPLAYED = "thaw.index_jobs_not_replayed"  # the code that queued them applies them itself
WRITTEN = "thaw.index_jobs_written"  # this transaction wrote jobs that are applied after it
COMMITTED = "thaw.index_jobs_committed"  # ... and it committed
APPLYING = "thaw.index_jobs_applying"  # process_jobs runs: its own commits apply nothing more


def init_app(app: Flask) -> None:
    """Write each transaction's queued index jobs as it commits, then apply them here."""
    listen_once(ThawSession, "before_commit", _write_jobs)
    listen_once(ThawSession, "after_commit", _note_committed)
    listen_once(ThawSession, "after_soft_rollback", _forget_jobs)
    listen_once(ThawSession, "after_transaction_end", _apply_committed)


def queue(post_ids: Iterable[int], *, replay: bool = True) -> None:
    """Record in the current transaction that these posts' search entries must be refreshed.

    The jobs are written when the transaction commits (see _write_jobs) and this node's index
    applies them right after the commit (see _apply_committed). With replay=False the caller
    applies them itself (an import may rebuild the index instead).
    """
    pending = db.session.info.setdefault(PENDING_JOBS, {})
    pending.update(dict.fromkeys(post_ids))
    if not replay:
        db.session.info[NOT_REPLAYED] = True


def queue_thread(root: Post) -> None:
    """Queue a thread's opening post and all its answers (they carry its title and tags)."""
    answers = db.session.scalars(select(Post.id).where(Post.parent_id == root.id))
    queue([root.id, *answers])


def _write_jobs(session: Session) -> None:
    """Append the transaction's index jobs to the log, last thing before it commits.

    Nodes remember the last job id they applied, so a job must never become visible after
    one with a higher id. On PostgreSQL, writers therefore take their job ids under a lock
    held until they commit (the change itself is flushed first, so nothing but the jobs and
    the commit happens under it), and NOTIFY the followers. SQLite has one writer at a time.
    """
    post_ids = session.info.pop(PENDING_JOBS, None)
    replay = not session.info.pop(NOT_REPLAYED, False)
    if not post_ids:
        return
    session.flush()
    if session.connection().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOG_LOCK)))
        session.execute(select(func.pg_notify(CHANNEL, "")))
    session.add_all([IndexJob(post_id=post_id) for post_id in post_ids])
    if replay:
        session.info[WRITTEN] = True


def _note_committed(session: Session) -> None:
    if not session.in_nested_transaction() and session.info.pop(WRITTEN, False):
        session.info[COMMITTED] = True


def _forget_jobs(session: Session, previous_transaction: SessionTransaction) -> None:
    """Drop the jobs of a transaction that did not commit (its changes are gone too)."""
    session.info.pop(PENDING_JOBS, None)
    session.info.pop(NOT_REPLAYED, None)


def _apply_committed(session: Session, transaction: SessionTransaction) -> None:
    """Once a transaction that wrote jobs has committed, bring this node's index up to date.

    The transaction is over, so the jobs are in the log for every node and process_jobs
    opens transactions of its own; the jobs it queues again are left to the next write or
    the follower, as their commits happen inside it.
    """
    if transaction.parent is not None:
        return
    session.info.pop(WRITTEN, None)  # a transaction that did not commit wrote nothing
    if session.info.pop(COMMITTED, False) and not session.info.get(APPLYING):
        process_jobs()


def apply(post_ids: list[int], position: int | None = None) -> list[int]:
    """Write these posts' current state to the index; return ids that changed meanwhile.

    position is the last log job these posts came from: the same index commit records it.
    """
    loaded = load_with_threads(post_ids)
    docs = [document_for(post, root) for post, root in loaded.values()
            if indexable(post.status, root and root.status)]
    indexed = {doc.id: doc.version for doc in docs}
    gone = [pid for pid in post_ids if pid not in indexed]
    get_index().apply(docs, gone, position=position)
    # Another worker may have committed a change after we read: check and queue it again,
    # in a new transaction so that the read sees that commit (nothing is pending here).
    db.session.commit()
    current = expected_versions(list(indexed))
    return [pid for pid, version in indexed.items() if current.get(pid) != version]


def process_jobs(limit: int = JOB_BATCH) -> int:
    """Apply the next index jobs this node has not applied, oldest first; return how many.

    Never raises for an index that is busy or unavailable: the node's position stays and the
    jobs are applied by the next write, the follower or `flask search catch-up`.
    """
    info = db.session.info
    outermost = not info.get(APPLYING)
    info[APPLYING] = True
    try:
        return _process_jobs(limit)
    finally:
        if outermost:
            info.pop(APPLYING, None)


def _process_jobs(limit: int) -> int:
    position = current_position()
    if position is None and index_missing():
        return 0  # nothing to write into yet: the rebuild (follower, search page) comes first
    if (position or 0) < pruned_through():
        log.warning("search index behind the pruned log (at %s); rebuilding", position)
        _start_rebuild_here()
        return 0
    jobs = list(db.session.execute(select(IndexJob.id, IndexJob.post_id)
                                   .where(IndexJob.id > (position or 0))
                                   .order_by(IndexJob.id).limit(limit)))
    if not jobs:
        return 0
    post_ids = list(dict.fromkeys(post_id for _, post_id in jobs))
    try:
        again = apply(post_ids, position=jobs[-1][0])
    except IndexBusy as error:
        db.session.rollback()
        log.info("search index busy, %d jobs kept and retried shortly: %s", len(jobs), error)
        _retry_soon(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
        return 0
    except IndexUnavailable as error:
        db.session.rollback()
        log.warning("search index not updated, %d jobs kept for later: %s", len(jobs), error)
        return 0
    applied = jobs[-1][0]
    queue(again)  # changed while we wrote: a new job, for every node
    db.session.commit()
    try:
        if bookkeeping_due():
            note_progress(applied)
    except SQLAlchemyError as error:  # bookkeeping only: the next write or heartbeat redoes it
        db.session.rollback()
        log.warning("search node not registered or log not pruned: %s", type(error).__name__)
    return len(jobs)


_retry_pending = threading.Lock()


def _retry_soon(app: Flask, delay: float = 0.5) -> None:
    """Replay the jobs again shortly in this process (once at a time), so none waits for the
    next write; another worker holding the index's write lock is the usual reason."""
    if not _retry_pending.acquire(blocking=False):
        return

    def retry() -> None:
        _retry_pending.release()  # a retry that finds the index busy again may schedule another
        with app.app_context():
            process_jobs()

    timer = threading.Timer(delay, retry)
    timer.daemon = True
    timer.start()


def check(*, fix: bool = False) -> CheckReport:
    """Compare the index with the database; with fix, queue and replay what differs."""
    report = get_index().check(expected_versions())
    if fix and not report.ok:
        for chunk in chunks([*report.missing, *report.stale, *report.extra], JOB_BATCH):
            apply(chunk)
    return report


_rebuilding = threading.Lock()


def rebuild_in_background(app: Flask) -> bool:
    """Start rebuilding a missing or broken index in a thread; False if one already runs here."""
    if not _rebuilding.acquire(blocking=False):
        return False

    def work() -> None:
        try:
            with app.app_context():
                rebuild()
                while process_jobs():
                    pass
        except (IndexBusy, IndexUnavailable) as error:
            log.warning("background rebuild did not run: %s", error)
        finally:
            _rebuilding.release()

    threading.Thread(target=work, name="thaw-search-rebuild", daemon=True).start()
    return True


def _start_rebuild_here() -> None:
    if current_app.config.get("SEARCH_AUTO_REBUILD", True):
        rebuild_in_background(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
