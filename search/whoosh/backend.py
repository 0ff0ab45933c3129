"""The query primitives search.execution needs, over one Whoosh searcher."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Set
from itertools import chain

from whoosh import query as wq

from search.ranking import CHAMPIONS
from search.vocabulary import Vocabulary
from search.whoosh import internals
from search.whoosh.searcher import SearcherState

TERM_CACHE_ENTRIES = 600_000


class WhooshBackend:
    """The query primitives over one Whoosh searcher; keys are Whoosh document numbers."""

    def __init__(self, state: SearcherState, vocabulary: Vocabulary) -> None:
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
                found.update(internals.read_postings(leaf, offset, field, term))
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

    def phrase_within(self, words: tuple[str, ...], keys: Set[int]) -> Set[int]:
        """Return those of keys with the stems adjacent, in order, in title or body.

        The phrases asked for this way are the taxonomy's family phrases, a fixed few, so
        each is found once per searcher and kept (a phrase query walks every posting).
        """
        phrases = self._state.phrases
        found = phrases.get(words)
        if found is None:
            found = phrases[words] = frozenset(self.phrase_docs(words))
        return found & keys if len(found) < len(keys) else {k for k in keys if k in found}

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
        fields = self._reader.stored_fields(key)
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
