"""A pure-Python index with the same query semantics as the Whoosh one, for forum tests."""

from __future__ import annotations

import heapq
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass

from search.analysis import stems
from search.documents import CheckReport, SearchDocument, SearchQuery, SearchResults
from search.documents import compare_versions as _compare
from search.execution import run
from search.vocabulary import Vocabulary

TITLE_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class _Entry:
    doc: SearchDocument
    title: tuple[str, ...]
    body: tuple[str, ...]
    concepts: Counter[str]
    context: Counter[str]


class MemoryIndex:
    """Keep posts in dictionaries; good for a few thousand posts and for tests."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary(())
        self._entries: dict[int, _Entry] = {}
        self._postings: defaultdict[tuple[str, str], dict[int, int]] = defaultdict(dict)
        self._lock = threading.RLock()
        self._position: int | None = None

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

    def apply(self, docs: Iterable[SearchDocument], ids: Iterable[int], *,
              position: int | None = None) -> None:
        """Add docs and remove ids and record position, unless it was already recorded."""
        with self._lock:
            if position is not None and self._position is not None \
                    and self._position >= position:
                return
            self.add(docs)
            self.delete(ids)
            if position is not None and (self._position is None or position > self._position):
                self._position = position

    def position(self) -> int | None:
        """Return the last change log id recorded, or None."""
        return self._position

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        *,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
        position: int | None = None,
    ) -> None:
        """Replace every document with docs, and the recorded position with position."""
        fresh = MemoryIndex(self.vocabulary)
        for count, doc in enumerate(docs, 1):
            fresh._remove(doc.id)
            fresh._insert(doc)
            if progress is not None:
                progress(count)
        with self._lock:
            self._entries, self._postings = fresh._entries, fresh._postings
            self._position = position

    def _insert(self, doc: SearchDocument) -> None:
        text = f"{doc.title}\n{doc.body}"
        # A post is about its tags too, whether or not its words name them.
        concepts = Counter([*self.vocabulary.concepts_in(text), *doc.tags])
        context = Counter(self.vocabulary.concepts_in(doc.context)) if doc.context else Counter()
        entry = _Entry(doc, tuple(stems(doc.title)), tuple(stems(doc.body)), concepts, context)
        self._entries[doc.id] = entry
        for field, terms in self._fields(entry).items():
            for term, count in terms.items():
                self._postings[(field, term)][doc.id] = count

    def _remove(self, doc_id: int) -> None:
        entry = self._entries.pop(doc_id, None)
        if entry is None:
            return
        for field, terms in self._fields(entry).items():
            for term in terms:
                postings = self._postings.get((field, term))
                if postings is not None:
                    postings.pop(doc_id, None)
                    if not postings:
                        del self._postings[(field, term)]

    @staticmethod
    def _fields(entry: _Entry) -> dict[str, Counter[str]]:
        doc = entry.doc
        return {
            "title": Counter(entry.title),
            "body": Counter(entry.body),
            "concepts": entry.concepts,
            "context": entry.context,
            "tags": Counter(set(doc.tags)),
            "kind": Counter([doc.kind]),
            "treatment": Counter([doc.treatment] if doc.treatment else []),
            "visibility": Counter([doc.visibility]),
        }

    # Reading

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a member's query."""
        with self._lock:
            return run(_MemoryBackend(self), query)

    def available(self) -> bool:
        """An in-memory index is always there."""
        return True

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

    def postings(self, field: str, term: str) -> Mapping[int, float]:
        return self._postings.get((field, term), {})

    def champions(self, field: str, term: str) -> Set[int]:
        return self.postings(field, term).keys()

    def doc_count(self) -> int:
        return len(self._entries)

    def body_lengths(self) -> tuple[Mapping[int, int], float]:
        lengths = {doc_id: len(entry.body) for doc_id, entry in self._entries.items()}
        return lengths, sum(lengths.values()) / max(len(lengths), 1)

    def doc_frequency(self, stem: str) -> int:
        return len(self.term_docs("title", stem) | self.term_docs("body", stem))

    def term_docs(self, field: str, term: str) -> Set[int]:
        return self.postings(field, term).keys()

    def phrase_docs(self, words: tuple[str, ...]) -> Set[int]:
        candidates = set.intersection(
            *(set(self.term_docs("title", w) | self.term_docs("body", w)) for w in words)
        )
        return {
            doc_id
            for doc_id in candidates
            if _contains(self._entries[doc_id].title, words)
            or _contains(self._entries[doc_id].body, words)
        }

    def phrase_within(self, words: tuple[str, ...], keys: Set[int]) -> Set[int]:
        entries = self._entries
        return {k for k in keys if k in entries and (_contains(entries[k].title, words)
                                                     or _contains(entries[k].body, words))}

    def all_docs(self) -> Set[int]:
        return self._entries.keys()

    def hidden_docs(self, include_held: bool) -> Set[int]:
        hidden = {"removed", "deleted"} if include_held else {"held", "removed", "deleted"}
        return frozenset().union(*(self.term_docs("visibility", v) for v in hidden))

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

    def order(self, docs: Set[int], sort: str, limit: int) -> list[tuple[int, float]]:
        entries = self._entries

        def created(doc_id: int) -> float:
            return entries[doc_id].doc.created_at.timestamp()

        if sort == "helpful":
            top = heapq.nlargest(limit, docs, key=lambda d: (entries[d].doc.helpful, created(d)))
        else:
            top = heapq.nlargest(limit, docs, key=lambda d: (created(d), d))
        return [(d, 0.0) for d in top]

    def stored(self, key: int) -> tuple[int, int, str, str, str]:
        doc = self._entries[key].doc
        return doc.id, doc.thread_id, doc.kind, doc.title, doc.body

    def present(self, stems: Iterable[str]) -> list[str]:
        postings = self._postings
        return [s for s in stems if ("body", s) in postings or ("title", s) in postings]


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(words[i] == first and words[i : i + n] == phrase for i in range(len(words) - n + 1))
