"""Members: registration, authentication, profiles, roles and suspension."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses

from sqlalchemy import select

from forum import permissions
from forum.database import lock, write_transaction
from forum.errors import Invalid, NotFound, PermissionDenied, Suspended
from forum.extensions import db
from forum.models import ROLES, HeldUsername, Member, MemberTreatment, utcnow
from forum.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    is_common,
    needs_rehash,
    verify_password,
)
from forum.taxonomy import load_taxonomy
from forum.validation import clean_text, collect

USERNAME_TAKEN = "That username is taken; please choose another."
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,29}$")
# An address as mail servers read it: a dot-atom local part (RFC 5322) and a domain of
# letter-digit-hyphen labels. Quoted local parts, comments and display names are refused:
# they let one stored string mail somewhere else ("x,victim@example.org", "a<v@example.org>").
_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


# Words that would make a member look like staff (or like the forum itself), as a whole name
# or as one of its parts ("the_admin", "mod.jane").
RESERVED_WORDS = frozenset({
    "admin", "admins", "administrator", "administrators", "moderator", "moderators", "mod",
    "mods", "modteam", "staff", "official", "support", "helpdesk", "sysop", "root",
    "system", "superuser", "thaw", "thawforum", "thawteam", "abuse", "postmaster",
    "webmaster", "hostmaster", "noreply",
})
# Words that staff-looking names contain even when run together ("theadmin", "modjane").
RESERVED_INSIDE = ("admin", "moderator", "staff", "sysop", "superuser")
# Characters that read alike in a username (digits for letters, doubled letters).
_LOOK_ALIKE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "3": "e", "4": "a",
                             "5": "s", "7": "t", "8": "b", "9": "g", "2": "z", "6": "b"})


def skeleton(username: str) -> str:
    """Return how a username reads at a glance: case, separators and look-alikes folded.

    `dem0_mod_sam`, `demo.mod.sam` and `Demo-Mod-Sam` share the skeleton of `demo_mod_sam`.
    """
    text = unicodedata.normalize("NFKC", username).casefold()
    text = re.sub(r"[._\-\s]+", "", text).translate(_LOOK_ALIKE)
    return text.replace("rn", "m").replace("vv", "w").replace("cl", "d")


def _reserved(name: str) -> bool:
    words = {skeleton(word) for word in RESERVED_WORDS}
    folded = unicodedata.normalize("NFKC", name).casefold()
    parts = [skeleton(part) for pattern in (r"[._\-\s]+", r"[._\-\s\d]+")
             for part in re.split(pattern, folded) if part]
    squeezed = skeleton(name)
    return (any(part in words for part in parts) or squeezed in words
            or any(skeleton(word) in squeezed for word in RESERVED_INSIDE))


def _looks_like_staff(name: str) -> bool:
    wanted = skeleton(name)
    staff = db.session.scalars(select(Member.username).where(
        Member.role.in_(("moderator", "admin"))))
    return any(skeleton(other) == wanted for other in staff)


def check_public_username(field: str, name: str) -> None:
    """Refuse a name for an account made through the site that passes for staff."""
    if _reserved(name) or _looks_like_staff(name):
        raise Invalid(field, "That username is reserved or looks like a moderator's name; "
                             "please choose another.")


def _check_username(field: str, value: str) -> str:
    name = clean_text(field, value, label="Username", max_length=30, single_line=True)
    if not USERNAME_RE.match(name):
        raise Invalid(field, "Usernames are 3-30 letters, digits, dots, dashes or underscores, "
                             "starting with a letter or digit.")
    return name


def is_mail_address(text: str) -> bool:
    """Tell whether `text` is exactly one plain address, read the same by every mail server."""
    if text.count("@") != 1:
        return False
    parsed = getaddresses([text])  # as a mail library would read the To: header
    if len(parsed) != 1 or parsed[0] != ("", text):
        return False
    local, domain = text.split("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_domain.split(".")
    return (len(local) <= 64 and _LOCAL_RE.fullmatch(local) is not None
            and len(ascii_domain) <= 253 and len(labels) >= 2
            and all(_LABEL_RE.fullmatch(label) for label in labels)
            and not labels[-1].isdigit())


def _check_email(field: str, value: str) -> str:
    email = clean_text(field, value, label="Email", max_length=254, single_line=True)
    if not is_mail_address(email):
        raise Invalid(field, "That does not look like an email address (name@example.org). "
                             "Type one address only, without a name, spaces or commas.")
    return email


def check_password(field: str, value: object) -> str:
    """Return the password if it follows the rules for a new password, else raise Invalid."""
    password = "" if value is None else str(value)
    if "\x00" in password:
        raise Invalid(field, "The password contains a NUL character; choose another.")
    if len(password) < MIN_LENGTH:
        raise Invalid(field, f"Use a password of at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise Invalid(field, f"Use a password of at most {MAX_LENGTH} characters.")
    if is_common(password):
        raise Invalid(field, "That password is one of the most common ones, which attackers "
                             "try first. Choose another: a short sentence you will remember "
                             "works well.")
    return password


def find_member(username: str) -> Member | None:
    """Return the member with this username (any case), or None."""
    if not username or len(username) > 30 or "\x00" in username:
        return None  # never a username, and PostgreSQL refuses NUL in a query
    return db.session.scalar(select(Member).where(Member.username_key == username.lower()))


def get_member(username: str) -> Member:
    """Return the member with this username, or raise NotFound (never the former member)."""
    member = find_member(username)
    if member is None or member.is_former:
        raise NotFound(username)
    return member


def username_hash(username: str) -> str:
    """Return how a held username is kept: a SHA-256 of its lower-cased form."""
    return hashlib.sha256(username.lower().encode()).hexdigest()


def is_username_held(username: str) -> bool:
    """Tell whether a deleted account's username is still kept from new members."""
    return db.session.scalar(select(HeldUsername.name_hash).where(
        HeldUsername.name_hash == username_hash(username),
        HeldUsername.held_until > utcnow())) is not None


