"""Typed SQLAlchemy models, one module per concept; import them from here."""

from forum.models.articles import Article
from forum.models.base import KINDS, ROLES, STATUSES, THREAD_KINDS, Kind, Role, Status, utcnow
from forum.models.indexing import IndexJob, SearchLogState, SearchNode
from forum.models.members import (
    FORMER_MEMBER,
    AccountToken,
    EmailChange,
    HeldUsername,
    Member,
    MemberTreatment,
)
from forum.models.posts import (
    ContentVersion,
    Experience,
    Post,
    PostRevision,
    PostTag,
    SideEffect,
    Vote,
)
from forum.models.review import (
    REPORT_REASONS,
    AuditEntry,
    Flag,
    ModerationLabel,
    Report,
    ReviewItem,
)

__all__ = [
    "FORMER_MEMBER", "KINDS", "REPORT_REASONS", "ROLES", "STATUSES", "THREAD_KINDS",
    "Kind", "Role", "Status",
    "AccountToken", "Article", "AuditEntry", "ContentVersion", "EmailChange", "Experience",
    "Flag", "HeldUsername", "IndexJob", "Member", "MemberTreatment", "ModerationLabel", "Post",
    "PostRevision", "PostTag", "Report", "ReviewItem", "SearchLogState", "SearchNode",
    "SideEffect", "Vote",
    "utcnow",
]
