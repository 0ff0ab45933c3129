"""Keeping the search index in step with the database, through a durable queue of jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased

from forum.database import chunks
from forum.extensions import db
from forum.markup import html_text
from forum.models import IndexJob, Post
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
    """Record in the current transaction that these posts' search entries must be refreshed."""
    for post_id in dict.fromkeys(post_ids):
        db.session.add(IndexJob(post_id=post_id))


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


def apply(post_ids: list[int]) -> list[int]:
    """Write these posts' current state to the index; return ids that changed meanwhile."""
    loaded = load_with_threads(post_ids)
    docs = [document_for(post, root) for post, root in loaded.values()
            if _indexable(post.status, root and root.status)]
    indexed = {doc.id: doc.version for doc in docs}
    gone = [pid for pid in post_ids if pid not in indexed]
    index = get_index()
    if docs:
        index.add(docs)
    if gone:
        index.delete(gone)
    # Another worker may have committed a change after we read: check and queue it again,
    # in a new transaction so that the read sees that commit (nothing is pending here).
    db.session.commit()
    current = expected_versions(list(indexed))
    return [pid for pid, version in indexed.items() if current.get(pid) != version]


def process_jobs(limit: int = JOB_BATCH) -> int:
    """Replay pending index jobs, oldest first; return how many were done.

    Never raises for an index that is busy or unavailable: the jobs stay and are replayed by
    the next write or by `flask search check --fix`.
    """
    jobs = list(db.session.execute(select(IndexJob.id, IndexJob.post_id)
                                   .order_by(IndexJob.id).limit(limit)))
    if not jobs:
        return 0
    post_ids = list(dict.fromkeys(post_id for _, post_id in jobs))
    try:
        again = apply(post_ids)
    except IndexBusy as error:
        db.session.rollback()
        log.info("search index busy, %d jobs kept and retried shortly: %s", len(jobs), error)
        _retry_soon(current_app._get_current_object())
        return 0
    except IndexUnavailable as error:
        db.session.rollback()
        log.warning("search index not updated, %d jobs kept for later: %s", len(jobs), error)
        return 0
    db.session.execute(delete(IndexJob).where(IndexJob.id.in_([job_id for job_id, _ in jobs])))
    queue(again)
    db.session.commit()
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
            post_ids: list[int] | None = None) -> int:
    """Rebuild the index from the database into a fresh directory and swap it in.

    post_ids are the posts to index, when the caller has just read expected_versions().
    """
    if post_ids is None:
        post_ids = list(expected_versions())
    get_index().rebuild(all_documents(post_ids), total=len(post_ids), progress=progress)
    return len(post_ids)


def rebuild_and_settle(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild, then drop the jobs the rebuild already covered (those queued before it read)."""
    last_job = db.session.scalar(select(func.max(IndexJob.id)))
    total = rebuild(progress=progress)
    if last_job is not None:
        db.session.execute(delete(IndexJob).where(IndexJob.id <= last_job))
        db.session.commit()
    return total


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
