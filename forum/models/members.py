"""Members, their account tokens and the treatments they list on their profile.

Also what outlives a deleted account: the one "former member" row its kept posts move to,
and a hash of its username, held for a while so nobody takes the name at once.
"""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import Role, utcnow

# The author of posts kept from deleted accounts. The space keeps anyone from registering it
# (usernames are letters, digits, dots, dashes and underscores) or logging in with it.
FORMER_MEMBER = "former member"


class Member(UserMixin, db.Model):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    # Lower-cased copies keep names and emails unique regardless of case.
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    # None for imported accounts, which cannot log in until they reset their password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    bio: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    suspended_until: Mapped[datetime | None] = mapped_column(DateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    # Bumped to end every session of the member at once (logout, password change, suspension).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    is_imported: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the account was confirmed: the member followed the link mailed to them, or the
    # account was made from the command line. Until then it cannot log in.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the member agreed, at sign-up, that the forum stores the health information they
    # choose to share. None for accounts made before the question was asked or by a command.
    consented_at: Mapped[datetime | None] = mapped_column(DateTime)

    treatments: Mapped[list[MemberTreatment]] = relationship(
        cascade="all, delete-orphan", order_by="MemberTreatment.slug"
    )

    __table_args__ = (CheckConstraint("role IN ('member', 'moderator', 'admin')", name="role"),)

    def get_id(self) -> str:
        """Return the session identity: the id and the session version together."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_former(self) -> bool:
        """Tell whether this is the shared author of posts kept from deleted accounts."""
        return self.username_key == FORMER_MEMBER

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def is_suspended(self, now: datetime | None = None) -> bool:
        """Tell whether the member is suspended at `now`."""
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())


class AccountToken(db.Model):
    """A single-use link mailed to a member: confirming their email or choosing a new password.

    Only a SHA-256 hash of the token is stored, so a copy of the database opens no account.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    member: Mapped[Member] = relationship()

    __table_args__ = (CheckConstraint("purpose IN ('confirm', 'reset')", name="purpose"),)


class MemberTreatment(db.Model):
    __tablename__ = "member_treatment"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)


class EmailChange(db.Model):
    """A new address a member asked for, waiting for the link mailed to it to be followed.

    Like AccountToken, only a SHA-256 hash of the link's token is stored.
    """

    __tablename__ = "email_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           index=True)
    new_email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    member: Mapped[Member] = relationship()


class HeldUsername(db.Model):
    """The username of a deleted account, kept from new members until `held_until`.

    Only a SHA-256 hash of the lower-cased name is kept: no list of who left.
    """

    __tablename__ = "held_username"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    held_until: Mapped[datetime] = mapped_column(DateTime, index=True)
