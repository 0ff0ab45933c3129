"""The member a request is made by, for views that show visitors and members different things."""

from __future__ import annotations

from flask_login import current_user

from forum.models import Member


def current_member() -> Member | None:
    """Return the logged-in member, or None for visitors."""
    return current_user if current_user.is_authenticated else None
