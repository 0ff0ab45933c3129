"""What every model module shares: the clock and the names of roles, kinds and states."""

from __future__ import annotations

from datetime import UTC, datetime

ROLES = ("member", "moderator", "admin")
KINDS = ("question", "experience", "answer")
THREAD_KINDS = ("question", "experience")
# published: everyone sees it; held: waiting for a moderator; removed: by a moderator;
# deleted: by its author (the thread keeps a stub).
STATUSES = ("published", "held", "removed", "deleted")


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (stored the same on every database)."""
    return datetime.now(UTC).replace(tzinfo=None)
