"""Typed SQLAlchemy models: members, posts and what hangs off them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db

ROLES = ("member", "moderator", "admin")
KINDS = ("question", "experience", "answer")
THREAD_KINDS = ("question", "experience")
# published: everyone sees it; held: waiting for a moderator; removed: by a moderator;
# deleted: by its author (the thread keeps a stub).
STATUSES = ("published", "held", "removed", "deleted")


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (stored the same on every database)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Member(UserMixin, db.Model):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    # Lower-cased copies keep names and emails unique regardless of case.
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    # None for imported accounts, which cannot log in until they reset their password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    bio: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    suspended_until: Mapped[datetime | None] = mapped_column(DateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    # Bumped to end every session of the member at once (logout, password change, suspension).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    is_imported: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the account was confirmed: the member followed the link mailed to them, or the
    # account was made from the command line. Until then it cannot log in.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    treatments: Mapped[list[MemberTreatment]] = relationship(
        cascade="all, delete-orphan", order_by="MemberTreatment.slug"
    )

    __table_args__ = (CheckConstraint("role IN ('member', 'moderator', 'admin')", name="role"),)

    def get_id(self) -> str:
        """Return the session identity: the id and the session version together."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def is_suspended(self, now: datetime | None = None) -> bool:
        """Tell whether the member is suspended at `now`."""
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())


class AccountToken(db.Model):
    """A single-use link mailed to a member: confirming their email or choosing a new password.

    Only a SHA-256 hash of the token is stored, so a copy of the database opens no account.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    member: Mapped[Member] = relationship()

    __table_args__ = (CheckConstraint("purpose IN ('confirm', 'reset')", name="purpose"),)


class MemberTreatment(db.Model):
    __tablename__ = "member_treatment"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)


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
    status: Mapped[str] = mapped_column(String(16), default="published")
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

    @property
    def is_visible(self) -> bool:
        return self.status == "published"


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


class IndexJob(db.Model):
    """A post whose search entry must be refreshed: a durable record, replayed until done.

    Written in the same transaction as the change to the post, so a worker that dies between
    the database commit and the index write leaves the job for the next one.
    """

    __tablename__ = "index_job"
    # Never reuse an id on SQLite: workers delete the jobs they did by id (see the migration).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SearchNode(db.Model):
    """A web node with its own search index: how far it has applied the index job log."""

    __tablename__ = "search_node"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    applied_id: Mapped[int] = mapped_column(BigInteger, default=0)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SearchLogState(db.Model):
    """The one row saying up to which job id the log was pruned (nodes behind it rebuild)."""

    __tablename__ = "search_log_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)


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


class Article(db.Model):
    """A medically reviewed or clinically edited article members can be pointed to."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    topics: Mapped[str] = mapped_column(Text, default="")  # space-separated taxonomy slugs
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def topic_slugs(self) -> list[str]:
        return self.topics.split()
