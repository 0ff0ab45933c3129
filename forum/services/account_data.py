"""A member's own data: everything the forum keeps about them, to download; and leaving.

The export is a list of sections. A feature that stores something about a member adds a
`Section` with `add_section` (notifications and preferences will), and, when its rows do not
go with the member's row by `ON DELETE CASCADE`, an eraser with `add_eraser`.

Deleting an account keeps the threads of others readable: the member's posts either become
"removed by its author" stubs, their text gone, or stay as they are under the shared
"former member" author. Either way nothing left points at the person: rows that must outlive
them (posts, revisions, the audit log, review items) move to the former-member row, and
everything else of theirs is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app, url_for
from sqlalchemy import delete, func, or_, select, update

from forum.database import lock, write_transaction
from forum.errors import Invalid
from forum.extensions import db
from forum.models import (
    FORMER_MEMBER,
    AccountToken,
    Appeal,
    AuditEntry,
    EmailChange,
    Experience,
    Flag,
    Follow,
    HeldUsername,
    Member,
    MemberTreatment,
    ModerationLabel,
    Notification,
    NotificationPreference,
    Post,
    PostRevision,
    PostTag,
    Report,
    ReviewItem,
    SideEffect,
    Vote,
    utcnow,
)
from forum.passwords import verify_password
from forum.services import indexing, threads
from forum.services.members import username_hash
from forum.taxonomy import load_taxonomy

EXPORT_FORMAT = "thaw-export/1"
WRONG_PASSWORD = "That is not your current password."


# What the forum keeps about a member ----------------------------------------------------

Collect = Callable[[Member], list[dict[str, Any]]]


@dataclass(frozen=True)
class Section:
    """One part of the export: a name for the JSON, a heading and a line for the page."""

    name: str
    title: str
    about: str
    collect: Collect


SECTIONS: list[Section] = []


def add_section(name: str, title: str, about: str) -> Callable[[Collect], Collect]:
    """Register a function that returns a member's rows of one kind as the export's section."""
    def register(collect: Collect) -> Collect:
        SECTIONS.append(Section(name=name, title=title, about=about, collect=collect))
        return collect
    return register


def export(member: Member) -> dict[str, Any]:
    """Return everything the forum keeps about a member, as plain JSON-ready values.

    Of other members it holds only what anyone can read: usernames and titles of threads
    the member may see.
    """
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _when(utcnow()),
        "username": member.username,
        "sections": [{"name": section.name, "title": section.title, "about": section.about,
                      "items": section.collect(member)} for section in SECTIONS],
    }


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _link(endpoint: str, **values: Any) -> str:
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + url_for(endpoint, **values)


def _thread_title(post: Post, member: Member, roots: dict[int, Post]) -> str | None:
    """Return the title of the post's thread if the member may read it, else None."""
    root = post if post.parent_id is None else roots.get(post.parent_id)
    if root is None:
        return None
    if root.author_id == member.id or threads.can_see(member, root):
        return root.title or None
    return None


def _roots(rows: list[Post]) -> dict[int, Post]:
    ids = {p.parent_id for p in rows if p.parent_id is not None}
    if not ids:
        return {}
    return {root.id: root for root in db.session.scalars(select(Post).where(Post.id.in_(ids)))}


@add_section("profile", "Your profile and account",
             "What you told us when you joined and on your profile, and the state of your "
             "account.")
def _profile(member: Member) -> list[dict[str, Any]]:
    names = load_taxonomy().tags
    pending = db.session.scalars(
        select(EmailChange).where(EmailChange.member_id == member.id,
                                  EmailChange.used_at.is_(None),
                                  EmailChange.expires_at > utcnow())
        .order_by(EmailChange.created_at)).all()
    return [{
        "username": member.username,
        "email": member.email,
        "role": member.role,
        "bio": member.bio,
        "treatments_you_use": [names[t.slug].name if t.slug in names else t.slug
                               for t in member.treatments],
        "joined_at": _when(member.created_at),
        "email_confirmed_at": _when(member.confirmed_at),
        "consent_to_store_health_information_given_at": _when(member.consented_at),
        "suspended_until": _when(member.suspended_until) if member.is_suspended() else None,
        "suspension_reason": member.suspension_reason if member.is_suspended() else None,
        "email_changes_waiting_for_confirmation": [
            {"new_email": change.new_email, "asked_at": _when(change.created_at)}
            for change in pending],
    }]


