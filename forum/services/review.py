"""Moderation in the forum: members' reports, the review queue and moderators' decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from markupsafe import Markup
from sqlalchemy import CursorResult, Select, func, select, update
from sqlalchemy.exc import IntegrityError

import moderation
from forum import permissions
from forum.database import get_or_not_found, lock, write_transaction
from forum.errors import DomainError, Invalid, NotFound, PermissionDenied
from forum.extensions import db
from forum.models import (
    REPORT_REASONS,
    Flag,
    Member,
    ModerationLabel,
    Post,
    Report,
    ReviewItem,
    Status,
    utcnow,
)
from forum.services import audit, crisis, members
from forum.services.drafts import ExperienceInput, apply_edit, validate_edit
from forum.services.screening import (
    highlight,
    post_text,
    record_findings,
    screen_draft,
    screening_text,
)
from forum.services.threads import can_see, queue_post_for_index, refresh_parent, thread_titles
from forum.validation import clean_text

SEVERITY_NAMES = {4: "crisis", 3: "high", 2: "medium", 1: "low"}
# How urgent a member's report is, by its reason: someone at risk or medicine changing hands
# first, spam last.
REPORT_SEVERITY = {"at_risk": 3, "unsafe_advice": 3, "selling_or_sharing": 3, "abuse": 2,
                   "spam": 1, "other": 1}
REPORT_LABELS = {
    "unsafe_advice": "Unsafe medical advice",
    "selling_or_sharing": "Selling or sharing medicine",
    "spam": "Spam",
    "abuse": "Abuse",
    "at_risk": "Someone may be at risk",
    "other": "Something else",
}
SUSPENSION_DAYS = (1, 3, 7, 30)
WAITING_TOO_LONG = timedelta(hours=24)
NOTE_MAX = 1000
REASON_MAX = 500


class AlreadyHandled(DomainError):
    """Another moderator closed this review item first; nothing was changed."""

    def __init__(self, item: ReviewItem) -> None:
        super().__init__(f"review item {item.id} is already closed")
        self.item = item


class AlreadyReported(DomainError):
    """The member reported this post before; a post counts each member once."""


# Member reports ----------------------------------------------------------------------------

def ensure_can_report(*, reporter: Member, post: Post) -> None:
    """Raise NotFound or PermissionDenied when this member may not report this post."""
    # An answer follows its thread: one in a held or removed thread cannot be reported either.
    if post.status != Status.PUBLISHED or not can_see(None, post):
        raise NotFound(post.id)
    if not permissions.can_report(reporter, post):
        if post.author_id == reporter.id:
            raise PermissionDenied("You cannot report your own post. You can edit or "
                                   "delete it.")
        raise PermissionDenied("You cannot report this post.")
    if not permissions.can_post(reporter):
        raise PermissionDenied("Your account is suspended, so you cannot report posts now.")


def report_post(*, reporter: Member, post: Post, reason: str, note: object = "") -> Report:
    """Report a post to the moderators; enough different members hide it until reviewed.

    :raise AlreadyReported: this member reported the post before (it counts once).
    """
    ensure_can_report(reporter=reporter, post=post)
    if reason not in REPORT_REASONS:
        raise Invalid("reason", "Choose why you are reporting this post.")
    note = clean_text("note", note, label="The note", required=False, max_length=NOTE_MAX)
    with write_transaction():
        if db.session.scalar(select(Report.id).where(Report.post_id == post.id,
                                                     Report.reporter_id == reporter.id)):
            raise AlreadyReported(post.id)
        report = Report(post_id=post.id, reporter_id=reporter.id, reason=reason, note=note)
        db.session.add(report)
        try:
            db.session.flush()
        except IntegrityError:  # the same member, twice at once: the first one counts
            db.session.rollback()
            raise AlreadyReported(post.id) from None
        item = db.session.scalar(select(ReviewItem).where(
            ReviewItem.post_id == post.id, ReviewItem.source == "reports",
            ReviewItem.state == "open"))
        if item is None:
            db.session.add(ReviewItem(post_id=post.id, source="reports",
                                      severity=REPORT_SEVERITY[reason]))
        else:
            item.severity = max(item.severity, REPORT_SEVERITY[reason])
        reporters = db.session.scalar(select(func.count(func.distinct(Report.reporter_id)))
                                      .where(Report.post_id == post.id,
                                             Report.resolved_at.is_(None)))
        if reporters >= current_app.config.get("REPORTS_TO_HIDE", 3):
            hidden = cast(CursorResult[Any], db.session.execute(
                update(Post).where(Post.id == post.id, Post.status == Status.PUBLISHED)
                .values(status=Status.HELD, updated_at=utcnow())
                .execution_options(synchronize_session="fetch"))).rowcount
            if hidden:
                audit.record(actor=None, action="hide", post=post,
                       reason=f"{reporters} members reported it")
                refresh_parent(post)
                queue_post_for_index(post)
    return report


# The review queue --------------------------------------------------------------------------

@dataclass
class QueueEntry:
    """One open review item with what a moderator needs to decide."""

    item: ReviewItem
    post: Post
    thread_title: str
    text_html: Markup
    flags: list[Flag]
    reports: list[tuple[Report, str]]  # with the reporter's name
    held_before: int
    removed_before: int
    waiting_too_long: bool
    crisis_reason: str | None = None  # for a crisis item: which reader raised it, and why

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES.get(self.item.severity, "low")

    @property
    def model_reason(self) -> str:
        """Return what the learned score saw, in words that name no rule it did not use."""
        return moderation.MODEL_REASON


def open_items_query() -> Select[tuple[ReviewItem]]:
    """Return a query for open review items: most severe first, then the longest waiting."""
    return (select(ReviewItem).where(ReviewItem.state == "open")
            .order_by(ReviewItem.severity.desc(), ReviewItem.created_at, ReviewItem.id))


def count_open() -> int:
    """Return how many review items are open."""
    return db.session.scalar(select(func.count()).select_from(ReviewItem)
                             .where(ReviewItem.state == "open")) or 0


def queue_entries(items: list[ReviewItem], now: datetime | None = None) -> list[QueueEntry]:
    """Load what the queue page shows for these items, in a fixed number of queries."""
    now = now or utcnow()
    post_ids = {item.post_id for item in items}
    if not post_ids:
        return []
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    titles = thread_titles(posts.values(), staff=True)
    flags: dict[int, list[Flag]] = {}
    for flag in db.session.scalars(select(Flag).where(Flag.post_id.in_(post_ids))
                                   .order_by(Flag.start, Flag.id)):
        flags.setdefault(flag.post_id, []).append(flag)
    reports: dict[int, list[tuple[Report, str]]] = {}
    for report, name in db.session.execute(
            select(Report, Member.username).join(Member, Member.id == Report.reporter_id)
            .where(Report.post_id.in_(post_ids), Report.resolved_at.is_(None))
            .order_by(Report.created_at, Report.id)):
        reports.setdefault(report.post_id, []).append((report, name))
    authors = {p.author_id for p in posts.values()}
    reviewed = dict(db.session.execute(
        select(Post.author_id, func.count(func.distinct(Post.id)))
        .join(ReviewItem, ReviewItem.post_id == Post.id)
        .where(Post.author_id.in_(authors)).group_by(Post.author_id)).all())
    removed = dict(db.session.execute(
        select(Post.author_id, func.count()).where(Post.author_id.in_(authors),
                                                   Post.status == Status.REMOVED)
        .group_by(Post.author_id)).all())
    entries = []
    for item in items:
        post = posts.get(item.post_id)
        if post is None:
            continue
        text = post_text(post)
        post_flags = flags.get(post.id, [])
        spans = [(f.start, f.end) for f in post_flags if text[f.start:f.end] == f.evidence]
        this_removed = 1 if post.status == Status.REMOVED else 0
        entries.append(QueueEntry(
            item=item, post=post,
            thread_title=(post.title
                          or (titles.get(post.parent_id) if post.parent_id is not None else None)
                          or "a thread"),
            text_html=highlight(text, spans), flags=post_flags,
            reports=reports.get(post.id, []),
            held_before=max(0, reviewed.get(post.author_id, 0) - 1),
            removed_before=removed.get(post.author_id, 0) - this_removed,
            waiting_too_long=now - item.created_at > WAITING_TOO_LONG,
            crisis_reason=crisis.why(post) if item.source == crisis.CRISIS_SOURCE else None))
    return entries


def get_item(item_id: int) -> ReviewItem:
    """Return a review item by id, or raise NotFound."""
    return get_or_not_found(ReviewItem, item_id)


def _ensure_moderator(actor: Member) -> None:
    """Let an active moderator act; a suspended one may read the queue but not change it."""
    if not permissions.can_moderate(actor):
        raise PermissionDenied("Only moderators can review posts.")
    members.ensure_can_post(actor)


def _claim(*, actor: Member, item_id: int, outcome: str, reason: str) -> tuple[ReviewItem, Post]:
    """Close an open item for this moderator, or raise AlreadyHandled if someone was first.

    The conditional UPDATE is the lock: of two moderators acting at once, exactly one
    changes the row; the other sees a row count of 0.
    """
    _ensure_moderator(actor)
    item = get_item(item_id)
    claimed = cast(CursorResult[Any], db.session.execute(
        update(ReviewItem).where(ReviewItem.id == item_id, ReviewItem.state == "open")
        .values(state="closed", handled_by_id=actor.id, handled_at=utcnow(), outcome=outcome,
                reason=reason)
        .execution_options(synchronize_session=False))).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(item)
        raise AlreadyHandled(item)
    db.session.refresh(item)
    post = db.session.get(Post, item.post_id)
    if post is None:  # pragma: no cover - items are deleted with their post
        raise NotFound(item.post_id)
    return item, post


def _close_the_rest(post: Post, actor: Member, outcome: str, reason: str) -> None:
    """Close the post's other open items and settle its reports with the same decision."""
    now = utcnow()
    db.session.execute(
        update(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.state == "open")
        .values(state="closed", handled_by_id=actor.id, handled_at=now, outcome=outcome,
                reason=reason).execution_options(synchronize_session=False))
    db.session.execute(
        update(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=now).execution_options(synchronize_session=False))


