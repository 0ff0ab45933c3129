"""Telling members what happened to their posts and the threads and tags they follow.

Events add rows inside the transaction that caused them (`notify` never commits). Mail for
kinds a member wants at once is built in that transaction and handed to the mailer after the
commit, so a rolled-back event mails nothing and no page waits on the mail server. Other kinds
wait for the digest (`send_digests`), which claims one `DigestRun` per member and period
before sending: a second run, on this machine or another, finds the claim and sends nothing.

Mail never carries a post's body, only who did what and a link; no address or body is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, current_app, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forum.database import listen_once, write_transaction
from forum.errors import DomainError, Invalid
from forum.extensions import ThawSession, db
from forum.mail import Message, mailer
from forum.models import (
    DigestRun,
    Member,
    Notification,
    NotificationPreference,
    Post,
    utcnow,
)

log = logging.getLogger(__name__)

IMMEDIATE, DIGEST, OFF = "immediate", "digest", "off"
DELIVERIES = (IMMEDIATE, DIGEST, OFF)
DAILY, WEEKLY = "daily", "weekly"
PERIODS = (DAILY, WEEKLY)
DIGEST_PREFERENCE = "digest"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # on the preferences page and in the unsubscribe page
    default: str


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("answer", "Answers to your questions", IMMEDIATE),
    Kind("moderation", "Moderators' decisions on your posts", IMMEDIATE),
    Kind("appeal", "The outcome of your appeals", IMMEDIATE),
    Kind("reply", "Replies in threads you follow", DIGEST),
    Kind("accepted", "Your answer accepted", DIGEST),
    Kind("helpful", "Members finding your post helpful", DIGEST),
    Kind("tag_post", "New posts under tags you follow", DIGEST),
)}
PAGE_SIZE = 30
PENDING_MAIL = "thaw.notification_mail"
UNSUBSCRIBE_SALT = "thaw-unsubscribe"


class BadLink(DomainError):
    """An unsubscribe link that was changed, cut short or never ours."""


# Sending mail after the commit --------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Mail the notifications of a transaction once it commits; forget them on rollback.

    The hooks go on the app's own session class, once, however many apps a process makes."""
    listen_once(ThawSession, "after_commit", _send_after_commit)
    listen_once(ThawSession, "after_soft_rollback", _forget_after_rollback)


def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_MAIL, None)
    if not pending:
        return
    sender = mailer()
    for message in pending:
        sender.send(message)


def _forget_after_rollback(session: Session, _previous: object) -> None:
    session.info.pop(PENDING_MAIL, None)


def _link(endpoint: str, **values: object) -> str:
    """Return an absolute link for mail from PUBLIC_URL, never the request's Host.

    Works outside a request too (the digest command, background work): the path is built
    from the URL map alone.
    """
    path = current_app.url_map.bind("").build(endpoint, values)
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + path


# Preferences ---------------------------------------------------------------------------------

def preferences(member: Member) -> dict[str, str]:
    """Return how the member wants each kind mailed, and their digest period."""
    chosen = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.delivery)
        .where(NotificationPreference.member_id == member.id)).all())
    found = {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}
    found[DIGEST_PREFERENCE] = chosen.get(DIGEST_PREFERENCE, DAILY)
    return found


def set_preferences(*, member: Member, choices: Mapping[str, object]) -> dict[str, str]:
    """Store the member's choices: a delivery for each kind, and daily or weekly digests."""
    clean: dict[str, str] = {}
    for name in KINDS:
        value = str(choices.get(name) or KINDS[name].default)
        if value not in DELIVERIES:
            raise Invalid(name, "Choose at once, in the digest, or never.")
        clean[name] = value
    period = str(choices.get(DIGEST_PREFERENCE) or DAILY)
    if period not in PERIODS:
        raise Invalid(DIGEST_PREFERENCE, "Choose a daily or a weekly digest.")
    clean[DIGEST_PREFERENCE] = period
    with write_transaction():
        for name, value in clean.items():
            _store_preference(member.id, name, value)
    return clean