def _post_item(post: Post, member: Member, roots: dict[int, Post],
               revisions: dict[int, list[PostRevision]]) -> dict[str, Any]:
    item = {
        "id": post.id,
        "kind": post.kind,
        "link": _link("posts.show", post_id=post.id),
        "thread_id": post.thread_id,
        "thread_title": _thread_title(post, member, roots),
        "title": post.title,
        "body": post.body,
        "tags": post.tag_slugs,
        "status": post.status,
        "removal_reason": post.removal_reason,
        "posted_at": _when(post.created_at),
        "edited_at": _when(post.edited_at),
        "marked_helpful_by": post.helpful_count,
        "earlier_versions": [{
            "replaced_at": _when(revision.created_at),
            "title": revision.title,
            "body": revision.body,
            "tags": revision.tags.split(),
            "was_published": revision.published,
        } for revision in revisions.get(post.id, [])],
    }
    if post.experience is not None:
        item["experience"] = post.experience.as_dict()
    return item


def _own_posts(member: Member, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = list(db.session.scalars(
        select(Post).where(Post.author_id == member.id, Post.kind.in_(kinds))
        .order_by(Post.created_at, Post.id)))
    revisions: dict[int, list[PostRevision]] = {}
    if rows:
        for revision in db.session.scalars(
                select(PostRevision)
                .where(PostRevision.post_id.in_(select(Post.id).where(
                    Post.author_id == member.id, Post.kind.in_(kinds))))
                .order_by(PostRevision.created_at, PostRevision.id)):
            revisions.setdefault(revision.post_id, []).append(revision)
    roots = _roots(rows)
    return [_post_item(post, member, roots, revisions) for post in rows]


@add_section("posts", "Your questions and answers",
             "Every question and answer you wrote, with each earlier version of it, "
             "including the ones you deleted or a moderator held back.")
def _questions_and_answers(member: Member) -> list[dict[str, Any]]:
    return _own_posts(member, ("question", "answer"))


@add_section("experience_reports", "Your experience reports",
             "Every experience report you shared: the treatment, how well it worked, side "
             "effects, dose and your words, with each earlier version.")
def _experience_reports(member: Member) -> list[dict[str, Any]]:
    return _own_posts(member, ("experience",))


def _about_post(post: Post | None, member: Member, roots: dict[int, Post]) -> dict[str, Any]:
    """Describe another member's post by what anyone may read of it: its id and thread."""
    if post is None:
        return {"post_id": None, "thread_title": None}
    return {"post_id": post.id, "link": _link("posts.show", post_id=post.id),
            "thread_title": _thread_title(post, member, roots)}


@add_section("helpful_marks", "Posts you marked as helpful",
             "The answers and experience reports you marked as helpful, and when.")
def _votes(member: Member) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Vote, Post).join(Post, Post.id == Vote.post_id)
        .where(Vote.member_id == member.id).order_by(Vote.created_at, Vote.post_id)).all()
    roots = _roots([post for _, post in rows])
    return [{**_about_post(post, member, roots), "marked_at": _when(vote.created_at)}
            for vote, post in rows]


@add_section("reports", "Posts you reported",
             "The posts you reported to the moderators, with your reason and note. The "
             "authors are never told who reported them.")
def _reports(member: Member) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Report, Post).join(Post, Post.id == Report.post_id)
        .where(Report.reporter_id == member.id).order_by(Report.created_at, Report.id)).all()
    roots = _roots([post for _, post in rows])
    return [{**_about_post(post, member, roots), "reason": report.reason,
             "note": report.note, "reported_at": _when(report.created_at),
             "resolved_at": _when(report.resolved_at)}
            for report, post in rows]


@add_section("notifications", "Your notifications",
             "What the forum told you, newest first, and whether you read it.")
