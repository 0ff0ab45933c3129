"""What every model module shares: the clock and the names of roles, kinds and states.

Each name is defined once here. The enums are `StrEnum`s, so a member of one is equal to
the string stored in the database (`Status.PUBLISHED == "published"`), and code, templates
and queries may compare either way while they move over to the names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Kind(StrEnum):
    QUESTION = "question"
    EXPERIENCE = "experience"
    ANSWER = "answer"


class Status(StrEnum):
    """published: everyone sees it; held: waiting for a moderator; removed: by a moderator;
    deleted: by its author (the thread keeps a stub)."""

    PUBLISHED = "published"
    HELD = "held"
    REMOVED = "removed"
    DELETED = "deleted"


ROLES: tuple[str, ...] = tuple(role.value for role in Role)
KINDS: tuple[str, ...] = tuple(kind.value for kind in Kind)
THREAD_KINDS: tuple[str, ...] = (Kind.QUESTION.value, Kind.EXPERIENCE.value)
STATUSES: tuple[str, ...] = tuple(status.value for status in Status)


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (stored the same on every database)."""
    return datetime.now(UTC).replace(tzinfo=None)
