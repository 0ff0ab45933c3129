"""Drafts: checking what a member wrote and building the post it becomes (nothing stored)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from forum.errors import Invalid
from forum.extensions import db
from forum.markup import render_markdown
from forum.models import (
    THREAD_KINDS,
    Experience,
    Kind,
    Member,
    Post,
    PostRevision,
    PostTag,
    SideEffect,
    Status,
    utcnow,
)
from forum.taxonomy import MAX_TAGS, load_taxonomy
from forum.validation import clean_text, collect

TITLE_MIN, TITLE_MAX = 8, 200
BODY_MAX = 20_000
SIDE_EFFECTS_MAX = 10
SIDE_EFFECTS_MAX_LENGTH = 1000
TAGS_MAX_LENGTH = 300  # eight tags of the longest names, with commas, fit easily
TAG_MAX_LENGTH = 64


@dataclass(frozen=True)
class ExperienceInput:
    """The structured part of an experience report, as a member (or an import file) gave it.

    Numbers arrive as the form's text or as the file's numbers; the check turns them into
    whole numbers or names the field.
    """

    treatment: str = ""
    effectiveness: int | str | None = None
    side_effects: str | Sequence[str] = ""
    duration_months: int | str | None = None
    still_using: bool | None = None
    dose: str | None = None

    @classmethod
    def from_row(cls, row: Experience) -> ExperienceInput:
        """Return a stored experience report's details as input, to keep them through an edit."""
        return cls(treatment=row.treatment, effectiveness=row.effectiveness,
                   side_effects=row.side_effect_names, duration_months=row.duration_months,
                   still_using=row.still_using, dose=row.dose)


@dataclass(frozen=True)
class ExperienceDetails:
    """An experience report's structured part after checking, ready to be stored."""

    treatment: str
    effectiveness: int
    side_effects: tuple[str, ...]
    duration_months: int | None
    still_using: bool | None
    dose: str | None


@dataclass
class Draft:
    """A post's fields after validation, rendered and ready to be stored."""

    kind: str
    title: str | None
    body: str
    body_html: str
    tags: list[str] = field(default_factory=list)
    experience: ExperienceDetails | None = None


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


def _check_experience(data: ExperienceInput, errors: dict[str, str]
                      ) -> tuple[str | None, ExperienceDetails | None]:
    """Check an experience report's details, adding each problem to errors by field.

    Return the tag the treatment names (if any) and the details, None when any of them is
    wrong (errors then says which).
    """
    taxonomy = load_taxonomy()
    before = len(errors)
    slug = taxonomy.resolve(data.treatment or "")
    if not (data.treatment or "").strip():
        errors["treatment"] = "Choose the treatment this report is about."
    elif slug is None or taxonomy.tags[slug].kind != "treatment":
        close = [s for s in taxonomy.close_matches(str(data.treatment))
                 if taxonomy.tags[s].kind == "treatment"]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        errors["treatment"] = f"“{str(data.treatment)[:40]}” is not a treatment we know.{hint}"
    effectiveness = duration = None
    try:
        effectiveness = _whole_number(data.effectiveness, "effectiveness", "Effectiveness", 1, 5)
        if effectiveness is None:
            errors["effectiveness"] = ("Rate how well it worked, from 1 (not at all) "
                                       "to 5 (very well).")
    except Invalid as error:
        errors.update(error.errors)
    try:
        duration = _whole_number(data.duration_months, "duration_months",
                                 "How long (months)", 0, 600)
    except Invalid as error:
        errors.update(error.errors)
    effects = _check_side_effects(data.side_effects, errors)
    dose = collect(errors, "dose", clean_text, data.dose, label="The dose", required=False,
                   max_length=200, single_line=True)
    if len(errors) > before or slug is None or effectiveness is None:
        return slug, None
    return slug, ExperienceDetails(treatment=slug, effectiveness=effectiveness,
                             side_effects=tuple(effects), duration_months=duration,
                             still_using=data.still_using, dose=dose or None)


def _check_side_effects(raw: str | Sequence[str], errors: dict[str, str]) -> list[str]:
    if isinstance(raw, str) and len(raw) > SIDE_EFFECTS_MAX_LENGTH:
        errors["side_effects"] = (f"The side effects are too long: use at most "
                                  f"{SIDE_EFFECTS_MAX} short names, separated by commas.")
        raw = ""
    names = raw.split(",") if isinstance(raw, str) else list(raw or [])[:4 * SIDE_EFFECTS_MAX]
    taxonomy = load_taxonomy()
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
    return effects


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
    if kind == Kind.EXPERIENCE:
        treatment, details = _check_experience(experience or ExperienceInput(), errors)
        if treatment and "tags" not in errors and treatment not in slugs:
            if len(slugs) >= MAX_TAGS:
                errors["tags"] = f"Use at most {MAX_TAGS} tags, including the treatment."
            else:
                slugs.insert(0, treatment)
    if errors:
        raise Invalid.from_errors(errors)
    assert clean_body is not None  # collect returned it, or errors named the body
    return Draft(kind=kind, title=clean_title, body=clean_body,
                 body_html=render_markdown(clean_body), tags=slugs, experience=details)


def validate_answer(*, body: object) -> Draft:
    """Check and render an answer's text."""
    text = _check_body("body", body)
    return Draft(kind=Kind.ANSWER, title=None, body=text, body_html=render_markdown(text))


def validate_edit(post: Post, *, body: object, title: object = None,
                  tags: str | list[str] | None = None,
                  experience: ExperienceInput | None = None) -> Draft:
    """Check new content for an existing post (tags default to the post's own)."""
    if post.is_thread:
        return validate_thread(kind=post.kind, title=title, body=body,
                               tags=tags if tags is not None else post.tag_slugs,
                               experience=experience)
    return validate_answer(body=body)


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
        status=Status.PUBLISHED,
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


def apply_edit(post: Post, draft: Draft, *, editor: Member) -> None:
    """Replace a post's content with a checked draft, keeping the old version (no commit)."""
    db.session.add(PostRevision(post_id=post.id, title=post.title, body=post.body,
                                tags=" ".join(post.tag_slugs), editor_id=editor.id,
                                published=post.status == Status.PUBLISHED))
    post.title = draft.title
    post.body = draft.body
    post.body_html = draft.body_html
    post.edited_at = utcnow()
    if post.is_thread:
        post.tags = [PostTag(slug=slug) for slug in draft.tags]
    if draft.experience is not None and post.experience is not None:
        _store_experience(post.experience, draft.experience)


def _experience_row(details: ExperienceDetails) -> Experience:
    return Experience(
        treatment=details.treatment,
        effectiveness=details.effectiveness,
        duration_months=details.duration_months,
        still_using=details.still_using,
        dose=details.dose,
        side_effects=[SideEffect(name=name) for name in details.side_effects],
    )


def _store_experience(row: Experience, details: ExperienceDetails) -> None:
    row.treatment = details.treatment
    row.effectiveness = details.effectiveness
    row.duration_months = details.duration_months
    row.still_using = details.still_using
    row.dose = details.dose
    row.side_effects = [SideEffect(name=name) for name in details.side_effects]
