"""Screening posts: as they are written, what their authors are told, and again later.

A draft is screened before its write transaction opens (pure and fast); the findings are
then recorded on the post as flags, and the verdict holds it, adds a notice, or queues it
for a check. When the drug knowledge changes, `rescreen` reads every post again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import delete, select, update

import moderation
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Flag, Post, ReviewItem, Status, utcnow
from forum.services import audit, indexing
from forum.services.drafts import Draft
from forum.services.threads import queue_post_for_index, refresh_parent

SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}
RESCREEN_BATCH = 200


def screening_text(draft: Draft) -> str:
    """Return the text the screening reads for a post: title, body and the dose field."""
    parts = [draft.title or "", draft.body]
    if draft.experience is not None and draft.experience.dose:
        parts.append(draft.experience.dose)
    return "\n\n".join(part for part in parts if part)


def post_text(post: Post) -> str:
    """Return the screened text of a stored post, the text its flags' offsets point into."""
    parts = [post.title or "", post.body]
    if post.experience is not None and post.experience.dose:
        parts.append(post.experience.dose)
    return "\n\n".join(part for part in parts if part)


def screening_thresholds(config: Mapping[str, object]) -> moderation.Thresholds:
    """Return the risk scores from which posts are held or queued, from the app's settings.

    MODERATION_HOLD_AT and MODERATION_CHECK_AT (numbers between 0 and 1) override the
    package's defaults.
    """
    default = moderation.DEFAULT_THRESHOLDS
    hold = config.get("MODERATION_HOLD_AT", default.hold)
    check = config.get("MODERATION_CHECK_AT", default.check)
    return moderation.Thresholds(hold=float(str(hold)), check=float(str(check)))


def screen_text(text: str) -> moderation.Screening:
    """Screen a text with the thresholds this app is configured with."""
    return moderation.screen(text, thresholds=screening_thresholds(current_app.config))


def screen_draft(draft: Draft) -> moderation.Screening:
    """Screen a validated post before any transaction opens (pure and fast)."""
    return screen_text(screening_text(draft))


def record_findings(post: Post, screening: moderation.Screening, text: str, *,
                    new: bool) -> None:
    """Replace a post's flags with this screening's findings and set its notice."""
    if not new:
        db.session.execute(delete(Flag).where(Flag.post_id == post.id))
    for finding in screening.findings:
        db.session.add(Flag(post_id=post.id, rule=finding.rule, severity=finding.severity,
                            drug=finding.drug, start=finding.start, end=finding.end,
                            evidence=text[finding.start:finding.end],
                            explanation=finding.explanation, reference=finding.reference))
    post.has_notice = screening.verdict == moderation.PUBLISH_WITH_NOTICE
    post.screened_risk = screening.risk
    post.screened_model = screening.model_version
    post.notice_drug = next((f.drug for f in screening.findings if f.drug), None) or (
        screening.drugs[0] if screening.drugs else None)


def severity(screening: moderation.Screening) -> int:
    """Return how urgent a screening's hold is in the queue: its worst finding's rank."""
    return max((SEVERITY_RANK.get(f.severity, 1) for f in screening.findings), default=1)


def apply_screening(post: Post, screening: moderation.Screening, text: str, *,
                    new: bool = False) -> None:
    """Record a screening on a post in the current transaction: flags, hold or notice.

    :param new: the post was just added, so it has no earlier flags or review items.
    """
    record_findings(post, screening, text, new=new)
    open_items = [] if new else list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.state == "open")))
    held_by_reports = any(item.source == "reports" for item in open_items)
    if screening.verdict == moderation.HOLD:
        if post.status == Status.PUBLISHED:
            post.status = Status.HELD
        screening_item = next((i for i in open_items if i.source == "screening"), None)
        if screening_item is None:
            db.session.add(ReviewItem(post_id=post.id, source="screening",
                                      severity=severity(screening)))
        else:
            screening_item.severity = severity(screening)
        return
    # Not held now: an edit that removed the problem releases a post the screening held,
    # but never one that members reported and a moderator has not yet seen. A post the
    # screening is unsure of is published and queued for a check soon; its author sees
    # nothing different.
    for item in open_items:
        if item.source == "screening" or (item.source == "check" and not screening.check_soon):
            item.state = "closed"
            item.outcome = "edited"
            item.handled_at = utcnow()
    if screening.check_soon and not any(i.source == "check" for i in open_items):
        db.session.add(ReviewItem(post_id=post.id, source="check", severity=1))
    if post.status == Status.HELD and not held_by_reports:
        post.status = Status.PUBLISHED


