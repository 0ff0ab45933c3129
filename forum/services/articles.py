"""Medically reviewed articles: importing, editing by admins, and choosing them for threads."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from forum.database import get_or_not_found, write_transaction
from forum.errors import Invalid, PermissionDenied
from forum.extensions import db
from forum.models import Article, Member, Post
from forum.services import audit
from forum.taxonomy import load_taxonomy
from forum.validation import clean_text, collect
from moderation.articles import ArticleRef, drug_topic, needs_recheck, rank_articles

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "articles.json"
PER_THREAD = 3


@dataclass(frozen=True)
class ImportResult:
    """How many articles an import added and how many were already here (by URL)."""

    added: int
    existing: int


def _check_url(field: str, value: object) -> str:
    url = clean_text(field, value, label="The address", max_length=1000, single_line=True)
    if not url.startswith(("https://", "http://")) or " " in url:
        raise Invalid(field, "The address must start with https:// (or http://).")
    return url


def _check_date(field: str, value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(field, "Write the review date as YYYY-MM-DD, or leave it empty.") from None


def _check_topics(field: str, value: object) -> str:
    raw = value if isinstance(value, list) else str(value or "").replace(",", " ").split()
    slugs = list(dict.fromkeys(str(slug).strip().lower() for slug in raw if str(slug).strip()))
    if not slugs:
        raise Invalid(field, "Give at least one topic (a tag such as baclofen or spasms).")
    known = load_taxonomy().tags
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise Invalid(field, f"Unknown topic: {', '.join(unknown[:5])}. Use tags from the "
                             "tags page.")
    return " ".join(slugs)


@dataclass(frozen=True)
class ArticleInput:
    """An article's fields as an admin or an import file gave them."""

    title: object = ""
    publisher: object = ""
    url: object = ""
    reviewed_by: object = ""
    reviewed_on: object = None
    topics: object = ""


def validate(data: ArticleInput) -> dict[str, Any]:
    """Check an article's fields, raising Invalid with every problem at once."""
    errors: dict[str, str] = {}
    values = {
        "title": collect(errors, "title", clean_text, data.title, label="The title",
                         max_length=300, single_line=True),
        "publisher": collect(errors, "publisher", clean_text, data.publisher,
                             label="The publisher", max_length=200, single_line=True),
        "url": collect(errors, "url", _check_url, data.url),
        "reviewed_by": collect(errors, "reviewed_by", clean_text, data.reviewed_by or "",
                               label="The reviewer", required=False, max_length=200,
                               single_line=True) or None,
        "reviewed_on": collect(errors, "reviewed_on", _check_date, data.reviewed_on),
        "topics": collect(errors, "topics", _check_topics, data.topics),
    }
    if values["reviewed_on"] and values["reviewed_on"] > date.today():
        errors["reviewed_on"] = "The review date is in the future."
    if errors:
        raise Invalid.from_errors(errors)
    return values


def _ensure_admin(actor: Member) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only admins can change the reading list.")


def _url_taken(url: str, but: int | None = None) -> bool:
    query = select(Article.id).where(Article.url == url)
    if but is not None:
        query = query.where(Article.id != but)
    return db.session.scalar(query) is not None


def import_articles(path: str | Path) -> ImportResult:
    """Add the articles of a JSON file that are not here yet (matched by URL).

    :raise Invalid: the file is not a list of articles; the message names the entry.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Invalid("file", f"{path} is not a readable JSON file ({error}).") from None
    if not isinstance(raw, list):
        raise Invalid("file", f"{path} must hold a JSON list of articles.")
    rows = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise Invalid("file", f"Article {number} is not a JSON object.")
        try:
            rows.append(validate(ArticleInput(**{key: entry.get(key) for key in (
                "title", "publisher", "url", "reviewed_by", "reviewed_on", "topics")})))
        except Invalid as error:
            details = "; ".join(f"{k}: {v}" for k, v in error.errors.items())
            raise Invalid("file", f"Article {number}: {details}") from None
    added = existing = 0
    seen: set[str] = set()
    with write_transaction():
        for values in rows:
            if values["url"] in seen or _url_taken(values["url"]):
                existing += 1
                continue
            seen.add(values["url"])
            db.session.add(Article(**values))
            added += 1
    return ImportResult(added, existing)


def load_default_articles() -> ImportResult:
    """Import the forum's own copy of the reviewed-article list."""
    return import_articles(DATA_FILE)


