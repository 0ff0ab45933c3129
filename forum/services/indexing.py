"""Keeping each node's search index in step with the database, through a log of index jobs.

Every change that affects search appends index jobs (post ids) in the transaction that makes
it. The jobs form a log: each web node keeps its own index and records in its index directory
the last job it applied, so nodes need no shared disk. A node applies new jobs after its own
commits and in a follower thread (woken by PostgreSQL NOTIFY, or polling); each node
registers its place, and the log is pruned past the slowest live node, or past the retention
period. A node further behind than what was pruned rebuilds from the database.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import case, delete, event, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from forum.database import chunks
from forum.extensions import db
from forum.markup import html_text
from forum.models import IndexJob, Post, SearchLogState, SearchNode, utcnow
from forum.taxonomy import load_taxonomy
from search import (
    CheckReport,
    Index,
    IndexBusy,
    IndexUnavailable,
    MemoryIndex,
    SearchDocument,
    Vocabulary,
    WhooshIndex,
)

log = logging.getLogger(__name__)

INDEXED_STATUSES = ("published", "held")  # held posts: for moderators only
VISIBILITY = {"published": "public", "held": "held", "removed": "removed", "deleted": "deleted"}
JOB_BATCH = 500
REBUILD_AFTER_IMPORT = 5000  # beyond this many new posts, one bulk rebuild beats replaying jobs
CHANNEL = "thaw_search_log"  # PostgreSQL NOTIFY channel: new index jobs were committed
LOG_LOCK = 1_700_017  # advisory lock key: jobs get their ids in commit order
HEARTBEAT_SECONDS = 5.0
BOOKKEEPING_SECONDS = 2.0  # a write registers its node's progress and prunes at most this often
FOLLOWER_LOCK = "follower.lock"
PENDING_JOBS = "thaw.index_jobs"  # session.info key: post ids queued in this transaction


@cache
def vocabulary() -> Vocabulary:
    """Return the search vocabulary built from the forum's taxonomy."""
    return Vocabulary.from_taxonomy(load_taxonomy().raw)


def get_index() -> Index:
    """Return this app's index (one per process), opening it on first use."""
    index = current_app.extensions.get("thaw.search")
    if index is None:
        if current_app.config.get("SEARCH_BACKEND", "whoosh") == "memory":
            index = MemoryIndex(vocabulary())
        else:
            index = WhooshIndex(Path(current_app.config["SEARCH_INDEX_DIR"]), vocabulary())
        current_app.extensions["thaw.search"] = index
    return index


def _stamp(changed, status: str, helpful: int | None = None) -> str:
    stamp = f"{changed.isoformat()}|{status}"
    return stamp if helpful is None else f"{stamp}|{helpful}"


def _indexable(status: str, root_status: str | None) -> bool:
    """Tell whether a post belongs in the index (an answer also needs a visible thread)."""
    return status in INDEXED_STATUSES and (
        root_status is None or root_status in INDEXED_STATUSES + ("deleted",))


def _version(changed, status: str, helpful: int, root_changed, root_status: str | None) -> str:
    stamp = _stamp(changed, status, helpful)
    if root_status is not None:  # answers carry their thread's title and tags
        stamp += "|" + _stamp(root_changed, root_status)
    return stamp


def version_of(post: Post, root: Post | None) -> str:
    """Return the stamp that changes exactly when the post's search entry must change.

    Built from what the entry shows (the last edit, the status, the helpful count), not from
    updated_at: a new answer touches its thread's counters, which no entry shows.
    """
    return _version(post.edited_at or post.created_at, post.status, post.helpful_count,
                    root and (root.edited_at or root.created_at), root and root.status)


def document_for(post: Post, root: Post | None) -> SearchDocument:
    """Turn a post (and, for an answer, its thread) into the document the index stores."""
    thread = root if root is not None else post
    details = post.experience
    title = (thread.title or "") if thread.status != "deleted" else "Removed post"
    return SearchDocument(
        id=post.id,
        thread_id=thread.id,
        kind=post.kind,
        title=title,
        body=html_text(post.body_html),  # rendered when the post was saved
        tags=tuple(thread.tag_slugs),
        author=post.author.username,
        created_at=post.created_at,
        helpful=post.helpful_count,
        visibility=VISIBILITY[post.status],
        treatment=details.treatment if details is not None else None,
        effectiveness=details.effectiveness if details is not None else None,
        source_id=post.source_id,
        version=version_of(post, root),
        context=html_text(root.body_html) if root is not None and root.status == "published"
        else "",
    )


def queue(post_ids: Iterable[int]) -> None:
    """Record in the current transaction that these posts' search entries must be refreshed.

    The jobs are written when the transaction commits (see _write_jobs).
    """
    pending = db.session.info.setdefault(PENDING_JOBS, {})
    pending.update(dict.fromkeys(post_ids))


