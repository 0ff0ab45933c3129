"""Every use of Whoosh's private internals, in one place.

Thaw reaches past Whoosh's public API in a few hot or delicate spots: reading a posting list
a block at a time (one Python call per posting took seconds for common words), writing a
segment in a helper process without the index lock (the parallel rebuild), reading the table
of contents directly (a searcher that survives merges and deletions), and the set of deleted
documents. ``check()`` verifies each of them against the installed Whoosh, and a test runs
it, so an upgrade that changes them fails loudly instead of silently searching wrongly.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.writing import SegmentWriter

TESTED_WITH = "whoosh3 3.54"


def read_postings(reader: Any, offset: int, field: str, term: str) -> dict[int, float]:
    """Return {docnum + offset: term frequency} for one segment, a posting block at a time.

    Whoosh's matchers hand out one posting per Python call (all_ids() took seconds for a
    common word on 100,000 posts); its leaf matcher already holds each block's ids and
    weights as arrays, so take them a block at a time. Deleted documents are included;
    callers subtract them. Anything unexpected falls back to the public matcher API.
    """
    try:
        matcher = reader.postings(field, term)
    except TermNotFound:
        return {}
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    found: dict[int, float] = {}
    if not isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            found[offset + matcher.id()] = matcher.weight()
            matcher.next()
        return found
    leaf: Any = matcher  # its block attributes are private and untyped; check() guards them
    while leaf.is_active():
        if leaf._ids is None:
            leaf._read_ids()
        if leaf._weights is None:
            leaf._read_weights()
        ids = leaf._ids[leaf._i :]
        weights = leaf._weights[leaf._i :]
        if offset:
            ids = [offset + docnum for docnum in ids]
        found.update(zip(ids, weights, strict=True))
        leaf._next_block()
    return found


def write_segment(path: str, fields: Iterable[dict[str, Any]], limitmb: int) -> Any:
    """Write documents as one finished segment of the index at path, without its lock.

    The segment joins the index when the lock holder commits its table of contents, as
    Whoosh's own multiprocessing writer does.
    """
    writer = SegmentWriter(whoosh_index.open_dir(path), _lk=False, limitmb=limitmb)
    for values in fields:
        writer.add_document(**values)
    return writer._finalize_segment()


def table_of_contents(ix: Any) -> Any:
    """Return the index's latest table of contents (schema, generation and segments)."""
    return ix._read_toc()


def segments(ix: Any) -> list[Any]:
    """Return the segments of the index's latest commit, without opening a reader on each."""
    found: list[Any] = ix._segments()
    return found


def deleted_docnums(reader: Any) -> frozenset[int]:
    """Return the document numbers deleted in one segment reader."""
    return frozenset(getattr(reader, "deleted_docs_set", ()))


def check() -> list[str]:
    """Return what no longer holds of the internals above (empty while they all do)."""
    problems = []
    for name in ("_read_ids", "_read_weights", "_next_block"):
        if not callable(getattr(W3LeafMatcher, name, None)):
            problems.append(f"W3LeafMatcher.{name} is gone")
    if "_lk" not in inspect.signature(SegmentWriter.__init__).parameters:
        problems.append("SegmentWriter no longer takes _lk")
    if not callable(getattr(SegmentWriter, "_finalize_segment", None)):
        problems.append("SegmentWriter._finalize_segment is gone")
    for name in ("_read_toc", "_segments"):
        if not callable(getattr(whoosh_index.FileIndex, name, None)):
            problems.append(f"FileIndex.{name} is gone")
    deleted = inspect.getattr_static(SegmentReader, "deleted_docs_set", None)
    if not isinstance(deleted, property | functools.cached_property):
        problems.append("SegmentReader.deleted_docs_set is no longer a property")
    return problems
