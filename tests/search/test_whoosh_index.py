"""The Whoosh index on disk: concurrent writers, damage, rebuilds and consistency checks."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from search import IndexBusy, IndexUnavailable, SearchQuery, WhooshIndex
from search.whoosh import building as building_module
from search.whoosh import index as whoosh_index_module
from search.whoosh import searcher as searcher_module
from tests.search.conftest import load_vocabulary, make_doc


def current_generation(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


def add_posts(directory: str, first: int, count: int) -> None:
    """Add posts one at a time, as a gunicorn worker would (runs in a child process)."""
    index = WhooshIndex(Path(directory), load_vocabulary())
    for doc_id in range(first, first + count):
        index.add([make_doc(doc_id, f"Post {doc_id}", f"baclofen diary entry {doc_id}")])


def test_two_processes_writing_at_once_lose_no_posts(tmp_path, vocabulary):
    directory = tmp_path / "index"
    WhooshIndex(directory, vocabulary).rebuild([])
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=add_posts, args=(str(directory), first, 25)) for first in (1, 1001)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0

    index = WhooshIndex(directory, vocabulary)
    results = index.search(SearchQuery("baclofen", per_page=100))
    assert results.total == 50
    assert {hit.id for hit in results.hits} == set(range(1, 26)) | set(range(1001, 1026))
    assert index.check({i: f"v{i}" for i in [*range(1, 26), *range(1001, 1026)]}).ok


class FakeClock:
    """Stands in for the index module's `time`: sleeping only moves the clock on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __getattr__(self, name: str):
        return getattr(time, name)


def test_writer_waiting_too_long_for_the_lock_gets_index_busy(whoosh_index, monkeypatch):
    impatient = WhooshIndex(whoosh_index.directory, whoosh_index.vocabulary, lock_timeout=5)
    _, writer = whoosh_index._acquire_writer(time.monotonic() + 1)
    try:
        clock = FakeClock()
        with monkeypatch.context() as patch:
            patch.setattr(whoosh_index_module, "time", clock)
            with pytest.raises(IndexBusy):
                impatient.add([make_doc(1, "Baclofen", "baclofen")])
        # It backed off several times, waited out the timeout and not much longer.
        assert len(clock.sleeps) > 1
        assert max(clock.sleeps) <= 0.15  # the longest backoff step
        assert 5 <= clock.now < 5 + 0.15
    finally:
        writer.cancel()
    impatient.add([make_doc(1, "Baclofen", "baclofen")])
    assert impatient.search(SearchQuery("baclofen")).total == 1


def test_a_new_post_is_searchable_from_another_worker(whoosh_index):
    other_worker = WhooshIndex(whoosh_index.directory, whoosh_index.vocabulary)
    assert other_worker.search(SearchQuery("clonus")).total == 0
    whoosh_index.add([make_doc(1, "Clonus", "ankle clonus")])
    assert other_worker.search(SearchQuery("clonus")).total == 1
    whoosh_index.delete([1])
    assert other_worker.search(SearchQuery("clonus")).total == 0


def test_many_small_writes_are_merged_without_duplicating_posts(whoosh_index):
    for doc_id in range(1, 31):
        whoosh_index.add([make_doc(doc_id, "Spasms", f"spasms entry {doc_id}")])
        if doc_id % 10 == 0:
            whoosh_index.delete([doc_id])
    if whoosh_index._merging is not None:
        whoosh_index._merging.join(timeout=30)
    whoosh_index.merge_segments()
    results = whoosh_index.search(SearchQuery("spasms", per_page=100))
    assert results.total == 27
    assert sorted(hit.id for hit in results.hits) == [i for i in range(1, 31) if i % 10]


def test_missing_index_is_unavailable(tmp_path, vocabulary):
    index = WhooshIndex(tmp_path / "never-built", vocabulary)
    with pytest.raises(IndexUnavailable):
        index.search(SearchQuery("baclofen"))
    with pytest.raises(IndexUnavailable):
        index.add([make_doc(1, "Baclofen", "baclofen")])


@pytest.mark.parametrize("damage", ["delete", "corrupt", "truncate"])
def test_damaged_segment_makes_search_unavailable_until_rebuilt(whoosh_index, damage):
    posts = [make_doc(i, f"Baclofen {i}", "baclofen and tizanidine") for i in range(1, 6)]
    whoosh_index.add(posts)
    segments = list(current_generation(whoosh_index.directory).glob("*.seg"))
    assert segments
    for segment in segments:
        if damage == "delete":
            segment.unlink()
        elif damage == "corrupt":
            segment.write_bytes(b"\xff" * segment.stat().st_size)
        else:
            segment.write_bytes(segment.read_bytes()[:100])

    restarted = WhooshIndex(whoosh_index.directory, whoosh_index.vocabulary)
    with pytest.raises(IndexUnavailable):
        restarted.search(SearchQuery("baclofen"))

    restarted.rebuild(posts)
    assert restarted.search(SearchQuery("baclofen")).total == 5
    assert whoosh_index.search(SearchQuery("tizanidine")).total == 5


