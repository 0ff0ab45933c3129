"""Importing and exporting posts in the JSON-lines format of the shared domain docs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

import moderation
from forum.database import chunks, write_transaction
from forum.errors import Invalid
from forum.extensions import db
from forum.models import Member, Post
from forum.services import indexing, screening
from forum.services.drafts import (
    Draft,
    ExperienceInput,
    build_post,
    validate_answer,
    validate_thread,
)
from forum.services.members import USERNAME_RE, imported_member

BATCH = 1000


class ImportFailed(Exception):
    """A line of an import file is wrong; nothing of the file was written."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class Row:
    line: int
    source_id: str
    kind: str
    author: str
    draft: Draft
    parent: str | None
    created_at: datetime | None
    screening: moderation.Screening  # screened while checking, before the write transaction


def _parse_time(value: object, line: int) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportFailed(line, "created_at must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ImportFailed(line, f"created_at {value[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _row(data: object, line: int) -> Row:
    if not isinstance(data, dict):
        raise ImportFailed(line, "each line must be a JSON object")
    source_id = data.get("source_id")
    if not isinstance(source_id, str) or not source_id.strip() or len(source_id) > 200:
        raise ImportFailed(line, "source_id is required (a string of up to 200 characters)")
    kind = data.get("kind")
    if kind not in ("question", "experience", "answer"):
        raise ImportFailed(line, "kind must be question, experience or answer")
    author = data.get("author")
    if not isinstance(author, str) or not USERNAME_RE.match(author):
        raise ImportFailed(line, "author must be a username (3-30 letters, digits, . _ -)")
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        raise ImportFailed(line, "tags must be a list of strings")
    parent = data.get("parent")
    try:
        if kind == "answer":
            if not isinstance(parent, str) or not parent:
                raise ImportFailed(line, "an answer needs parent: the source_id it answers")
            draft = validate_answer(body=data.get("body"))
        else:
            parent = None
            details = data.get("experience")
            experience = None
            if kind == "experience":
                if not isinstance(details, dict):
                    raise ImportFailed(line, "an experience needs an experience object")
                experience = ExperienceInput(
                    treatment=str(details.get("treatment") or ""),
                    effectiveness=details.get("effectiveness"),
                    side_effects=details.get("side_effects") or [],
                    duration_months=details.get("duration_months"),
                    still_using=details.get("still_using")
                    if isinstance(details.get("still_using"), bool) else None,
                    dose=details.get("dose"),
                )
            draft = validate_thread(kind=kind, title=data.get("title"), body=data.get("body"),
                                    tags=[str(t) for t in tags], experience=experience)
    except Invalid as error:
        reasons = "; ".join(f"{field}: {message}" for field, message in error.errors.items())
        raise ImportFailed(line, reasons) from None
    return Row(line=line, source_id=source_id, kind=kind, author=author, draft=draft,
               parent=parent, created_at=_parse_time(data.get("created_at"), line),
               screening=screening.screen_draft(draft))


def read_rows(lines: Iterable[str]) -> list[Row]:
    """Parse and check every line, raising ImportFailed for the first bad one."""
    rows: list[Row] = []
    seen: set[str] = set()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFailed(number, f"not valid JSON ({error.msg})") from None
        row = _row(data, number)
        if row.source_id in seen:
            raise ImportFailed(number, f"source_id {row.source_id!r} appears twice in the file")
        seen.add(row.source_id)
        rows.append(row)
    threads = {row.source_id for row in rows if row.kind != "answer"}
    missing = {row.parent for row in rows if row.kind == "answer" and row.parent is not None
               } - threads
    known = _existing(missing)
    for row in rows:
        if row.kind == "answer" and row.parent not in threads and row.parent not in known:
            raise ImportFailed(row.line, f"parent {row.parent!r} is not in the file or the forum")
        if row.kind == "answer" and row.parent in known and known[row.parent].kind == "answer":
            raise ImportFailed(row.line, f"parent {row.parent!r} is an answer, not a thread")
    return rows


def _existing(source_ids: Iterable[str]) -> dict[str, Post]:
    found: dict[str, Post] = {}
    for chunk in chunks(source_ids):
        found.update({p.source_id: p for p in db.session.scalars(
            select(Post).where(Post.source_id.in_(chunk))) if p.source_id is not None})
    return found


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int


def import_rows(rows: list[Row], progress: Callable[[int], None] | None = None) -> ImportResult:
    """Store checked rows, skipping source_ids the forum already has; one transaction."""
    # Threads before answers, so an answer may come before its thread in the file.
    ordered = [r for r in rows if r.kind != "answer"] + [r for r in rows if r.kind == "answer"]
    with write_transaction():
        existing: set[str] = set()  # ids only: loading whole posts would cost 100k objects
        for chunk in chunks(row.source_id for row in rows):
            existing.update(db.session.scalars(
                select(Post.source_id).where(Post.source_id.in_(chunk))))
        authors: dict[str, Member] = {}
        by_source: dict[str, Post] = {}
        touched: set[int] = set()
        added = 0
        pending: list[tuple[Post, Row]] = []
        for index, row in enumerate(ordered, start=1):
            if row.source_id not in existing:
                key = row.author.lower()
                if key not in authors:
                    authors[key] = imported_member(row.author)
                parent = None
                if row.kind == "answer":
                    if row.parent is None:  # _row refuses such a row: this only narrows the type
                        raise ImportFailed(row.line,
                                           "an answer needs parent: the source_id it answers")
                    parent = by_source.get(row.parent) or _existing([row.parent])[row.parent]
                    touched.add(parent.id)
                post = build_post(row.draft, author=authors[key], parent=parent,
                                  created_at=row.created_at, source_id=row.source_id)
                db.session.add(post)
                pending.append((post, row))
                if row.kind != "answer":
                    by_source[row.source_id] = post
                added += 1
            if len(pending) >= BATCH or index == len(ordered):
                _store(pending)
            if progress is not None:
                progress(1)
        _recount(touched)
    return ImportResult(added=added, skipped=len(rows) - added)


def _store(pending: list[tuple[Post, Row]]) -> None:
    """Flush a batch, then record its screening like new posts' and queue it for the index."""
    db.session.flush()
    for post, row in pending:
        screening.apply_screening(post, row.screening, screening.screening_text(row.draft),
                                  new=True)
    # The import command replays the jobs or, for many posts, rebuilds the index instead.
    indexing.queue([post.id for post, _ in pending], replay=False)
    pending.clear()


def _recount(thread_ids: set[int]) -> None:
    answers = Post.__table__.alias("answers")
    published = (answers.c.parent_id == Post.id, answers.c.status == "published")
    count = select(func.count()).select_from(answers).where(*published).scalar_subquery()
    latest = select(func.max(answers.c.created_at)).where(*published).scalar_subquery()
    for chunk in chunks(thread_ids):
        db.session.execute(update(Post).where(Post.id.in_(chunk)).values(
            answer_count=count, last_activity_at=func.coalesce(latest, Post.created_at)),
            execution_options={"synchronize_session": False})


def export_lines() -> Iterator[str]:
    """Yield every published post as one JSON line, threads before their answers."""
    query = (select(Post).where(Post.status == "published")
             .order_by(Post.parent_id.is_not(None), Post.id))
    sources: dict[int, str] = {}
    for post in db.session.scalars(query.execution_options(yield_per=500)):
        source_id = post.source_id or f"thaw-{post.id}"
        sources[post.id] = source_id
        record: dict[str, Any] = {
            "source_id": source_id,
            "kind": post.kind,
            "author": post.author.username,
            "body": post.body,
            "created_at": post.created_at.isoformat(timespec="seconds") + "Z",
        }
        if post.is_thread:
            record["title"] = post.title
            record["tags"] = post.tag_slugs
        else:
            parent_source = sources.get(post.parent_id) if post.parent_id is not None else None
            if parent_source is None:
                parent = db.session.get(Post, post.parent_id)
                if parent is None or parent.status != "published":
                    continue
                parent_source = parent.source_id or f"thaw-{parent.id}"
            record["parent"] = parent_source
        if post.experience is not None:
            record["experience"] = post.experience.as_dict()
        yield json.dumps(record, ensure_ascii=False)
