"""Moderation in the forum: screening posts as they are written, holding or noticing them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select

import moderation
from forum.extensions import db
from forum.models import Flag, Post, ReviewItem

if TYPE_CHECKING:
    from forum.services.posts import Draft

SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}


def screening_text(draft: Draft) -> str:
    """Return the text the screening reads for a post: title, body and the dose field."""
    parts = [draft.title or "", draft.body]
    if draft.experience and draft.experience.get("dose"):
        parts.append(draft.experience["dose"])
    return "\n\n".join(part for part in parts if part)


def screen_draft(draft: Draft) -> moderation.Screening:
    """Screen a validated post before any transaction opens (pure and fast)."""
    return moderation.screen(screening_text(draft))


def apply_screening(post: Post, screening: moderation.Screening, text: str, *,
                    new: bool = False) -> None:
    """Record a screening on a post in the current transaction: flags, hold or notice.

    :param new: the post was just added, so it has no earlier flags or review items.
    """
    if not new:
        db.session.execute(delete(Flag).where(Flag.post_id == post.id))
    for finding in screening.findings:
        db.session.add(Flag(post_id=post.id, rule=finding.rule, severity=finding.severity,
                            drug=finding.drug, start=finding.start, end=finding.end,
                            evidence=text[finding.start:finding.end],
                            explanation=finding.explanation, reference=finding.reference))
    post.has_notice = screening.verdict == moderation.PUBLISH_WITH_NOTICE
    post.notice_drug = next((f.drug for f in screening.findings if f.drug), None) or (
        screening.drugs[0] if screening.drugs else None)
    open_items = [] if new else list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.state == "open")))
    held_by_reports = any(item.source == "reports" for item in open_items)
    if screening.verdict == moderation.HOLD:
        if post.status == "published":
            post.status = "held"
        severity = max((SEVERITY_RANK.get(f.severity, 1) for f in screening.findings), default=1)
        screening_item = next((i for i in open_items if i.source == "screening"), None)
        if screening_item is None:
            db.session.add(ReviewItem(post_id=post.id, source="screening", severity=severity))
        else:
            screening_item.severity = severity
        return
    # Clean now: an edit that removed the problem releases a post the screening held,
    # but never one that members reported and a moderator has not yet seen.
    for item in open_items:
        if item.source == "screening":
            item.state = "closed"
            item.outcome = "edited"
    if post.status == "held" and not held_by_reports:
        post.status = "published"
