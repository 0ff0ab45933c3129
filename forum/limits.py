"""Rate limits on what members and visitors send: who is counted, how much, what a refusal says.

The numbers are configuration keys (see forum/config.py), read on every request. A refusal is
the friendly 429 page, which shows back the text the member typed (forum/views/__init__.py).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import func, select

from forum.extensions import db, limiter
from forum.models import Post, Status, utcnow
from forum.validation import identifier_key


def went_through(response: Response) -> bool:
    """Count a form only when it did something: the forum answers those with a redirect."""
    return response.status_code in (302, 303)


def member_key() -> str:
    """Count per member (visitors are sent to log in first; they are counted by address)."""
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return get_remote_address()


def _account_key(field: str) -> str:
    """Count per username or email typed, keyed by an HMAC so no address reaches the store.

    The typed text is normalised as the lookup normalises it, so control characters and
    spacing name the same account, and counted whether or not the account exists.
    """
    typed = identifier_key(request.form.get(field))
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, typed.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return "account:" + digest[:32]


def typed_account_key() -> str:
    """Count per username or email typed in "forgot password"."""
    return _account_key("identifier")


def login_account_key() -> str:
    """Count failed logins per username typed."""
    return _account_key("username")


def _login_failed(response: Response) -> bool:
    return response.status_code == 401


def is_new_member(member) -> bool:
    """Tell whether a member is new: a young account, or few published posts so far."""
    config = current_app.config
    if member.created_at > utcnow() - timedelta(hours=int(config["NEW_MEMBER_HOURS"])):
        return True
    published = db.session.scalar(
        select(func.count(Post.id)).where(Post.author_id == member.id,
                                          Post.status == Status.PUBLISHED)) or 0
    return published < int(config["NEW_MEMBER_POSTS"])


def _for_new_member() -> bool:
    return (request.method == "POST" and current_user.is_authenticated
            and is_new_member(current_user))


def _post_limit() -> str:
    config = current_app.config
    return config["NEW_MEMBER_POST_LIMIT"] if _for_new_member() else config["POST_LIMIT"]


def _post_refusal() -> str:
    if _for_new_member():
        return ("While your account is new, you can start a few threads and answers an hour. "
                "This keeps the forum safe from spam; the limit lifts as you take part.")
    return "You have posted many times in a short while."


new_posts = limiter.shared_limit(
    _post_limit, scope="new-posts", key_func=member_key, methods=["POST"],
    deduct_when=went_through, error_message=_post_refusal)

def was_refused(response: Response) -> bool:
    """Count a post form the services refused: costly to check, and free to send again."""
    return response.status_code == 422


refused_posts = limiter.shared_limit(
    lambda: current_app.config["REFUSED_POST_LIMIT"], scope="refused-posts",
    key_func=member_key, methods=["POST"], deduct_when=was_refused,
    error_message="Many posts or edits could not be saved in a short while. Check the "
                  "message under each field.")

registrations = limiter.shared_limit(
    lambda: current_app.config["REGISTER_LIMIT"], scope="register", methods=["POST"],
    deduct_when=went_through,
    error_message="Many accounts have been made from your connection in a short while.")

reset_requests = limiter.shared_limit(
    lambda: current_app.config["RESET_REQUEST_LIMIT"], scope="reset-address",
    methods=["POST"],
    error_message="Many new-password links have been asked for from your connection. "
                  "A link may already be in your inbox or spam folder.")

reset_requests_per_account = limiter.shared_limit(
    lambda: current_app.config["RESET_ACCOUNT_LIMIT"], scope="reset-account",
    key_func=typed_account_key, methods=["POST"],
    error_message="Many new-password links have been asked for that account. "
                  "A link may already be in your inbox or spam folder.")

login_failures_per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"], scope="login-address",
    methods=["POST"], deduct_when=_login_failed,
    error_message="There have been many failed logins from your connection.")

# The same words whether or not the account exists: this says nothing about who is a member.
login_failures_per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_ACCOUNT_FAILURE_LIMIT"], scope="login-account",
    key_func=login_account_key, methods=["POST"], deduct_when=_login_failed,
    error_message="There have been many failed logins for that username. If it is yours, "
                  "you can choose a new password with \u201cForgot your password?\u201d.")

votes = limiter.shared_limit(
    lambda: current_app.config["VOTE_LIMIT"], scope="votes", key_func=member_key,
    methods=["POST"],
    error_message="You have marked many posts as helpful today. Thank you!")

email_changes = limiter.shared_limit(
    lambda: current_app.config["EMAIL_CHANGE_LIMIT"], scope="email-change",
    key_func=member_key, methods=["POST"], deduct_when=went_through,
    error_message="Many links to confirm a new email have been asked for your account. "
                  "A link may already be in that inbox or its spam folder.")

# Counted when the account page refuses a form (a wrong current password, mostly).
password_checks = limiter.shared_limit(
    lambda: current_app.config["ACCOUNT_PASSWORD_LIMIT"], scope="account-password",
    key_func=member_key, methods=["POST"], deduct_when=was_refused,
    error_message="Your current password was asked for many times in a short while.")
