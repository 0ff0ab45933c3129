"""Sending mail: through an SMTP server when one is configured, else into instance/outbox/.

Neither implementation logs an address, a subject or a body: messages carry sign-in links.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION_KEY = "thaw.mailer"


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    headers: dict[str, str] | None = None  # e.g. List-Unsubscribe


class Mailer(Protocol):
    def send(self, message: Message) -> None:
        """Hand a message over for delivery; never raises for a delivery problem."""


def build(message: Message, sender: str) -> EmailMessage:
    """Return the message as a plain-text email from `sender`."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    email["Auto-Submitted"] = "auto-generated"
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    return email


class OutboxMailer:
    """Write each message as an .eml file into a folder (development: no mail server needed)."""

    def __init__(self, folder: Path, *, sender: str) -> None:
        self.folder = Path(folder)
        self.sender = sender

    def send(self, message: Message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{secrets.token_hex(4)}.eml"
        # Only the owner may read it: it holds a link that opens the account.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(build(message, self.sender).as_bytes())


class SmtpMailer:
    """Deliver through an SMTP server, in a background thread so no page waits on the server.

    Answering at once also keeps "we sent a link" pages equally fast whether or not a message
    was sent at all.
    """

    def __init__(self, *, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = True, use_ssl: bool = False,
                 timeout: float = 20) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="thaw-mail")

    def send(self, message: Message) -> None:
        self._pool.submit(self.deliver, message)

    def deliver(self, message: Message) -> bool:
        """Send one message now; tell whether the server took it (failures are logged)."""
        context = ssl.create_default_context()
        try:
            smtp: smtplib.SMTP
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.starttls and not self.use_ssl:
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(build(message, self.sender))
        except (smtplib.SMTPException, OSError) as error:
            # The exception's text may quote the recipient: log only its kind and code.
            code = getattr(error, "smtp_code", None)
            log.warning("Mail not delivered: %s%s", type(error).__name__,
                        f" (SMTP {code})" if code else "")
            return False
        return True

    def close(self) -> None:
        """Wait for the messages handed over so far."""
        self._pool.shutdown(wait=True)


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def init_mail(app: Flask) -> None:
    """Choose the mailer: SMTP when MAIL_SERVER is set, else the outbox folder."""
    config = app.config
    sender = str(config["MAIL_SENDER"])
    if config.get("MAIL_SERVER"):
        use_ssl = _flag(config.get("MAIL_USE_SSL"))
        mailer: Mailer = SmtpMailer(
            host=str(config["MAIL_SERVER"]),
            port=int(config.get("MAIL_PORT") or (465 if use_ssl else 587)),
            sender=sender,
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            starttls=_flag(config.get("MAIL_USE_TLS", True)),
            use_ssl=use_ssl,
        )
    else:
        folder = config.get("MAIL_OUTBOX_DIR") or Path(app.instance_path) / "outbox"
        mailer = OutboxMailer(Path(folder), sender=sender)
        if not config.get("EMBEDDED") and not app.testing:
            log.warning("MAIL_SERVER is not set: mail is written to %s instead of sent", folder)
    app.extensions[EXTENSION_KEY] = mailer


def mailer() -> Mailer:
    """Return this app's mailer."""
    return current_app.extensions[EXTENSION_KEY]
