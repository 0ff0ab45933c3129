"""Fixtures for the search library: the real taxonomy, a document factory and both indexes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from search import MemoryIndex, SearchDocument, SearchQuery, Vocabulary, WhooshIndex

TAXONOMY = Path(__file__).resolve().parents[2] / "forum" / "data" / "taxonomy.json"
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def load_vocabulary() -> Vocabulary:
    """Read the forum's taxonomy file the way the forum hands it over: as parsed JSON."""
    return Vocabulary.from_taxonomy(json.loads(TAXONOMY.read_text(encoding="utf-8")))


def make_doc(
    doc_id: int, title: str = "A post", body: str = "", **overrides: Any
) -> SearchDocument:
    """Return a public question posted doc_id hours after START, unless told otherwise."""
    values: dict[str, Any] = {
        "id": doc_id,
        "thread_id": doc_id,
        "kind": "question",
        "title": title,
        "body": body,
        "tags": (),
        "author": "member",
        "created_at": START + timedelta(hours=doc_id),
        "helpful": 0,
        "visibility": "public",
        "version": f"v{doc_id}",
    }
    values.update(overrides)
    return SearchDocument(**values)


def ids(results) -> list[int]:
    """The ids of a page of results, best first."""
    return [hit.id for hit in results.hits]


def search(index, text: str, **options) -> list[int]:
    """Search index for text as a member would and return the ids found, best first."""
    return ids(index.search(SearchQuery(text, **options)))


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture
def whoosh_index(tmp_path: Path, vocabulary: Vocabulary) -> WhooshIndex:
    index = WhooshIndex(tmp_path / "index", vocabulary)
    index.rebuild([])
    return index


@pytest.fixture(params=["memory", "whoosh"])
def index(request: pytest.FixtureRequest, tmp_path: Path, vocabulary: Vocabulary):
    """Each behavioural test runs against the in-memory index and the Whoosh index."""
    if request.param == "memory":
        return MemoryIndex(vocabulary)
    whoosh = WhooshIndex(tmp_path / "index", vocabulary)
    whoosh.rebuild([])
    return whoosh
