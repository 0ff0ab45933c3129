"""Treatment insights: what members report about treatments and symptoms, counted honestly.

Every figure is an SQL aggregate over one row per (member, treatment): the member's latest
published experience report for that treatment (latest by created_at, then id). Nothing derived
is stored; the figures are cached per content version (forum/content_cache.py), so adding,
editing, holding or removing a report changes them at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnClause,
    ColumnElement,
    Select,
    String,
    case,
    cast,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from forum import content_cache
from forum.errors import Invalid, NotFound
from forum.extensions import db
from forum.models import FORMER_MEMBER, Experience, Member, Post, PostTag, SideEffect
from forum.services.posts import public_threads
from forum.taxonomy import Tag, load_taxonomy

# Below this many reporting members a summary says more about the few than about the treatment.
MIN_MEMBERS = 5
RATINGS = (1, 2, 3, 4, 5)
TOP_SIDE_EFFECTS = 10
MAX_COMPARED = 3


@dataclass(frozen=True)
class Spread:
    """How 1-5 ratings spread: the extremes, and the quartiles that hold the middle half."""

    lowest: int
    lower_quartile: int
    upper_quartile: int
    highest: int


@dataclass(frozen=True)
class TreatmentSummary:
    """What members report about one treatment; figures are None without enough members."""

    tag: Tag
    members: int
    enough_data: bool
    effectiveness: dict[int, int] | None = None
    average: float | None = None
    spread: Spread | None = None
    still_using: int | None = None
    still_using_answered: int | None = None
    median_duration_months: float | None = None
    durations_given: int | None = None
    side_effects: list[tuple[str, int]] | None = None
    symptoms: list[tuple[str, int]] | None = None

    @property
    def still_using_share(self) -> float | None:
        if not self.enough_data or not self.still_using_answered or self.still_using is None:
            return None
        return self.still_using / self.still_using_answered


@dataclass(frozen=True)
class TreatmentRow:
    """One treatment in the compare table."""

    tag: Tag
    members: int
    enough_data: bool
    average: float | None
    still_using_share: float | None
    top_side_effect: str | None


@dataclass(frozen=True)
class SymptomTreatment:
    """A treatment members report for a symptom, with how they rated it."""

    tag: Tag
    members: int
    enough_data: bool
    average: float | None
    spread: Spread | None


def treatment_tag(slug: str) -> Tag:
    """Return the treatment a slug, name or synonym stands for, or raise NotFound."""
    return _tag(slug, "treatment")


def symptom_tag(slug: str) -> Tag:
    """Return the symptom a slug, name or synonym stands for, or raise NotFound."""
    return _tag(slug, "symptom")


def _tag(slug: str, kind: str) -> Tag:
    taxonomy = load_taxonomy()
    resolved = slug if slug in taxonomy.tags else taxonomy.resolve(slug)
    if resolved is None or taxonomy.tags[resolved].kind != kind:
        raise NotFound(slug)
    return taxonomy.tags[resolved]


def latest_reports(treatments: list[str] | None = None) -> CTE:
    """Return each member's latest published report per treatment, as a common table expression.

    Columns: post_id, author_id, treatment, effectiveness, duration_months, still_using.
    Reports kept from deleted accounts (by "former member") stay readable but are not counted:
    they no longer stand for one member, so they would skew the one-row-per-member counts.
    """
    former = select(Member.id).where(Member.username_key == FORMER_MEMBER)
    ranked = (
        select(Post.id.label("post_id"), Post.author_id, Experience.treatment,
               Experience.effectiveness, Experience.duration_months, Experience.still_using,
               func.row_number().over(
                   partition_by=(Post.author_id, Experience.treatment),
                   order_by=(Post.created_at.desc(), Post.id.desc()),
               ).label("recency"))
        .join(Experience, Experience.post_id == Post.id)
        .where(Post.status == "published", Post.kind == "experience",
               Post.author_id.not_in(former))
    )
    if treatments is not None:
        ranked = ranked.where(Experience.treatment.in_(treatments))
    rows = ranked.subquery("ranked")
    return (select(rows.c.post_id, rows.c.author_id, rows.c.treatment,
                   rows.c.effectiveness, rows.c.duration_months, rows.c.still_using)
            .where(rows.c.recency == 1).cte("latest"))


Tally = dict[str, dict[str, list[tuple[str, int, int, int]]]]
Counts = Select[*tuple[Any, ...]]
"""A query of rows (part, treatment, key, members, yes, answered), as _count_by builds."""


def _count_by(latest: CTE, part: str, key: ColumnElement[Any] | InstrumentedAttribute[Any], *,
              join: tuple[type[SideEffect | PostTag], ColumnElement[bool]] | None = None,
              where: ColumnElement[bool] | None = None, still: bool = False) -> Counts:
    """Count members per treatment and `key` as rows (part, treatment, key, members, yes,
    answered); yes/answered count still-using answers when `still`, else they are 0."""
    zero: ColumnClause[Any] = literal_column("0")
    query = select(
        literal_column(f"'{part}'").label("part"), latest.c.treatment,
        cast(key, String).label("key"), func.count().label("members"),
        func.sum(case((latest.c.still_using.is_(True), 1), else_=0)) if still else zero,
        func.count(latest.c.still_using) if still else zero,
    ).select_from(latest)
    if join is not None:
        query = query.join(*join)
    if where is not None:
        query = query.where(where)
    return query.group_by(latest.c.treatment, key)


def _tally(*parts: Counts) -> Tally:
    """Run every count in one statement, so the latest reports are worked out once.

    Returns {part: {treatment: [(key, members, yes, answered), ...]}}.
    """
    found: Tally = {}
    for part, treatment, key, members, yes, answered in db.session.execute(union_all(*parts)):
        found.setdefault(part, {}).setdefault(treatment, []).append(
            (key, members, yes or 0, answered or 0))
    return found


def _ratings(rows: list[tuple[str, int, int, int]]) -> dict[int, int]:
    counted = {int(key): members for key, members, _, _ in rows}
    return {rating: counted.get(rating, 0) for rating in RATINGS}


def _ranked(rows: list[tuple[str, int, int, int]], limit: int | None = None
            ) -> list[tuple[str, int]]:
    return sorted(((key, members) for key, members, _, _ in rows),
                  key=lambda pair: (-pair[1], pair[0]))[:limit]


def _side_effect_counts(latest: CTE) -> Counts:
    return _count_by(latest, "side_effect", SideEffect.name,
                     join=(SideEffect, SideEffect.post_id == latest.c.post_id))


def treatment_summary(slug: str) -> TreatmentSummary:
    """Summarise members' latest reports on a treatment; NotFound for anything else."""
    return treatment_summaries([treatment_tag(slug)])[0]


