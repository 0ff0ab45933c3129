"""Filling a fresh generation: in this process, or a segment per batch in helper processes."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from search.documents import SearchDocument
from search.errors import SearchError
from search.vocabulary import Vocabulary
from search.whoosh import internals
from search.whoosh.schema import build_schema, document_fields

log = logging.getLogger(__name__)

REBUILD_PROCS = 2
REBUILD_LIMIT_MB = 192
MULTIPROC_THRESHOLD = 5000
SEGMENT_DOCS = 5000  # posts per segment in a rebuild: sorted in memory, no spill to disk


def fill(
    path: Path,
    vocabulary: Vocabulary,
    docs: Iterable[SearchDocument],
    total: int | None,
    progress: Callable[[int], None] | None,
) -> int:
    """Create a Whoosh index at path holding docs; return how many posts it indexed."""
    ix = whoosh_index.create_in(str(path), build_schema(vocabulary))
    procs = min(REBUILD_PROCS, os.cpu_count() or 1)
    if (total or 0) < MULTIPROC_THRESHOLD or procs < 2:
        return _fill_in_process(ix, docs, progress)
    writer = ix.writer()  # holds the new generation's lock until its TOC is written
    try:
        segments, count = _build_segments(path, docs, procs, progress)
        writer.commit(mergetype=lambda _writer, existing: [*existing, *segments])
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise
    # Count from the table of contents: Index.doc_count() opens a reader on every segment.
    written = internals.segments(whoosh_index.open_dir(str(path)))
    indexed = sum(segment.doc_count() for segment in written)
    if indexed != count:  # never swap in a rebuild that lost posts
        raise SearchError(f"Rebuild indexed {indexed} of {count} posts; index not replaced")
    return count


def _fill_in_process(
    ix: Any, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None
) -> int:
    writer = ix.writer(limitmb=REBUILD_LIMIT_MB)
    count = 0
    try:
        for batch in _unique_batches(docs, SEGMENT_DOCS):
            for fields in batch:
                writer.add_document(**fields)
            count += len(batch)
            if progress is not None:
                progress(count)
        writer.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise
    return count


def _unique_batches(docs: Iterable[SearchDocument], size: int) -> Iterator[list[dict[str, Any]]]:
    """Yield the documents' Whoosh fields in batches, each post once (the first copy)."""
    seen: set[int] = set()
    batch: list[dict[str, Any]] = []
    for doc in docs:
        if doc.id in seen:
            log.warning("Rebuild was given post %d twice; indexing the first", doc.id)
            continue
        seen.add(doc.id)
        batch.append(document_fields(doc))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _segment_of(path: str, batch: list[dict[str, Any]]) -> Any:
    """In a helper process: write one batch as a finished segment of the index at path.

    Unlike Whoosh's multiprocessing writer, no result is ever dropped for being late.
    """
    return internals.write_segment(path, batch, REBUILD_LIMIT_MB)


def _build_segments(
    path: Path, docs: Iterable[SearchDocument], procs: int,
    progress: Callable[[int], None] | None,
) -> tuple[list[Any], int]:
    """Index docs in helper processes, a segment per batch; return the segments and count.

    Batches are small enough that a helper sorts its postings in memory (spilling them to
    disk and merging them back cost more than the indexing itself), and at most two per
    helper are in flight, so memory stays bounded whatever the number of posts.
    """
    # fork, not spawn: spawn re-runs the calling script's main module in every helper. The
    # helpers only index (no logging, no database), so a lock held by another thread of the
    # caller at fork time is never needed in them.
    context = multiprocessing.get_context("fork")
    segments: list[Any] = []
    count = 0
    with ProcessPoolExecutor(max_workers=procs, mp_context=context) as pool:
        pending: dict[Future[Any], int] = {}

        def collect_one() -> None:
            nonlocal count
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                segments.append(future.result())
                count += pending.pop(future)
                if progress is not None:
                    progress(count)

        for batch in _unique_batches(docs, SEGMENT_DOCS):
            if len(pending) >= 2 * procs:
                collect_one()
            pending[pool.submit(_segment_of, str(path), batch)] = len(batch)
        while pending:
            collect_one()
    return segments, count