def test_rebuild_swaps_atomically_while_searches_continue(whoosh_index):
    old = [make_doc(i, f"Old {i}", "baclofen") for i in range(1, 4)]
    new = [make_doc(i, f"New {i}", "baclofen") for i in range(1, 41)]
    whoosh_index.add(old)
    searcher = WhooshIndex(whoosh_index.directory, whoosh_index.vocabulary)
    seen: list[int] = []
    errors: list[BaseException] = []
    stop, searched, saw_new = threading.Event(), threading.Event(), threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                total = searcher.search(SearchQuery("baclofen")).total
                seen.append(total)
                if total == 40:
                    saw_new.set()
            except BaseException as error:  # noqa: BLE001 - collected for the assertion
                errors.append(error)
            searched.set()

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        assert searched.wait(10)  # a search ran on the old generation first
        whoosh_index.rebuild(iter(new), total=len(new))
        assert saw_new.wait(10)  # and searches carry on into the new one
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert set(seen) <= {3, 40}
    assert seen[0] == 3 and seen[-1] == 40
    assert seen == sorted(seen)  # once swapped, never the old generation again
    generations = [p for p in whoosh_index.directory.iterdir() if p.name.startswith("gen-")]
    assert generations == [current_generation(whoosh_index.directory)]


def test_posts_written_during_a_rebuild_survive_the_swap(whoosh_index):
    other_worker = WhooshIndex(whoosh_index.directory, whoosh_index.vocabulary)
    whoosh_index.add([make_doc(50, "Doomed", "clonus"), make_doc(51, "Edited", "old words")])

    def database_rows():
        yield make_doc(1, "Baclofen", "baclofen")
        yield make_doc(50, "Doomed", "clonus")
        yield make_doc(51, "Edited", "old words")
        # Meanwhile members post, edit and delete through another worker.
        other_worker.add([make_doc(2, "Fresh", "tizanidine")])
        other_worker.add([make_doc(51, "Edited", "new words")])
        other_worker.delete([50])
        assert other_worker.search(SearchQuery("tizanidine")).total == 1
        yield make_doc(3, "Last row", "gabapentin")

    whoosh_index.rebuild(database_rows())
    for text, expected in [
        ("tizanidine", [2]),
        ("baclofen", [1]),
        ("gabapentin", [3]),
        ("clonus", []),
        ("new words", [51]),
        ("old", []),
    ]:
        assert [h.id for h in other_worker.search(SearchQuery(text)).hits] == expected, text
    assert not list(whoosh_index.directory.glob("*.journal"))


def test_second_rebuild_at_once_is_refused(whoosh_index):
    started = threading.Event()
    release = threading.Event()

    def slow_rows():
        started.set()
        release.wait(10)
        yield make_doc(1, "Baclofen", "baclofen")

    thread = threading.Thread(target=whoosh_index.rebuild, args=(slow_rows(),))
    thread.start()
    try:
        assert started.wait(10)
        with pytest.raises(IndexBusy):
            whoosh_index.rebuild([])
    finally:
        release.set()
        thread.join()
    assert whoosh_index.search(SearchQuery("baclofen")).total == 1


def test_rebuild_reports_progress(whoosh_index):
    counts: list[int] = []
    docs = [make_doc(i, "Post", "words") for i in range(1, 1201)]
    whoosh_index.rebuild(docs, total=len(docs), progress=counts.append)
    assert counts[-1] == 1200
    assert counts == sorted(counts)


def test_a_rebuild_split_over_helper_processes_indexes_every_post_once(
        whoosh_index, monkeypatch):
    monkeypatch.setattr(building_module, "MULTIPROC_THRESHOLD", 10)
    monkeypatch.setattr(building_module, "SEGMENT_DOCS", 7)
    monkeypatch.setattr(building_module, "REBUILD_PROCS", 2)
    docs = [make_doc(i, f"Post {i}", "baclofen" if i % 2 else "tizanidine") for i in range(1, 61)]
    counts: list[int] = []
    whoosh_index.rebuild([*docs, docs[0]], total=61, progress=counts.append)
    assert whoosh_index.search(SearchQuery("baclofen", per_page=100)).total == 30
    assert whoosh_index.search(SearchQuery("tizanidine", per_page=100)).total == 30
    assert sorted(whoosh_index.versions()) == list(range(1, 61))
    assert counts[-1] == 60 and counts == sorted(counts)
    whoosh_index.add([make_doc(61, "Written after the rebuild", "dantrolene")])
    assert [hit.id for hit in whoosh_index.search(SearchQuery("dantrolene")).hits] == [61]


def test_a_search_racing_another_workers_commit_is_retried_not_unavailable(
        whoosh_index, monkeypatch):
    whoosh_index.add([make_doc(1, "Baclofen at night", "baclofen")])
    other_worker = WhooshIndex(whoosh_index.directory, whoosh_index.vocabulary)
    other_worker.add([make_doc(2, "Baclofen in the morning", "baclofen")])
    real_reader = searcher_module.SegmentReader
    calls = []

    def reader_whose_files_a_merge_just_deleted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError("segment removed by another worker's merge")
        return real_reader(*args, **kwargs)

    monkeypatch.setattr(searcher_module, "SegmentReader",
                        reader_whose_files_a_merge_just_deleted)
    assert whoosh_index.search(SearchQuery("baclofen")).total == 2


def test_warming_never_raises_and_searches_after_it_find_the_same(whoosh_index, tmp_path):
    WhooshIndex(tmp_path / "never-built", whoosh_index.vocabulary).warm()  # missing: silent
    whoosh_index.add([make_doc(1, "Baclofen at night", "baclofen helps my spasms")])
    whoosh_index.warm()
    assert [hit.id for hit in whoosh_index.search(SearchQuery("baclofen")).hits] == [1]
    assert whoosh_index.search(SearchQuery("spasmss")).suggestion == "spasms"