def _reason(value: object, *, required: bool) -> str:
    return clean_text("reason", value, label="The reason", required=required,
                      max_length=REASON_MAX)


def _decide(*, actor: Member, item_id: int, outcome: str, action: str, reason: str,
            change: Callable[[Post], bool]) -> ReviewItem:
    """Claim the item, change its post, and close everything else waiting on the post.

    :param change: acts on the claimed post inside the transaction and returns whether the
        post's status changed (its thread's counters are then counted again).
    """
    from forum.services import appeals, notifications

    with write_transaction():
        item, post = _claim(actor=actor, item_id=item_id, outcome=outcome, reason=reason)
        judged = post_text(post)
        was_hidden = post.status != Status.PUBLISHED
        if change(post):
            refresh_parent(post)
        _keep_labels(item, post, judged, outcome, reason)
        _close_the_rest(post, actor, outcome, reason)
        audit.record(actor=actor, action=action, post=post, reason=reason)
        if item.source == appeals.APPEAL_SOURCE:
            appeals.record_outcome(item=item, post=post, actor=actor, outcome=outcome)
        else:
            notifications.on_decision(post=post, outcome=outcome, reason=reason,
                                      was_hidden=was_hidden)
        queue_post_for_index(post)
    return item


# Report reasons that are about medicines: a removal for one of them is an unsafe label.
# A post removed for spam or abuse says nothing about dosing and is not kept as a label.
DOSING_REPORTS = frozenset({"unsafe_advice", "selling_or_sharing", "at_risk"})