def _store_preference(member_id: int, kind: str, delivery: str) -> None:
    row = db.session.get(NotificationPreference, (member_id, kind))
    if row is None:
        db.session.add(NotificationPreference(member_id=member_id, kind=kind,
                                              delivery=delivery))
    else:
        row.delivery = delivery


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(member: Member, kind: str) -> str:
    """Return a signed token that stops one kind of mail for one member, without a login."""
    return _serializer().dumps({"m": member.id, "k": kind})


def unsubscribe(*, token: object) -> tuple[Member, str]:
    """Stop the mail a signed link names; return the member and the kind.

    :raise BadLink: the token was changed or is not one of ours.
    """
    if not isinstance(token, str) or len(token) > 300:
        raise BadLink()
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise BadLink() from None
    if not isinstance(data, dict) or data.get("k") not in (*KINDS, DIGEST_PREFERENCE):
        raise BadLink()
    member = db.session.get(Member, data.get("m")) if isinstance(data.get("m"), int) else None
    if member is None:
        raise BadLink()
    kind = data["k"]
    with write_transaction():
        if kind == DIGEST_PREFERENCE:  # no digests at all: every digest kind is off
            for name, delivery in preferences(member).items():
                if delivery == DIGEST:
                    _store_preference(member.id, name, OFF)
        else:
            _store_preference(member.id, kind, OFF)
    return member, kind


# Creating notifications ---------------------------------------------------------------------

def notify(*, member_id: int, kind: str, text: str, post: Post | None = None,
           actor_id: int | None = None) -> Notification | None:
    """Add a notification in the current transaction (never commits); None for oneself.

    When the member wants this kind at once, the mail is built now and sent after the
    commit.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if actor_id is not None and actor_id == member_id:
        return None
    row = Notification(member_id=member_id, kind=kind, text=text[:400],
                       post_id=post.id if post is not None else None)
    db.session.add(row)
    member = db.session.get(Member, member_id)
    # Demo content is made by the forum itself: its members are told in the app only.
    demo = post is not None and post.is_demo
    if member is not None and member.email and not demo and preferences(member)[kind] == IMMEDIATE:
        row.mailed_at = utcnow()
        _queue_mail(_event_message(member, kind, text, post))
    return row


def notify_helpful(*, post: Post, voter: Member) -> Notification | None:
    """Tell the author their post was found helpful, in one row while they have not read it."""
    if post.author_id == voter.id:
        return None
    row: Notification | None = db.session.scalar(select(Notification).where(
        Notification.member_id == post.author_id, Notification.kind == "helpful",
        Notification.post_id == post.id, Notification.read_at.is_(None),
        Notification.digest_id.is_(None), Notification.mailed_at.is_(None)))
    what = "answer" if post.kind == "answer" else "experience report"
    if row is None:
        return notify(member_id=post.author_id, kind="helpful", post=post,
                      text=f"A member found your {what} helpful{_in_thread(post)}.")
    row.count += 1
    row.created_at = utcnow()
    row.text = f"{row.count} members found your {what} helpful{_in_thread(post)}."
    return row


def _in_thread(post: Post) -> str:
    """Return ' in “title”' for a post whose thread is published, else nothing."""
    root = post if post.parent_id is None else db.session.get(Post, post.parent_id)
    if root is None or root.status != "published" or not root.title:
        return ""
    title = root.title if len(root.title) <= 80 else root.title[:79] + "…"
    return f" in “{title}”"


def _queue_mail(message: Message) -> None:
    db.session.info.setdefault(PENDING_MAIL, []).append(message)


def _event_message(member: Member, kind: str, text: str, post: Post | None) -> Message:
    token = unsubscribe_token(member, kind)
    link = _link("notifications.index") if post is None else _link("posts.show",
                                                                   post_id=post.id)
    body = render_template("mail/notification.txt", member=member, text=text, link=link,
                           kind=KINDS[kind], unsubscribe=_link("notifications.unsubscribe",
                                                               token=token),
                           preferences=_link("notifications.preferences"))
    assert member.email is not None  # only members with an address are mailed
    return Message(to=member.email, subject=f"Thaw: {text[:120]}", body=body,
                   headers=_unsubscribe_headers(token))


def _unsubscribe_headers(token: str) -> dict[str, str]:
    link = _link("notifications.unsubscribe", token=token)
    return {"List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# Reading them ---------------------------------------------------------------------------------

def unread_count(member: Member) -> int:
    """Return how many of the member's notifications are unread."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.member_id == member.id, Notification.read_at.is_(None))) or 0