def treatment_summaries(tags: list[Tag]) -> list[TreatmentSummary]:
    """Summarise several treatments with one statement, in the order given."""
    key = ("treatment_summaries", *(tag.slug for tag in tags))
    return list(content_cache.cached(key, lambda: _treatment_summaries(tags)))


def _treatment_summaries(tags: list[Tag]) -> list[TreatmentSummary]:
    latest = latest_reports([tag.slug for tag in tags])
    tally = _tally(
        _count_by(latest, "rating", latest.c.effectiveness, still=True),
        _count_by(latest, "duration", latest.c.duration_months,
                  where=latest.c.duration_months.is_not(None)),
        _side_effect_counts(latest),
        # Every tag, not only symptoms: an IN list here makes SQLite probe once per symptom.
        _count_by(latest, "tag", PostTag.slug,
                  join=(PostTag, PostTag.post_id == latest.c.post_id)),
    )
    return [_summary(tag, {part: found.get(tag.slug, []) for part, found in tally.items()})
            for tag in tags]


def _symptom_slugs() -> frozenset[str]:
    return frozenset(tag.slug for tag in load_taxonomy().symptoms)


def _summary(tag: Tag, tally: dict[str, list[tuple[str, int, int, int]]]) -> TreatmentSummary:
    rating_rows = tally.get("rating", [])
    ratings = _ratings(rating_rows)
    members = sum(ratings.values())
    if members < MIN_MEMBERS:
        return TreatmentSummary(tag=tag, members=members, enough_data=False)
    durations = sorted((int(key), count) for key, count, _, _ in tally.get("duration", []))
    return TreatmentSummary(
        tag=tag, members=members, enough_data=True, effectiveness=ratings,
        average=_mean(ratings), spread=_spread(ratings),
        still_using=sum(yes for _, _, yes, _ in rating_rows),
        still_using_answered=sum(answered for _, _, _, answered in rating_rows),
        median_duration_months=_median(durations) if durations else None,
        durations_given=sum(count for _, count in durations),
        side_effects=_ranked(tally.get("side_effect", []), TOP_SIDE_EFFECTS),
        symptoms=_ranked([row for row in tally.get("tag", []) if row[0] in _symptom_slugs()]),
    )


