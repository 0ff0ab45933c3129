"""The forum and the search library name the same kinds of post."""

from __future__ import annotations

from forum.models import KINDS, Kind
from search.documents import KINDS as SEARCH_KINDS


def test_the_forums_kinds_are_the_kinds_search_accepts():
    assert {kind.value for kind in Kind} == set(SEARCH_KINDS)
    assert set(KINDS) == set(SEARCH_KINDS)
