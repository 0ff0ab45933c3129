"""Screening flags, reports, the review queue, moderators' labels and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import utcnow


class Flag(db.Model):
    """One finding of the automatic screening, kept with the evidence and its source."""

    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    drug: Mapped[str | None] = mapped_column(String(64))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


REPORT_REASONS = ("unsafe_advice", "selling_or_sharing", "spam", "abuse", "at_risk", "other")


class Report(db.Model):
    """A member reporting a post to the moderators."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("post_id", "reporter_id", name="once_per_member"),)


class ReviewItem(db.Model):
    """A post waiting for a moderator: from the screening, from reports, or both."""

    __tablename__ = "review_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    # "screening" (held), "check" (published, check soon) or "reports"
    source: Mapped[str] = mapped_column(String(16))
    severity: Mapped[int] = mapped_column(SmallInteger, default=1)  # 3 high, 2 medium, 1 low
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)


class ModerationLabel(db.Model):
    """A moderator's decision on a screened or reported post, kept to train the screening on.

    The text is the one the moderator judged, copied, so a later edit or deletion of the post
    leaves the label as it was; no name or address of anyone is kept.
    """

    __tablename__ = "moderation_label"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"),
                                                index=True)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(8))  # "unsafe" or "safe"
    category: Mapped[str] = mapped_column(String(64))
    drug: Mapped[str | None] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(16))  # approved, edited, removed, dismissed
    source: Mapped[str] = mapped_column(String(16))  # the review item's source
    model_version: Mapped[str | None] = mapped_column(String(40))
    risk: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditEntry(db.Model):
    """Who did what, when and why: every moderation action."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
