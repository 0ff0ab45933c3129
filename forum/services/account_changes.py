"""Changing a logged-in member's email or password; both ask for the current password.

A new email counts once the link mailed to it is followed (it works once, for
EMAIL_CHANGE_HOURS); then the old address is told. Whether the new address already has an
account is never said on the page: its owner is mailed instead, as when joining.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, select, update

from forum.database import lock, write_transaction
from forum.errors import Invalid
from forum.extensions import db
from forum.mail import mailer
from forum.models import AccountToken, EmailChange, Member, utcnow
from forum.passwords import hash_password, verify_password
from forum.services.account_data import WRONG_PASSWORD
from forum.services.accounts import (
    MAX_TOKEN_LENGTH,
    LinkExpired,
    _digest,
    _link,
    _message,
    _new_token,
)
from forum.services.members import _check_email, check_password, find_by_email


def _check_current(member: Member, password: object, errors: dict[str, str]) -> None:
    if not isinstance(password, str) or not verify_password(member.password_hash, password):
        errors["current_password"] = WRONG_PASSWORD


def masked(email: str) -> str:
    """Return an address with most of its local part hidden, for a mail to another address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * 3}@{domain}"


def request_email_change(*, member: Member, email: object, current_password: object) -> None:
    """Mail a link to the new address; the email changes when it is followed.

    :raise Invalid: the address is not one, is the member's own already, or the current
        password is wrong.
    """
    errors: dict[str, str] = {}
    new_email = ""
    try:
        new_email = _check_email("email", "" if email is None else str(email))
    except Invalid as error:
        errors.update(error.errors)
    if new_email and member.email and new_email.lower() == member.email.lower():
        errors["email"] = "That is already your email address."
    _check_current(member, current_password, errors)
    if errors:
        raise Invalid.from_errors(errors)
    token, digest = _new_token()
    owner = find_by_email(new_email)
    with write_transaction():
        db.session.add(EmailChange(
            member_id=member.id, new_email=new_email, token_hash=digest,
            expires_at=utcnow() + timedelta(hours=int(current_app.config["EMAIL_CHANGE_HOURS"]))))
    if owner is not None and owner.email:  # the page says the same; the owner learns why
        mailer().send(_message(
            "email_change_taken.txt", to=owner.email,
            subject="Someone tried to move a Thaw account to your address", member=owner,
            reset_url=_link("auth.forgot_password")))
        return
    mailer().send(_message(
        "email_change_confirm.txt", to=new_email, subject="Confirm your new email for Thaw",
        member=member, link=_link("account.confirm_email_change", token=token),
        hours=current_app.config["EMAIL_CHANGE_HOURS"]))


def _find_change(token: object) -> EmailChange:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkExpired()
    row: EmailChange | None = db.session.scalar(
        select(EmailChange).where(EmailChange.token_hash == _digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise LinkExpired()
    return row


def email_change_for(token: object) -> EmailChange:
    """Return the change a mailed link asks for, or raise LinkExpired."""
    return _find_change(token)


def confirm_email_change(*, token: object) -> Member:
    """Make the new address the member's email, and tell the old address.

    :raise LinkExpired: the link is unknown, used or expired.
    :raise Invalid: another account took the address meanwhile (the link still works).
    """
    with write_transaction():
        change = _find_change(token)
        member = change.member
        lock(member)
        done = cast(CursorResult[Any], db.session.execute(
            update(EmailChange)
            .where(EmailChange.id == change.id, EmailChange.used_at.is_(None))
            .values(used_at=utcnow()).execution_options(synchronize_session=False)))
        if done.rowcount != 1:
            raise LinkExpired()
        taken = find_by_email(change.new_email)
        if taken is not None and taken.id != member.id:
            raise Invalid("email", "That address now belongs to another account, so your "
                                   "email was not changed.")
        old_email = member.email
        member.email = change.new_email
        member.email_key = change.new_email.lower()
        member.confirmed_at = member.confirmed_at or utcnow()
        # Other links waiting for this member stop working: they were mailed to either
        # address before the change, or name an address now given up.
        now = utcnow()
        db.session.execute(
            update(EmailChange).where(EmailChange.member_id == member.id,
                                      EmailChange.used_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False))
        db.session.execute(
            update(AccountToken).where(AccountToken.member_id == member.id,
                                       AccountToken.used_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False))
    if old_email:
        mailer().send(_message(
            "email_changed.txt", to=old_email, subject="Your Thaw email was changed",
            member=member, new_email=masked(member.email),
            reset_url=_link("auth.forgot_password")))
    return member


def change_password(*, member: Member, current_password: object, password: object) -> Member:
    """Set a new password, ending every session of the member (the caller logs this one in).

    :raise Invalid: the current password is wrong, or the new one breaks the rules.
    """
    errors: dict[str, str] = {}
    _check_current(member, current_password, errors)
    try:
        new_password = check_password("password", password)
    except Invalid as error:
        errors.update(error.errors)
    if errors:
        raise Invalid.from_errors(errors)
    password_hash = hash_password(new_password)  # slow: before the write transaction
    with write_transaction():
        lock(member)
        member.password_hash = password_hash
        member.session_version += 1
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.member_id == member.id, AccountToken.purpose == "reset",
                   AccountToken.used_at.is_(None))
            .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if member.email:
        mailer().send(_message(
            "password_changed.txt", to=member.email, subject="Your Thaw password was changed",
            member=member, reset_url=_link("auth.forgot_password"), kept_this_device=True))
    return member
