"""The Whoosh-backed index: the only module that imports whoosh.

On disk the index directory holds generations, each a complete Whoosh index::

    <directory>/CURRENT                 name of the generation searches use
    <directory>/gen-<ns>-<pid>/         Whoosh files
    <directory>/REBUILDING              name of the generation a rebuild is filling
    <directory>/gen-<ns>-<pid>.journal  writes made during that rebuild, replayed before the swap
    <directory>/rebuild.lock            held by the one rebuild allowed at a time

A rebuild fills a fresh generation while searches and writes carry on in the current one,
then repoints CURRENT (an atomic rename) and removes the old generation.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import heapq
import json
import logging
import multiprocessing
import os
import random
import shutil
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

from whoosh import columns as whoosh_columns
from whoosh import fields as whoosh_fields
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import EmptyReader, MultiReader, SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from search.analysis import stems, tokens
from search.documents import CheckReport, SearchDocument, SearchQuery, SearchResults
from search.documents import compare_versions as _compare
from search.errors import IndexBusy, IndexUnavailable, QueryError, SearchError
from search.execution import run
from search.ranking import CHAMPIONS
from search.vocabulary import Vocabulary

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
REBUILDING = "REBUILDING"
REBUILD_LOCK = "rebuild.lock"
TERM_CACHE_ENTRIES = 600_000
REBUILD_PROCS = 2
REBUILD_LIMIT_MB = 192
MULTIPROC_THRESHOLD = 5000
SEGMENT_DOCS = 5000  # posts per segment in a rebuild: sorted in memory, no spill to disk
SEGMENTS_PER_TIER = 10
MAX_MERGE_TIER = 2
OPEN_ATTEMPTS = 4  # a concurrent commit can delete what we were about to open: try again
TAGS_MARK = "\x1f"  # separates a post's text from its tags in the concepts field's value
UNAVAILABLE = "Search is being rebuilt; please try again in a few minutes."


class ThawTokenizer(Tokenizer):
    """Feed Whoosh the stems search.analysis produces, so every index agrees on words."""

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        """Yield one Whoosh token per analysed word of value."""
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.pos = start_pos
            t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        if chars:
            for token in tokens(value):
                t.text = token.stem
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = token.word
                t.pos = start_pos + token.pos
                t.startchar, t.endchar = start_char + token.start, start_char + token.end
                yield t
            return
        for pos, word_stem in enumerate(stems(value), start_pos):
            t.text = t.original = word_stem
            t.boost = 1.0
            t.stopped = False
            t.pos = pos
            yield t


class ConceptTokenizer(Tokenizer):
    """Turn a post's text into one token per concept it names ("Lioresal" -> baclofen).

    The vocabulary is pickled into the index's schema with this tokenizer, so each
    generation keeps the vocabulary it was built with; a new taxonomy needs a rebuild.
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConceptTokenizer) and other.vocabulary is self.vocabulary

    def __hash__(self) -> int:
        return id(self.vocabulary)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        """Yield one token per concept mention in value (or value itself, untokenised).

        value is the post's text, then TAGS_MARK and its tag slugs: a post is about its tags
        too, whether or not its words name them.
        """
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if tokenize:
            text, _, tags = value.rpartition(TAGS_MARK) if TAGS_MARK in value else (value, "", "")
            slugs = [*self.vocabulary.concepts_in(text), *tags.split()]
        else:
            slugs = [value]
        for pos, slug in enumerate(slugs, start_pos):
            t.text = t.original = slug
            t.boost = 1.0
            t.stopped = False
            t.pos = pos
            t.startchar, t.endchar = start_char, start_char
            yield t


