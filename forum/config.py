"""Configuration: safe defaults, then the environment, then the mapping given to the factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask


class SetupError(click.ClickException):
    """The forum cannot start as configured; the message says why and how to fix it."""


DEFAULTS: dict[str, object] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,  # no time limits on writing: a token lasts the session
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_FAILURE_LIMIT": "10 per 15 minutes",  # per address
    "LOGIN_ACCOUNT_FAILURE_LIMIT": "20 per hour",  # per username typed, from any address
    # Rate limits (limits' notation, ";" between several). Registrations are counted per
    # address when they go through; reset requests per address and per username or email typed.
    "REGISTER_LIMIT": "10 per hour",
    "RESET_REQUEST_LIMIT": "10 per hour",
    "RESET_ACCOUNT_LIMIT": "3 per hour",
    # New threads and answers per member; stricter while the account is younger than
    # NEW_MEMBER_HOURS or has fewer than NEW_MEMBER_POSTS published posts.
    "POST_LIMIT": "20 per hour;60 per day",
    "NEW_MEMBER_POST_LIMIT": "3 per hour;10 per day",
    "NEW_MEMBER_HOURS": 24,
    "NEW_MEMBER_POSTS": 3,
    "REPORT_LIMIT": "20 per day",
    # Post forms refused (422) per member: each one costs the checks, and it is free to resend.
    "REFUSED_POST_LIMIT": "60 per hour",
    "VOTE_LIMIT": "60 per day",
    # The account page: links to confirm a new email, per member, like new-password links;
    # and forms refused for a wrong current password, so a stolen session cannot guess it.
    "EMAIL_CHANGE_LIMIT": "3 per hour",
    "ACCOUNT_PASSWORD_LIMIT": "10 per hour",
    "EMAIL_CHANGE_HOURS": 24,
    # How long a deleted account's username stays unavailable to others.
    "USERNAME_HOLD_DAYS": 30,
    # Links mailed to members, and the mail itself (SMTP when MAIL_SERVER is set, else files
    # in MAIL_OUTBOX_DIR, default instance/outbox).
    "PASSWORD_RESET_MINUTES": 60,
    "EMAIL_CONFIRM_HOURS": 72,
    "PUBLIC_URL": None,
    "MAIL_SERVER": None,
    "MAIL_PORT": None,
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "Thaw <no-reply@localhost>",
    "MAIL_OUTBOX_DIR": None,
    "POSTS_PER_PAGE": 20,
    "LOAD_DEMO_CONTENT": True,
}

ENVIRONMENT = {
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SEARCH_INDEX_DIR": "SEARCH_INDEX_DIR",
    # Several nodes, each with its own index (see forum/services/indexing/).
    **{name: name for name in ("SEARCH_NODE_NAME", "SEARCH_LOG_RETENTION_DAYS",
                               "SEARCH_FOLLOW_INTERVAL")},
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "TRUSTED_PROXY_COUNT": "TRUSTED_PROXY_COUNT",
    "PUBLIC_URL": "PUBLIC_URL",
    # Limits in limits' notation ("20 per hour;60 per day"), so an operator can tune them.
    **{name: name for name in ("LOGIN_FAILURE_LIMIT", "LOGIN_ACCOUNT_FAILURE_LIMIT",
                               "REGISTER_LIMIT", "REFUSED_POST_LIMIT", "RESET_REQUEST_LIMIT",
                               "RESET_ACCOUNT_LIMIT", "POST_LIMIT", "NEW_MEMBER_POST_LIMIT",
                               "REPORT_LIMIT", "VOTE_LIMIT", "EMAIL_CHANGE_LIMIT",
                               "ACCOUNT_PASSWORD_LIMIT", "USERNAME_HOLD_DAYS")},
    **{name: name for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL",
                               "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_SENDER",
                               "MAIL_OUTBOX_DIR")},
}


def database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver the forum ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def configure(app: Flask, config: Mapping[str, object] | None) -> None:
    """Fill app.config from defaults, the environment and `config`, in that order."""
    app.config.update(DEFAULTS)
    for env_name, key in ENVIRONMENT.items():
        if os.environ.get(env_name):
            app.config[key] = os.environ[env_name]
    if config:
        app.config.update(config)

    # The embedded default: SQLite and the index under instance/, set up on first start.
    embedded = "SQLALCHEMY_DATABASE_URI" not in app.config
    app.config.setdefault("EMBEDDED", embedded)
    app.config.setdefault("AUTO_SETUP", embedded)
    if "SESSION_COOKIE_SECURE" not in (config or {}):  # Flask's own default is False
        app.config["SESSION_COOKIE_SECURE"] = not embedded and not app.testing
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    instance = Path(app.instance_path)
    if embedded:
        ensure_instance_folder(instance)
        keep_private(instance)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'thaw.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config.setdefault("SEARCH_INDEX_DIR", str(instance / "search-index"))
    if not app.config.get("SECRET_KEY"):
        if not embedded and not app.testing:
            raise SetupError(
                "SECRET_KEY is not set. Production needs one: "
                "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        app.config["SECRET_KEY"] = instance_secret(instance)
    app.config["PUBLIC_URL"] = public_url(app, embedded=embedded)


def public_url(app: Flask, *, embedded: bool) -> str:
    """Return the forum's own address for links in mail; never taken from a request's Host.

    Production on a database server refuses to start without PUBLIC_URL. The embedded
    default, tests and local runs on an SQLite file fall back to SERVER_NAME or 127.0.0.1.
    """
    configured = str(app.config.get("PUBLIC_URL") or "").strip()
    if configured:
        parts = urlsplit(configured)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise SetupError(f"PUBLIC_URL must be the forum's address, like "
                             f"https://thaw.example.org (got {configured[:80]!r}).")
        return configured.rstrip("/")
    local = embedded or app.testing or str(
        app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")
    if not local:
        raise SetupError(
            "PUBLIC_URL is not set. Production needs the forum's address for the links it "
            "mails: export PUBLIC_URL=https://thaw.example.org")
    server = app.config.get("SERVER_NAME")
    scheme = app.config.get("PREFERRED_URL_SCHEME") or "http"
    return f"{scheme}://{server}" if server else "http://127.0.0.1:5000"


def ensure_instance_folder(instance: Path) -> None:
    """Create the instance folder, or explain in one line why it cannot be used."""
    try:
        instance.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SetupError(
            f"Cannot create the instance folder {instance} ({error.strerror}). "
            f"Fix: mkdir -p {instance} && chmod u+rwx {instance}"
        ) from None
    if not os.access(instance, os.W_OK | os.X_OK):
        raise SetupError(
            f"The instance folder {instance} is not writable. Fix: chmod u+rwx {instance}"
        )


def keep_private(instance: Path) -> None:
    """Make every file the embedded forum writes readable by its owner only.

    The database (with its -wal and -shm files), the search index, the mail outbox, the demo
    passwords and backups hold members' posts, emails and sign-in links: the umask makes new
    ones 0600 (folders 0700), and files left by an older version are tightened here.
    """
    os.umask(0o077)
    paths = [instance, *instance.glob("thaw.sqlite3*"), *instance.glob("search-index*"),
             *instance.glob("outbox")]
    for path in paths:
        try:
            path.chmod(0o700 if path.is_dir() else 0o600)
            if path.is_dir() and path != instance:
                for inner in path.rglob("*"):
                    inner.chmod(0o700 if inner.is_dir() else 0o600)
        except OSError:
            pass  # not ours to change (another owner): the umask still covers new files


def instance_secret(instance: Path) -> str:
    """Return the secret key kept in the instance folder, making one on first start."""
    ensure_instance_folder(instance)
    path = instance / "secret_key"
    if not path.exists():
        # Write aside and rename, so a second process never reads a half-written key.
        draft = instance / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # fails if another process got there first: keep theirs
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
