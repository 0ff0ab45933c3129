"""Pure moderation policy for Thaw: dose screening, drug knowledge and article matching."""

from __future__ import annotations

from moderation.rules import Finding
from moderation.screening import (
    HOLD,
    PUBLISH,
    PUBLISH_WITH_NOTICE,
    Screening,
    format_screening,
    screen,
)

__all__ = [
    "HOLD",
    "PUBLISH",
    "PUBLISH_WITH_NOTICE",
    "Finding",
    "Screening",
    "format_screening",
    "screen",
]