def add_article(*, actor: Member, data: ArticleInput) -> Article:
    """Add an article to the reading list."""
    _ensure_admin(actor)
    values = validate(data)
    with write_transaction():
        if _url_taken(values["url"]):
            raise Invalid("url", "An article with this address is already on the list.")
        article = Article(**values)
        db.session.add(article)
        db.session.flush()
        audit.record(actor=actor, action="article_add",
                     reason=f"{article.title} ({article.url})")
    return article


def get_article(article_id: int) -> Article:
    """Return an article by id, or raise NotFound."""
    return get_or_not_found(Article, article_id)


def edit_article(*, actor: Member, article: Article, data: ArticleInput) -> Article:
    """Change an article's details (after an admin re-checked it, for example)."""
    _ensure_admin(actor)
    values = validate(data)
    with write_transaction():
        if _url_taken(values["url"], but=article.id):
            raise Invalid("url", "Another article on the list has this address.")
        for key, value in values.items():
            setattr(article, key, value)
        audit.record(actor=actor, action="article_edit",
                     reason=f"{article.title} ({article.url})")
    return article


def set_retired(*, actor: Member, article: Article, retired: bool) -> Article:
    """Take an article off the reading list (or put it back); it is kept for the record."""
    _ensure_admin(actor)
    with write_transaction():
        article.retired = retired
        audit.record(actor=actor, action="article_retire" if retired else "article_restore",
                     reason=f"{article.title} ({article.url})")
    return article


@dataclass(frozen=True)
class AdminRow:
    """An article on the admin page, with whether its review needs checking again."""

    article: Article
    recheck: bool


def admin_list(today: date | None = None) -> list[AdminRow]:
    """Return every article for the admin page: current ones first, oldest review first."""
    today = today or date.today()
    rows = db.session.scalars(select(Article).order_by(Article.retired, Article.title))
    return [AdminRow(article, needs_recheck(article.reviewed_on, today)) for article in rows]


def _refs(articles: Iterable[Article]) -> list[ArticleRef]:
    return [ArticleRef(a.id, tuple(a.topic_slugs), a.reviewed_on) for a in articles]


def for_thread(*, tags: Iterable[str], drug: str | None = None,
               limit: int = PER_THREAD) -> list[Article]:
    """Return up to `limit` current articles for a thread, the flagged drug's article first."""
    current = {a.id: a for a in db.session.scalars(
        select(Article).where(Article.retired.is_(False)))}
    ranked = rank_articles(_refs(current.values()), tags=list(tags), drug=drug, limit=limit)
    return [current[ref.id] for ref in ranked]


def covering(*slugs: str) -> list[Article]:
    """Return the current articles about any of these tags (every current one when none),
    most relevant first."""
    current = list(db.session.scalars(select(Article).where(Article.retired.is_(False))
                                      .order_by(Article.title)))
    if not slugs:
        return current
    wanted = set(slugs)
    about = {a.id: a for a in current if wanted & set(a.topic_slugs)}
    ranked = rank_articles(_refs(about.values()), tags=list(slugs), limit=len(about))
    return [about[ref.id] for ref in ranked]


def for_drug(drug: str | None, tags: Iterable[str] = ()) -> Article | None:
    """Return the most relevant current article about a drug for a thread, or None."""
    if not drug:
        return None
    found = for_thread(tags=list(tags), drug=drug, limit=1)
    return found[0] if found and drug_topic(drug) in found[0].topic_slugs else None


def thread_drug(posts: Iterable[Post]) -> str | None:
    """Return the drug of the first post in a thread that has a notice or flags."""
    for post in posts:
        if post.notice_drug and (post.has_notice or post.status == "held"):
            return post.notice_drug
    return None
