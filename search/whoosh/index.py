"""The Whoosh-backed index: generations in a directory, searches, writes and rebuilds.

On disk the index directory holds generations, each a complete Whoosh index::

    <directory>/CURRENT                 name of the generation searches use
    <directory>/gen-<ns>-<pid>/         Whoosh files
    <directory>/REBUILDING              name of the generation a rebuild is filling
    <directory>/gen-<ns>-<pid>.journal  writes made during that rebuild, replayed before the swap
    <directory>/rebuild.lock            held by the one rebuild allowed at a time
    <directory>/gen-<ns>-<pid>/APPLIED-<n>  change log id applied by commit n (see position.py)

A rebuild fills a fresh generation while searches and writes carry on in the current one,
then repoints CURRENT (an atomic rename) and removes the old generation.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from search.documents import CheckReport, SearchDocument, SearchQuery, SearchResults
from search.documents import compare_versions as _compare
from search.errors import IndexBusy, IndexUnavailable, QueryError
from search.execution import run
from search.vocabulary import Vocabulary
from search.whoosh import building, internals
from search.whoosh import position as applied
from search.whoosh.backend import WhooshBackend
from search.whoosh.generations import (
    CURRENT,
    OPEN_ATTEMPTS,
    REBUILD_LOCK,
    REBUILDING,
    forget,
    read_position,
    write_atomically,
)
from search.whoosh.merging import merge_tiers, tiers_to_merge
from search.whoosh.schema import doc_from_json, doc_to_json, document_fields
from search.whoosh.searcher import SearcherState, SegmentData, open_searcher

log = logging.getLogger(__name__)

UNAVAILABLE = "Search is being rebuilt; please try again in a few minutes."


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
        self._state: SearcherState | None = None
        self._segments: dict[str, SegmentData] = {}
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
                forget(exc)
                raise IndexUnavailable(UNAVAILABLE) from exc
            self._ix, self._generation, self._state = ix, name, None
            self._segments, self._readers = {}, {}
        return self._ix

    def _searcher_state(self) -> SearcherState:
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
                        searcher, self._readers = open_searcher(ix, self._readers)
                        state = SearcherState(searcher, self._segments)
                except Exception as exc:
                    self._state, self._ix, self._readers = None, None, {}
                    cause = repr(exc.__cause__ or exc)
                    forget(exc)
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

    # Reading

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a member's query; raise only QueryError or IndexUnavailable."""
        for attempt in (1, 2):
            try:
                with self._search_lock:
                    return run(WhooshBackend(self._searcher_state(), self.vocabulary), query)
            except (QueryError, IndexUnavailable):
                raise
            except Exception as exc:
                # A merge in another process may have removed files this searcher had not
                # opened yet: reopen on the latest commit once before giving up.
                with self._lock:
                    self._state, self._ix, self._readers = None, None, {}
                if attempt == 2:
                    log.exception("Search failed; treating the index as unavailable")
                    forget(exc)
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
            forget(exc)
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
            forget(exc)
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

    def apply(self, docs: Iterable[SearchDocument], ids: Iterable[int], *,
              position: int | None = None) -> None:
        """Add docs and remove ids in one commit, which also records position (moving only
        forward: another process may have applied further meanwhile)."""
        batch, gone = list(docs), [int(i) for i in ids]
        if batch or gone or position is not None:
            self._write(batch, gone, position)

    def position(self) -> int | None:
        """Return the change log id recorded by the latest commit, or None."""
        return read_position(self.directory)

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
                forget(exc)
                raise IndexUnavailable(UNAVAILABLE) from exc
            if self._current_name() == name:
                return name, writer
            writer.cancel()  # a rebuild swapped generations while we waited

    def _write(self, docs: list[SearchDocument], ids: list[int],
               position: int | None = None) -> None:
        docs = list({doc.id: doc for doc in docs}.values())  # the last version of a post wins
        fields = [document_fields(doc) for doc in docs]
        name, writer = self._acquire_writer(time.monotonic() + self.lock_timeout)
        if position is not None and self._applied(name, writer, position):
            writer.cancel()
            return
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
            toc = self._record(name, writer, position)
            # No merging here: the member is waiting. Small segments are merged afterwards.
            # The commit's rename of its table of contents publishes the position too.
            writer.commit(merge=False)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                writer.cancel()
            if isinstance(exc, Exception):
                raise IndexUnavailable(UNAVAILABLE) from exc
            raise
        applied.forget_old(self.directory / name, toc)
        self._schedule_merge(name)

    def _applied(self, name: str, writer: Any, position: int) -> bool:
        """Tell whether the latest commit already recorded position (or further).

        Then another process (a worker's write, the follower) applied the same jobs while we
        loaded them, from rows read no earlier than ours: writing them again would only make
        every worker wait its turn on the lock for nothing.
        """
        current = applied.read(self.directory / name, writer.generation - 1)
        return current is not None and current >= position

    def _record(self, name: str, writer: Any, position: int | None) -> int:
        """Write the position of the writer's coming commit; return that commit's number.

        Without a new position (a merge, a fix) the previous commit's carries forward, so a
        place left by a crashed commit of the same number is never read as this one's.
        """
        generation = self.directory / name
        toc: int = writer.generation
        current = applied.read(generation, toc - 1)
        if position is None or (current is not None and current > position):
            position = current
        if position is not None:
            applied.write(generation, toc, position)
        return toc

    def _schedule_merge(self, name: str) -> None:
        """Merge small segments in a background thread once a size tier fills up."""
        try:
            ix = whoosh_index.open_dir(str(self.directory / name))
            counts = [segment.doc_count_all() for segment in internals.segments(ix)]
        except Exception:
            return
        if not tiers_to_merge(counts):
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
            self._record(name, writer, None)
            writer.commit(mergetype=merge_tiers)
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
        backend = WhooshBackend(state, self.vocabulary)

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
        lines = [json.dumps({"add": doc_to_json(doc)}) for doc in docs]
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
        position: int | None = None,
    ) -> None:
        """Build a fresh generation from docs and swap it in atomically.

        position (the change log id docs were read after) becomes the new generation's,
        written before the swap publishes it.

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
                write_atomically(self.directory / REBUILDING, name)
                count = building.fill(path, self.vocabulary, docs, total, progress)
                self._swap(name, journal, position)
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

    def _swap(self, name: str, journal: Path, position: int | None = None) -> None:
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
            if position is not None:
                generation = self.directory / name
                applied.write(generation, applied.newest_toc(generation), position)
            write_atomically(self.directory / CURRENT, name)
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
                        doc = doc_from_json(entry["add"])
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
