"""Moderation in the forum: screening posts, member reports, the review queue and its audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

import moderation
from forum.database import lock, write_transaction
from forum.errors import DomainError, Invalid, NotFound, PermissionDenied
from forum.extensions import db
from forum.models import (
    REPORT_REASONS,
    AuditEntry,
    Flag,
    Member,
    ModerationLabel,
    Post,
    Report,
    ReviewItem,
    utcnow,
)
from forum.services import indexing, members
from forum.validation import clean_text

if TYPE_CHECKING:
    from forum.services.posts import Draft, ExperienceInput

SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}
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
RESCREEN_BATCH = 200


class AlreadyHandled(DomainError):
    """Another moderator closed this review item first; nothing was changed."""

    def __init__(self, item: ReviewItem) -> None:
        super().__init__(f"review item {item.id} is already closed")
        self.item = item


class AlreadyReported(DomainError):
    """The member reported this post before; a post counts each member once."""


# Screening as posts are written -----------------------------------------------------------

def screening_text(draft: Draft) -> str:
    """Return the text the screening reads for a post: title, body and the dose field."""
    parts = [draft.title or "", draft.body]
    if draft.experience and draft.experience.get("dose"):
        parts.append(draft.experience["dose"])
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


def _record_findings(post: Post, screening: moderation.Screening, text: str, *,
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


def _severity(screening: moderation.Screening) -> int:
    return max((SEVERITY_RANK.get(f.severity, 1) for f in screening.findings), default=1)


def apply_screening(post: Post, screening: moderation.Screening, text: str, *,
                    new: bool = False) -> None:
    """Record a screening on a post in the current transaction: flags, hold or notice.

    :param new: the post was just added, so it has no earlier flags or review items.
    """
    _record_findings(post, screening, text, new=new)
    open_items = [] if new else list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.state == "open")))
    held_by_reports = any(item.source == "reports" for item in open_items)
    if screening.verdict == moderation.HOLD:
        if post.status == "published":
            post.status = "held"
        screening_item = next((i for i in open_items if i.source == "screening"), None)
        if screening_item is None:
            db.session.add(ReviewItem(post_id=post.id, source="screening",
                                      severity=_severity(screening)))
        else:
            screening_item.severity = _severity(screening)
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
    if post.status == "held" and not held_by_reports:
        post.status = "published"


def _audit(*, actor: Member | None, action: str, post: Post | None = None,
           member_id: int | None = None, reason: str = "") -> None:
    db.session.add(AuditEntry(
        actor_id=actor.id if actor is not None else None, action=action,
        post_id=post.id if post is not None else None,
        member_id=member_id if member_id is not None else (
            post.author_id if post is not None else None),
        reason=reason))


# What members see --------------------------------------------------------------------------

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
        if post.id in reported and post.status == "held":
            reasons[post.id].append("Several members reported it, so it is hidden until a "
                                    "moderator has looked at it.")
        elif post.status == "held" and not reasons[post.id] and post.screened_model:
            reasons[post.id].append(moderation.MODEL_REASON)  # held by the model alone
    return reasons


# Member reports ----------------------------------------------------------------------------

def ensure_can_report(*, reporter: Member, post: Post) -> None:
    """Raise NotFound or PermissionDenied when this member may not report this post."""
    from forum.services import posts as post_service

    # An answer follows its thread: one in a held or removed thread cannot be reported either.
    if post.status != "published" or not post_service.can_see(None, post):
        raise NotFound(post.id)
    if post.author_id == reporter.id:
        raise PermissionDenied("You cannot report your own post. You can edit or delete it.")
    if reporter.is_suspended():
        raise PermissionDenied("Your account is suspended, so you cannot report posts now.")


def report_post(*, reporter: Member, post: Post, reason: str, note: object = "") -> Report:
    """Report a post to the moderators; enough different members hide it until reviewed.

    :raise AlreadyReported: this member reported the post before (it counts once).
    """
    from forum.services import posts as post_service

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
            hidden = db.session.execute(
                update(Post).where(Post.id == post.id, Post.status == "published")
                .values(status="held", updated_at=utcnow())
                .execution_options(synchronize_session="fetch")).rowcount
            if hidden:
                _audit(actor=None, action="hide", post=post,
                       reason=f"{reporters} members reported it")
                post_service.refresh_parent(post)
                post_service.queue_post_for_index(post)
    indexing.after_commit()
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

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES.get(self.item.severity, "low")

    @property
    def model_reason(self) -> str:
        """Return what the learned score saw, in words that name no rule it did not use."""
        return moderation.MODEL_REASON


def open_items_query():
    """Return a query for open review items: most severe first, then the longest waiting."""
    return (select(ReviewItem).where(ReviewItem.state == "open")
            .order_by(ReviewItem.severity.desc(), ReviewItem.created_at, ReviewItem.id))


def count_open() -> int:
    """Return how many review items are open."""
    return db.session.scalar(select(func.count()).select_from(ReviewItem)
                             .where(ReviewItem.state == "open")) or 0


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> Markup:
    """Return the text escaped, with the given character spans wrapped in <mark>."""
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


def queue_entries(items: list[ReviewItem], now=None) -> list[QueueEntry]:
    """Load what the queue page shows for these items, in a fixed number of queries."""
    from forum.services import posts as post_service

    now = now or utcnow()
    post_ids = {item.post_id for item in items}
    if not post_ids:
        return []
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    titles = post_service.thread_titles(posts.values())
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
                                                   Post.status == "removed")
        .group_by(Post.author_id)).all())
    entries = []
    for item in items:
        post = posts.get(item.post_id)
        if post is None:
            continue
        text = post_text(post)
        post_flags = flags.get(post.id, [])
        spans = [(f.start, f.end) for f in post_flags if text[f.start:f.end] == f.evidence]
        this_removed = 1 if post.status == "removed" else 0
        entries.append(QueueEntry(
            item=item, post=post,
            thread_title=post.title or titles.get(post.parent_id, "a thread") or "a thread",
            text_html=highlight(text, spans), flags=post_flags,
            reports=reports.get(post.id, []),
            held_before=max(0, reviewed.get(post.author_id, 0) - 1),
            removed_before=removed.get(post.author_id, 0) - this_removed,
            waiting_too_long=now - item.created_at > WAITING_TOO_LONG))
    return entries


def get_item(item_id: int) -> ReviewItem:
    """Return a review item by id, or raise NotFound."""
    from forum.services import posts as post_service

    return post_service.get_or_not_found(ReviewItem, item_id)


def _ensure_moderator(actor: Member) -> None:
    """Let an active moderator act; a suspended one may read the queue but not change it."""
    from forum.services import posts as post_service

    if not actor.is_moderator:
        raise PermissionDenied("Only moderators can review posts.")
    post_service.ensure_can_post(actor)


def _claim(*, actor: Member, item_id: int, outcome: str, reason: str) -> tuple[ReviewItem, Post]:
    """Close an open item for this moderator, or raise AlreadyHandled if someone was first.

    The conditional UPDATE is the lock: of two moderators acting at once, exactly one
    changes the row; the other sees a row count of 0.
    """
    _ensure_moderator(actor)
    item = get_item(item_id)
    claimed = db.session.execute(
        update(ReviewItem).where(ReviewItem.id == item_id, ReviewItem.state == "open")
        .values(state="closed", handled_by_id=actor.id, handled_at=utcnow(), outcome=outcome,
                reason=reason)
        .execution_options(synchronize_session=False)).rowcount
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
    from forum.services import posts as post_service

    with write_transaction():
        item, post = _claim(actor=actor, item_id=item_id, outcome=outcome, reason=reason)
        judged = post_text(post)
        was_hidden = post.status != "published"
        if change(post):
            post_service.refresh_parent(post)
        _keep_labels(item, post, judged, outcome, reason)
        _close_the_rest(post, actor, outcome, reason)
        _audit(actor=actor, action=action, post=post, reason=reason)
        if item.source == appeals.APPEAL_SOURCE:
            appeals.record_outcome(item=item, post=post, actor=actor, outcome=outcome)
        else:
            notifications.on_decision(post=post, outcome=outcome, reason=reason,
                                      was_hidden=was_hidden)
        post_service.queue_post_for_index(post)
    indexing.after_commit()
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


def export_labels() -> list[dict]:
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
    if post.status != "held":
        return False
    post.status = "published"
    return True


def _reinstate(post: Post) -> bool:
    """Publish a held or removed post again: an appeal that succeeds."""
    if post.status not in ("held", "removed"):
        return False
    post.status = "published"
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
    from forum.services import posts as post_service

    reason = _reason(reason, required=False)
    _ensure_moderator(actor)
    post = db.session.get(Post, get_item(item_id).post_id)
    if post is None or post.status in ("deleted", "removed"):
        raise NotFound(item_id)
    if experience is None and post.experience is not None:
        experience = post_service.ExperienceInput.from_row(post.experience)
    draft = post_service.validate_edit(post, title=title, body=body, tags=tags,
                                       experience=experience)
    screening = screen_draft(draft)  # before the write transaction opens

    def edit_and_publish(post: Post) -> bool:
        lock(post)  # the history keeps the version read under the lock
        if post.status in ("deleted", "removed"):  # again: someone may have acted meanwhile
            raise NotFound(item_id)
        post_service.apply_edit(post, draft, editor=actor)
        _record_findings(post, screening, screening_text(draft), new=False)
        return _publish(post)

    return _decide(actor=actor, item_id=item_id, outcome="edited", action="edit_approve",
                   reason=reason, change=edit_and_publish)


def remove(*, actor: Member, item_id: int, reason: object) -> ReviewItem:
    """Take the item's post down; the author is told the reason."""
    reason = _reason(reason, required=True)

    def take_down(post: Post) -> bool:
        if post.status == "deleted":
            return False
        post.status = "removed"
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
        if post is not None and post.status == "held":
            raise Invalid("action", "This post is hidden. Approve it to show it again, or "
                                    "remove it.")
        item, post = _claim(actor=actor, item_id=item_id, outcome="dismissed", reason=reason)
        if item.source == "appeal":  # leaving the post as it is upholds the decision
            from forum.services import appeals

            appeals.record_outcome(item=item, post=post, actor=actor, outcome="dismissed")
        _keep_labels(item, post, post_text(post), "dismissed", reason)
        _close_the_rest(post, actor, "dismissed", reason)
        _audit(actor=actor, action="dismiss", post=post, reason=reason)
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
        post = db.session.get(Post, item.post_id)
        author = db.session.get(Member, post.author_id)
        if author.id == actor.id:
            raise PermissionDenied("You cannot suspend yourself.")
        _audit(actor=actor, action="suspend", post=post, member_id=author.id,
               reason=f"{length} days: {reason}")
        # members.suspend joins this write transaction: the suspension and its audit entry
        # are committed together, or neither is.
        return members.suspend(actor=actor, member=author,
                               until=utcnow() + timedelta(days=length), reason=reason)