def _keep_labels(item: ReviewItem, post: Post, judged: str, outcome: str, reason: str) -> None:
    """Keep a moderator's decision on a post as labelled text for the next training run.

    Approving or dismissing says the text was safe; removing it, or editing it before
    approving, says it was unsafe (the edited text is then kept as safe too).
    """
    flags = list(db.session.scalars(select(Flag).where(Flag.post_id == post.id)
                                    .order_by(Flag.start, Flag.id)))
    rules = [f for f in flags if f.rule not in moderation.screening.NOTICE_RULES]
    reasons = set(db.session.scalars(select(Report.reason).where(
        Report.post_id == post.id, Report.resolved_at.is_(None))))
    drug = next((f.drug for f in flags if f.drug), None) or post.notice_drug

    def keep(text: str, label: str, category: str) -> None:
        db.session.add(ModerationLabel(
            post_id=post.id, text=text, label=label, category=category, drug=drug,
            why=reason, decision=outcome, source=item.source,
            model_version=post.screened_model, risk=post.screened_risk))

    if outcome in ("approved", "dismissed"):
        keep(judged, "safe", "moderator_" + outcome)
        return
    if not rules and not (reasons & DOSING_REPORTS) and item.source != "check":
        return
    category = rules[0].rule if rules else next(iter(sorted(reasons & DOSING_REPORTS)),
                                                "moderator_" + outcome)
    keep(judged, "unsafe", category)
    if outcome == "edited" and post_text(post) != judged:
        keep(post_text(post), "safe", "moderator_edited")


def export_labels() -> list[dict[str, object]]:
    """Return every kept moderator decision in the labelled-set format, oldest first.

    Each line has the text, label, category, drug and why (the moderator's reason); no
    username or email of the author, the reporters or the moderator.
    """
    rows = db.session.scalars(select(ModerationLabel).order_by(ModerationLabel.id))
    return [{"id": f"mod-{row.id}", "text": row.text, "label": row.label,
             "category": row.category, "drug": row.drug, "why": row.why,
             "decision": row.decision, "model_version": row.model_version}
            for row in rows]