def _notifications(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Notification).where(Notification.member_id == member.id)
                              .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return [{"kind": row.kind, "text": row.text, "post_id": row.post_id,
             "created_at": _when(row.created_at), "read_at": _when(row.read_at),
             "mailed_at": _when(row.mailed_at)} for row in rows]


@add_section("notification_preferences", "Your email choices",
             "How each kind of notification reaches you, where you changed the default.")
def _preferences(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(NotificationPreference)
                              .where(NotificationPreference.member_id == member.id)
                              .order_by(NotificationPreference.kind))
    return [{"kind": row.kind, "delivery": row.delivery} for row in rows]


@add_section("follows", "Threads and tags you follow",
             "What you follow (or stopped following), and since when.")
def _follows(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Follow).where(Follow.member_id == member.id)
                              .order_by(Follow.created_at, Follow.id))
    return [{"thread_id": row.thread_id, "tag": row.tag, "active": row.active,
             "since": _when(row.created_at)} for row in rows]


@add_section("appeals", "Your appeals",
             "Appeals you made against a moderator's decision, with the outcome.")
def _appeals(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Appeal).where(Appeal.author_id == member.id)
                              .order_by(Appeal.created_at, Appeal.id))
    return [{"post_id": row.post_id, "text": row.text, "original_outcome": row.original_outcome,
             "original_reason": row.original_reason, "made_at": _when(row.created_at),
             "decided_at": _when(row.decided_at), "outcome": row.outcome} for row in rows]


# Leaving --------------------------------------------------------------------------------

class PostsChoice(StrEnum):
    """What happens to a leaving member's posts."""

    REMOVE = "remove"  # the text goes; threads keep a "removed by its author" stub
    KEEP = "keep"  # the posts stay, shown as by "former member"


Eraser = Callable[[Member, Member], None]
ERASERS: list[Eraser] = []


def add_eraser(erase: Eraser) -> Eraser:
    """Register a function erase(member, former) that runs inside the deletion's transaction.

    It deletes the member's rows of one kind, or moves rows that must stay to `former`.
    Rows with a foreign key to member ON DELETE CASCADE need none.
    """
    ERASERS.append(erase)
    return erase


def former_member() -> Member:
    """Return the shared author of posts kept from deleted accounts, adding it the first time."""
    row: Member | None = db.session.scalar(
        select(Member).where(Member.username_key == FORMER_MEMBER))
    if row is not None:
        return row
    # On PostgreSQL two first deletions at once could both add it: the second fails on the
    # unique username and rolls back whole, changing nothing; the member can try again.
    row = Member(username=FORMER_MEMBER, username_key=FORMER_MEMBER, email=None,
                 email_key=None, password_hash=None, role="member", bio="")
    db.session.add(row)
    db.session.flush()
    return row


def delete_account(*, member: Member, password: object, posts_choice: object) -> None:
    """Delete a member's account after checking their password.

    Their email, votes, reports, profile, links and pending email changes go; their posts
    are removed or kept as by "former member" (`posts_choice`); their username is held from
    others for USERNAME_HOLD_DAYS; their email can join again at once.

    :raise Invalid: no choice made for the posts, or the password is not theirs.
    """
    errors: dict[str, str] = {}
    if posts_choice not in tuple(PostsChoice):
        errors["posts"] = "Choose what happens to your posts."
    if not isinstance(password, str) or not verify_password(member.password_hash, password):
        errors["password"] = WRONG_PASSWORD
    if errors:
        raise Invalid.from_errors(errors)
    hold = timedelta(days=int(current_app.config["USERNAME_HOLD_DAYS"]))
    with write_transaction():
        lock(member)
        former = former_member()
        mine = select(Post.id).where(Post.author_id == member.id)
        own_ids = list(db.session.scalars(mine))
        voted_ids = list(db.session.scalars(
            select(Vote.post_id).where(Vote.member_id == member.id)))
        if posts_choice == PostsChoice.REMOVE:
            _erase_posts(member)
        _move_to_former(member, former)
        _forget_votes(member, voted_ids)
        for model, column in ((Report, Report.reporter_id),
                              (AccountToken, AccountToken.member_id),
                              (EmailChange, EmailChange.member_id),
                              (MemberTreatment, MemberTreatment.member_id)):
            db.session.execute(delete(model).where(column == member.id)
                               .execution_options(synchronize_session=False))
        for erase in ERASERS:
            erase(member, former)
        _hold_username(member.username, until=utcnow() + hold)
        db.session.execute(delete(Member).where(Member.id == member.id)
                           .execution_options(synchronize_session=False))
        db.session.expunge(member)
        indexing.queue([*own_ids, *voted_ids])  # new author, stubs and helpful counts


