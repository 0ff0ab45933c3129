"""The audit log: what moderators, admins and the screening did, and to whom."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from forum.extensions import db
from forum.models import AuditEntry, Member, Post
from forum.services import members

AUDIT_ACTIONS = ("approve", "edit_approve", "remove", "dismiss", "suspend", "hide",
                 "appeal", "appeal_decided",
                 "rescreen_hold", "rescreen_release", "article_add", "article_edit",
                 "article_retire", "article_restore")


def record(*, actor: Member | None, action: str, post: Post | None = None,
           member_id: int | None = None, reason: str = "") -> None:
    """Add an entry to the log in the current transaction (no commit).

    Without an actor, the forum itself acted (the screening, members' reports). The member
    is the post's author unless given.
    """
    db.session.add(AuditEntry(
        actor_id=actor.id if actor is not None else None, action=action,
        post_id=post.id if post is not None else None,
        member_id=member_id if member_id is not None else (
            post.author_id if post is not None else None),
        reason=reason))


def audit_query(*, action: str | None = None, moderator: str | None = None,
                member: str | None = None) -> Select[tuple[AuditEntry]]:
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
    entries = list(entries)
    ids = {e.actor_id for e in entries if e.actor_id} | {e.member_id for e in entries
                                                          if e.member_id}
    if not ids:
        return {}
    return {row_id: name for row_id, name in db.session.execute(
        select(Member.id, Member.username).where(Member.id.in_(ids)))}
