"""Pure moderation policy for Thaw: dose screening, drug knowledge and article matching."""

from __future__ import annotations

from moderation.findings import Finding
from moderation.screening import (
    DEFAULT_THRESHOLDS,
    HOLD,
    MODEL_REASON,
    PUBLISH,
    PUBLISH_WITH_NOTICE,
    Screening,
    Thresholds,
    explain,
    format_screening,
    screen,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "HOLD",
    "MODEL_REASON",
    "PUBLISH",
    "PUBLISH_WITH_NOTICE",
    "Finding",
    "Screening",
    "Thresholds",
    "explain",
    "format_screening",
    "screen",
]