def _erase_posts(member: Member) -> None:
    """Turn the member's posts into stubs: status deleted, every copy of their text gone."""
    mine = select(Post.id).where(Post.author_id == member.id).scalar_subquery()
    answers_in = list(db.session.scalars(
        select(Post.parent_id).where(Post.author_id == member.id, Post.parent_id.is_not(None),
                                     Post.status == "published").distinct()))
    for model, column in ((PostRevision, PostRevision.post_id), (SideEffect, SideEffect.post_id),
                          (Experience, Experience.post_id), (PostTag, PostTag.post_id),
                          (Flag, Flag.post_id), (ModerationLabel, ModerationLabel.post_id)):
        db.session.execute(delete(model).where(column.in_(mine))
                           .execution_options(synchronize_session=False))
    now = utcnow()
    db.session.execute(
        update(ReviewItem).where(ReviewItem.post_id.in_(mine), ReviewItem.state == "open")
        .values(state="closed", handled_at=now, outcome="withdrawn")
        .execution_options(synchronize_session=False))
    db.session.execute(
        update(Post).where(Post.accepted_answer_id.in_(mine)).values(accepted_answer_id=None)
        .execution_options(synchronize_session=False))
    db.session.execute(
        update(Post).where(Post.author_id == member.id)
        .values(status="deleted", body="", body_html="", removal_reason=None,
                has_notice=False, notice_drug=None, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.execute(
        update(Post).where(Post.author_id == member.id, Post.parent_id.is_(None))
        .values(title="").execution_options(synchronize_session=False))
    db.session.expire_all()
    for parent_id in answers_in:  # their answers no longer count in these threads
        root = db.session.get(Post, parent_id)
        if root is not None:
            threads.refresh_thread(root)


def _move_to_former(member: Member, former: Member) -> None:
    """Point every row that outlives the member at the former-member row instead."""
    for column in (Post.author_id, PostRevision.editor_id, ReviewItem.handled_by_id,
                   AuditEntry.actor_id, AuditEntry.member_id):
        db.session.execute(update(column.class_).where(column == member.id)
                           .values({column.key: former.id})
                           .execution_options(synchronize_session=False))
    # Moderators' reasons may name the member: the name goes, the reason stays.
    name = re.compile(rf"(?<![\w.-]){re.escape(member.username)}(?![\w-])", re.IGNORECASE)
    for model in (AuditEntry, ReviewItem):
        rows: list[AuditEntry | ReviewItem] = list(db.session.scalars(select(model).where(
            func.lower(model.reason).contains(member.username_key))))
        for row in rows:
            row.reason = name.sub(FORMER_MEMBER, row.reason or "")


def _forget_votes(member: Member, voted_ids: list[int]) -> None:
    """Delete the member's helpful marks and count again the posts they had marked."""
    db.session.execute(delete(Vote).where(Vote.member_id == member.id)
                       .execution_options(synchronize_session=False))
    for post_id in voted_ids:
        count = select(func.count()).select_from(Vote).where(Vote.post_id == post_id)
        db.session.execute(update(Post).where(Post.id == post_id)
                           .values(helpful_count=count.scalar_subquery())
                           .execution_options(synchronize_session=False))


def _hold_username(username: str, *, until: datetime) -> None:
    db.session.execute(delete(HeldUsername).where(
        or_(HeldUsername.held_until <= utcnow(),
            HeldUsername.name_hash == username_hash(username)))
        .execution_options(synchronize_session=False))
    db.session.add(HeldUsername(name_hash=username_hash(username), held_until=until))