def treatment_table() -> list[TreatmentRow]:
    """Return every treatment in the taxonomy with its headline figures, in taxonomy order."""
    return list(content_cache.cached("treatment_table", _treatment_table))


def _treatment_table() -> list[TreatmentRow]:
    latest = latest_reports()
    tally = _tally(_count_by(latest, "rating", latest.c.effectiveness, still=True),
                   _side_effect_counts(latest))
    rows = []
    for tag in load_taxonomy().treatments:
        rating_rows = tally.get("rating", {}).get(tag.slug, [])
        ratings = _ratings(rating_rows)
        members = sum(ratings.values())
        answered = sum(a for _, _, _, a in rating_rows)
        enough = members >= MIN_MEMBERS
        top_effect = _ranked(tally.get("side_effect", {}).get(tag.slug, []), 1)
        rows.append(TreatmentRow(
            tag=tag, members=members, enough_data=enough,
            average=_mean(ratings) if enough else None,
            still_using_share=(sum(yes for _, _, yes, _ in rating_rows) / answered
                               if enough and answered else None),
            top_side_effect=top_effect[0][0] if enough and top_effect else None,
        ))
    return rows


SORT_KEYS: dict[str, Callable[[TreatmentRow], Any]] = {
    "name": lambda row: row.tag.name.lower(),
    "members": lambda row: row.members,
    "average": lambda row: row.average,
    "still_using": lambda row: row.still_using_share,
}


def sort_table(rows: list[TreatmentRow], *, key: str, descending: bool) -> list[TreatmentRow]:
    """Sort the compare table by a column; rows without a figure go last either way."""
    measure = SORT_KEYS[key]
    known = [row for row in rows if measure(row) is not None]
    unknown = [row for row in rows if measure(row) is None]
    known.sort(key=lambda row: row.tag.name.lower())  # ties read alphabetically
    known.sort(key=measure, reverse=descending)
    return known + unknown


def symptom_treatments(slug: str) -> tuple[Tag, list[SymptomTreatment]]:
    """Rank the treatments members report for a symptom by how many members report them."""
    tag = symptom_tag(slug)
    return tag, list(content_cache.cached(("symptom_treatments", tag.slug),
                                          lambda: _symptom_treatments(tag)))