@event.listens_for(Session, "before_commit")
def _write_jobs(session: Session) -> None:
    """Append the transaction's index jobs to the log, last thing before it commits.

    Nodes remember the last job id they applied, so a job must never become visible after
    one with a higher id. On PostgreSQL, writers therefore take their job ids under a lock
    held until they commit (the change itself is flushed first, so nothing but the jobs and
    the commit happens under it), and NOTIFY the followers. SQLite has one writer at a time.
    """
    post_ids = session.info.pop(PENDING_JOBS, None)
    if not post_ids:
        return
    session.flush()
    if session.connection().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOG_LOCK)))
        session.execute(select(func.pg_notify(CHANNEL, "")))
    session.add_all([IndexJob(post_id=post_id) for post_id in post_ids])


@event.listens_for(Session, "after_soft_rollback")
def _forget_jobs(session: Session, previous_transaction) -> None:
    """Drop the jobs of a transaction that did not commit (its changes are gone too)."""
    session.info.pop(PENDING_JOBS, None)


def queue_thread(root: Post) -> None:
    """Queue a thread's opening post and all its answers (they carry its title and tags)."""
    answers = db.session.scalars(select(Post.id).where(Post.parent_id == root.id))
    queue([root.id, *answers])


def load_with_threads(post_ids: list[int]) -> dict[int, tuple[Post, Post | None]]:
    """Return id -> (post, its thread or None for a thread) for the posts that exist."""
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    parents = {p.parent_id for p in posts.values() if p.parent_id is not None} - set(posts)
    if parents:
        posts.update({p.id: p for p in db.session.scalars(
            select(Post).where(Post.id.in_(parents)))})
    return {pid: (posts[pid], posts.get(posts[pid].parent_id)) for pid in post_ids if pid in posts}


def apply(post_ids: list[int], position: int | None = None) -> list[int]:
    """Write these posts' current state to the index; return ids that changed meanwhile.

    position is the last log job these posts came from: the same index commit records it.
    """
    loaded = load_with_threads(post_ids)
    docs = [document_for(post, root) for post, root in loaded.values()
            if _indexable(post.status, root and root.status)]
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
    position = current_position()
    if position is None and _index_missing():
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
        _retry_soon(current_app._get_current_object())
        return 0
    except IndexUnavailable as error:
        db.session.rollback()
        log.warning("search index not updated, %d jobs kept for later: %s", len(jobs), error)
        return 0
    applied = jobs[-1][0]
    queue(again)  # changed while we wrote: a new job, for every node
    db.session.commit()
    try:
        if time.monotonic() - _bookkept[0] >= BOOKKEEPING_SECONDS:
            note_progress(applied)
    except SQLAlchemyError as error:  # bookkeeping only: the next write or heartbeat redoes it
        db.session.rollback()
        log.warning("search node not registered or log not pruned: %s", type(error).__name__)
    return len(jobs)


_retry_pending = threading.Lock()
_bookkept = [0.0]  # when this process last registered its node's progress


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


def after_commit() -> None:
    """Bring the index up to date after a service committed (its jobs are already stored)."""
    process_jobs()


def expected_versions(post_ids: list[int] | None = None) -> dict[int, str]:
    """Return id -> version for every post the index should hold (or for those of post_ids
    that it should hold), from the database, reading only the columns the version uses."""
    root = aliased(Post)
    query = (select(Post.id, func.coalesce(Post.edited_at, Post.created_at), Post.status,
                    Post.helpful_count, func.coalesce(root.edited_at, root.created_at),
                    root.status)
             .outerjoin(root, Post.parent_id == root.id)
             .where(Post.status.in_(INDEXED_STATUSES)))
    expected = {}
    for chunk in chunks(post_ids) if post_ids is not None else [None]:
        rows = db.session.execute(query if chunk is None else query.where(Post.id.in_(chunk)))
        for post_id, changed, status, helpful, root_changed, root_status in rows:
            if _indexable(status, root_status):
                expected[post_id] = _version(changed, status, helpful, root_changed, root_status)
    return expected


def all_documents(post_ids: list[int], batch: int = 1000) -> Iterator[SearchDocument]:
    """Yield a document for each of post_ids, loading them in batches."""
    for chunk in chunks(post_ids, batch):
        for post, root in load_with_threads(chunk).values():
            yield document_for(post, root)
        db.session.expunge_all()


def rebuild(progress: Callable[[int], None] | None = None,
            post_ids: list[int] | None = None, mark: int | None = None) -> int:
    """Rebuild the index from the database into a fresh directory and swap it in.

    The node's place in the log becomes the last job id read before the posts (mark), so the
    jobs written during the rebuild are applied after it. Callers that read post_ids
    themselves pass the mark they read from log_mark() before them.
    """
    if mark is None:
        mark = log_mark()
    if post_ids is None:
        post_ids = list(expected_versions())
    get_index().rebuild(all_documents(post_ids), total=len(post_ids), progress=progress,
                        position=mark)
    note_progress(mark, force=True)
    return len(post_ids)