def held_reasons(posts: Iterable[Post]) -> dict[int, list[str]]:
    """Return, in plain words and by post id, why posts wait for a moderator (for their author).

    Two queries however many posts there are.
    """
    posts = list(posts)
    if not posts:
        return {}
    ids = [post.id for post in posts]
    found: dict[int, dict[str, None]] = {post_id: {} for post_id in ids}  # ordered sets
    for post_id, explanation in db.session.execute(
            select(Flag.post_id, Flag.explanation)
            .where(Flag.post_id.in_(ids),
                   Flag.rule.not_in(moderation.screening.NOTICE_RULES))
            .order_by(Flag.post_id, Flag.start, Flag.id)):
        found[post_id][explanation] = None
    reported = set(db.session.scalars(select(ReviewItem.post_id).where(
        ReviewItem.post_id.in_(ids), ReviewItem.source == "reports",
        ReviewItem.state == "open")))
    reasons = {post_id: list(explanations) for post_id, explanations in found.items()}
    for post in posts:
        if post.id in reported and post.status == Status.HELD:
            reasons[post.id].append("Several members reported it, so it is hidden until a "
                                    "moderator has looked at it.")
        elif post.status == Status.HELD and not reasons[post.id] and post.screened_model:
            reasons[post.id].append(moderation.MODEL_REASON)  # held by the model alone
    return reasons


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> Markup:
    """Return the text escaped, with the given character spans (the evidence) in <mark>."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = []
    cursor = 0
    for start, end in merged:
        out.append(escape(text[cursor:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


# Keeping up with the knowledge file --------------------------------------------------------

@dataclass(frozen=True)
class RescreenResult:
    """What re-screening the forum changed."""

    checked: int
    held: int
    released: int


def _rescreen_one(post: Post, open_sources: set[str],
                  earlier: tuple[str, moderation.Screening] | None) -> str | None:
    """Screen a stored post again; return "held" or "released" when its status changed.

    :param earlier: the post's text and its screening from before the write transaction,
        used when the text is still the same.
    """
    text = post_text(post)
    screening = earlier[1] if earlier is not None and earlier[0] == text else (
        screen_text(text))
    verdict = screening.verdict
    if post.status == Status.PUBLISHED:
        # A changed notice alone needs no re-indexing: no search entry shows it.
        record_findings(post, screening, text, new=False)
        if verdict != moderation.HOLD:
            return None
        post.status = Status.HELD
        if "screening" not in open_sources:
            db.session.add(ReviewItem(post_id=post.id, source="screening",
                                      severity=severity(screening)))
        audit.record(actor=None, action="rescreen_hold", post=post,
                     reason="; ".join(f.rule for f in screening.findings))
        refresh_parent(post)
        return "held"
    # Held: only a hold that is the screening's own, with nothing else waiting, is released.
    if open_sources != {"screening"}:
        return None
    record_findings(post, screening, text, new=False)
    if verdict == moderation.HOLD:
        return None
    db.session.execute(
        update(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.state == "open")
        .values(state="closed", handled_at=utcnow(), outcome="rescreened",
                reason="The screening no longer flags it.")
        .execution_options(synchronize_session=False))
    post.status = Status.PUBLISHED
    if screening.check_soon:
        db.session.add(ReviewItem(post_id=post.id, source="check", severity=1))
    audit.record(actor=None, action="rescreen_release", post=post,
                 reason="The screening no longer flags it.")
    refresh_parent(post)
    return "released"


def rescreen(*, progress: Callable[[int], None] | None = None) -> RescreenResult:
    """Screen published and held posts again after the drug knowledge changed.

    Newly unsafe published posts are held for review. A held post is released only when
    the screening alone held it and now finds it clean; posts members reported, moderators
    removed or authors deleted are never touched.
    """
    ids = list(db.session.scalars(select(Post.id).where(
        Post.status.in_((Status.PUBLISHED, Status.HELD))).order_by(Post.id)))
    checked = held = released = 0
    batch = select(Post).order_by(Post.id)
    for start in range(0, len(ids), RESCREEN_BATCH):
        chunk = ids[start:start + RESCREEN_BATCH]
        screened = {}  # screened before the write transaction, which only checks the text
        for post in db.session.scalars(batch.where(Post.id.in_(chunk))):
            text = post_text(post)
            screened[post.id] = (text, screen_text(text))
        with write_transaction():
            sources: dict[int, set[str]] = {}
            for post_id, source in db.session.execute(
                    select(ReviewItem.post_id, ReviewItem.source).where(
                        ReviewItem.post_id.in_(chunk), ReviewItem.state == "open")):
                sources.setdefault(post_id, set()).add(source)
            changed = []
            for post in db.session.scalars(batch.where(Post.id.in_(chunk))):
                outcome = _rescreen_one(post, sources.get(post.id, set()),
                                        screened.get(post.id))
                if outcome is not None:
                    changed.append(post)
                    held += outcome == "held"
                    released += outcome == "released"
            for post in changed:
                queue_post_for_index(post)
        indexing.after_commit()
        db.session.expunge_all()
        checked += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return RescreenResult(checked, held, released)
