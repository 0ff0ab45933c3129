"""Thaw's search library: frozen documents in, ids with scores and highlights out."""

from __future__ import annotations

from search.documents import (
    CheckReport,
    Hit,
    SearchDocument,
    SearchQuery,
    SearchResults,
)
from search.errors import IndexBusy, IndexUnavailable, QueryError, SearchError
from search.memory import MemoryIndex
from search.protocol import Index
from search.vocabulary import Concept, Vocabulary
from search.whoosh import WhooshIndex

__all__ = [
    "CheckReport",
    "Concept",
    "Hit",
    "Index",
    "IndexBusy",
    "IndexUnavailable",
    "MemoryIndex",
    "QueryError",
    "SearchDocument",
    "SearchError",
    "SearchQuery",
    "SearchResults",
    "Vocabulary",
    "WhooshIndex",
]
