"""Posts: asking, sharing experiences, answering, editing, deleting, accepting, voting."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import case, exists, func, select, union_all, update
from sqlalchemy.orm import aliased

from forum import content_cache
from forum.database import lock, write_transaction
from forum.errors import Invalid, NotFound, PermissionDenied, Suspended
from forum.extensions import db
from forum.markup import render_markdown
from forum.models import (
    STATUSES,
    THREAD_KINDS,
    Experience,
    Member,
    Post,
    PostRevision,
    PostTag,
    SideEffect,
    Vote,
    utcnow,
)
from forum.services import crisis, following, indexing, notifications, review
from forum.taxonomy import MAX_TAGS, load_taxonomy
from forum.validation import clean_text, collect

T = TypeVar("T")

TITLE_MIN, TITLE_MAX = 8, 200
BODY_MAX = 20_000
SIDE_EFFECTS_MAX = 10
SIDE_EFFECTS_MAX_LENGTH = 1000
TAGS_MAX_LENGTH = 300  # eight tags of the longest names, with commas, fit easily
TAG_MAX_LENGTH = 64


@dataclass(frozen=True)
class ExperienceInput:
    """The structured part of an experience report, as a member entered it."""

    treatment: str = ""
    effectiveness: object = None
    side_effects: str | list[str] = ""
    duration_months: object = None
    still_using: bool | None = None
    dose: str | None = None

    @classmethod
    def from_row(cls, row: Experience) -> ExperienceInput:
        """Return a stored experience report's details as input, to keep them through an edit."""
        return cls(treatment=row.treatment, effectiveness=row.effectiveness,
                   side_effects=row.side_effect_names, duration_months=row.duration_months,
                   still_using=row.still_using, dose=row.dose)


@dataclass
class Draft:
    """A post's fields after validation, rendered and ready to be stored."""

    kind: str
    title: str | None
    body: str
    body_html: str
    tags: list[str] = field(default_factory=list)
    experience: dict | None = None


def _check_title(field_name: str, value: object) -> str:
    return clean_text(field_name, value, label="The title", min_length=TITLE_MIN,
                      max_length=TITLE_MAX, single_line=True)


def _check_body(field_name: str, value: object) -> str:
    return clean_text(field_name, value, label="The text", max_length=BODY_MAX)


def _check_tags(field_name: str, value: str | list[str]) -> list[str]:
    # Size first: every unknown tag costs a fuzzy match and a line of the error message.
    parts = re.split(r"[,;\n]", value) if isinstance(value, str) else list(value or [])
    if isinstance(value, str) and len(value) > TAGS_MAX_LENGTH:
        raise Invalid(field_name, f"The tags are too long: {len(value):,} characters, and "
                                  f"the limit is {TAGS_MAX_LENGTH}. Use up to {MAX_TAGS} tags.")
    if len([p for p in parts if str(p).strip()]) > 2 * MAX_TAGS or any(
            len(str(p)) > TAG_MAX_LENGTH for p in parts):
        raise Invalid(field_name, f"Use at most {MAX_TAGS} tags, separated by commas.")
    return load_taxonomy().parse_tags(value, field=field_name)


