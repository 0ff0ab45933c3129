"""The interface every search index offers the forum."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, runtime_checkable

from search.documents import CheckReport, SearchDocument, SearchQuery, SearchResults


@runtime_checkable
class Index(Protocol):
    """A searchable collection of forum posts."""

    def add(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by id) and make them searchable before returning."""

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def apply(self, docs: Iterable[SearchDocument], ids: Iterable[int], *,
              position: int | None = None) -> None:
        """Add docs and remove ids in one commit, recording position (a change log id)
        as applied in that same commit; without position the recorded one stays. A write
        whose position is already recorded is skipped: another process applied those
        changes from rows read no earlier."""

    def position(self) -> int | None:
        """Return the last change log id recorded by a commit, or None if none was."""

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a member's query; raise only QueryError or IndexUnavailable."""

    def available(self) -> bool:
        """Return whether the index exists and opens (False: it needs a rebuild)."""

    def warm(self) -> None:
        """Read ahead what the first searches would wait for; never raises."""

    def versions(self) -> dict[int, str]:
        """Return every indexed id with the version stamp it was indexed at."""

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        *,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
        position: int | None = None,
    ) -> None:
        """Replace the whole index with docs, swapping it in atomically when complete,
        with position (the change log id the docs were read after) as its recorded one."""

    def check(self, expected: Mapping[int, str]) -> CheckReport:
        """Compare the index with the database's id -> version map."""
