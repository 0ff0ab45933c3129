"""Following threads and tags: who hears about new answers and new posts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.database import write_transaction
from forum.errors import NotFound
from forum.extensions import db
from forum.models import Follow, Member, Post
from forum.taxonomy import load_taxonomy


def _thread_follow(member_id: int, thread_id: int) -> Follow | None:
    return db.session.scalar(select(Follow).where(Follow.member_id == member_id,
                                                  Follow.thread_id == thread_id))


def _tag_follow(member_id: int, tag: str) -> Follow | None:
    return db.session.scalar(select(Follow).where(Follow.member_id == member_id,
                                                  Follow.tag == tag))


def auto_follow(*, member: Member, thread: Post) -> None:
    """Follow a thread the member asked in or answered (no commit), unless they unfollowed it."""
    if _thread_follow(member.id, thread.id) is None:
        db.session.add(Follow(member_id=member.id, thread_id=thread.id))


def set_thread_follow(*, member: Member, thread: Post, follow: bool) -> bool:
    """Follow or unfollow a thread the member can see; return the new state."""
    from forum.services.threads import can_see

    if not thread.is_thread or not can_see(member, thread):
        raise NotFound(thread.id)
    with write_transaction():
        row = _thread_follow(member.id, thread.id)
        if row is None:
            row = Follow(member_id=member.id, thread_id=thread.id, active=follow)
            db.session.add(row)
        row.active = follow
        try:
            db.session.flush()
        except IntegrityError:  # a double click: the other request made the row
            db.session.rollback()
            return set_thread_follow(member=member, thread=thread, follow=follow)
    return follow


def set_tag_follow(*, member: Member, tag: str, follow: bool) -> bool:
    """Follow or unfollow a tag of the taxonomy; return the new state."""
    if tag not in load_taxonomy().tags:
        raise NotFound(tag)
    with write_transaction():
        row = _tag_follow(member.id, tag)
        if row is None:
            row = Follow(member_id=member.id, tag=tag, active=follow)
            db.session.add(row)
        row.active = follow
    return follow


def follows_thread(member: Member | None, thread: Post) -> bool:
    if member is None or not member.is_authenticated:
        return False
    row = _thread_follow(member.id, thread.id)
    return row is not None and row.active


def follows_tag(member: Member | None, tag: str) -> bool:
    if member is None or not member.is_authenticated:
        return False
    row = _tag_follow(member.id, tag)
    return row is not None and row.active


def thread_followers(thread_id: int) -> list[int]:
    """Return the ids of members following a thread."""
    return list(db.session.scalars(select(Follow.member_id).where(
        Follow.thread_id == thread_id, Follow.active.is_(True)).order_by(Follow.member_id)))


def tag_followers(tags: Iterable[str]) -> list[int]:
    """Return the ids of members following any of these tags, each once."""
    tags = list(tags)
    if not tags:
        return []
    return list(db.session.scalars(select(Follow.member_id).where(
        Follow.tag.in_(tags), Follow.active.is_(True)).distinct().order_by(Follow.member_id)))
