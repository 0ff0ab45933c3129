"""Small builders that keep tests short: members, posts, and logging in through the forms."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from itertools import count
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AccountToken, EmailChange, Member, Post, utcnow
from forum.services import members, posts

PASSWORD = "correct horse battery"
_numbers = count(1)


def make_member(username: str | None = None, *, role: str = "member",
                password: str = PASSWORD) -> Member:
    name = username or f"member{next(_numbers)}"
    return members.register(username=name, email=f"{name}@example.org", password=password,
                            role=role)


def make_question(author: Member, *, title: str = "Does baclofen make you sleepy?",
                  body: str = "I started baclofen last week and feel drowsy.",
                  tags: str | list[str] = "baclofen, drowsiness") -> Post:
    return posts.create_thread(author=author, kind="question", title=title, body=body, tags=tags)


def make_experience(author: Member, *, treatment: str = "baclofen", effectiveness: int = 4,
                    title: str = "Baclofen helped my night spasms",
                    body: str = "Took the edge off the night spasms after two weeks.",
                    tags: str = "night-spasms", side_effects: str = "drowsiness") -> Post:
    return posts.create_thread(
        author=author, kind="experience", title=title, body=body, tags=tags,
        experience=posts.ExperienceInput(treatment=treatment, effectiveness=effectiveness,
                                         side_effects=side_effects, duration_months=6,
                                         still_using=True, dose="10 mg three times a day"))


def make_answer(author: Member, parent: Post,
                body: str = "Stretching before bed helps me.") -> Post:
    return posts.create_answer(author=author, parent=parent, body=body)


def count(model) -> int:
    """Return how many rows a model's table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Return a CSRF token from a page's form, as a browser would see it."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD, **extra):
    """Log in through the real login form; return the response."""
    data = {"csrf_token": csrf_token(client), "username": username, "password": password, **extra}
    return client.post("/login", data=data)


def post_form(client: FlaskClient, path: str, data: dict, *, token_from: str | None = None):
    """Submit a form with a valid CSRF token taken from `token_from` (default: the login page)."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from or "/login"),
                                   **data})


def register(client: FlaskClient, username: str = "rowan", email: str = "rowan@example.org",
             password: str = PASSWORD, consent: bool = True):
    """Join through the real registration form, ticking the consent box; return the response."""
    data = {"username": username, "email": email, "password": password}
    if consent:
        data["consent"] = "y"
    return post_form(client, "/register", data, token_from="/register")


def outbox(app: Flask) -> list[EmailMessage]:
    """Return the mail the app has written to its outbox folder, oldest first."""
    folder = Path(app.instance_path) / "outbox"
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))]


def mail_link(message: EmailMessage) -> str:
    """Return the path and query of the first link to this site in a mail (a click on it)."""
    body = message.get_content()
    match = re.search(r"https?://[^/\s]+(/[^\s]+)", body)
    assert match, f"no link in: {body}"
    return match.group(1)


def make_link_token(member: Member, purpose: str = "reset") -> str:
    """Store a working mailed-link token for a member, as the mail flows do; return it."""
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(member=member, purpose=purpose, expires_at=utcnow() + timedelta(
        days=1), token_hash=hashlib.sha256(token.encode()).hexdigest()))
    db.session.commit()
    return token


def make_email_change_token(member: Member, new_email: str = "moved@example.org") -> str:
    """Store a working link to confirm a new email for a member; return its token."""
    token = secrets.token_urlsafe(32)
    db.session.add(EmailChange(member_id=member.id, new_email=new_email,
                               expires_at=utcnow() + timedelta(days=1),
                               token_hash=hashlib.sha256(token.encode()).hexdigest()))
    db.session.commit()
    return token
