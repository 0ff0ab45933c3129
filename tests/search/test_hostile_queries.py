"""Whatever a member types, search answers or says why not, and never leaks hidden posts."""

from __future__ import annotations

import random

import pytest

from search import QueryError, SearchQuery
from tests.search.conftest import make_doc

HOSTILE = [
    "author:admin",
    "visibility:held",
    "visibility:removed baclofen",
    "title:baclofen",
    '"unbalanced quote',
    'baclofen "',
    '"',
    '""',
    '-"',
    "*",
    "baclo*",
    "?",
    "AND OR NOT",
    "baclofen AND NOT tizanidine",
    "NOT baclofen",
    "(baclofen",
    "baclofen)",
    "[TO]",
    "{a TO z}",
    "baclofen^100",
    "baclofen~2",
    "-",
    "--",
    "- -baclofen",
    "-baclofen",
    "-secret",
    "x" * 5000,
    "baclofen " * 1000,
    "\x00\x01\x02 baclofen \x1b[31m",
    "bac\u200blofen",
    "\ud800 baclofen \udfff",
    "\U0001f600 spasms \U0001f4a9",
    "ĺïörēšàł",
    "<script>alert(1)</script>",
    "'; DROP TABLE posts; --",
    "%s %d %(id)s {0}",
    "\\",
    "baclofen\\",
    "\t\n\r",
    "",
    "the a an of",
    "“nocturnal spasms”",
    "\u202etxet\u202c",
]

ALPHABET = 'abcdefghijklmnop -"*:()^~?\\!\x00\u00e9\u00df\ud800\U0001f600AND OR NOT '


def seeded_queries(count: int = 300) -> list[str]:
    rng = random.Random(1234)
    words = ["baclofen", "secret", "held", "-", '"', "author:", "NOT", "*", "spasms", "pump"]
    queries = []
    for _ in range(count):
        if rng.random() < 0.5:
            queries.append("".join(rng.choices(ALPHABET, k=rng.randint(0, 40))))
        else:
            queries.append(" ".join(rng.choices(words, k=rng.randint(1, 8))))
    return queries


@pytest.fixture
def guarded(index):
    index.add(
        [
            make_doc(1, "Baclofen at night", "baclofen helps my nocturnal spasms"),
            make_doc(2, "Secret baclofen", "held secret baclofen pump", visibility="held"),
            make_doc(3, "Removed baclofen", "removed secret baclofen", visibility="removed"),
            make_doc(4, "Deleted baclofen", "deleted secret baclofen", visibility="deleted"),
        ]
    )
    return index


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_query_gives_results_or_a_query_error(guarded, text):
    try:
        results = guarded.search(SearchQuery(text))
    except QueryError as error:
        assert str(error)
        return
    assert {hit.id for hit in results.hits} <= {1}
    assert results.total <= 1
    for hit in results.hits:
        assert "<script" not in hit.title_html + hit.snippet_html


def test_very_long_query_is_shortened_with_a_notice(guarded):
    results = guarded.search(SearchQuery("baclofen " + "x" * 5000))
    assert results.notice == "Your search was shortened to its first 200 characters."


def test_seeded_random_queries_never_raise_or_leak(guarded):
    for text in seeded_queries():
        for include_held in (False, True):
            try:
                results = guarded.search(SearchQuery(text, include_held=include_held))
            except QueryError:
                continue
            allowed = {1, 2} if include_held else {1}
            assert {hit.id for hit in results.hits} <= allowed, text


def test_odd_filter_values_never_raise_anything_but_query_error(guarded):
    odd = [
        SearchQuery("baclofen", tags=("no-such-tag",)),
        SearchQuery("baclofen", tags=("",)),
        SearchQuery("baclofen", treatment="\x00"),
        SearchQuery("baclofen", min_effectiveness=-5),
        SearchQuery("baclofen", page=-3, per_page=-1),
        SearchQuery("baclofen", page=10**12),
        SearchQuery("baclofen", page="two"),  # type: ignore[arg-type]
        SearchQuery(None),  # type: ignore[arg-type]
    ]
    for query in odd:
        try:
            results = guarded.search(query)
        except QueryError:
            continue
        assert {hit.id for hit in results.hits} <= {1}