def build_schema(vocabulary: Vocabulary) -> whoosh_fields.Schema:
    """Return the schema of one generation.

    Numbers that are only sorted on or read back (pk, created, helpful, version) are
    columns, not indexed terms: a NUMERIC field indexes a dozen trie terms per value, which
    made bulk indexing markedly slower. Effectiveness is a small rating, indexed as terms.
    """
    analyzer = ThawTokenizer()
    return whoosh_fields.Schema(
        id=whoosh_fields.ID(unique=True, stored=True),
        pk=whoosh_fields.COLUMN(whoosh_columns.NumericColumn("q")),
        thread=whoosh_fields.STORED(),
        kind=whoosh_fields.ID(stored=True),
        title=whoosh_fields.TEXT(analyzer=analyzer, phrase=True, stored=True),
        body=whoosh_fields.TEXT(analyzer=analyzer, phrase=True, stored=True),
        concepts=whoosh_fields.TEXT(analyzer=ConceptTokenizer(vocabulary), phrase=False),
        context=whoosh_fields.TEXT(analyzer=ConceptTokenizer(vocabulary), phrase=False),
        tags=whoosh_fields.KEYWORD(),
        treatment=whoosh_fields.ID(),
        effectiveness=whoosh_fields.ID(),
        author=whoosh_fields.ID(),
        created=whoosh_fields.COLUMN(whoosh_columns.NumericColumn("q")),
        helpful=whoosh_fields.COLUMN(whoosh_columns.NumericColumn("q")),
        visibility=whoosh_fields.ID(),
        source_id=whoosh_fields.ID(stored=True),
        version=whoosh_fields.COLUMN(whoosh_columns.VarBytesColumn()),
    )


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """Return the Whoosh field values for one post."""
    fields: dict[str, Any] = {
        "id": str(doc.id),
        "pk": doc.id,
        "thread": doc.thread_id,
        "kind": doc.kind,
        "title": doc.title,
        "body": doc.body,
        "concepts": f"{doc.title}\n{doc.body}{TAGS_MARK}{' '.join(doc.tags)}",
        "tags": " ".join(doc.tags),
        "author": doc.author,
        "created": _timestamp(doc.created_at),
        "helpful": int(doc.helpful),
        "visibility": doc.visibility,
        "version": doc.version.encode("utf-8"),
    }
    if doc.treatment:
        fields["treatment"] = doc.treatment
    if doc.effectiveness is not None:
        fields["effectiveness"] = str(int(doc.effectiveness))
    if doc.source_id:
        fields["source_id"] = doc.source_id
    if doc.context:
        fields["context"] = doc.context
    return fields


def _doc_to_json(doc: SearchDocument) -> dict[str, Any]:
    data = {name: getattr(doc, name) for name in SearchDocument.__slots__}
    data["created_at"] = doc.created_at.isoformat()
    data["tags"] = list(doc.tags)
    return data


def _doc_from_json(data: dict[str, Any]) -> SearchDocument:
    data = dict(data)
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    data["tags"] = tuple(data["tags"])
    return SearchDocument(**data)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _read_postings(reader: Any, offset: int, field: str, term: str) -> dict[int, float]:
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
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        ids = matcher._ids[matcher._i :]
        weights = matcher._weights[matcher._i :]
        if offset:
            ids = [offset + docnum for docnum in ids]
        found.update(zip(ids, weights, strict=True))
        matcher._next_block()
    return found


