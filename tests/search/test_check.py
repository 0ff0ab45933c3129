"""`check` tells the operator which posts the index is missing, has stale, or should not have."""

from __future__ import annotations

from search import CheckReport, SearchQuery
from tests.search.conftest import make_doc


def test_check_reports_missing_stale_and_extra_posts(index):
    index.add([make_doc(1, version="a"), make_doc(2, version="b"), make_doc(3, version="c")])
    report = index.check({1: "a", 2: "b-edited", 4: "d"})
    assert report == CheckReport(missing=(4,), stale=(2,), extra=(3,))
    assert not report.ok


def test_check_of_an_index_in_step_with_the_database_is_ok(index):
    index.add([make_doc(1, version="a"), make_doc(2, version="b")])
    index.delete([2])
    assert index.versions() == {1: "a"}
    assert index.check({1: "a"}).ok


def test_rebuild_replaces_everything(index):
    index.add([make_doc(1, "Baclofen", "baclofen"), make_doc(2, "Tizanidine", "tizanidine")])
    index.rebuild([make_doc(3, "Gabapentin", "gabapentin")])
    assert index.versions() == {3: "v3"}
    assert index.search(SearchQuery("baclofen")).total == 0
    assert index.search(SearchQuery("neurontin")).total == 1
