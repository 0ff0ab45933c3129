"""What the index holds for each post, and which posts it should hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from forum.database import chunks
from forum.extensions import db
from forum.markup import html_text
from forum.models import Post
from forum.taxonomy import load_taxonomy
from search import Index, MemoryIndex, SearchDocument, Vocabulary, WhooshIndex

INDEXED_STATUSES = ("published", "held")  # held posts: for moderators only
VISIBILITY = {"published": "public", "held": "held", "removed": "removed", "deleted": "deleted"}


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


def _stamp(changed: datetime, status: str, helpful: int | None = None) -> str:
    stamp = f"{changed.isoformat()}|{status}"
    return stamp if helpful is None else f"{stamp}|{helpful}"


def indexable(status: str, root_status: str | None) -> bool:
    """Tell whether a post belongs in the index (an answer also needs a visible thread)."""
    return status in INDEXED_STATUSES and (
        root_status is None or root_status in INDEXED_STATUSES + ("deleted",))


def _version(changed: datetime, status: str, helpful: int, root_changed: datetime | None,
             root_status: str | None) -> str:
    stamp = _stamp(changed, status, helpful)
    if root_status is not None:  # answers carry their thread's title and tags
        assert root_changed is not None  # a thread row always has its created_at
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


def load_with_threads(post_ids: list[int]) -> dict[int, tuple[Post, Post | None]]:
    """Return id -> (post, its thread or None for a thread) for the posts that exist."""
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    parents = {p.parent_id for p in posts.values() if p.parent_id is not None} - set(posts)
    if parents:
        posts.update({p.id: p for p in db.session.scalars(
            select(Post).where(Post.id.in_(parents)))})
    found: dict[int, tuple[Post, Post | None]] = {}
    for pid in post_ids:
        if pid in posts:
            parent_id = posts[pid].parent_id
            found[pid] = (posts[pid], posts.get(parent_id) if parent_id is not None else None)
    return found


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
            if indexable(status, root_status):
                expected[post_id] = _version(changed, status, helpful, root_changed, root_status)
    return expected


def all_documents(post_ids: list[int], batch: int = 1000) -> Iterator[SearchDocument]:
    """Yield a document for each of post_ids, loading them in batches."""
    for chunk in chunks(post_ids, batch):
        for post, root in load_with_threads(chunk).values():
            yield document_for(post, root)
        db.session.expunge_all()