def recent(member: Member, *, limit: int = PAGE_SIZE, before_id: int | None = None
           ) -> list[Notification]:
    """Return the member's notifications, newest first."""
    query = select(Notification).where(Notification.member_id == member.id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(db.session.scalars(query.order_by(Notification.created_at.desc(),
                                                  Notification.id.desc()).limit(limit)))


def mark_read(*, member: Member, ids: Iterable[object] | None = None) -> int:
    """Mark the member's notifications read (all of them without ids); return how many."""
    query = update(Notification).where(Notification.member_id == member.id,
                                       Notification.read_at.is_(None))
    if ids is not None:
        wanted = []
        for value in ids:
            try:
                wanted.append(int(str(value)))
            except ValueError:
                raise Invalid("ids", "Name notifications by their numbers.") from None
        if not wanted:
            return 0
        query = query.where(Notification.id.in_(wanted[:500]))
    with write_transaction():
        result = cast(CursorResult[Any], db.session.execute(
            query.values(read_at=utcnow()).execution_options(synchronize_session=False)))
    return result.rowcount


def target_url(row: Notification) -> str:
    """Return where a notification leads: its post, or the list."""
    if row.post_id is None:
        return url_for("notifications.index")
    return url_for("posts.show", post_id=row.post_id)


# Digests -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DigestResult:
    """What one run of the digest did."""

    sent: int
    skipped: int  # members whose digest for the period was already claimed


def period_start(period: str, now: datetime) -> datetime:
    """Return the start of the day (daily) or of the ISO week (weekly) holding `now`."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == WEEKLY:
        return day - timedelta(days=day.weekday())
    return day


def _digest_kinds(member: Member) -> list[str]:
    return [name for name, delivery in preferences(member).items()
            if name in KINDS and delivery == DIGEST]


def send_digests(*, period: str, now: datetime | None = None) -> DigestResult:
    """Mail each member who chose this period one digest of what they have not seen.

    Safe to run twice, and from two machines at once: a member's period is claimed by
    inserting its DigestRun (unique per member, period and start) before anything is sent,
    and the items are tied to that run in the same transaction, so none is listed twice.
    """
    from forum.services.threads import can_see

    if period not in PERIODS:
        raise Invalid("period", "The period is daily or weekly.")
    now = now or utcnow()
    start = period_start(period, now)
    candidates = list(db.session.scalars(
        select(Member.id).where(Member.email.is_not(None), Member.id.in_(
            select(Notification.member_id).where(Notification.digest_id.is_(None),
                                                 Notification.mailed_at.is_(None),
                                                 Notification.read_at.is_(None))))
        .order_by(Member.id)))
    sent = skipped = 0
    for member_id in candidates:
        member = db.session.get(Member, member_id)
        if member is None:  # deleted since the list was read
            continue
        prefs = preferences(member)
        kinds = _digest_kinds(member)
        if prefs[DIGEST_PREFERENCE] != period or not kinds:
            continue
        try:
            with write_transaction():
                run = DigestRun(member_id=member.id, period=period, period_start=start)
                db.session.add(run)
                db.session.flush()  # the claim: a second runner fails here
                db.session.execute(
                    update(Notification).where(
                        Notification.member_id == member.id, Notification.digest_id.is_(None),
                        Notification.mailed_at.is_(None), Notification.read_at.is_(None),
                        Notification.kind.in_(kinds), Notification.created_at <= now)
                    .values(digest_id=run.id).execution_options(synchronize_session=False))
                items = list(db.session.scalars(select(Notification).where(
                    Notification.digest_id == run.id).order_by(Notification.created_at)))
                # Only posts the member may see now: a post removed or held since is left out.
                shown = []
                for item in items:
                    post = db.session.get(Post, item.post_id) if item.post_id else None
                    if post is None or can_see(member, post):
                        shown.append((item, post))
                run.items = len(shown)
                if shown:
                    _queue_mail(_digest_message(member, period, shown))
        except IntegrityError:
            db.session.rollback()
            skipped += 1
            continue
        sent += 1 if shown else 0
    return DigestResult(sent=sent, skipped=skipped)


def _digest_message(member: Member, period: str, shown: list[tuple[Notification, Post | None]]
                    ) -> Message:
    token = unsubscribe_token(member, DIGEST_PREFERENCE)
    lines = [(item.text, _link("posts.show", post_id=post.id) if post is not None
              else _link("notifications.index")) for item, post in shown]
    body = render_template("mail/digest.txt", member=member, period=period, lines=lines,
                           unsubscribe=_link("notifications.unsubscribe", token=token),
                           preferences=_link("notifications.preferences"))
    what = "today" if period == DAILY else "this week"
    assert member.email is not None  # the digest picks members with an address
    return Message(to=member.email, subject=f"Thaw: what happened {what}", body=body,
                   headers=_unsubscribe_headers(token))


# Events, called by the services that cause them (inside their transactions) -----------------

def _who(member_id: int) -> str:
    member = db.session.get(Member, member_id)
    return member.username if member is not None else "Someone"


def on_answer(*, answer: Post, thread: Post) -> None:
    """Tell the asker, and the thread's followers, about a published answer."""
    from forum.services import following

    if answer.status != "published":
        return
    name = _who(answer.author_id)
    told = {answer.author_id}
    if thread.author_id not in told:
        notify(member_id=thread.author_id, kind="answer", post=answer,
               text=f"{name} answered your {_thread_word(thread)}{_in_thread(thread)}.")
        told.add(thread.author_id)
    for member_id in following.thread_followers(thread.id):
        if member_id not in told:
            notify(member_id=member_id, kind="reply", post=answer,
                   text=f"{name} replied{_in_thread(thread)}, a thread you follow.")
            told.add(member_id)


def on_thread(*, thread: Post) -> None:
    """Tell the followers of a new published thread's tags about it."""
    from forum.services import following

    if thread.status != "published":
        return
    name = _who(thread.author_id)
    for member_id in following.tag_followers(thread.tag_slugs):
        if member_id != thread.author_id:
            notify(member_id=member_id, kind="tag_post", post=thread,
                   text=f"{name} posted{_in_thread(thread)} under a tag you follow.")


def on_accept(*, question: Post, answer: Post) -> None:
    """Tell an answer's author that the asker accepted it."""
    if question.accepted_answer_id != answer.id:
        return  # taken back: nothing to tell
    notify(member_id=answer.author_id, kind="accepted", post=answer, actor_id=question.author_id,
           text=f"{_who(question.author_id)} accepted your answer{_in_thread(question)}.")


DECISION_WORDS = {
    "approved": "A moderator approved your post: it is published.",
    "edited": "A moderator edited your post and published it.",
    "removed": "A moderator removed your post.",
}


def on_decision(*, post: Post, outcome: str, reason: str, was_hidden: bool) -> None:
    """Tell an author what a moderator decided about their post, with the reason given.

    Approving a post that was never hidden (a published post checked) tells nobody.
    """
    if outcome not in DECISION_WORDS or (outcome != "removed" and not was_hidden
                                         and outcome != "edited"):
        return
    words = DECISION_WORDS[outcome]
    if reason:
        words += f" The moderator's reason: {reason}"
    if outcome == "removed":
        words += " You can appeal this decision once, from the post."
    notify(member_id=post.author_id, kind="moderation", post=post, text=words)
    if was_hidden and post.status == "published":
        _announce(post)


def _announce(post: Post) -> None:
    """Tell the asker, followers and tag followers about a post published only now."""
    if post.parent_id is None:
        on_thread(thread=post)
        return
    thread = db.session.get(Post, post.parent_id)
    if thread is not None:
        on_answer(answer=post, thread=thread)


def _thread_word(thread: Post) -> str:
    return "question" if thread.kind == "question" else "experience report"
