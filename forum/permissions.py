"""Who may do what to a post: one answer for templates, views and services alike.

Each rule is a pure function of the acting member and the post(s): no query, no request.
The actor may be None or Flask-Login's anonymous user, and then may do nothing. Views ask
before they act (403), templates ask before they show a button, and services ask again and
refuse with their own errors, so changing a rule here changes all three.
"""

from __future__ import annotations

import sys
from typing import TypeAlias

from flask import Flask
from flask_login import AnonymousUserMixin

from forum.models import Kind, Member, Post, Status

Actor: TypeAlias = Member | AnonymousUserMixin | None


def _member(actor: Actor) -> Member | None:
    return actor if isinstance(actor, Member) and actor.is_authenticated else None


def can_post(actor: Actor) -> bool:
    """Tell whether the actor may write anything now (a suspension stops every write)."""
    member = _member(actor)
    return member is not None and not member.is_suspended()


def can_moderate(actor: Actor) -> bool:
    """Tell whether the actor sees held posts and works the review queue."""
    member = _member(actor)
    return member is not None and member.is_moderator


def can_read(viewer: Actor, post: Post) -> bool:
    """Tell whether the viewer may read this post itself (its thread is asked separately).

    Everyone reads published posts; authors their own held post (and why it waits) and
    their removed one (and why); moderators everything but what an author deleted.
    """
    if post.status == Status.PUBLISHED:
        return True
    member = _member(viewer)
    if member is None:
        return False
    if member.is_moderator:
        return post.status != Status.DELETED
    return post.status in (Status.HELD, Status.REMOVED) and post.author_id == member.id


def _may_change(actor: Actor, post: Post) -> bool:
    member = _member(actor)
    if member is None or post.status == Status.DELETED:
        return False
    if member.is_moderator:
        return True
    # A post a moderator removed stays as it was removed: the author sees why, unchanged.
    return post.author_id == member.id and post.status != Status.REMOVED


def can_edit(actor: Actor, post: Post) -> bool:
    """Tell whether the actor may change this post's text: its author, or a moderator."""
    return _may_change(actor, post)


def can_delete(actor: Actor, post: Post) -> bool:
    """Tell whether the actor may delete this post: its author, or a moderator."""
    return _may_change(actor, post)


def can_accept(actor: Actor, answer: Post, question: Post) -> bool:
    """Tell whether the actor may accept (or take back) this published answer: the asker."""
    member = _member(actor)
    return (member is not None and answer.kind == Kind.ANSWER
            and question.kind == Kind.QUESTION and answer.parent_id == question.id
            and question.author_id == member.id and answer.status == Status.PUBLISHED)


def can_mark_helpful(actor: Actor, post: Post) -> bool:
    """Tell whether the actor may mark this published answer or report as helpful.

    Nobody marks their own post.
    """
    member = _member(actor)
    return (member is not None and post.kind in (Kind.ANSWER, Kind.EXPERIENCE)
            and post.status == Status.PUBLISHED and post.author_id != member.id)


def can_report(actor: Actor, post: Post) -> bool:
    """Tell whether the actor may report this published post to the moderators.

    Nobody reports their own post: they can edit or delete it.
    """
    member = _member(actor)
    return (member is not None and post.status == Status.PUBLISHED
            and post.author_id != member.id)


def can_appeal(actor: Actor, post: Post) -> bool:
    """Tell whether the actor may appeal a decision on this post: its author, while it is
    held or removed (whether they appealed before is the appeals service's to say)."""
    member = _member(actor)
    return (member is not None and post.author_id == member.id
            and post.status in (Status.HELD, Status.REMOVED))


def init_app(app: Flask) -> None:
    """Let templates ask `permissions.can_edit(current_user, post)` and the rest.

    The module itself is the global, so a template reads each rule when it renders.
    """
    app.jinja_env.globals["permissions"] = sys.modules[__name__]
