"""Typed SQLAlchemy models, one module per concept; import them from here."""

from forum.models.articles import Article
from forum.models.base import KINDS, ROLES, STATUSES, THREAD_KINDS, Kind, Role, Status, utcnow
from forum.models.indexing import IndexJob, SearchLogState, SearchNode
from forum.models.members import AccountToken, Member, MemberTreatment
from forum.models.notifications import (
    Appeal,
    DigestRun,
    Follow,
    Notification,
    NotificationPreference,
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
    "KINDS", "REPORT_REASONS", "ROLES", "STATUSES", "THREAD_KINDS",
    "Kind", "Role", "Status",
    "AccountToken", "Appeal", "Article", "DigestRun", "Follow", "Notification",
    "NotificationPreference", "AuditEntry", "ContentVersion", "Experience", "Flag",
    "IndexJob", "Member", "MemberTreatment", "ModerationLabel", "Post", "PostRevision",
    "PostTag", "Report", "ReviewItem", "SearchLogState", "SearchNode", "SideEffect", "Vote",
    "utcnow",
]