def _symptom_treatments(tag: Tag) -> list[SymptomTreatment]:
    latest = latest_reports()
    tally = _tally(_count_by(latest, "rating", latest.c.effectiveness,
                             join=(PostTag, (PostTag.post_id == latest.c.post_id)
                                   & (PostTag.slug == tag.slug))))
    per_rating = {treatment: _ratings(rows)
                  for treatment, rows in tally.get("rating", {}).items()}
    treatments = load_taxonomy().tags
    ranked = []
    for treatment, ratings in per_rating.items():
        if treatment not in treatments:
            continue
        members = sum(ratings.values())
        enough = members >= MIN_MEMBERS
        ranked.append(SymptomTreatment(
            tag=treatments[treatment], members=members, enough_data=enough,
            average=_mean(ratings) if enough else None,
            spread=_spread(ratings) if enough else None))
    ranked.sort(key=lambda item: (-item.members, item.tag.name.lower()))
    return ranked


def compare_treatments(slugs: list[str]) -> list[TreatmentSummary]:
    """Summarise up to MAX_COMPARED treatments side by side, or raise Invalid naming field "t"."""
    taxonomy = load_taxonomy()
    chosen: list[str] = []
    problems: list[str] = []
    for slug in slugs:
        slug = slug.strip()
        resolved = slug if slug in taxonomy.tags else taxonomy.resolve(slug)
        if resolved is None:
            problems.append(f"“{slug[:40]}” is not a treatment we know.")
        elif taxonomy.tags[resolved].kind != "treatment":
            problems.append(f"“{taxonomy.tags[resolved].name}” is a symptom, not a treatment.")
        elif resolved not in chosen:
            chosen.append(resolved)
    if problems:
        raise Invalid("t", " ".join(problems) + " Choose treatments from the list.")
    if len(chosen) > MAX_COMPARED:
        raise Invalid("t", f"Choose at most {MAX_COMPARED} treatments to compare; "
                           f"you chose {len(chosen)}.")
    return treatment_summaries([taxonomy.tags[slug] for slug in chosen])


def recent_reports(slug: str, limit: int = 10) -> list[Post]:
    """Return the newest published experience reports on a treatment, all of them."""
    # Every report, not one per member: these are members' own words, not a count.
    # EXISTS rather than IN: SQLite then reads reports newest first and stops at `limit`
    # instead of sorting all of a treatment's reports (PostgreSQL plans both alike).
    about = (select(Experience.post_id)
             .where(Experience.post_id == Post.id, Experience.treatment == slug).exists())
    return list(db.session.scalars(public_threads("experience").where(about).limit(limit)))


def top_questions(slug: str, limit: int = 5) -> list[Post]:
    """Return the published questions tagged with a treatment that drew the most answers."""
    # EXISTS, as above: the most answered questions are read in order until `limit` match.
    tagged = select(PostTag.post_id).where(PostTag.post_id == Post.id, PostTag.slug == slug)
    query = (public_threads("question").where(tagged.exists()).order_by(None)
             .order_by(Post.answer_count.desc(), Post.last_activity_at.desc(), Post.id.desc()))
    return list(db.session.scalars(query.limit(limit)))


def _mean(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    return sum(value * count for value, count in histogram.items()) / total if total else None


def _value_at(pairs: list[tuple[int, int]], index: int) -> int:
    """Return the value at a 0-based position among the values (value, count) pairs stand for."""
    seen = 0
    for value, count in pairs:
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def _median(pairs: list[tuple[int, int]]) -> float:
    """Return the median of (value, count) pairs in ascending order of value."""
    total = sum(count for _, count in pairs)
    return (_value_at(pairs, (total - 1) // 2) + _value_at(pairs, total // 2)) / 2


def _spread(histogram: dict[int, int]) -> Spread:
    """Describe how ratings spread: extremes, and quartiles by nearest rank (so whole ratings)."""
    pairs = sorted((value, count) for value, count in histogram.items() if count)
    total = sum(count for _, count in pairs)
    return Spread(lowest=pairs[0][0],
                  lower_quartile=_value_at(pairs, math.ceil(total / 4) - 1),
                  upper_quartile=_value_at(pairs, math.ceil(total * 3 / 4) - 1),
                  highest=pairs[-1][0])