def _forget(exc: BaseException) -> None:
    """Drop a failed read's frames so files Whoosh half-opened on a damaged index close now."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        seen: BaseException | None = exc
        while seen is not None:
            traceback.clear_frames(seen.__traceback__)
            seen = seen.__cause__ or seen.__context__
        gc.collect()


class _SegmentData:
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


class _SearcherState:
    """A Whoosh searcher with the caches that are valid for exactly that searcher."""

    def __init__(self, searcher: Any, segments: dict[str, _SegmentData]) -> None:
        self.searcher = searcher
        self.generation = searcher.generation
        self.segment_ids = searcher.segment_ids
        self.reader = searcher.reader()
        self.terms: dict[tuple[str, str], dict[int, float]] = {}
        self.term_entries = 0
        self.champions: dict[tuple[str, str], frozenset[int]] = {}
        self.doc_count = self.reader.doc_count()
        self.deleted = frozenset(
            offset + docnum
            for leaf, offset in self.reader.leaf_readers()
            for docnum in getattr(leaf, "deleted_docs_set", ())
        )
        self._segments = segments
        self._columns: tuple[list[tuple[str, ...]], list[int], list[int]] | None = None
        self.lengths: list[int] = []
        self._all: frozenset[int] | None = None
        self._leaves: list[_SegmentData] = []
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
        leaves: list[_SegmentData] = []
        seen = set()
        for leaf, _offset in self.searcher.leaf_searchers():
            reader = leaf.reader()
            segment = reader.segment()
            key = segment.segment_id() if segment is not None else f"reader-{id(reader)}"
            seen.add(key)
            data = self._segments.get(key)
            if data is None:
                data = self._segments[key] = _SegmentData(reader)
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


class _WhooshBackend:
    """The query primitives over one Whoosh searcher; keys are Whoosh document numbers."""

    def __init__(self, state: _SearcherState, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._state = state
        self._searcher = state.searcher
        self._reader = state.reader

    def doc_frequency(self, stem: str) -> int:
        return self._reader.doc_frequency("title", stem) + self._reader.doc_frequency("body", stem)

    def postings(self, field: str, term: str) -> dict[int, float]:
        """Return {docnum: term frequency} for a term (deleted documents included)."""
        key = (field, term)
        state = self._state
        found = state.terms.get(key)
        if found is None:
            found = {}
            for leaf, offset in self._reader.leaf_readers():
                found.update(_read_postings(leaf, offset, field, term))
            if state.term_entries + len(found) > TERM_CACHE_ENTRIES:
                state.terms.clear()
                state.champions.clear()
                state.term_entries = 0
            state.terms[key] = found
            state.term_entries += len(found) + 1
        return found

    def term_docs(self, field: str, term: str) -> Set[int]:
        return self.postings(field, term).keys()

    def doc_count(self) -> int:
        return self._state.doc_count

    def body_lengths(self) -> tuple[list[int], float]:
        self._state.columns()
        total = self._reader.field_length("body")
        return self._state.lengths, total / max(self._state.doc_count, 1)

    def champions(self, field: str, term: str) -> Set[int]:
        found = self.postings(field, term)
        if len(found) <= CHAMPIONS * 4:
            return found.keys()
        key = (field, term)
        best = self._state.champions.get(key)
        if best is None:
            best = frozenset(heapq.nlargest(CHAMPIONS, found, key=found.__getitem__))
            self._state.champions[key] = best
        return best

    def phrase_docs(self, words: tuple[str, ...]) -> Set[int]:
        q = wq.Or([wq.Phrase("title", list(words)), wq.Phrase("body", list(words))])
        return frozenset(self._searcher.docs_for_query(q))

    def all_docs(self) -> Set[int]:
        return self._state.all_docs()

    def hidden_docs(self, include_held: bool) -> Set[int]:
        hidden = ("removed", "deleted") if include_held else ("held", "removed", "deleted")
        return self._state.deleted.union(*(self.term_docs("visibility", v) for v in hidden))

    def effective_docs(self, minimum: int, maximum: int = 5) -> Set[int]:
        ratings = [r for r in self._reader.field_terms("effectiveness")
                   if minimum <= int(r) <= maximum]
        return frozenset().union(*(self.term_docs("effectiveness", r) for r in ratings))

    def count_tags(self, docs: Set[int]) -> Counter[str]:
        tags = self._state.columns()[0]
        return Counter(chain.from_iterable(map(tags.__getitem__, docs)))

    def order(self, docs: Set[int], sort: str, limit: int) -> list[tuple[int, float]]:
        _, created, helpful = self._state.columns()
        if sort == "helpful":
            top = heapq.nlargest(limit, docs, key=lambda d: (helpful[d], created[d]))
        else:
            top = heapq.nlargest(limit, docs, key=created.__getitem__)
        return [(d, 0.0) for d in top]

    def stored(self, key: int) -> tuple[int, int, str, str, str]:
        fields = self._searcher.stored_fields(key)
        return (
            int(fields["id"]),
            int(fields["thread"]),
            fields["kind"],
            fields.get("title", ""),
            fields.get("body", ""),
        )

    def present(self, stems: Iterable[str]) -> list[str]:
        # Whoosh's corrector walks the whole term list in Python (seconds on a large index),
        # so look words up in cached per-segment term sets instead.
        term_sets = self._state.body_terms()
        return [s for s in stems if any(s in terms for terms in term_sets)]


def _tier(doc_count: int) -> int:
    return len(str(max(doc_count, 1))) - 1  # 1-9 docs: tier 0, 10-99: tier 1, ...


def _tiers_to_merge(counts: list[int]) -> set[int]:
    tiers: dict[int, int] = {}
    for count in counts:
        if _tier(count) <= MAX_MERGE_TIER:
            tiers[_tier(count)] = tiers.get(_tier(count), 0) + 1
    return {tier for tier, n in tiers.items() if n >= SEGMENTS_PER_TIER}


def _merge_tiers(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: fold each full tier of similar-sized small segments into one."""
    full = _tiers_to_merge([segment.doc_count_all() for segment in segments])
    kept = []
    for segment in segments:
        if _tier(segment.doc_count_all()) in full:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        else:
            kept.append(segment)
    return kept


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

    The segment is written without the index's lock (the parent holds it) and joins the
    index when the parent commits its table of contents, as Whoosh's own multiprocessing
    writer does; unlike that writer, no result is ever dropped for being late.
    """
    writer = SegmentWriter(whoosh_index.open_dir(path), _lk=False, limitmb=REBUILD_LIMIT_MB)
    for fields in batch:
        writer.add_document(**fields)
    return writer._finalize_segment()


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


class WhooshIndex:
    """A Whoosh index in a directory, safe to share between worker processes."""

    def __init__(
        self,
        directory: Path | str,
        vocabulary: Vocabulary,
        *,
        lock_timeout: float = 5.0,
    ) -> None:
        self.directory = Path(directory)
        self.vocabulary = vocabulary
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        # Whoosh searchers are not safe to share between threads; searches take turns.
        self._search_lock = threading.Lock()
        self._generation: str | None = None
        self._ix: Any = None
        self._state: _SearcherState | None = None
        self._segments: dict[str, _SegmentData] = {}
        self._merging: threading.Thread | None = None
        self._readers: dict[tuple[str, int], Any] = {}

    # Generations

    def _current_name(self) -> str:
        try:
            name = (self.directory / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise IndexUnavailable(UNAVAILABLE) from None
        except OSError as exc:
            raise IndexUnavailable(UNAVAILABLE) from exc
        if not name or "/" in name or name.startswith("."):
            raise IndexUnavailable(UNAVAILABLE)
        return name

    def _open(self) -> Any:
        """Return the Whoosh index of the current generation, reopening after a swap."""
        name = self._current_name()
        if name != self._generation or self._ix is None:
            try:
                ix = whoosh_index.open_dir(str(self.directory / name))
            except Exception as exc:
                _forget(exc)
                raise IndexUnavailable(UNAVAILABLE) from exc
            self._ix, self._generation, self._state = ix, name, None
            self._segments, self._readers = {}, {}
        return self._ix

    def _searcher_state(self) -> _SearcherState:
        """Return a searcher on the latest commit.

        Another worker's commit or merge may delete a table of contents or segment between
        our reading the list and opening it: that is retried on the newer commit a few times
        before the index counts as unavailable (which starts a rebuild).
        """
        with self._lock:
            for attempt in range(1, OPEN_ATTEMPTS + 1):
                try:
                    ix = self._open()
                    state = self._state
                    generation = ix.latest_generation()
                    if state is None or state.generation != generation:
                        state = _SearcherState(self._fresh_searcher(ix), self._segments)
                except Exception as exc:
                    self._state, self._ix, self._readers = None, None, {}
                    cause = repr(exc.__cause__ or exc)
                    _forget(exc)
                    if attempt < OPEN_ATTEMPTS:
                        time.sleep(0.01 * attempt)
                        continue
                    log.warning("Cannot read search index generation %s: %s",
                                self._generation, cause)
                    if isinstance(exc, IndexUnavailable):
                        raise
                    raise IndexUnavailable(UNAVAILABLE) from exc
                self._state = state
                return state
        raise AssertionError("unreachable")

    def _fresh_searcher(self, ix: Any) -> Searcher:
        """Open a searcher on the latest commit, reusing readers of unchanged segments.

        Whoosh's own Searcher.refresh() is not used: in whoosh3 3.54 it keeps readers of
        segments that a merge replaced (posts show up twice) and matches segments by id
        alone, so a reader from before a deletion is reused (deleted posts come back).
        """
        toc = ix._read_toc()
        readers: dict[tuple[str, int], Any] = {}
        for segment in toc.segments:
            key = (segment.segment_id(), segment.deleted_count())
            reader = self._readers.get(key)
            if reader is None:
                reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
            readers[key] = reader
        self._readers = readers
        ordered = list(readers.values())
        if not ordered:
            reader: Any = EmptyReader(toc.schema)
        elif len(ordered) == 1:
            reader = ordered[0]
        else:
            reader = MultiReader(ordered, generation=toc.generation)
        searcher = Searcher(reader, fromindex=ix, closereader=False)
        searcher.generation = toc.generation
        searcher.segment_ids = [segment.segment_id() for segment in toc.segments]
        return searcher

    # Reading

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a member's query; raise only QueryError or IndexUnavailable."""
        for attempt in (1, 2):
            try:
                with self._search_lock:
                    return run(_WhooshBackend(self._searcher_state(), self.vocabulary), query)
            except (QueryError, IndexUnavailable):
                raise
            except Exception as exc:
                # A merge in another process may have removed files this searcher had not
                # opened yet: reopen on the latest commit once before giving up.
                with self._lock:
                    self._state, self._ix, self._readers = None, None, {}
                if attempt == 2:
                    log.exception("Search failed; treating the index as unavailable")
                    _forget(exc)
                    raise IndexUnavailable(UNAVAILABLE) from exc
        raise AssertionError("unreachable")

    def available(self) -> bool:
        """Return whether the current generation exists and opens."""
        if not (self.directory / CURRENT).is_file():
            return False  # never built: nothing to retry or to warn about
        try:
            self._searcher_state()
        except IndexUnavailable:
            return False
        return True

    def warm(self) -> None:
        """Read what the first searches would otherwise wait for (about a second at 100,000
        posts): the per-document columns and each segment's words for "Did you mean".
        Never raises: an index that cannot be read is reported by the next search."""
        try:
            with self._search_lock:
                self._searcher_state().body_terms()
        except Exception as exc:
            _forget(exc)
            log.info("Search index not warmed: %r", exc)

    def versions(self) -> dict[int, str]:
        """Return every indexed id with its version stamp."""
        state = self._searcher_state()
        try:
            found: dict[int, str] = {}
            for leaf, _offset in state.searcher.leaf_searchers():
                reader = leaf.reader()
                if not reader.doc_count_all():
                    continue
                pks = reader.column_reader("pk")
                stamps = reader.column_reader("version")
                for docnum in reader.all_doc_ids():
                    found[int(pks[docnum])] = bytes(stamps[docnum]).decode("utf-8")
            return found
        except Exception as exc:
            _forget(exc)
            raise IndexUnavailable(UNAVAILABLE) from exc

    def check(self, expected: Mapping[int, str]) -> CheckReport:
        """Compare the index with the database's id -> version map."""
        return _compare(self.versions(), expected)

    # Writing

    def add(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace documents by id, committed before returning."""
        batch = list(docs)
        if batch:
            self._write(batch, [])

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        batch = [int(i) for i in ids]
        if batch:
            self._write([], batch)

    def _acquire_writer(self, deadline: float) -> tuple[str, Any]:
        """Return (generation, writer) holding the write lock of the current generation."""
        delay = 0.005
        while True:
            name = self._current_name()
            try:
                ix = whoosh_index.open_dir(str(self.directory / name))
                writer = ix.writer()
            except whoosh_index.LockError:
                now = time.monotonic()
                if now >= deadline:
                    raise IndexBusy(
                        "The search index stayed locked by another writer; try again later."
                    ) from None
                time.sleep(min(delay * random.uniform(0.5, 1.5), max(deadline - now, 0.001)))
                delay = min(delay * 2, 0.1)
                continue
            except Exception as exc:
                _forget(exc)
                raise IndexUnavailable(UNAVAILABLE) from exc
            if self._current_name() == name:
                return name, writer
            writer.cancel()  # a rebuild swapped generations while we waited

    def _write(self, docs: list[SearchDocument], ids: list[int]) -> None:
        docs = list({doc.id: doc for doc in docs}.values())  # the last version of a post wins
        fields = [document_fields(doc) for doc in docs]
        name, writer = self._acquire_writer(time.monotonic() + self.lock_timeout)
        try:
            live = self._live_docnums(writer)
            for doc, values in zip(docs, fields, strict=True):
                if live is None:
                    writer.update_document(**values)
                    continue
                for docnum in live(doc.id):
                    writer.delete_document(docnum)
                writer.add_document(**values)
            for doc_id in ids:
                if live is None:
                    writer.delete_by_term("id", str(doc_id))
                    continue
                for docnum in live(doc_id):
                    writer.delete_document(docnum)
            self._journal(name, docs, ids)
            # No merging here: the member is waiting. Small segments are merged afterwards.
            writer.commit(merge=False)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                writer.cancel()
            if isinstance(exc, Exception):
                raise IndexUnavailable(UNAVAILABLE) from exc
            raise
        self._schedule_merge(name)

    def _schedule_merge(self, name: str) -> None:
        """Merge small segments in a background thread once a size tier fills up."""
        try:
            ix = whoosh_index.open_dir(str(self.directory / name))
            counts = [segment.doc_count_all() for segment in ix._segments()]
        except Exception:
            return
        if not _tiers_to_merge(counts):
            return
        with self._lock:
            if self._merging is not None and self._merging.is_alive():
                return
            self._merging = threading.Thread(
                target=self.merge_segments, name="search-merge", daemon=True
            )
            self._merging.start()

    def merge_segments(self) -> bool:
        """Merge full tiers of small segments if nobody else is writing; return whether it ran."""
        try:
            name = self._current_name()
            writer = whoosh_index.open_dir(str(self.directory / name)).writer()
        except Exception:
            return False  # busy or unavailable: the next write tries again
        try:
            writer.commit(mergetype=_merge_tiers)
        except Exception:
            log.exception("Merging search index segments failed")
            with contextlib.suppress(Exception):
                writer.cancel()
            return False
        return True

    def _live_docnums(self, writer: Any) -> Callable[[int], list[int]] | None:
        """Return a lookup of a post's document numbers in the writer's view, or None.

        update_document() opens fresh readers on every segment to find the old copy, which
        cost hundreds of milliseconds per post on a large index. Holding the write lock, our
        cached searcher is on the same commit as the writer when its segments match, so look
        the old copies up there; otherwise let Whoosh do it.
        """
        try:
            state = self._searcher_state()
        except IndexUnavailable:
            return None
        segment_ids = [segment.segment_id() for segment in writer.segments]
        if state.generation != writer.generation - 1 or state.segment_ids != segment_ids:
            return None
        backend = _WhooshBackend(state, self.vocabulary)

        def live(doc_id: int) -> list[int]:
            found = backend.term_docs("id", str(doc_id))
            return [docnum for docnum in found if docnum not in state.deleted]

        return live

    def _journal(self, name: str, docs: list[SearchDocument], ids: list[int]) -> None:
        """Record writes for a rebuild in progress, which replays them before its swap."""
        try:
            target = (self.directory / REBUILDING).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return
        if not target or target == name:
            return
        lines = [json.dumps({"add": _doc_to_json(doc)}) for doc in docs]
        lines += [json.dumps({"delete": doc_id}) for doc_id in ids]
        with open(self.directory / f"{target}.journal", "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())

    # Rebuilding

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        *,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Build a fresh generation from docs and swap it in atomically.

        Searches keep using the old generation until the swap; writes made meanwhile are
        journaled and replayed into the new one. Raise IndexBusy if a rebuild is running.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._rebuild_lock():
            name = f"gen-{time.time_ns()}-{os.getpid()}"
            path = self.directory / name
            journal = self.directory / f"{name}.journal"
            try:
                path.mkdir()
                _write_atomically(self.directory / REBUILDING, name)
                count = self._fill(path, docs, total, progress)
                self._swap(name, journal)
            except BaseException:
                (self.directory / REBUILDING).unlink(missing_ok=True)
                shutil.rmtree(path, ignore_errors=True)
                journal.unlink(missing_ok=True)
                raise
            log.info("Search index rebuilt with %d documents in %s", count, name)
            self._remove_old_generations(keep=name)

    @contextlib.contextmanager
    def _rebuild_lock(self) -> Iterator[None]:
        handle = open(self.directory / REBUILD_LOCK, "a+")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusy("A search index rebuild is already running.") from None
            yield
        finally:
            handle.close()

    def _fill(
        self,
        path: Path,
        docs: Iterable[SearchDocument],
        total: int | None,
        progress: Callable[[int], None] | None,
    ) -> int:
        ix = whoosh_index.create_in(str(path), build_schema(self.vocabulary))
        procs = min(REBUILD_PROCS, os.cpu_count() or 1)
        if (total or 0) < MULTIPROC_THRESHOLD or procs < 2:
            return self._fill_in_process(ix, docs, progress)
        writer = ix.writer()  # holds the new generation's lock until its TOC is written
        try:
            segments, count = _build_segments(path, docs, procs, progress)
            writer.commit(mergetype=lambda _writer, existing: [*existing, *segments])
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        # Count from the table of contents: Index.doc_count() opens a reader on every segment.
        segments_written = whoosh_index.open_dir(str(path))._segments()
        indexed = sum(segment.doc_count() for segment in segments_written)
        if indexed != count:  # never swap in a rebuild that lost posts
            raise SearchError(f"Rebuild indexed {indexed} of {count} posts; index not replaced")
        return count

    @staticmethod
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

    def _swap(self, name: str, journal: Path) -> None:
        """Replay journaled writes and repoint CURRENT while writers of the old one wait."""
        try:
            old = self._current_name()
        except IndexUnavailable:
            old = None
        old_writer = None
        if old is not None and (self.directory / old).is_dir():
            try:
                _, old_writer = self._acquire_writer(time.monotonic() + 60 * self.lock_timeout)
            except IndexUnavailable:
                old_writer = None  # the old generation is broken; nothing to wait for
        try:
            self._replay(name, journal)
            _write_atomically(self.directory / CURRENT, name)
            (self.directory / REBUILDING).unlink(missing_ok=True)
        finally:
            if old_writer is not None:
                with contextlib.suppress(Exception):
                    old_writer.cancel()
        journal.unlink(missing_ok=True)

    def _replay(self, name: str, journal: Path) -> None:
        if not journal.exists():
            return
        writer = whoosh_index.open_dir(str(self.directory / name)).writer()
        try:
            with open(journal, encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        continue
                    entry = json.loads(line)
                    if "add" in entry:
                        doc = _doc_from_json(entry["add"])
                        writer.update_document(**document_fields(doc))
                    else:
                        writer.delete_by_term("id", str(entry["delete"]))
            writer.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise

    def _remove_old_generations(self, keep: str) -> None:
        for entry in self.directory.iterdir():
            if entry.name.startswith("gen-") and entry.name != keep:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