def is_username_free(username: str) -> bool:
    """Tell whether no member has this username and no deleted account holds it."""
    return find_member(username) is None and not is_username_held(username)


def new_member(*, username: str, email: str | None, role: str, password_hash: str | None,
               is_demo: bool = False, is_imported: bool = False,
               confirmed: bool = False) -> Member:
    """Build (not add) a member row; `confirmed` lets it log in without confirming its email."""
    return Member(
        username=username,
        username_key=username.lower(),
        email=email,
        email_key=email.lower() if email else None,
        password_hash=password_hash,
        role=role,
        bio="",
        is_demo=is_demo,
        is_imported=is_imported,
        confirmed_at=utcnow() if confirmed else None,
    )


@dataclass(frozen=True)
class NewAccount:
    """A new account's fields, checked and tidied."""

    username: str
    email: str
    password: str
    email_taken: bool


def check_new_account(*, username: str, email: str, password: str,
                      role: str = "member", public: bool = False) -> NewAccount:
    """Check a new account's fields and say whether the email already has an account.

    :param public: the account is made through the site, where a name may not pass for
        staff (the command line may make a moderator called "moderator").
    :raise Invalid: naming every field that breaks a rule; a taken username is one of them
        (usernames are public), a taken email is not.
    """
    errors: dict[str, str] = {}
    username = collect(errors, "username", _check_username, username)
    if username and public:
        collect(errors, "username", check_public_username, username)
    email = collect(errors, "email", _check_email, email)
    password = collect(errors, "password", check_password, password)
    if role not in ROLES:
        errors["role"] = f"Role must be one of: {', '.join(ROLES)}."
    if username and not is_username_free(username):
        errors["username"] = USERNAME_TAKEN
    if errors:
        raise Invalid.from_errors(errors)
    return NewAccount(username=username, email=email, password=password,
                      email_taken=find_by_email(email) is not None)


def find_by_email(email: str) -> Member | None:
    """Return the member with this email (any case), or None."""
    return db.session.scalar(select(Member).where(Member.email_key == email.lower()))


def register(*, username: str, email: str, password: str, role: str = "member",
             is_demo: bool = False) -> Member:
    """Create a confirmed account (command line, demo content), or raise Invalid naming the field.

    Members joining through the site use `accounts.sign_up`, which says nothing about whether
    an email is taken.
    """
    account = check_new_account(username=username, email=email, password=password, role=role)
    if account.email_taken:
        raise _email_refused()
    password_hash = hash_password(account.password)  # slow: before the write transaction
    with write_transaction():
        if not is_username_free(account.username):  # again under the lock: someone joined?
            raise Invalid("username", USERNAME_TAKEN)
        if find_by_email(account.email):
            raise _email_refused()
        member = new_member(username=account.username, email=account.email,
                             password_hash=password_hash, role=role, is_demo=is_demo,
                             confirmed=True)
        db.session.add(member)
    return member


