"""Notifications, what members follow, their mail preferences, digests sent, and appeals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import utcnow


class Notification(db.Model):
    """Something a member should hear about: shown in the app, mailed now or in a digest."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"),
                                                index=True)
    # The plain words shown and mailed; never a post's body.
    text: Mapped[str] = mapped_column(String(400))
    # How many events this row stands for ("3 members found your answer helpful").
    count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when the digest that listed it was claimed: no item is in two digests.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digest_run.id",
                                                             ondelete="SET NULL"))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # A member's list, newest first, and their unread count.
        Index("ix_notification_member_created", "member_id", "created_at", "id"),
        Index("ix_notification_member_read", "member_id", "read_at"),
    )


class Follow(db.Model):
    """A member following a thread or a tag; an undone follow is kept so it is not redone."""

    __tablename__ = "follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"),
                                                  index=True)
    tag: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("member_id", "thread_id", name="one_per_thread"),
        UniqueConstraint("member_id", "tag", name="one_per_tag"),
    )


class NotificationPreference(db.Model):
    """How a member wants one kind of notification mailed: now, in a digest, or not at all.

    The kind "digest" holds how often digests come: "daily" or "weekly".
    """

    __tablename__ = "notification_preference"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(16))


class DigestRun(db.Model):
    """One digest for one member and period, claimed (inserted) before it is sent.

    The unique constraint is the lock: two runs of the command, on one machine or two,
    cannot both claim the same member's period.
    """

    __tablename__ = "digest_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[datetime] = mapped_column(DateTime)
    items: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("member_id", "period", "period_start", name="once_per_period"),
    )


class Appeal(db.Model):
    """An author asking moderators to look again at their held or removed post (once)."""

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"),
                                         unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    # The decision appealed against: "removed" or "held", by whom (None: the screening).
    original_outcome: Mapped[str] = mapped_column(String(16))
    original_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id",
                                                                  ondelete="SET NULL"))
    original_reason: Mapped[str] = mapped_column(Text, default="")
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_item.id",
                                                                  ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # "upheld" or "reversed"
