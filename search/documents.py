"""The plain frozen values the forum and the search library exchange."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

KINDS = ("question", "experience", "answer")
VISIBILITIES = ("public", "held", "removed", "deleted")
SORTS = ("relevance", "new", "helpful")
MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One searchable post, as the forum hands it over (Markdown already stripped from body)."""

    id: int
    thread_id: int
    kind: str
    title: str
    body: str
    tags: tuple[str, ...]
    author: str
    created_at: datetime
    helpful: int
    visibility: str
    treatment: str | None = None
    effectiveness: int | None = None
    source_id: str | None = None
    version: str = ""
    context: str = ""  # an answer's thread, as text: its concepts count for the answer, less


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a member asked for: their words plus filters, sort order and page."""

    text: str
    tags: tuple[str, ...] = ()
    kind: str | None = None
    treatment: str | None = None
    min_effectiveness: int | None = None
    max_effectiveness: int | None = None  # with min, "rated exactly n"
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    include_held: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """One result; the *_html fields are escaped text with matches wrapped in <mark>."""

    id: int
    thread_id: int
    kind: str
    score: float
    title_html: str
    snippet_html: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of hits with the total, tag facet counts and messages for the member."""

    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    suggestion: str | None = None
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class CheckReport:
    """How the index differs from the database: ids missing, out of date, or unknown."""

    missing: tuple[int, ...]
    stale: tuple[int, ...]
    extra: tuple[int, ...]

    @property
    def ok(self) -> bool:
        """Return whether the index matches exactly."""
        return not (self.missing or self.stale or self.extra)


def compare_versions(indexed: Mapping[int, str], expected: Mapping[int, str]) -> CheckReport:
    """Compare the index's id -> version map with the database's."""
    return CheckReport(
        missing=tuple(sorted(set(expected) - set(indexed))),
        stale=tuple(sorted(i for i in expected if i in indexed and indexed[i] != expected[i])),
        extra=tuple(sorted(set(indexed) - set(expected))),
    )
