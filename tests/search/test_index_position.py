"""The change log id an index records is published by the same commit as the changes."""

from __future__ import annotations

import pytest

from search import WhooshIndex
from search.whoosh import position as position_module
from tests.search.conftest import make_doc


class Crash(BaseException):
    """The process dying at a chosen point (not an error the index may catch)."""


def crash_after_writing_the_position(monkeypatch) -> None:
    write = position_module.write

    def write_then_die(*args, **kwargs):
        write(*args, **kwargs)
        raise Crash

    monkeypatch.setattr(position_module, "write", write_then_die)


def test_an_index_records_the_position_of_its_last_commit(index):
    assert index.position() is None
    index.apply([make_doc(1, "Baclofen at night")], [], position=3)
    assert index.position() == 3
    index.apply([make_doc(2, "Tizanidine dose")], [1], position=5)
    assert index.position() == 5
    assert sorted(index.versions()) == [2]


def test_the_position_only_moves_forward(index):
    index.apply([make_doc(1)], [], position=7)
    index.add([make_doc(3)])  # a write with no position keeps the recorded one
    assert index.position() == 7
    assert sorted(index.versions()) == [1, 3]


def test_jobs_another_process_already_applied_are_not_written_again(index):
    index.apply([make_doc(1, "Baclofen pump refills")], [], position=7)
    # A slower process read jobs up to 5 before: it would only rewrite what is there.
    index.apply([make_doc(2)], [1], position=5)
    assert index.position() == 7
    assert sorted(index.versions()) == [1]
    index.apply([make_doc(2)], [1], position=8)
    assert index.position() == 8
    assert sorted(index.versions()) == [2]


def test_a_rebuild_swaps_in_its_own_position(index):
    index.apply([make_doc(1)], [], position=9)
    index.rebuild([make_doc(1), make_doc(2)], position=4)
    assert index.position() == 4  # what the rebuild read: later jobs are applied after it
    assert sorted(index.versions()) == [1, 2]


def test_a_crash_before_the_commit_leaves_the_old_position_with_the_old_index(
        tmp_path, vocabulary, monkeypatch):
    index = WhooshIndex(tmp_path / "index", vocabulary)
    index.rebuild([make_doc(1)], position=5)
    crash_after_writing_the_position(monkeypatch)
    with pytest.raises(Crash):
        index.apply([make_doc(2, "Dantrolene and the liver")], [], position=8)
    monkeypatch.undo()
    fresh = WhooshIndex(tmp_path / "index", vocabulary)  # another process, or a restart
    assert fresh.position() == 5  # never ahead of what the index holds
    assert sorted(fresh.versions()) == [1]
    fresh.apply([make_doc(2, "Dantrolene and the liver")], [], position=8)  # applied again
    assert fresh.position() == 8
    assert sorted(fresh.versions()) == [1, 2]


def test_a_merge_after_a_crashed_commit_does_not_take_its_position(
        tmp_path, vocabulary, monkeypatch):
    index = WhooshIndex(tmp_path / "index", vocabulary)
    index.rebuild([make_doc(1)], position=5)
    crash_after_writing_the_position(monkeypatch)
    with pytest.raises(Crash):
        index.apply([make_doc(2)], [], position=8)
    monkeypatch.undo()
    assert index.merge_segments()  # commits under the number the crashed commit wrote
    assert index.position() == 5
    assert sorted(index.versions()) == [1]


def test_a_rebuild_that_dies_before_its_swap_leaves_the_old_position(
        tmp_path, vocabulary, monkeypatch):
    index = WhooshIndex(tmp_path / "index", vocabulary)
    index.rebuild([make_doc(1)], position=5)
    index.apply([make_doc(2)], [], position=6)
    crash_after_writing_the_position(monkeypatch)
    with pytest.raises(Crash):
        index.rebuild([make_doc(1), make_doc(2), make_doc(3)], position=9)
    monkeypatch.undo()
    fresh = WhooshIndex(tmp_path / "index", vocabulary)
    assert fresh.position() == 6
    assert sorted(fresh.versions()) == [1, 2]
