"""A pure-Python index with the same query semantics as the Whoosh one, for forum tests."""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass

from search.analysis import edit_distance, stems, surface_form
from search.documents import CheckReport, SearchDocument, SearchQuery, SearchResults
from search.documents import compare_versions as _compare
from search.execution import run
from search.querying import Clause, Plan
from search.vocabulary import Vocabulary

TITLE_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class _Entry:
    doc: SearchDocument
    title: tuple[str, ...]
    body: tuple[str, ...]
    concepts: Counter[str]


class MemoryIndex:
    """Keep posts in dictionaries; good for a few thousand posts and for tests."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary(())
        self._entries: dict[int, _Entry] = {}
        self._postings: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
        self._lock = threading.RLock()

    # Writing

    def add(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace documents by id."""
        with self._lock:
            for doc in docs:
                self._remove(doc.id)
                self._insert(doc)

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        with self._lock:
            for doc_id in ids:
                self._remove(doc_id)

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        *,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Replace every document with docs."""
        fresh = MemoryIndex(self.vocabulary)
        for count, doc in enumerate(docs, 1):
            fresh._remove(doc.id)
            fresh._insert(doc)
            if progress is not None:
                progress(count)
        with self._lock:
            self._entries, self._postings = fresh._entries, fresh._postings

    def _insert(self, doc: SearchDocument) -> None:
        text = f"{doc.title}\n{doc.body}"
        # A post is about its tags too, whether or not its words name them.
        concepts = Counter([*self.vocabulary.concepts_in(text), *doc.tags])
        entry = _Entry(doc, tuple(stems(doc.title)), tuple(stems(doc.body)), concepts)
        self._entries[doc.id] = entry
        for field, terms in self._fields(entry).items():
            for term in terms:
                self._postings[(field, term)].add(doc.id)

    def _remove(self, doc_id: int) -> None:
        entry = self._entries.pop(doc_id, None)
        if entry is None:
            return
        for field, terms in self._fields(entry).items():
            for term in terms:
                postings = self._postings.get((field, term))
                if postings is not None:
                    postings.discard(doc_id)
                    if not postings:
                        del self._postings[(field, term)]

    @staticmethod
    def _fields(entry: _Entry) -> dict[str, set[str]]:
        doc = entry.doc
        return {
            "title": set(entry.title),
            "body": set(entry.body),
            "concepts": set(entry.concepts),
            "tags": set(doc.tags),
            "kind": {doc.kind},
            "treatment": {doc.treatment} if doc.treatment else set(),
            "visibility": {doc.visibility},
        }

    # Reading

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a member's query."""
        with self._lock:
            return run(_MemoryBackend(self), query)

    def warm(self) -> None:
        """Nothing to read ahead: everything is in memory."""

    def versions(self) -> dict[int, str]:
        """Return every indexed id with its version stamp."""
        with self._lock:
            return {doc_id: entry.doc.version for doc_id, entry in self._entries.items()}

    def check(self, expected: Mapping[int, str]) -> CheckReport:
        """Compare the index with the database's id -> version map."""
        return _compare(self.versions(), expected)

    def __len__(self) -> int:
        return len(self._entries)


class _MemoryBackend:
    """The query primitives over a MemoryIndex; keys are post ids."""

    def __init__(self, index: MemoryIndex) -> None:
        self.vocabulary = index.vocabulary
        self._entries = index._entries
        self._postings = index._postings

    def _docs(self, field: str, term: str) -> Set[int]:
        return self._postings.get((field, term), frozenset())

    def doc_frequency(self, stem: str) -> int:
        return len(self._docs("title", stem) | self._docs("body", stem))

    def term_docs(self, field: str, term: str) -> Set[int]:
        return self._docs(field, term)

    def phrase_docs(self, words: tuple[str, ...]) -> Set[int]:
        candidates = set.intersection(
            *(set(self._docs("title", w) | self._docs("body", w)) for w in words)
        )
        return {
            doc_id
            for doc_id in candidates
            if _contains(self._entries[doc_id].title, words)
            or _contains(self._entries[doc_id].body, words)
        }

    def all_docs(self) -> Set[int]:
        return self._entries.keys()

    def hidden_docs(self, include_held: bool) -> Set[int]:
        hidden = {"removed", "deleted"} if include_held else {"held", "removed", "deleted"}
        return frozenset().union(*(self._docs("visibility", v) for v in hidden))

    def effective_docs(self, minimum: int, maximum: int = 5) -> Set[int]:
        return {
            doc_id
            for doc_id, entry in self._entries.items()
            if entry.doc.effectiveness is not None
            and minimum <= entry.doc.effectiveness <= maximum
        }

    def count_tags(self, docs: Set[int]) -> Counter[str]:
        entries = self._entries
        return Counter(tag for d in docs for tag in dict.fromkeys(entries[d].doc.tags))

    def rank(self, plan: Plan, docs: Set[int], sort: str, limit: int) -> list[tuple[int, float]]:
        def created(doc_id: int) -> float:
            return self._entries[doc_id].doc.created_at.timestamp()

        if sort == "new":
            top = heapq.nlargest(limit, docs, key=lambda d: (created(d), d))
            return [(d, 0.0) for d in top]
        if sort == "helpful":
            entries = self._entries
            top = heapq.nlargest(limit, docs, key=lambda d: (entries[d].doc.helpful, created(d)))
            return [(d, 0.0) for d in top]
        scores = {d: self._score(plan, d) for d in docs}
        top = heapq.nlargest(limit, docs, key=lambda d: (scores[d], created(d)))
        return [(d, scores[d]) for d in top]

    def _score(self, plan: Plan, doc_id: int) -> float:
        entry = self._entries[doc_id]
        total_docs = max(len(self._entries), 1)
        score = 0.0
        for clause in plan.required + plan.optional:
            best = 0.0
            if (
                not clause.phrase
                or _contains(entry.title, clause.words)
                or _contains(entry.body, clause.words)
            ):
                for word in clause.words:
                    idf = math.log(1 + total_docs / max(self.doc_frequency(word), 1))
                    tf = TITLE_WEIGHT * entry.title.count(word) + entry.body.count(word)
                    best += idf * tf / (tf + 1.2)
            for slug, boost in clause.concepts:
                tf = entry.concepts[slug]
                if tf:
                    df = max(len(self._docs("concepts", slug)), 1)
                    idf = math.log(1 + total_docs / df)
                    best = max(best, boost * idf * tf / (tf + 1.2))
            score += best
        return round(score, 6)

    def stored(self, key: int) -> tuple[int, int, str, str, str]:
        doc = self._entries[key].doc
        return doc.id, doc.thread_id, doc.kind, doc.title, doc.body

    def correct(self, clause: Clause) -> str | None:
        word = clause.words[0]
        if len(word) < 4 or self.doc_frequency(word):
            return None
        limit = 1 if len(word) < 7 else 2
        candidates = {term for (field, term) in self._postings if field in ("title", "body")}
        best = min(
            (
                (edit_distance(word, term, limit), -self.doc_frequency(term), term)
                for term in candidates
                if abs(len(term) - len(word)) <= limit
            ),
            default=None,
        )
        if best is None or best[0] > limit:
            return None
        return surface_form(best[2], clause.typed.lower())


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(words[i] == first and words[i : i + n] == phrase for i in range(len(words) - n + 1))
