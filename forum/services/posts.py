"""Posts: asking, sharing experiences, answering, editing, deleting, accepting, voting, reading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Select, case, exists, func, select, union_all, update
from sqlalchemy.orm import aliased

from forum import content_cache, permissions
from forum.database import get_or_not_found, lock, write_transaction
from forum.errors import Invalid, NotFound, PermissionDenied
from forum.extensions import db
from forum.models import (
    STATUSES,
    THREAD_KINDS,
    Kind,
    Member,
    Post,
    PostRevision,
    PostTag,
    Status,
    Vote,
)
from forum.services import crisis, following, indexing, notifications
from forum.services.drafts import (
    ExperienceInput,
    apply_edit,
    build_post,
    validate_answer,
    validate_edit,
    validate_thread,
)
from forum.services.members import ensure_can_post
from forum.services.screening import apply_screening, held_reasons, screen_draft, screening_text
from forum.services.threads import can_see, queue_post_for_index, refresh_parent, refresh_thread


def create_thread(*, author: Member, kind: str, title: object, body: object,
                  tags: str | list[str], experience: ExperienceInput | None = None,
                  is_demo: bool = False) -> Post:
    """Start a thread with a question or an experience report."""
    ensure_can_post(author)
    draft = validate_thread(kind=kind, title=title, body=body, tags=tags, experience=experience)
    screening = screen_draft(draft)  # before the write transaction opens
    in_crisis = crisis.screen(draft.title, draft.body)
    post = build_post(draft, author=author, is_demo=is_demo)
    with write_transaction():
        db.session.add(post)
        db.session.flush()
        apply_screening(post, screening, screening_text(draft), new=True)
        crisis.record(post, in_crisis)
        following.auto_follow(member=author, thread=post)
        notifications.on_thread(thread=post)
        indexing.queue([post.id])
    return post


def _ensure_open(thread: Post) -> None:
    if not thread.is_thread or thread.status != Status.PUBLISHED:
        raise NotFound(thread.id)  # deleted, held and removed threads take no new answers


def create_answer(*, author: Member, parent: Post, body: object, is_demo: bool = False) -> Post:
    """Reply to a question or an experience report."""
    ensure_can_post(author)
    _ensure_open(parent)
    draft = validate_answer(body=body)
    screening = screen_draft(draft)
    in_crisis = crisis.screen(draft.body)
    post = build_post(draft, author=author, parent=parent, is_demo=is_demo)
    with write_transaction():
        _ensure_open(parent)  # again under the lock: a moderator may have acted meanwhile
        db.session.add(post)
        db.session.flush()
        apply_screening(post, screening, screening_text(draft), new=True)
        crisis.record(post, in_crisis)
        following.auto_follow(member=author, thread=parent)
        notifications.on_answer(answer=post, thread=parent)
        refresh_thread(parent)
        indexing.queue([post.id])
    return post


def _ensure_can_change(actor: Member, post: Post,
                       allowed: Callable[[Member, Post], bool]) -> None:
    """Refuse a change the permission rule does not allow, saying why."""
    if not allowed(actor, post) and post.status != Status.DELETED:
        if post.status == Status.REMOVED and post.author_id == actor.id:
            raise PermissionDenied("A moderator removed this post, so it cannot be changed. "
                                   "The reason is shown on the post.")
        raise PermissionDenied("You can only change your own posts.")
    ensure_can_post(actor)  # a suspension blocks every write, deleting and editing too
    if post.status == Status.DELETED:
        raise NotFound(post.id)


def edit_post(*, actor: Member, post: Post, body: object, title: object = None,
              tags: str | list[str] | None = None,
              experience: ExperienceInput | None = None) -> Post:
    """Change a post, keeping its previous version in the history."""
    _ensure_can_change(actor, post, permissions.can_edit)
    draft = validate_edit(post, title=title, body=body, tags=tags, experience=experience)
    screening = screen_draft(draft)
    # The author's own words only: a moderator tidying a post is not the one who may be at risk.
    in_crisis = crisis.screen(draft.title, draft.body) if actor.id == post.author_id else None
    with write_transaction():
        lock(post)  # the history keeps the version read under the lock
        # Again: a moderator may have acted meanwhile.
        _ensure_can_change(actor, post, permissions.can_edit)
        apply_edit(post, draft, editor=actor)
        apply_screening(post, screening, screening_text(draft))
        if in_crisis is not None:
            crisis.record(post, in_crisis)
        queue_post_for_index(post)
    return post


def delete_post(*, actor: Member, post: Post) -> Post:
    """Soft-delete a post: its thread keeps a "removed by author" stub."""
    with write_transaction():
        lock(post)
        _ensure_can_change(actor, post, permissions.can_delete)
        post.status = Status.DELETED
        if post.parent_id is not None:
            parent = db.session.get(Post, post.parent_id)
            if parent is not None and parent.accepted_answer_id == post.id:
                parent.accepted_answer_id = None
        refresh_parent(post)
        queue_post_for_index(post)
    return post


def accept_answer(*, actor: Member, answer: Post) -> Post:
    """Mark an answer as the accepted one for its question (again to take it back)."""
    ensure_can_post(actor)
    with write_transaction():
        if answer.kind != Kind.ANSWER or answer.parent_id is None:
            raise NotFound(answer.id)
        question = db.session.get(Post, answer.parent_id)
        if question is None or question.kind != Kind.QUESTION:
            raise Invalid("answer", "Only answers to questions can be accepted.")
        if question.author_id == actor.id and answer.status != Status.PUBLISHED:
            raise Invalid("answer", "Only a published answer can be accepted.")
        if not permissions.can_accept(actor, answer, question):
            raise PermissionDenied("Only the person who asked can accept an answer.")
        accepted = None if question.accepted_answer_id == answer.id else answer.id
        question.accepted_answer_id = accepted
        notifications.on_accept(question=question, answer=answer)
    return question


def toggle_helpful(*, actor: Member, post: Post) -> bool:
    """Mark an answer or experience report as helpful, or take the mark back; return the state."""
    with write_transaction():
        lock(post)  # on PostgreSQL, the count below then sees every other worker's vote
        ensure_can_post(actor)
        if post.kind not in (Kind.ANSWER, Kind.EXPERIENCE):
            raise Invalid("post", "Only answers and experience reports can be marked helpful.")
        if post.status != Status.PUBLISHED or not can_see(None, post):
            raise NotFound(post.id)  # nor an answer in a thread the public cannot see
        if not permissions.can_mark_helpful(actor, post):
            raise PermissionDenied("You cannot mark your own post as helpful."
                                   if post.author_id == actor.id else
                                   "You cannot mark this post as helpful.")
        vote = db.session.get(Vote, (actor.id, post.id))
        if vote is None:
            db.session.add(Vote(member_id=actor.id, post_id=post.id))
            notifications.notify_helpful(post=post, voter=actor)
        else:
            db.session.delete(vote)
        db.session.flush()
        count = select(func.count()).select_from(Vote).where(Vote.post_id == post.id)
        db.session.execute(update(Post).where(Post.id == post.id)
                           .values(helpful_count=count.scalar_subquery()))
        indexing.queue([post.id])
    db.session.refresh(post)
    return vote is None


@dataclass
class ThreadView:
    """A thread as a viewer sees it: the opening post and the answers they may see or stub."""

    root: Post
    answers: list[Post]
    voted: set[int]
    held_reasons: dict[int, list[str]] = field(default_factory=dict)  # the viewer's own posts

    @property
    def shows_unpublished(self) -> bool:
        """Tell whether this viewer sees a held or removed post here (never to be cached)."""
        return any(p.status in (Status.HELD, Status.REMOVED)
                   for p in [self.root, *self.answers])


def get_post(post_id: int) -> Post:
    """Return a post by id, or raise NotFound."""
    return get_or_not_found(Post, post_id)


def get_thread(*, thread_id: int, viewer: Member | None) -> ThreadView:
    """Return a thread for this viewer; NotFound when they may not see it."""
    root = get_post(thread_id)
    if not root.is_thread or (root.status != Status.DELETED and not can_see(viewer, root)):
        raise NotFound(thread_id)
    accepted_first = case((Post.id == (root.accepted_answer_id or -1), 0), else_=1)
    answers = list(db.session.scalars(
        select(Post).where(Post.parent_id == root.id)
        .order_by(accepted_first, Post.helpful_count.desc(), Post.created_at, Post.id)
    ))
    shown = [a for a in answers if a.status == Status.DELETED or can_see(viewer, a)]
    voted: set[int] = set()
    held: dict[int, list[str]] = {}
    if viewer is not None and viewer.is_authenticated:
        ids = [root.id, *(a.id for a in shown)]
        voted = set(db.session.scalars(
            select(Vote.post_id).where(Vote.member_id == viewer.id, Vote.post_id.in_(ids))))
        held = held_reasons(p for p in [root, *shown]
                            if p.status == Status.HELD and p.author_id == viewer.id)
    return ThreadView(root=root, answers=shown, voted=voted, held_reasons=held)


def revisions(post: Post, viewer: Member | None) -> list[PostRevision]:
    """Return the previous versions of a post this viewer may read, newest first.

    Everyone sees the versions that were published; versions never published (held by the
    screening, then edited) only the author and the moderators.
    """
    query = select(PostRevision).where(PostRevision.post_id == post.id)
    if not _is_author_or_moderator(viewer, post):
        query = query.where(PostRevision.published.is_(True))
    return list(db.session.scalars(
        query.order_by(PostRevision.created_at.desc(), PostRevision.id.desc())))


def _is_author_or_moderator(viewer: Member | None, post: Post) -> bool:
    return (viewer is not None and viewer.is_authenticated
            and (viewer.is_moderator or viewer.id == post.author_id))


def public_threads(kind: str | None = None, *, unanswered: bool = False
                   ) -> Select[tuple[Post]]:
    """Return a query for published threads, newest first."""
    # By kind rather than "no parent": the same rows, and the kind is what the indexes lead with.
    query = select(Post).where(Post.kind == kind if kind else Post.kind.in_(THREAD_KINDS),
                               Post.status == Status.PUBLISHED)
    if unanswered:
        query = query.where(Post.answer_count == 0)
    return query.order_by(Post.created_at.desc(), Post.id.desc())


def threads_tagged(slug: str) -> Select[tuple[Post]]:
    """Return a query for published threads carrying a tag, newest first."""
    tagged = select(PostTag.post_id).where(PostTag.slug == slug)
    return public_threads().where(Post.id.in_(tagged))


def tag_counts() -> dict[str, int]:
    """Return how many published threads carry each tag (computed once per content version)."""
    return dict(content_cache.cached("tag_counts", _count_tags))


def _count_tags() -> dict[str, int]:
    # Every tag, less the tags of posts nobody sees: both halves read indexes only, where
    # joining every tag to its post to look at its status reads the whole post table. The
    # hidden posts go in as IN (...), not a join, or SQLite walks every tag to find them.
    hidden = select(Post.id).where(Post.status.in_([s for s in STATUSES
                                                    if s != Status.PUBLISHED]))
    tags = select(PostTag.slug, func.count().label("posts")).group_by(PostTag.slug)
    unseen = (select(PostTag.slug, -func.count()).where(PostTag.post_id.in_(hidden))
              .group_by(PostTag.slug))
    both = union_all(tags, unseen).subquery()
    total = func.sum(both.c.posts)
    rows = db.session.execute(select(both.c.slug, total).group_by(both.c.slug).having(total > 0))
    return {slug: int(count) for slug, count in rows}


def posts_by(member: Member, viewer: Member | None) -> Select[tuple[Post]]:
    """Return a query for a member's posts that this viewer may see, newest first.

    Answers in held or removed threads are left out, except for moderators.
    """
    query = select(Post).where(Post.author_id == member.id)
    own = moderator = False
    if viewer is not None and viewer.is_authenticated:
        own, moderator = viewer.id == member.id, viewer.is_moderator
    if not (own or moderator):
        query = query.where(Post.status == Status.PUBLISHED)
    else:
        query = query.where(Post.status.in_([s for s in STATUSES if s != Status.DELETED]))
    if not moderator:
        root = aliased(Post)
        query = query.where(~exists().where(root.id == Post.parent_id,
                                            root.status.in_((Status.HELD, Status.REMOVED))))
    return query.order_by(Post.created_at.desc(), Post.id.desc())
