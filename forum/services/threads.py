"""Threads: who may see a post as part of its thread, answer counts, and thread titles."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from forum import permissions
from forum.database import lock
from forum.extensions import db
from forum.models import Member, Post, Status
from forum.services import indexing


def can_see(viewer: Member | None, post: Post) -> bool:
    """Tell whether a viewer may read a post's content; an answer follows its thread.

    An answer in a held or removed thread is hidden wherever its thread is (the page, search,
    profiles, votes, reports, the API). A deleted thread keeps a stub with its answers.
    """
    if not permissions.can_read(viewer, post):
        return False
    if post.parent_id is None:
        return True
    root = db.session.get(Post, post.parent_id)
    return root is None or root.status == Status.DELETED or permissions.can_read(viewer, root)


def refresh_thread(root: Post) -> None:
    """Recount a thread's published answers and its last activity (no commit; flush first)."""
    lock(root)  # on PostgreSQL, another worker's recount waits and then counts ours
    published = (select(func.count()).select_from(Post)
                 .where(Post.parent_id == root.id, Post.status == Status.PUBLISHED))
    latest = select(func.max(Post.created_at)).where(Post.parent_id == root.id,
                                                     Post.status == Status.PUBLISHED)
    root.answer_count = db.session.scalar(published) or 0
    root.last_activity_at = db.session.scalar(latest) or root.created_at


def refresh_parent(post: Post) -> None:
    """Recount the thread of an answer whose status changed (no commit); a thread has none."""
    if post.parent_id is not None:
        parent = db.session.get(Post, post.parent_id)
        if parent is not None:
            db.session.flush()
            refresh_thread(parent)  # counters only: no search entry shows them


def queue_post_for_index(post: Post) -> None:
    """Queue a changed post for the index, with its answers when it opens a thread."""
    if post.is_thread:
        indexing.queue_thread(post)
    else:
        indexing.queue([post.id])


def thread_titles(posts: Iterable[Post], viewer: Member | None = None, *,
                  staff: bool = False) -> dict[int, str]:
    """Return the titles of the threads these posts belong to that the viewer may read.

    :param staff: every title, whoever the viewer: for the moderators' own pages (the queue).
    """
    ids = {p.parent_id for p in posts if p.parent_id is not None}
    if not ids:
        return {}
    roots = db.session.scalars(select(Post).where(Post.id.in_(ids)))
    return {root.id: root.title or "" for root in roots
            if staff or root.status != Status.DELETED and can_see(viewer, root)}
