"""Accounts through the mail: joining with a confirmed email, and choosing a new password.

Neither flow tells a visitor whether an email or username has an account: the answer, and the
work done before it, are the same either way; only the owner of the address learns more, by
mail. Links carry a random token; only its SHA-256 hash is stored, it works once, and expires.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from flask import Flask, current_app, render_template, url_for
from sqlalchemy import CursorResult, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from forum.database import lock, write_transaction
from forum.errors import DomainError, Invalid, NotFound
from forum.extensions import db
from forum.mail import Message, mailer
from forum.models import (
    AccountToken,
    AuditEntry,
    Member,
    Post,
    PostRevision,
    Report,
    ReviewItem,
    Vote,
    utcnow,
)
from forum.passwords import hash_password
from forum.services.members import check_new_account, check_password, new_member
from forum.validation import clean_text

TOKEN_BYTES = 32
log = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 200  # token_urlsafe(32) is 43 characters; anything much longer is not ours


class LinkExpired(DomainError):
    """The link is unknown, was already used, or is too old."""


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, _digest(token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(purpose: str) -> timedelta:
    config = current_app.config
    if purpose == "reset":
        return timedelta(minutes=int(config["PASSWORD_RESET_MINUTES"]))
    return timedelta(hours=int(config["EMAIL_CONFIRM_HOURS"]))


def _issue(member: Member, purpose: str, digest: str) -> None:
    db.session.add(AccountToken(member=member, purpose=purpose, token_hash=digest,
                                expires_at=utcnow() + _lifetime(purpose)))


def _find_token(token: object, purpose: str) -> AccountToken:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkExpired()
    row: AccountToken | None = db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == _digest(token), AccountToken.purpose == purpose))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise LinkExpired()
    return row


def _use(row: AccountToken) -> None:
    """Mark a token used inside a write_transaction; of two requests racing with the same
    link, only one gets through (the conditional UPDATE changes the row once)."""
    done = cast(CursorResult[Any], db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)))
    if done.rowcount != 1:
        raise LinkExpired()  # the write_transaction rolls back


def _link(endpoint: str, **values: Any) -> str:
    """Return an absolute link for a mail: PUBLIC_URL's host, never the request's Host header."""
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + url_for(endpoint, **values)


def _message(template: str, *, to: str, subject: str, **context: object) -> Message:
    return Message(to=to, subject=subject,
                   body=render_template(f"mail/{template}", **context))


# Joining --------------------------------------------------------------------------------

CONSENT_NEEDED = ("To join, tick the box to agree that Thaw may store the health information "
                  "you choose to share. Without it we cannot keep your posts.")


def sign_up(*, username: str, email: str, password: str, consent: bool = False) -> None:
    """Make an account that waits for its email to be confirmed, and mail the link.

    `consent`: the visitor agreed that the forum stores the health information they choose
    to share (special category data); the moment is kept on the account.
    When the email already has an account, nothing is made: its owner is mailed a notice
    instead, and the visitor gets the same answer after the same work.

    :raise Invalid: naming every field that breaks a rule, a username that is taken, or
        consent not given.
    """
    missing = {} if consent is True else {"consent": CONSENT_NEEDED}
    try:
        account = check_new_account(username=username, email=email, password=password,
                                    public=True)
    except Invalid as error:
        raise Invalid.from_errors({**error.errors, **missing}) from None
    if missing:
        raise Invalid.from_errors(missing)
    password_hash = hash_password(account.password)  # the slow part, done in both cases
    token, digest = _new_token()
    if account.email_taken:
        _notify_owner(account.email)
        return
    member = new_member(username=account.username, email=account.email,
                         password_hash=password_hash, role="member")
    member.consented_at = utcnow()
    try:
        with write_transaction():
            db.session.add(member)
            _issue(member, "confirm", digest)
    except IntegrityError:  # someone took the username or the email a moment ago
        account = check_new_account(username=username, email=email, password=password,
                                    public=True)
        if not account.email_taken:
            raise
        _notify_owner(account.email)
        return
    _send_confirmation(member, token, to=account.email)


def _notify_owner(email: str) -> None:
    with write_transaction():  # the other branch writes: keep the work alike
        owner: Member | None = db.session.scalar(
            select(Member).where(Member.email_key == email.lower()))
    if owner is None or owner.email is None:  # the account went between the check and here
        raise NotFound("account")
    mailer().send(_message(
        "account_exists.txt", to=owner.email, subject="You already have a Thaw account",
        member=owner, login_url=_link("auth.login"),
        reset_url=_link("auth.forgot_password")))


def _send_confirmation(member: Member, token: str, *, to: str) -> None:
    mailer().send(_message(
        "confirm_email.txt", to=to, subject="Confirm your email for Thaw",
        member=member, link=_link("auth.confirm_email", token=token),
        hours=current_app.config["EMAIL_CONFIRM_HOURS"]))


def send_confirmation(*, member: Member) -> None:
    """Mail a new confirmation link to a member who has not confirmed their email yet."""
    if member.is_confirmed or not member.email:
        return
    token, digest = _new_token()
    with write_transaction():
        _issue(member, "confirm", digest)
    _send_confirmation(member, token, to=member.email)


def confirmation_member(token: object) -> Member:
    """Return the member a confirmation link belongs to, or raise LinkExpired."""
    return _find_token(token, "confirm").member


def confirm_email(*, token: object) -> Member:
    """Confirm the member's email with the mailed link; from now on they can log in."""
    with write_transaction():
        row = _find_token(token, "confirm")
        _use(row)
        member = row.member
        member.confirmed_at = member.confirmed_at or utcnow()
    return member