def rebuild_and_settle(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild; the jobs the rebuild covered are pruned once every node passed them."""
    return rebuild(progress=progress)


def check(*, fix: bool = False) -> CheckReport:
    """Compare the index with the database; with fix, queue and replay what differs."""
    report = get_index().check(expected_versions())
    if fix and not report.ok:
        for chunk in chunks([*report.missing, *report.stale, *report.extra], JOB_BATCH):
            apply(chunk)
    return report


def warm_in_background(app: Flask) -> None:
    """Read the index's caches in a thread, so a worker's first searches do not wait."""

    def work() -> None:
        with app.app_context():
            get_index().warm()

    threading.Thread(target=work, name="thaw-search-warm", daemon=True).start()


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
        rebuild_in_background(current_app._get_current_object())


# The node: its name, its place in the log, and the log's pruning


def node_name() -> str:
    """Return this node's name: SEARCH_NODE_NAME, or the host and the index directory."""
    name = current_app.config.get("SEARCH_NODE_NAME")
    if not name:
        index = get_index()
        where = str(index.directory.resolve()) if isinstance(index, WhooshIndex) else "memory"
        name = f"{socket.gethostname()}:{where}"
    return str(name)[:200]


def current_position() -> int | None:
    """Return the last job id this node's index applied, or None if it never recorded one."""
    return get_index().position()


def _index_missing() -> bool:
    """Tell whether this node has no index at all yet (an empty SEARCH_INDEX_DIR)."""
    index = get_index()
    # "CURRENT" names the generation searches use (see search.whoosh.index).
    return isinstance(index, WhooshIndex) and not (index.directory / "CURRENT").exists()


def log_mark() -> int:
    """Return the last job id in the log (0 if empty), holding the log for this node first.

    The node is registered before the mark is read, so no other node prunes the jobs this
    node still needs while it rebuilds.
    """
    _upsert_node(pruned_through(), force=False)  # and seen now: live, so it holds the log
    db.session.commit()
    last = db.session.scalar(select(func.max(IndexJob.id))) or 0
    return max(last, pruned_through())  # an emptied log: the pruned jobs are covered too


def pruned_through() -> int:
    """Return the highest job id pruned from the log: a node behind it has lost jobs."""
    return db.session.scalar(select(SearchLogState.pruned_through)
                             .where(SearchLogState.id == 1)) or 0


def _insert(model):
    """Return an INSERT for model that takes ON CONFLICT clauses (PostgreSQL and SQLite)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def _upsert_node(applied: int, *, force: bool) -> None:
    name, now = node_name(), utcnow()
    statement = _insert(SearchNode).values(name=name, applied_id=applied, seen_at=now,
                                          started_at=now)
    column = SearchNode.__table__.c.applied_id
    moved = statement.excluded.applied_id if force else case(
        (column < statement.excluded.applied_id, statement.excluded.applied_id), else_=column)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["name"], set_={"applied_id": moved, "seen_at": now}))


def retention() -> timedelta:
    """Return how long a job is kept for a node that has not applied it (default 7 days)."""
    return timedelta(days=float(current_app.config.get("SEARCH_LOG_RETENTION_DAYS", 7)))


def note_progress(applied: int, *, force: bool = False) -> int:
    """Register this node at applied (and as seen now), then prune; return the jobs pruned.

    One transaction: on SQLite every write transaction waits its turn, so members' writes
    apply their jobs at once but do this at most every BOOKKEEPING_SECONDS per process.
    """
    _bookkept[0] = time.monotonic()
    _upsert_node(applied, force=force)
    return prune()


def prune(now: datetime | None = None) -> int:
    """Delete the jobs every live node has applied, and those older than the retention period.

    A node is live if it was seen within the retention period. The highest id deleted is kept,
    so a node that comes back behind it knows it must rebuild.
    """
    cutoff = (now or utcnow()) - retention()
    slowest = db.session.scalar(select(func.min(SearchNode.applied_id))
                                .where(SearchNode.seen_at >= cutoff)) or 0
    expired = db.session.scalar(select(func.max(IndexJob.id))
                                .where(IndexJob.created_at < cutoff)) or 0
    through = db.session.scalar(select(func.max(IndexJob.id))
                                .where(IndexJob.id <= max(slowest, expired)))
    if through is None:
        db.session.commit()  # what the caller registered
        return 0
    db.session.execute(_insert(SearchLogState).values(id=1, pruned_through=0)
                       .on_conflict_do_nothing(index_elements=["id"]))
    column = SearchLogState.__table__.c.pruned_through
    db.session.execute(update(SearchLogState).where(SearchLogState.id == 1).values(
        pruned_through=case((column < through, through), else_=column)))
    deleted = db.session.execute(delete(IndexJob).where(IndexJob.id <= through)).rowcount
    db.session.commit()
    return deleted


@dataclass(frozen=True)
class Lag:
    """How far this node's index is behind the log."""

    rows: int
    seconds: float
    position: int | None


def lag(position: int | None = None) -> Lag:
    """Return this node's lag: jobs not yet applied, and the age of the oldest of them."""
    if position is None:
        position = current_position()
    rows, oldest = db.session.execute(
        select(func.count(IndexJob.id), func.min(IndexJob.created_at))
        .where(IndexJob.id > (position or 0))).one()
    seconds = max((utcnow() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return Lag(rows=rows, seconds=round(seconds, 3), position=position)


@dataclass(frozen=True)
class NodeState:
    """One registered node, as `flask search nodes` lists it."""

    name: str
    applied_id: int
    lag_rows: int
    seen_at: datetime
    live: bool


def nodes() -> list[NodeState]:
    """Return every registered node with its lag in jobs, slowest first."""
    cutoff = utcnow() - retention()
    found = []
    for node in db.session.scalars(select(SearchNode).order_by(SearchNode.applied_id)):
        behind = db.session.scalar(select(func.count(IndexJob.id))
                                   .where(IndexJob.id > node.applied_id))
        found.append(NodeState(node.name, node.applied_id, behind or 0, node.seen_at,
                               node.seen_at >= cutoff))
    return found


# The follower: one per node, in whichever worker holds the node's follower lock


def catch_up() -> int:
    """Bring this node's index up to the end of the log, rebuilding first if it must."""
    position = current_position()
    if (position is None and _index_missing()) or (position or 0) < pruned_through():
        log.info("search index missing or behind the pruned log; rebuilding from the database")
        rebuild()
    done = 0
    while count := process_jobs():
        done += count
    return done


def follow(app: Flask, stop: threading.Event, interval: float | None = None) -> None:
    """Apply the log as it grows until stop is set: woken by NOTIFY, else every interval."""
    interval = interval or float(app.config.get("SEARCH_FOLLOW_INTERVAL", 1.0))
    listener = None
    beat = 0.0
    while not stop.is_set():
        with app.app_context():
            try:
                if listener is None:
                    listener = _listen()
                catch_up()
                if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                    note_progress(current_position() or 0)
                    beat = time.monotonic()
            except Exception as error:  # the database went away: keep trying
                log.warning("search follower: %r", error)
                listener = _close(listener)
            finally:
                db.session.remove()
        listener = _wait(listener, interval, stop)
    _close(listener)


def _listen():
    """Return a psycopg connection listening on CHANNEL, or None (SQLite: poll)."""
    url = db.engine.url
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
        return None
    import psycopg

    connection = psycopg.connect(url.set(drivername="postgresql").render_as_string(
        hide_password=False), autocommit=True, connect_timeout=5)
    connection.execute(f"LISTEN {CHANNEL}")
    return connection


def _wait(listener, interval: float, stop: threading.Event):
    if listener is None:
        stop.wait(interval)
        return None
    try:
        for _ in listener.notifies(timeout=interval, stop_after=1):
            pass
        return listener
    except Exception as error:
        log.warning("search follower lost its NOTIFY connection: %r", error)
        stop.wait(interval)
        return _close(listener)


def _close(listener) -> None:
    if listener is not None:
        try:
            listener.close()
        except Exception:
            pass
    return None


def follow_in_background(app: Flask, stop: threading.Event | None = None,
                         parent: int | None = None) -> threading.Thread:
    """Run this node's follower in a thread of whichever process holds its follower lock.

    Every gunicorn worker starts one; the lock lets one follow while the others wait to take
    over (a worker recycled or killed releases it). With parent (the master's pid), the
    follower stops as soon as the master is gone, not when the orphaned worker notices.
    The memory backend has no follower.
    """
    stop = stop or threading.Event()
    if parent is not None:

        def orphaned() -> None:
            while not stop.wait(0.5):
                if os.getppid() != parent:
                    log.info("search follower stops: the gunicorn master is gone")
                    stop.set()

        threading.Thread(target=orphaned, name="thaw-search-parent", daemon=True).start()

    def work() -> None:
        with app.app_context():
            index = get_index()
        if not isinstance(index, WhooshIndex):
            return
        index.directory.mkdir(parents=True, exist_ok=True)
        with open(index.directory / FOLLOWER_LOCK, "a+") as lock:
            while not stop.is_set():
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    stop.wait(2.0)
                    continue
                follow(app, stop)

    thread = threading.Thread(target=work, name="thaw-search-follow", daemon=True)
    thread.start()
    return thread
