"""Appeals: the author of a held or removed post asks moderators to look again, once."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum import permissions
from forum.database import lock, write_transaction
from forum.errors import DomainError, NotFound, PermissionDenied
from forum.extensions import db
from forum.models import Appeal, AuditEntry, Member, Post, ReviewItem, utcnow
from forum.validation import clean_text

APPEAL_MAX = 1000
APPEAL_SOURCE = "appeal"
APPEAL_SEVERITY = 2


class AlreadyAppealed(DomainError):
    """The author appealed this post before; each post is appealed once."""


def appeal_for(post: Post) -> Appeal | None:
    """Return the post's appeal, if it has one."""
    return db.session.scalar(select(Appeal).where(Appeal.post_id == post.id))


def appeals_by(member: Member) -> dict[int, Appeal]:
    """Return a member's appeals by post id."""
    return {appeal.post_id: appeal for appeal in db.session.scalars(
        select(Appeal).where(Appeal.author_id == member.id))}


def can_appeal(member: Member | None, post: Post) -> bool:
    """Tell whether this member may appeal this post now (for showing the button)."""
    return permissions.can_appeal(member, post) and appeal_for(post) is None


def _original_decision(post: Post) -> tuple[str, int | None, str]:
    """Return the decision appealed against: its outcome, who made it, and why."""
    if post.status == "removed":
        item = db.session.scalar(
            select(ReviewItem).where(ReviewItem.post_id == post.id,
                                     ReviewItem.outcome == "removed")
            .order_by(ReviewItem.handled_at.desc(), ReviewItem.id.desc()).limit(1))
        return ("removed", item.handled_by_id if item else None,
                post.removal_reason or (item.reason if item else "") or "")
    return "held", None, ""


def file_appeal(*, author: Member, post: Post, text: object) -> Appeal:
    """Ask the moderators to look again at a held or removed post: a queue item of its own.

    :raise AlreadyAppealed: the post was appealed before.
    """
    from forum.services.members import ensure_can_post

    if post.author_id != author.id:
        raise PermissionDenied("Only the author of a post can appeal a decision on it.")
    ensure_can_post(author)
    if post.status not in ("held", "removed"):
        raise NotFound(post.id)
    text = clean_text("text", text, label="Your appeal", max_length=APPEAL_MAX)
    with write_transaction():
        lock(post)
        if post.status not in ("held", "removed"):
            raise NotFound(post.id)
        if appeal_for(post) is not None:
            raise AlreadyAppealed(post.id)
        outcome, by_id, reason = _original_decision(post)
        item = ReviewItem(post_id=post.id, source=APPEAL_SOURCE, severity=APPEAL_SEVERITY)
        db.session.add(item)
        db.session.flush()
        appeal = Appeal(post_id=post.id, author_id=author.id, text=text,
                        original_outcome=outcome, original_by_id=by_id,
                        original_reason=reason, review_item_id=item.id)
        db.session.add(appeal)
        db.session.add(AuditEntry(actor_id=author.id, action="appeal", post_id=post.id,
                                  member_id=author.id, reason=f"appealed a post {outcome}"))
        try:
            db.session.flush()
        except IntegrityError:  # two appeals at once: the first one counts
            db.session.rollback()
            raise AlreadyAppealed(post.id) from None
    return appeal


def appeals_for_items(items: Iterable[ReviewItem]) -> dict[int, Appeal]:
    """Return the appeals behind these review items, by item id (for the queue)."""
    ids = [item.id for item in items if item.source == APPEAL_SOURCE]
    if not ids:
        return {}
    return {appeal.review_item_id: appeal for appeal in db.session.scalars(
        select(Appeal).where(Appeal.review_item_id.in_(ids)))
        if appeal.review_item_id is not None}


def record_outcome(*, item: ReviewItem, post: Post, actor: Member, outcome: str) -> None:
    """Settle the appeal behind a decided queue item and tell its author (no commit).

    Called inside the moderator's decision transaction. Publishing the post reverses the
    decision; removing it, or leaving it as it is, upholds it.
    """
    from forum.services import notifications

    appeal = db.session.scalar(select(Appeal).where(Appeal.post_id == post.id,
                                                    Appeal.outcome.is_(None)))
    if appeal is None:
        return
    appeal.outcome = "reversed" if post.status == "published" else "upheld"
    appeal.decided_at = utcnow()
    db.session.add(AuditEntry(actor_id=actor.id, action="appeal_decided", post_id=post.id,
                              member_id=post.author_id,
                              reason=f"{appeal.outcome} ({outcome})"))
    words = ("Your appeal was successful: your post is published again."
             if appeal.outcome == "reversed" else
             "Your appeal was considered and the decision stands.")
    if appeal.outcome == "upheld" and post.removal_reason:
        words += f" The moderator's reason: {post.removal_reason}"
    notifications.notify(member_id=post.author_id, kind="appeal", post=post, text=words)
