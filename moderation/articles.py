"""Choose reviewed articles for a thread: pure ranking over plain references."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from moderation.knowledge import knowledge

RECHECK_AFTER_YEARS = 3


@dataclass(frozen=True)
class ArticleRef:
    """An article as the ranking sees it: its id, taxonomy topics and last review date."""

    id: int
    topics: tuple[str, ...]
    reviewed_on: date | None


def drug_topic(generic: str) -> str:
    """Return the taxonomy slug for a generic drug name ("botulinum toxin" -> "botulinum-toxin")."""
    return knowledge().topic_for(generic.lower()) or generic.lower().strip().replace(" ", "-")


def rank_articles(articles: Iterable[ArticleRef], *, tags: Iterable[str],
                  drug: str | None = None, limit: int = 3) -> list[ArticleRef]:
    """Return up to `limit` articles for a thread: drug coverage, then tag overlap, then recency."""
    wanted = set(tags)
    slug = drug_topic(drug) if drug else None
    scored = []
    for article in articles:
        topics = set(article.topics)
        overlap = len(wanted & topics)
        covers_drug = slug is not None and slug in topics
        if not overlap and not covers_drug:
            continue
        reviewed = article.reviewed_on.toordinal() if article.reviewed_on else 0
        scored.append(((not covers_drug, -overlap, -reviewed, article.id), article))
    scored.sort(key=lambda pair: pair[0])
    return [article for _, article in scored[: max(limit, 0)]]


def needs_recheck(reviewed_on: date | None, today: date) -> bool:
    """Tell whether an article's review is unknown or more than three years old."""
    if reviewed_on is None:
        return True
    try:
        cutoff = today.replace(year=today.year - RECHECK_AFTER_YEARS)
    except ValueError:  # 29 February in a year that has none
        cutoff = today.replace(year=today.year - RECHECK_AFTER_YEARS, day=28)
    return reviewed_on < cutoff
