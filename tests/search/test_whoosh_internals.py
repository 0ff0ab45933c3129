"""The Whoosh internals search.whoosh relies on: a whoosh3 upgrade that changes them fails here."""

from __future__ import annotations

from whoosh.index import open_dir

from search.whoosh import internals
from search.whoosh.index import CURRENT
from tests.search.conftest import make_doc


def test_every_private_whoosh_internal_used_is_still_there():
    assert internals.check() == [], (
        f"Whoosh internals changed since {internals.TESTED_WITH}: update search/whoosh/internals.py"
    )


def test_block_reads_of_postings_agree_with_whoosh_public_matcher(whoosh_index):
    whoosh_index.add([make_doc(i, "Spasms", "spasms " * (i % 4 + 1)) for i in range(1, 400)])
    whoosh_index.delete([5])
    name = (whoosh_index.directory / CURRENT).read_text().strip()
    ix = open_dir(str(whoosh_index.directory / name))
    with ix.searcher() as searcher:
        for leaf, offset in searcher.reader().leaf_readers():
            public = {}
            matcher = leaf.postings("body", "spasm")
            while matcher.is_active():
                public[offset + matcher.id()] = matcher.weight()
                matcher.next()
            found = internals.read_postings(leaf, offset, "body", "spasm")
            live = {k: v for k, v in found.items()
                    if k - offset not in internals.deleted_docnums(leaf)}
            assert live == public
            assert internals.read_postings(leaf, offset, "body", "absentword") == {}
    assert len(internals.segments(ix)) >= 1
    assert internals.table_of_contents(ix).generation == ix.latest_generation()