def _publish(post: Post) -> bool:
    if post.status != Status.HELD:
        return False
    post.status = Status.PUBLISHED
    return True


def _reinstate(post: Post) -> bool:
    """Publish a held or removed post again: an appeal that succeeds."""
    if post.status not in (Status.HELD, Status.REMOVED):
        return False
    post.status = Status.PUBLISHED
    post.removal_reason = None
    return True


def approve(*, actor: Member, item_id: int, reason: object = "") -> ReviewItem:
    """Publish the item's post (if it was held, or removed and appealed) and close the rest."""
    reason = _reason(reason, required=False)
    appealed = get_item(item_id).source == "appeal"
    return _decide(actor=actor, item_id=item_id, outcome="approved", action="approve",
                   reason=reason, change=_reinstate if appealed else _publish)


def edit_and_approve(*, actor: Member, item_id: int, body: object, title: object = None,
                     tags: str | list[str] | None = None,
                     experience: ExperienceInput | None = None,
                     reason: object = "") -> ReviewItem:
    """Change the post (keeping its previous version in the history), then publish it.

    The edited text is screened for its flags and notice, but a moderator's approval
    stands: the screening does not hold it again. Without `experience`, an experience
    report keeps its structured details.
    """
    reason = _reason(reason, required=False)
    _ensure_moderator(actor)
    post = db.session.get(Post, get_item(item_id).post_id)
    if post is None or post.status in (Status.DELETED, Status.REMOVED):
        raise NotFound(item_id)
    if experience is None and post.experience is not None:
        experience = ExperienceInput.from_row(post.experience)
    draft = validate_edit(post, title=title, body=body, tags=tags, experience=experience)
    screening = screen_draft(draft)  # before the write transaction opens

    def edit_and_publish(post: Post) -> bool:
        lock(post)  # the history keeps the version read under the lock
        # Again: someone may have acted meanwhile.
        if post.status in (Status.DELETED, Status.REMOVED):
            raise NotFound(item_id)
        apply_edit(post, draft, editor=actor)
        record_findings(post, screening, screening_text(draft), new=False)
        return _publish(post)

    return _decide(actor=actor, item_id=item_id, outcome="edited", action="edit_approve",
                   reason=reason, change=edit_and_publish)


def remove(*, actor: Member, item_id: int, reason: object) -> ReviewItem:
    """Take the item's post down; the author is told the reason."""
    reason = _reason(reason, required=True)

    def take_down(post: Post) -> bool:
        if post.status == Status.DELETED:
            return False
        post.status = Status.REMOVED
        post.removal_reason = reason
        return True

    return _decide(actor=actor, item_id=item_id, outcome="removed", action="remove",
                   reason=reason, change=take_down)


def dismiss(*, actor: Member, item_id: int, reason: object = "") -> ReviewItem:
    """Close the item without acting on the post, which stays as it is."""
    reason = _reason(reason, required=False)
    _ensure_moderator(actor)
    with write_transaction():
        post = db.session.get(Post, get_item(item_id).post_id)
        if post is not None and post.status == Status.HELD:
            raise Invalid("action", "This post is hidden. Approve it to show it again, or "
                                    "remove it.")
        item, post = _claim(actor=actor, item_id=item_id, outcome="dismissed", reason=reason)
        if item.source == "appeal":  # leaving the post as it is upholds the decision
            from forum.services import appeals

            appeals.record_outcome(item=item, post=post, actor=actor, outcome="dismissed")
        _keep_labels(item, post, post_text(post), "dismissed", reason)
        _close_the_rest(post, actor, "dismissed", reason)
        audit.record(actor=actor, action="dismiss", post=post, reason=reason)
    return item


def suspend_author(*, actor: Member, item_id: int, days: object, reason: object) -> Member:
    """Suspend the author of the item's post; the post itself still waits for a decision."""
    _ensure_moderator(actor)
    with write_transaction():
        item = get_item(item_id)
        try:
            length = int(str(days))
        except ValueError:
            length = 0
        if length not in SUSPENSION_DAYS:
            raise Invalid("days", "Choose 1, 3, 7 or 30 days.")
        reason = _reason(reason, required=True)
        post = get_or_not_found(Post, item.post_id)
        author = get_or_not_found(Member, post.author_id)
        if author.id == actor.id:
            raise PermissionDenied("You cannot suspend yourself.")
        audit.record(actor=actor, action="suspend", post=post, member_id=author.id,
               reason=f"{length} days: {reason}")
        # members.suspend joins this write transaction: the suspension and its audit entry
        # are committed together, or neither is.
        return members.suspend(actor=actor, member=author,
                               until=utcnow() + timedelta(days=length), reason=reason)