def _whole_number(value: object, field_name: str, label: str, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise Invalid(field_name, f"{label} must be a whole number from {low} to {high}.")
    return number


def _check_experience(data: ExperienceInput, errors: dict[str, str]) -> dict | None:
    taxonomy = load_taxonomy()
    result: dict = {}
    slug = taxonomy.resolve(data.treatment or "")
    if not (data.treatment or "").strip():
        errors["treatment"] = "Choose the treatment this report is about."
    elif slug is None or taxonomy.tags[slug].kind != "treatment":
        close = [s for s in taxonomy.close_matches(str(data.treatment))
                 if taxonomy.tags[s].kind == "treatment"]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        errors["treatment"] = f"“{str(data.treatment)[:40]}” is not a treatment we know.{hint}"
    result["treatment"] = slug
    try:
        result["effectiveness"] = _whole_number(data.effectiveness, "effectiveness",
                                                "Effectiveness", 1, 5)
        if result["effectiveness"] is None:
            errors["effectiveness"] = ("Rate how well it worked, from 1 (not at all) "
                                       "to 5 (very well).")
    except Invalid as error:
        errors.update(error.errors)
    try:
        result["duration_months"] = _whole_number(data.duration_months, "duration_months",
                                                  "How long (months)", 0, 600)
    except Invalid as error:
        errors.update(error.errors)
    raw = data.side_effects
    if isinstance(raw, str) and len(raw) > SIDE_EFFECTS_MAX_LENGTH:
        errors["side_effects"] = (f"The side effects are too long: use at most "
                                  f"{SIDE_EFFECTS_MAX} short names, separated by commas.")
        raw = ""
    names = raw.split(",") if isinstance(raw, str) else list(raw or [])[:4 * SIDE_EFFECTS_MAX]
    effects: list[str] = []
    for name in names:
        text = " ".join(str(name).lower().split())
        if not text:
            continue
        try:
            text = clean_text("side_effects", text, label="A side effect", max_length=80,
                              single_line=True)
        except Invalid as error:
            errors.update(error.errors)
            continue
        slug_for = taxonomy.resolve(text)
        effects.append(slug_for if slug_for else text)
    effects = list(dict.fromkeys(effects))
    if len(effects) > SIDE_EFFECTS_MAX:
        errors["side_effects"] = f"List at most {SIDE_EFFECTS_MAX} side effects."
    result["side_effects"] = effects
    result["still_using"] = data.still_using
    dose = collect(errors, "dose", clean_text, data.dose, label="The dose", required=False,
                   max_length=200, single_line=True)
    result["dose"] = dose or None
    return result


def validate_thread(*, kind: str, title: object, body: object, tags: str | list[str],
                    experience: ExperienceInput | None = None) -> Draft:
    """Check a question or experience report, raising Invalid with every problem at once."""
    if kind not in THREAD_KINDS:
        raise Invalid("kind", "A thread is a question or an experience report.")
    errors: dict[str, str] = {}
    clean_title = collect(errors, "title", _check_title, title)
    clean_body = collect(errors, "body", _check_body, body)
    slugs = collect(errors, "tags", _check_tags, tags) or []
    details = None
    if kind == "experience":
        details = _check_experience(experience or ExperienceInput(), errors)
        treatment = details.get("treatment")
        if treatment and "tags" not in errors and treatment not in slugs:
            if len(slugs) >= MAX_TAGS:
                errors["tags"] = f"Use at most {MAX_TAGS} tags, including the treatment."
            else:
                slugs.insert(0, treatment)
    if errors:
        raise Invalid.from_errors(errors)
    return Draft(kind=kind, title=clean_title, body=clean_body,
                 body_html=render_markdown(clean_body), tags=slugs, experience=details)


def validate_answer(*, body: object) -> Draft:
    """Check and render an answer's text."""
    body = _check_body("body", body)
    return Draft(kind="answer", title=None, body=body, body_html=render_markdown(body))


def ensure_can_post(member: Member) -> None:
    """Raise Suspended with the reason when the member may not write anything now."""
    if member.is_suspended():
        raise Suspended(suspension_notice(member))


def suspension_notice(member: Member) -> str:
    """Say until when a member is suspended, why, and what that means."""
    until = member.suspended_until.strftime("%-d %B %Y, %H:%M UTC")
    return (f"Your account is suspended until {until}: you can read, but not post, edit, "
            f"delete, accept, vote or report. Reason given: "
            f"{member.suspension_reason or 'none'}")


def build_post(draft: Draft, *, author: Member, parent: Post | None = None,
               created_at: datetime | None = None, source_id: str | None = None,
               is_demo: bool = False) -> Post:
    """Make a Post from a validated draft, without adding or committing it."""
    when = created_at or utcnow()
    post = Post(
        kind=draft.kind,
        author=author,
        parent_id=parent.id if parent is not None else None,
        title=draft.title,
        body=draft.body,
        body_html=draft.body_html,
        status="published",
        created_at=when,
        updated_at=when,
        last_activity_at=when,
        source_id=source_id,
        is_demo=is_demo,
        helpful_count=0,
        answer_count=0,
    )
    post.tags = [PostTag(slug=slug) for slug in draft.tags]
    if draft.experience is not None:
        post.experience = _experience_row(draft.experience)
    return post


def _experience_row(details: dict) -> Experience:
    return Experience(
        treatment=details["treatment"],
        effectiveness=details["effectiveness"],
        duration_months=details["duration_months"],
        still_using=details["still_using"],
        dose=details["dose"],
        side_effects=[SideEffect(name=name) for name in details["side_effects"]],
    )


def create_thread(*, author: Member, kind: str, title: object, body: object,
                  tags: str | list[str], experience: ExperienceInput | None = None,
                  is_demo: bool = False) -> Post:
    """Start a thread with a question or an experience report."""
    ensure_can_post(author)
    draft = validate_thread(kind=kind, title=title, body=body, tags=tags, experience=experience)
    screening = review.screen_draft(draft)  # before the write transaction opens
    in_crisis = crisis.screen(draft.title, draft.body)
    post = build_post(draft, author=author, is_demo=is_demo)
    with write_transaction():
        db.session.add(post)
        db.session.flush()
        review.apply_screening(post, screening, review.screening_text(draft), new=True)
        crisis.record(post, in_crisis)
        following.auto_follow(member=author, thread=post)
        notifications.on_thread(thread=post)
        indexing.queue([post.id])
    indexing.after_commit()
    return post


def _ensure_open(thread: Post) -> None:
    if not thread.is_thread or thread.status != "published":
        raise NotFound(thread.id)  # deleted, held and removed threads take no new answers


def create_answer(*, author: Member, parent: Post, body: object, is_demo: bool = False) -> Post:
    """Reply to a question or an experience report."""
    ensure_can_post(author)
    _ensure_open(parent)
    draft = validate_answer(body=body)
    screening = review.screen_draft(draft)
    in_crisis = crisis.screen(draft.body)
    post = build_post(draft, author=author, parent=parent, is_demo=is_demo)
    with write_transaction():
        _ensure_open(parent)  # again under the lock: a moderator may have acted meanwhile
        db.session.add(post)
        db.session.flush()
        review.apply_screening(post, screening, review.screening_text(draft), new=True)
        crisis.record(post, in_crisis)
        following.auto_follow(member=author, thread=parent)
        notifications.on_answer(answer=post, thread=parent)
        refresh_thread(parent)
        indexing.queue([post.id])
    indexing.after_commit()
    return post


def _ensure_can_change(actor: Member, post: Post) -> None:
    if post.author_id != actor.id and not actor.is_moderator:
        raise PermissionDenied("You can only change your own posts.")
    ensure_can_post(actor)  # a suspension blocks every write, deleting and editing too
    if post.status == "deleted":
        raise NotFound(post.id)
    if post.status == "removed" and not actor.is_moderator:
        raise PermissionDenied("A moderator removed this post, so it cannot be changed. "
                               "The reason is shown on the post.")


def edit_post(*, actor: Member, post: Post, body: object, title: object = None,
              tags: str | list[str] | None = None,
              experience: ExperienceInput | None = None) -> Post:
    """Change a post, keeping its previous version in the history."""
    _ensure_can_change(actor, post)
    draft = validate_edit(post, title=title, body=body, tags=tags, experience=experience)
    screening = review.screen_draft(draft)
    with write_transaction():
        lock(post)  # the history keeps the version read under the lock
        _ensure_can_change(actor, post)  # again: a moderator may have acted meanwhile
        apply_edit(post, draft, editor=actor)
        review.apply_screening(post, screening, review.screening_text(draft))
        queue_post_for_index(post)
    indexing.after_commit()
    return post


def validate_edit(post: Post, *, body: object, title: object = None,
                  tags: str | list[str] | None = None,
                  experience: ExperienceInput | None = None) -> Draft:
    """Check new content for an existing post (tags default to the post's own)."""
    if post.is_thread:
        return validate_thread(kind=post.kind, title=title, body=body,
                               tags=tags if tags is not None else post.tag_slugs,
                               experience=experience)
    return validate_answer(body=body)


def apply_edit(post: Post, draft: Draft, *, editor: Member) -> None:
    """Replace a post's content with a checked draft, keeping the old version (no commit)."""
    db.session.add(PostRevision(post_id=post.id, title=post.title, body=post.body,
                                tags=" ".join(post.tag_slugs), editor_id=editor.id,
                                published=post.status == "published"))
    post.title = draft.title
    post.body = draft.body
    post.body_html = draft.body_html
    post.edited_at = utcnow()
    if post.is_thread:
        post.tags = [PostTag(slug=slug) for slug in draft.tags]
    if draft.experience is not None and post.experience is not None:
        _update_experience(post.experience, draft.experience)


def _update_experience(row: Experience, details: dict) -> None:
    row.treatment = details["treatment"]
    row.effectiveness = details["effectiveness"]
    row.duration_months = details["duration_months"]
    row.still_using = details["still_using"]
    row.dose = details["dose"]
    row.side_effects = [SideEffect(name=name) for name in details["side_effects"]]


def delete_post(*, actor: Member, post: Post) -> Post:
    """Soft-delete a post: its thread keeps a "removed by author" stub."""
    with write_transaction():
        lock(post)
        _ensure_can_change(actor, post)
        post.status = "deleted"
        if post.parent_id is not None:
            parent = db.session.get(Post, post.parent_id)
            if parent is not None and parent.accepted_answer_id == post.id:
                parent.accepted_answer_id = None
        refresh_parent(post)
        queue_post_for_index(post)
    indexing.after_commit()
    return post


def accept_answer(*, actor: Member, answer: Post) -> Post:
    """Mark an answer as the accepted one for its question (again to take it back)."""
    ensure_can_post(actor)
    with write_transaction():
        if answer.kind != "answer" or answer.parent_id is None:
            raise NotFound(answer.id)
        question = db.session.get(Post, answer.parent_id)
        if question is None or question.kind != "question":
            raise Invalid("answer", "Only answers to questions can be accepted.")
        if question.author_id != actor.id:
            raise PermissionDenied("Only the person who asked can accept an answer.")
        if answer.status != "published":
            raise Invalid("answer", "Only a published answer can be accepted.")
        accepted = None if question.accepted_answer_id == answer.id else answer.id
        question.accepted_answer_id = accepted
        notifications.on_accept(question=question, answer=answer)
    return question


def toggle_helpful(*, actor: Member, post: Post) -> bool:
    """Mark an answer or experience report as helpful, or take the mark back; return the state."""
    with write_transaction():
        lock(post)  # on PostgreSQL, the count below then sees every other worker's vote
        ensure_can_post(actor)
        if post.kind not in ("answer", "experience"):
            raise Invalid("post", "Only answers and experience reports can be marked helpful.")
        if post.status != "published" or not can_see(None, post):
            raise NotFound(post.id)  # nor an answer in a thread the public cannot see
        if post.author_id == actor.id:
            raise PermissionDenied("You cannot mark your own post as helpful.")
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
    indexing.after_commit()
    db.session.refresh(post)
    return vote is None


def refresh_thread(root: Post) -> None:
    """Recount a thread's published answers and its last activity (no commit; flush first)."""
    lock(root)  # on PostgreSQL, another worker's recount waits and then counts ours
    published = (select(func.count()).select_from(Post)
                 .where(Post.parent_id == root.id, Post.status == "published"))
    latest = select(func.max(Post.created_at)).where(Post.parent_id == root.id,
                                                     Post.status == "published")
    root.answer_count = db.session.scalar(published) or 0
    root.last_activity_at = db.session.scalar(latest) or root.created_at


def refresh_parent(post: Post) -> None:
    """Recount the thread of an answer whose status changed (no commit); a thread has none."""
    if post.parent_id is not None:
        parent = db.session.get(Post, post.parent_id)
        if parent is not None:
            db.session.flush()
            refresh_thread(parent)  # counters only: no search entry shows them


def queue_post_for_index(post: Post) -> None:
    """Queue a changed post for the index, with its answers when it opens a thread."""
    if post.is_thread:
        indexing.queue_thread(post)
    else:
        indexing.queue([post.id])


def can_see(viewer: Member | None, post: Post) -> bool:
    """Tell whether a viewer may read a post's content; an answer follows its thread.

    An answer in a held or removed thread is hidden wherever its thread is (the page, search,
    profiles, votes, reports, the API). A deleted thread keeps a stub with its answers.
    """
    if not _may_read(viewer, post):
        return False
    if post.parent_id is None:
        return True
    root = db.session.get(Post, post.parent_id)
    return root is None or root.status == "deleted" or _may_read(viewer, root)


def _may_read(viewer: Member | None, post: Post) -> bool:
    if post.status == "published":
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.is_moderator:
        return post.status != "deleted"
    # Authors see their own held post (and why it waits) and their removed one (and why).
    return post.status in ("held", "removed") and post.author_id == viewer.id


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
        return any(p.status in ("held", "removed") for p in [self.root, *self.answers])


def get_or_not_found(model: type[T], row_id: int) -> T:
    """Return the model's row with this id, or raise NotFound(row_id)."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(row_id)
    return row


def get_post(post_id: int) -> Post:
    """Return a post by id, or raise NotFound."""
    return get_or_not_found(Post, post_id)


def get_thread(*, thread_id: int, viewer: Member | None) -> ThreadView:
    """Return a thread for this viewer; NotFound when they may not see it."""
    root = get_post(thread_id)
    if not root.is_thread or (root.status != "deleted" and not can_see(viewer, root)):
        raise NotFound(thread_id)
    accepted_first = case((Post.id == (root.accepted_answer_id or -1), 0), else_=1)
    answers = list(db.session.scalars(
        select(Post).where(Post.parent_id == root.id)
        .order_by(accepted_first, Post.helpful_count.desc(), Post.created_at, Post.id)
    ))
    shown = [a for a in answers if a.status == "deleted" or can_see(viewer, a)]
    voted: set[int] = set()
    held: dict[int, list[str]] = {}
    if viewer is not None and viewer.is_authenticated:
        ids = [root.id, *(a.id for a in shown)]
        voted = set(db.session.scalars(
            select(Vote.post_id).where(Vote.member_id == viewer.id, Vote.post_id.in_(ids))))
        held = review.held_reasons(p for p in [root, *shown]
                                   if p.status == "held" and p.author_id == viewer.id)
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


def public_threads(kind: str | None = None, *, unanswered: bool = False):
    """Return a query for published threads, newest first."""
    # By kind rather than "no parent": the same rows, and the kind is what the indexes lead with.
    query = select(Post).where(Post.kind == kind if kind else Post.kind.in_(THREAD_KINDS),
                               Post.status == "published")
    if unanswered:
        query = query.where(Post.answer_count == 0)
    return query.order_by(Post.created_at.desc(), Post.id.desc())


def threads_tagged(slug: str):
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
    hidden = select(Post.id).where(Post.status.in_([s for s in STATUSES if s != "published"]))
    tags = select(PostTag.slug, func.count().label("posts")).group_by(PostTag.slug)
    unseen = (select(PostTag.slug, -func.count()).where(PostTag.post_id.in_(hidden))
              .group_by(PostTag.slug))
    both = union_all(tags, unseen).subquery()
    total = func.sum(both.c.posts)
    rows = db.session.execute(select(both.c.slug, total).group_by(both.c.slug).having(total > 0))
    return {slug: int(count) for slug, count in rows}


def posts_by(member: Member, viewer: Member | None):
    """Return a query for a member's posts that this viewer may see, newest first.

    Answers in held or removed threads are left out, except for moderators.
    """
    query = select(Post).where(Post.author_id == member.id)
    signed_in = viewer is not None and viewer.is_authenticated
    if not (signed_in and (viewer.id == member.id or viewer.is_moderator)):
        query = query.where(Post.status == "published")
    else:
        query = query.where(Post.status.in_([s for s in STATUSES if s != "deleted"]))
    if not (signed_in and viewer.is_moderator):
        root = aliased(Post)
        query = query.where(~exists().where(root.id == Post.parent_id,
                                            root.status.in_(("held", "removed"))))
    return query.order_by(Post.created_at.desc(), Post.id.desc())


_STAFF = object()


def thread_titles(posts: Iterable[Post], viewer: Member | None | object = _STAFF
                  ) -> dict[int, str]:
    """Return the titles of the threads these posts belong to that the viewer may read.

    Without a viewer, every title: for the moderators' own pages (the review queue).
    """
    ids = {p.parent_id for p in posts if p.parent_id is not None}
    if not ids:
        return {}
    roots = db.session.scalars(select(Post).where(Post.id.in_(ids)))
    return {root.id: root.title for root in roots
            if viewer is _STAFF or root.status != "deleted" and can_see(viewer, root)}
