"""Posts, their tags, experience reports, revisions and votes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import THREAD_KINDS, Status, utcnow

if TYPE_CHECKING:
    from forum.models.members import Member


class Post(db.Model):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    # Answers point at the question or experience report that starts their thread.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=Status.PUBLISHED.value)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    source_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="SET NULL")
    )
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by the screening: a calm notice is shown, with the reviewed article for this drug.
    notice_drug: Mapped[str | None] = mapped_column(String(64))
    has_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    # Told to the author when a moderator removes the post.
    removal_reason: Mapped[str | None] = mapped_column(Text)
    # The learned risk score of the latest screening and the model version that gave it.
    screened_risk: Mapped[float | None] = mapped_column(Float)
    screened_model: Mapped[str | None] = mapped_column(String(40))

    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[PostTag]] = relationship(
        cascade="all, delete-orphan", order_by="PostTag.slug", lazy="selectin"
    )
    experience: Mapped[Experience | None] = relationship(
        cascade="all, delete-orphan", uselist=False, lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('question', 'experience', 'answer')", name="kind"),
        CheckConstraint(
            "status IN ('published', 'held', 'removed', 'deleted')", name="status"
        ),
        # Lists of threads by kind, newest first (home page, thread lists).
        Index("ix_post_kind_status_created", "kind", "status", "created_at", "id"),
        # Every published thread newest first, read in order (thread lists, tag pages).
        Index("ix_post_status_created", "status", "created_at", "id"),
        # A member's posts newest first, and how many there are (profile pages).
        Index("ix_post_author_status_created", "author_id", "status", "created_at", "id"),
        # Unanswered questions newest first (home page).
        Index("ix_post_unanswered", "kind", "status", "answer_count", "created_at", "id"),
        # "Is there any demo post?" on every page: only demo posts are in it. The predicate is
        # what SQLAlchemy writes for `where(Post.is_demo)`, so both databases use the index.
        Index("ix_post_demo", "is_demo", sqlite_where=text("is_demo = 1"),
              postgresql_where=text("is_demo")),
        # Each member's latest experience report (treatment insights).
        Index("ix_post_kind_status_author", "kind", "status", "author_id", "created_at", "id"),
        # Most answered questions (treatment insights), unanswered ones (home page).
        Index("ix_post_kind_status_answers", "kind", "status", "answer_count",
              "last_activity_at", "id"),
    )

    @property
    def thread_id(self) -> int:
        return self.parent_id if self.parent_id is not None else self.id

    @property
    def is_thread(self) -> bool:
        return self.kind in THREAD_KINDS

    @property
    def tag_slugs(self) -> list[str]:
        return [tag.slug for tag in self.tags]


class PostTag(db.Model):
    __tablename__ = "post_tag"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)

    # A tag's posts without reading the table (tag pages, tag counts).
    __table_args__ = (Index("ix_post_tag_slug_post", "slug", "post_id"),)


class ContentVersion(db.Model):
    """One row whose number changes in every transaction that changes posts.

    Figures computed from every post are cached against it (forum/content_cache.py). The number
    is random, not counted, so a restored backup never brings back a number that this process
    has cached for other content.
    """

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


# The row exists from the start (the migration inserts it too); without it nothing is cached.
event.listen(ContentVersion.__table__, "after_create",
             DDL("INSERT INTO content_version (id, version) VALUES (1, 0)"))


class Experience(db.Model):
    """The structured part of an experience report."""

    __tablename__ = "experience"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    treatment: Mapped[str] = mapped_column(String(64), index=True)
    effectiveness: Mapped[int] = mapped_column(SmallInteger)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    still_using: Mapped[bool | None] = mapped_column(Boolean)
    dose: Mapped[str | None] = mapped_column(String(200))

    side_effects: Mapped[list[SideEffect]] = relationship(
        cascade="all, delete-orphan", order_by="SideEffect.name", lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("effectiveness BETWEEN 1 AND 5", name="effectiveness"),
        CheckConstraint("duration_months IS NULL OR duration_months >= 0", name="duration"),
    )

    @property
    def side_effect_names(self) -> list[str]:
        return [effect.name for effect in self.side_effects]

    def as_dict(self) -> dict:
        """Describe the report's structured part as the API and the export format do."""
        return {
            "treatment": self.treatment,
            "effectiveness": self.effectiveness,
            "side_effects": self.side_effect_names,
            "duration_months": self.duration_months,
            "still_using": self.still_using,
            "dose": self.dose,
        }


class SideEffect(db.Model):
    __tablename__ = "side_effect"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("experience.post_id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class PostRevision(db.Model):
    """A previous version of a post, kept when it is edited."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated slugs
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Whether everyone could read this version before it was replaced. A version held by the
    # screening (or replaced by a moderator's "edit and approve") is shown only to its author
    # and the moderators, or the history would publish what moderation held back.
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Vote(db.Model):
    """A member marking a post as helpful."""

    __tablename__ = "vote"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