def prune_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete accounts never confirmed whose links have all expired; return how many.

    Only accounts that left nothing behind go: no posts, votes or reports, no edits, and no
    entry in the audit log. Their usernames and emails are free again.
    """
    now = now or utcnow()
    live_link = select(AccountToken.id).where(
        AccountToken.member_id == Member.id, AccountToken.used_at.is_(None),
        AccountToken.expires_at > now)
    traces = [select(Post.id).where(Post.author_id == Member.id),
              select(Vote.post_id).where(Vote.member_id == Member.id),
              select(Report.id).where(Report.reporter_id == Member.id),
              select(PostRevision.id).where(PostRevision.editor_id == Member.id),
              select(ReviewItem.id).where(ReviewItem.handled_by_id == Member.id),
              select(AuditEntry.id).where(or_(AuditEntry.actor_id == Member.id,
                                              AuditEntry.member_id == Member.id))]
    # One conditional DELETE: an account confirmed or given a new link meanwhile is kept.
    # Its links and treatments go with it (ON DELETE CASCADE).
    with write_transaction():
        removed = cast(CursorResult[Any], db.session.execute(
            delete(Member).where(
                Member.confirmed_at.is_(None), Member.is_imported.is_(False),
                Member.created_at <= now - _lifetime("confirm"),
                ~exists(live_link), *(~exists(trace) for trace in traces))
            .execution_options(synchronize_session=False))).rowcount
    return removed


# Choosing a new password ----------------------------------------------------------------

def request_password_reset(*, identifier: object) -> None:
    """Mail a link to choose a new password to the account this username or email names.

    Says nothing about whether one does. The request does the same work either way: it
    checks the field, draws a token and builds the link; looking the account up, storing the
    token and sending the mail happen after the answer (in a background thread), so neither
    the answer nor its timing depends on whether the account exists.

    :raise Invalid: when the field is empty or could not be a username or an email.
    """
    text = clean_text("identifier", identifier, label="Your username or email",
                      max_length=254, single_line=True)
    token, digest = _new_token()
    work = partial(_mail_reset_link, key=text.lower(), digest=digest,
                   link=_link("auth.reset_password", token=token))
    if _in_background():
        _background().submit(_run_in_app_context, current_app._get_current_object(), work)  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    else:
        work()


def _mail_reset_link(*, key: str, digest: str, link: str) -> None:
    member = db.session.scalar(select(Member).where(
        or_(Member.username_key == key, Member.email_key == key)))
    if member is None or not member.email:  # no account, or one without an address
        return
    message = _message(
        "password_reset.txt", to=member.email, subject="Choose a new password for Thaw",
        member=member, link=link, minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    with write_transaction():
        _issue(member, "reset", digest)
    mailer().send(message)


def _in_background() -> bool:
    wanted = current_app.config.get("RESET_MAIL_IN_BACKGROUND")
    return (not current_app.testing) if wanted is None else bool(wanted)


_pool: ThreadPoolExecutor | None = None


def _background() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="thaw-reset")
    return _pool


def _run_in_app_context(app: Flask, work: Callable[[], None]) -> None:
    with app.app_context():
        try:
            work()
        except Exception as error:  # noqa: BLE001 - a thread's error would vanish unseen
            # Only its kind: the text of a database or mail error may quote an address.
            log.error("A new-password link could not be stored or mailed: %s",
                      type(error).__name__)


def reset_link_member(token: object) -> Member:
    """Return the member a password link belongs to, or raise LinkExpired."""
    return _find_token(token, "reset").member


def reset_password(*, token: object, password: str) -> Member:
    """Set a new password with a mailed link, ending every session of the member.

    Following the link proves the member reads the mail at that address, so it also
    confirms the email of an account that was waiting for that.

    :raise LinkExpired: the link is unknown, used or expired (nothing changes).
    :raise Invalid: the password breaks the rules for new passwords (the link still works).
    """
    _find_token(token, "reset")  # a dead link is refused before the password is looked at
    password = check_password("password", password)
    password_hash = hash_password(password)  # slow: before the write transaction
    with write_transaction():
        row = _find_token(token, "reset")
        member = row.member
        # Lock the member first: two different links of theirs used at once then take turns
        # (the second finds its link used below), where token-then-member could deadlock.
        lock(member)
        _use(row)  # of two requests with the same link, the second stops here
        member.password_hash = password_hash
        member.session_version += 1
        member.confirmed_at = member.confirmed_at or utcnow()
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.member_id == member.id, AccountToken.purpose == "reset",
                   AccountToken.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False))
    assert member.email is not None  # reset links are only mailed to an address
    mailer().send(_message(
        "password_changed.txt", to=member.email, subject="Your Thaw password was changed",
        member=member, reset_url=_link("auth.forgot_password")))
    return member
