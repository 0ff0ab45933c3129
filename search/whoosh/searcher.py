"""A Whoosh searcher on the latest commit with the caches valid for exactly that searcher."""

from __future__ import annotations

import threading
from typing import Any

from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from search.whoosh import internals


class SegmentData:
    """Per-document values of one immutable segment, read once and reused after refreshes."""

    __slots__ = ("tags", "created", "helpful", "lengths", "_reader", "_body_terms")

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._body_terms: frozenset[str] | None = None
        count = reader.doc_count_all()
        tags: list[tuple[str, ...]] = [()] * count
        for tag in reader.field_terms("tags"):
            for docnum in reader.postings("tags", tag).all_ids():
                tags[docnum] = (*tags[docnum], tag)
        self.tags = tags
        self.created = list(reader.column_reader("created")) if count else []
        self.helpful = list(reader.column_reader("helpful")) if count else []
        length = reader.doc_field_length
        self.lengths = [length(docnum, "body") or 0 for docnum in range(count)]

    def body_terms(self) -> frozenset[str]:
        """Return the segment's title and body words, read when a correction is first wanted."""
        if self._body_terms is None:
            self._body_terms = frozenset(self._reader.field_terms("body")) | frozenset(
                self._reader.field_terms("title")
            )
        return self._body_terms


class CommitSearcher(Searcher):
    """A Whoosh searcher that knows the commit and the segments it was opened on."""

    generation: int
    segment_ids: list[str]


class SearcherState:
    """A Whoosh searcher with the caches that are valid for exactly that searcher."""

    def __init__(self, searcher: CommitSearcher, segments: dict[str, SegmentData]) -> None:
        self.searcher: Searcher = searcher
        self.generation = searcher.generation
        self.segment_ids = searcher.segment_ids
        self.reader = searcher.reader()
        self.terms: dict[tuple[str, str], dict[int, float]] = {}
        self.term_entries = 0
        self.champions: dict[tuple[str, str], frozenset[int]] = {}
        self.phrases: dict[tuple[str, ...], frozenset[int]] = {}  # family phrases, found once
        self.doc_count = self.reader.doc_count()
        self.deleted = frozenset(
            offset + docnum
            for leaf, offset in self.reader.leaf_readers()
            for docnum in internals.deleted_docnums(leaf)
        )
        self._segments = segments
        self._columns: tuple[list[tuple[str, ...]], list[int], list[int]] | None = None
        self.lengths: list[int] = []
        self._all: frozenset[int] | None = None
        self._leaves: list[SegmentData] = []
        self._lock = threading.Lock()

    def columns(self) -> tuple[list[tuple[str, ...]], list[int], list[int]]:
        if self._columns is None:
            with self._lock:
                if self._columns is None:
                    self._columns = self._load_columns()
        return self._columns

    def _load_columns(self) -> tuple[list[tuple[str, ...]], list[int], list[int]]:
        tags: list[tuple[str, ...]] = []
        created: list[int] = []
        helpful: list[int] = []
        lengths: list[int] = []
        leaves: list[SegmentData] = []
        seen = set()
        for leaf, _offset in self.searcher.leaf_searchers():
            reader = leaf.reader()
            segment = reader.segment()
            key = segment.segment_id() if segment is not None else f"reader-{id(reader)}"
            seen.add(key)
            data = self._segments.get(key)
            if data is None:
                data = self._segments[key] = SegmentData(reader)
            leaves.append(data)
            tags += data.tags
            created += data.created
            helpful += data.helpful
            lengths += data.lengths
        for key in set(self._segments) - seen:
            self._segments.pop(key, None)
        self._leaves = leaves
        self.lengths = lengths
        return tags, created, helpful

    def body_terms(self) -> list[frozenset[str]]:
        self.columns()
        return [data.body_terms() for data in self._leaves]

    def all_docs(self) -> frozenset[int]:
        if self._all is None:
            self._all = frozenset(self.reader.all_doc_ids())
        return self._all


def open_searcher(
    ix: Any, cached: dict[tuple[str, int], Any]
) -> tuple[CommitSearcher, dict[tuple[str, int], Any]]:
    """Open a searcher on the latest commit, reusing readers of unchanged segments.

    Whoosh's own Searcher.refresh() is not used: in whoosh3 3.54 it keeps readers of
    segments that a merge replaced (posts show up twice) and matches segments by id
    alone, so a reader from before a deletion is reused (deleted posts come back).
    """
    toc = internals.table_of_contents(ix)
    readers: dict[tuple[str, int], Any] = {}
    for segment in toc.segments:
        key = (segment.segment_id(), segment.deleted_count())
        segment_reader = cached.get(key)
        if segment_reader is None:
            segment_reader = SegmentReader(ix.storage, toc.schema, segment,
                                           generation=toc.generation)
        readers[key] = segment_reader
    ordered = list(readers.values())
    reader: IndexReader
    if not ordered:
        reader = EmptyReader(toc.schema)
    elif len(ordered) == 1:
        reader = ordered[0]
    else:
        reader = MultiReader(ordered, generation=toc.generation)
    searcher = CommitSearcher(reader, fromindex=ix, closereader=False)
    searcher.generation = toc.generation
    searcher.segment_ids = [segment.segment_id() for segment in toc.segments]
    return searcher, readers
