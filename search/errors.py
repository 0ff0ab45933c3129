"""Errors the search library raises; nothing else escapes a search."""

from __future__ import annotations


class SearchError(Exception):
    """Base class for every error the search library raises on purpose."""


class IndexUnavailable(SearchError):
    """The index is missing or damaged; search works again after a rebuild."""


class IndexBusy(SearchError):
    """Another process held the index's write lock for too long; replay the write later."""


class QueryError(SearchError):
    """The member's query cannot be run; the message is written for the member."""