def _email_refused() -> Invalid:
    return Invalid("email", "That email cannot be used for a new account. "
                            "If you already have one, log in instead.")


def imported_member(username: str) -> Member:
    """Return the member for an imported post's author, adding an account that cannot log in."""
    member = find_member(username)
    if member is None:
        member = new_member(username=username, email=None, password_hash=None, role="member",
                             is_imported=True)
        db.session.add(member)
    return member


def authenticate(*, username: str, password: str) -> Member | None:
    """Return the member these credentials belong to, or None; never says which part was wrong."""
    member = find_member(username or "") if USERNAME_RE.match(username or "") else None
    stored = member.password_hash if member else None
    if not verify_password(stored, password or "") or member is None or stored is None:
        return None  # verify_password is True only for a stored hash: the checks after it narrow
    if needs_rehash(stored):
        rehashed = hash_password(password)
        with write_transaction():
            lock(member)
            if member.password_hash == stored:  # not if a new password was set meanwhile
                member.password_hash = rehashed
    return member


def set_role(*, username: str, role: str) -> Member:
    """Give a member a role (member, moderator or admin)."""
    if role not in ROLES:
        raise Invalid("role", f"Role must be one of: {', '.join(ROLES)}.")
    with write_transaction():
        member = get_member(username)
        member.role = role
    return member


def update_profile(*, actor: Member, member: Member, bio: str, treatments: list[str]) -> Member:
    """Change a member's bio and the treatments they use."""
    _ensure_can_edit_profile(actor, member)
    bio = clean_text("bio", bio, label="Your bio", required=False, max_length=2000)
    known = {tag.slug for tag in load_taxonomy().treatments}
    unknown = [slug for slug in treatments if slug not in known]
    if unknown:
        raise Invalid("treatments", f"Unknown treatment: {', '.join(unknown[:3])}.")
    with write_transaction():
        lock(member)  # two saves at once replace the treatments one after the other
        _ensure_can_edit_profile(actor, member)  # again: a moderator may have suspended them
        member.bio = bio
        member.treatments = [MemberTreatment(slug=slug) for slug in dict.fromkeys(treatments)]
    return member


def _ensure_can_edit_profile(actor: Member, member: Member) -> None:
    if actor.id != member.id and not actor.is_admin:
        raise PermissionDenied("You can only edit your own profile.")
    if actor.id == member.id and member.is_suspended():
        raise Suspended("Your account is suspended, so your profile cannot be changed now. "
                        f"Reason given: {member.suspension_reason or 'none'}")


def ensure_can_post(member: Member) -> None:
    """Raise Suspended with the reason when the member may not write anything now."""
    if not permissions.can_post(member):
        raise Suspended(suspension_notice(member))


def suspension_notice(member: Member) -> str:
    """Say until when a member is suspended, why, and what that means."""
    until = (member.suspended_until.strftime("%-d %B %Y, %H:%M UTC")
             if member.suspended_until is not None else "further notice")
    return (f"Your account is suspended until {until}: you can read, but not post, edit, "
            f"delete, accept, vote or report. Reason given: "
            f"{member.suspension_reason or 'none'}")


def suspend(*, actor: Member | None, member: Member, until: datetime | None, reason: str) -> Member:
    """Suspend a member until a time (None lifts it), ending their sessions at once."""
    _ensure_can_suspend(actor, member)
    if until is not None:
        reason = clean_text("reason", reason, label="The reason", max_length=500)
    with write_transaction():
        lock(member)  # the session version is counted up from the value read here
        _ensure_can_suspend(actor, member)  # again: an admin may have changed roles meanwhile
        if until is not None:
            member.session_version += 1
        member.suspended_until = until
        member.suspension_reason = reason if until is not None else None
    return member


def _ensure_can_suspend(actor: Member | None, member: Member) -> None:
    if actor is not None and not actor.is_moderator:
        raise PermissionDenied("Only moderators can suspend members.")
    if actor is not None and member.is_admin and not actor.is_admin:
        raise PermissionDenied("Moderators cannot suspend an admin.")


def end_sessions(*, member: Member) -> None:
    """End every session of this member (all devices, remember-me cookies too)."""
    with write_transaction():
        lock(member)
        member.session_version += 1


def load_session_member(identity: str) -> Member | None:
    """Return the member a session identity ("id:version") names, if still valid."""
    member_id, _, version = identity.partition(":")
    if not member_id.isdigit() or not version.isdigit():
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or member.session_version != int(version):
        return None
    return member