# The audit log -----------------------------------------------------------------------------

AUDIT_ACTIONS = ("approve", "edit_approve", "remove", "dismiss", "suspend", "hide",
                 "appeal", "appeal_decided",
                 "rescreen_hold", "rescreen_release", "article_add", "article_edit",
                 "article_retire", "article_restore")


def audit_query(*, action: str | None = None, moderator: str | None = None,
                member: str | None = None):
    """Return a query for audit entries, newest first, filtered by action and people."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if moderator:
        found = members.find_member(moderator)
        query = query.where(AuditEntry.actor_id == (found.id if found else -1))
    if member:
        found = members.find_member(member)
        query = query.where(AuditEntry.member_id == (found.id if found else -1))
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def names_for(entries: Iterable[AuditEntry]) -> dict[int, str]:
    """Return the usernames of the people these entries mention, by id."""
    ids = {e.actor_id for e in entries if e.actor_id} | {e.member_id for e in entries
                                                          if e.member_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Member.id, Member.username)
                                   .where(Member.id.in_(ids))).all())


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
    from forum.services import posts as post_service

    text = post_text(post)
    screening = earlier[1] if earlier is not None and earlier[0] == text else (
        screen_text(text))
    verdict = screening.verdict
    if post.status == "published":
        # A changed notice alone needs no re-indexing: no search entry shows it.
        _record_findings(post, screening, text, new=False)
        if verdict != moderation.HOLD:
            return None
        post.status = "held"
        if "screening" not in open_sources:
            db.session.add(ReviewItem(post_id=post.id, source="screening",
                                      severity=_severity(screening)))
        _audit(actor=None, action="rescreen_hold", post=post,
               reason="; ".join(f.rule for f in screening.findings))
        post_service.refresh_parent(post)
        return "held"
    # Held: only a hold that is the screening's own, with nothing else waiting, is released.
    if open_sources != {"screening"}:
        return None
    _record_findings(post, screening, text, new=False)
    if verdict == moderation.HOLD:
        return None
    db.session.execute(
        update(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.state == "open")
        .values(state="closed", handled_at=utcnow(), outcome="rescreened",
                reason="The screening no longer flags it.")
        .execution_options(synchronize_session=False))
    post.status = "published"
    if screening.check_soon:
        db.session.add(ReviewItem(post_id=post.id, source="check", severity=1))
    _audit(actor=None, action="rescreen_release", post=post,
           reason="The screening no longer flags it.")
    post_service.refresh_parent(post)
    return "released"


def rescreen(*, progress: Callable[[int], None] | None = None) -> RescreenResult:
    """Screen published and held posts again after the drug knowledge changed.

    Newly unsafe published posts are held for review. A held post is released only when
    the screening alone held it and now finds it clean; posts members reported, moderators
    removed or authors deleted are never touched.
    """
    from forum.services import posts as post_service

    ids = list(db.session.scalars(select(Post.id).where(
        Post.status.in_(("published", "held"))).order_by(Post.id)))
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
                post_service.queue_post_for_index(post)
        indexing.after_commit()
        db.session.expunge_all()
        checked += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return RescreenResult(checked, held, released)
