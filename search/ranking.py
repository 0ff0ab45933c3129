"""Match and score posts for a plan, the same way for every index.

Scoring is BM25F: a word's frequencies in the title and the body (the body normalised by its
length) are weighted, summed and saturated once, times the word's idf. A clause scores the
best of its words, its concepts (synonyms, brands, misspellings and lay phrases found at
indexing time, weighted below the exact word) and its alternates (a likely correct
spelling). A post's score is the sum of its clause scores times a coordination factor, so
posts that match more of the member's concepts rank higher.

Which posts match: every required clause (quoted words and phrases), and should clauses
carrying at least MASS_SHARE of the query's weight (a clause weighs its idf, so a drug's name
counts for more than "side effects"); a post about every concept the member named always
matches. Filler words never decide a match.

Indexes provide postings (key -> term frequency) through the small Postings protocol; keys
are whatever the index uses internally.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

from search.querying import Clause, Plan

K1 = 1.2
BODY_B = 0.5  # how much a long body dilutes its words
TITLE_WEIGHT = 2.0  # answers carry their thread's title, so a title word is thread context
BODY_WEIGHT = 1.0
CONCEPT_WEIGHT = 0.8  # a concept named another way ranks just below the word typed
FAMILY_WEIGHT = 0.8  # a search-only family word ("hot" for "heat"), capped at the word's idf
CONTEXT_WEIGHT = 0.5  # an answer in a thread about the concept, whatever its own words
FILLER_WEIGHT = 0.15  # "does anyone find ..." words only break ties
COORDINATION = 2.0  # score * (share of the query's weight matched) ** COORDINATION
MASS_SHARE = 0.4  # a hit needs clauses carrying this share of the query's weight
MASS_CLAUSES = 8  # up to this many clauses, weigh them; beyond, count them
EXACT_SCORING_LIMIT = 4000
CHAMPIONS = 300


# (words, keys) -> those of keys where the words stand together, in order.
PhraseDocs = Callable[[tuple[str, ...], Set[int]], Set[int]]


class Postings(Protocol):
    """What an index offers the ranking: term statistics by index-internal key."""

    def doc_count(self) -> int:
        """Return how many posts the index holds."""

    def postings(self, field: str, term: str) -> Mapping[int, float]:
        """Return {key: frequency of term in field} for every post containing it."""

    def champions(self, field: str, term: str) -> Set[int]:
        """Return the keys where term is most frequent (all of them for rare terms)."""

    def body_lengths(self) -> tuple[Sequence[int] | Mapping[int, int], float]:
        """Return each post's body length in words (indexed by key) and the average."""


@dataclass(frozen=True, slots=True)
class _Part:
    """One way a clause can match: a word (title and body), a concept or an alternate."""

    title: Mapping[int, float]
    body: Mapping[int, float]
    weight: float  # idf times the part's boost
    docs: Set[int]


class _Scored:
    """A clause with its postings fetched, ready to match and score documents."""

    def __init__(self, index: Postings, clause: Clause, boost: float, total: int,
                 phrase_docs: PhraseDocs | None = None) -> None:
        self.boost = boost
        self.word_count = len(clause.words)
        self.terms = [(field, w) for w in clause.words for field in ("title", "body")]
        self.terms += [(field, w) for w, _ in clause.alternates for field in ("title", "body")]
        self.terms += [(field, w) for member, _ in clause.family for w in member.split()
                       for field in ("title", "body")]
        self.terms += [("concepts", slug) for slug, _ in clause.concepts]
        self.words = [_word(index, w, 1.0, total) for w in clause.words]
        if clause.phrase and phrase_docs is not None and len(self.words) > 1:
            # A should clause typed as a phrase ("dry mouth") counts its words only together.
            together = set(phrase_docs(clause.words, set.intersection(
                *(set(p.docs) for p in self.words))))
            self.words = [_Part({k: f for k, f in p.title.items() if k in together},
                                {k: f for k, f in p.body.items() if k in together},
                                p.weight, p.docs & together) for p in self.words]
        self.others = [_word(index, w, weight, total) for w, weight in clause.alternates]
        for slug, weight in clause.concepts:
            self.others += _concept(index, slug, weight, total)
        self.phrase = clause.phrase
        # A word no post contains still weighs in the ceiling (at the highest idf), so posts
        # matching only the rest of a query about an absent topic count as weak matches.
        self.ceiling = boost * max(
            [sum(p.weight for p in self.words)] + [p.weight for p in self.others]
        )
        if clause.synonym and self.others:
            # Another name for a concept (a brand, a misspelling) scores as the concept's own
            # name would, however rare the spelling; it still weighs its rarity in the query.
            cap = max(p.weight for p in self.others) / CONCEPT_WEIGHT
            self.words = [_Part(p.title, p.body, min(p.weight, cap), p.docs) for p in self.words]
        # A family word weighs below the word typed, however rare it is ("sauna" for "heat"),
        # and does not raise the clause's weight in the query.
        cap = FAMILY_WEIGHT * sum(p.weight for p in self.words)
        self.family: list[tuple[_Part, float]] = []
        for member, weight in clause.family:
            words = tuple(member.split())
            part = (_word(index, member, FAMILY_WEIGHT, total) if len(words) == 1
                    else _phrase(index, words, FAMILY_WEIGHT, total, phrase_docs))
            if part.docs:
                capped = weight * min(part.weight, cap)
                self.family.append((_Part(part.title, part.body, capped, part.docs),
                                    FAMILY_WEIGHT * weight))
        self.words = [p for p in self.words if p.docs]
        self.others = [p for p in self.others if p.docs]

    def docs(self) -> Set[int]:
        """Return the keys of posts with every word of the clause, or any concept or alternate."""
        found: set[int] = set()
        if self.words and len(self.words) == self.word_count:
            rarest = min((p.docs for p in self.words), key=len)
            found = set(rarest)
            for part in self.words:
                found.intersection_update(part.docs)
        for part in self.others:
            found.update(part.docs)
        for part, _ in self.family:
            found.update(part.docs)
        return found

    def said(self, key: int) -> bool:
        """Return whether a post has the clause's own words or a word of its family."""
        return (bool(self.words) and len(self.words) == self.word_count
                and all(key in p.docs for p in self.words)) or any(
            key in part.docs for part, _ in self.family)

    def credit(self, key: int) -> float:
        """Return how much of the clause's weight a matching post earns for coordination.

        A post with the word, a concept or an alternate earns all of it; one with only a
        family word ("hot" for "heat") earns that word's share, so it ranks below.
        """
        if not self.family or any(key in p.docs for p in self.words) or any(
            key in p.docs for p in self.others
        ):
            return 1.0
        return max((share for part, share in self.family if key in part.docs), default=1.0)

    def score(self, key: int, lengths: Sequence[int] | Mapping[int, int], average: float) -> float:
        """Return the clause's contribution to a post's score (0 when it does not match)."""
        best = 0.0
        norm = 1.0 - BODY_B + BODY_B * lengths[key] / average
        words = 0.0
        for part in self.words:
            tf = TITLE_WEIGHT * part.title.get(key, 0) + BODY_WEIGHT * part.body.get(key, 0) / norm
            if tf:
                words += part.weight * tf / (K1 + tf)
        best = words
        for part in self.others:
            tf = TITLE_WEIGHT * part.title.get(key, 0) + BODY_WEIGHT * part.body.get(key, 0) / norm
            if tf:
                best = max(best, part.weight * tf / (K1 + tf))
        for part, _ in self.family:
            tf = TITLE_WEIGHT * part.title.get(key, 0) + BODY_WEIGHT * part.body.get(key, 0) / norm
            if tf:
                best = max(best, part.weight * tf / (K1 + tf))
        return self.boost * best


def _idf(total: int, df: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def _word(index: Postings, word: str, boost: float, total: int) -> _Part:
    title = index.postings("title", word)
    body = index.postings("body", word)
    docs: Set[int] = title.keys() | body.keys() if title else body.keys()
    return _Part(title, body, boost * _idf(total, len(docs)), docs)


def _phrase(index: Postings, words: tuple[str, ...], boost: float, total: int,
            phrase_docs: PhraseDocs | None) -> _Part:
    """Return the part for words standing together (or, without positions, all present)."""
    parts = [_word(index, w, 1.0, total) for w in words]
    docs: Set[int] = set.intersection(*(set(p.docs) for p in parts))
    if docs and phrase_docs is not None:
        docs = set(phrase_docs(words, docs))
    title = {k: min(p.title.get(k, 0) for p in parts) for k in docs}
    body = {k: min(p.body.get(k, 0) for p in parts) for k in docs}
    return _Part({k: f for k, f in title.items() if f}, body, boost * _idf(total, len(docs)), docs)


def _concept(index: Postings, slug: str, boost: float, total: int) -> list[_Part]:
    """Return the parts for a concept: named in the post, and named in the post's thread."""
    found = index.postings("concepts", slug)
    idf = _idf(total, len(found))
    # Concepts are counted once per mention anywhere in the post: score them as body text.
    parts = [_Part({}, found, CONCEPT_WEIGHT * boost * idf, found.keys())]
    thread = index.postings("context", slug)
    if thread:
        parts.append(_Part({}, thread, CONTEXT_WEIGHT * boost * idf, thread.keys()))
    return parts


class Ranking:
    """A plan's clauses with their postings: which posts match, and how well."""

    def __init__(self, index: Postings, plan: Plan, phrase_docs: PhraseDocs | None = None) -> None:
        """:param phrase_docs: where words stand together; family phrases need it to be exact."""
        self._index = index
        total = max(index.doc_count(), 1)
        self._plan = plan
        self.required = [_Scored(index, c, 1.0, total) for c in plan.required]
        self.should = [_Scored(index, c, 1.0, total, phrase_docs) for c in plan.should]
        # Filler words only break ties; a hint at a concept (from an ambiguous word) counts.
        self.optional = [
            _Scored(index, c, FILLER_WEIGHT if c.words else 1.0, total) for c in plan.optional
        ]
        self.minimum = plan.minimum_should_match()
        self._lengths: tuple[Sequence[int] | Mapping[int, int], float] | None = None

    def required_docs(self, phrase_docs: Callable[[tuple[str, ...]], Set[int]]) -> list[Set[int]]:
        """Return, per required clause, the keys of posts it matches (phrases word for word)."""
        return [
            phrase_docs(clause.words) if clause.phrase else scored.docs()
            for clause, scored in zip(self._plan.required, self.required, strict=True)
        ]

    def matching(self, required: Iterable[Set[int]]) -> set[int] | None:
        """Return the keys of posts that satisfy the plan within required, or None for "all".

        :param required: sets every hit must be in (phrases, filters), smallest first best.
        """
        sets = sorted(list(required), key=len)
        docs: set[int] | None = None
        for found in sets:
            docs = set(found) if docs is None else docs & found
            if not docs:
                return set()
        if not self.should:
            if self.optional:  # only filler words: any of them
                some = set().union(*(c.docs() for c in self.optional))
                return some if docs is None else docs & some
            return docs
        clause_sets = [c.docs() for c in self.should]
        n = len(clause_sets)
        if self._plan.loose or n == 1:
            hits = set().union(*clause_sets)
        elif n <= MASS_CLAUSES:
            hits = self._by_weight(clause_sets)
        else:
            counts = Counter(chain.from_iterable(clause_sets))
            hits = {key for key, c in counts.items() if c >= self.minimum}
        # A post about every concept the member named (a drug, a symptom) is always a hit;
        # the plain words around them ("stopped working", "calf") rank, they do not filter.
        named = [found for found, clause in zip(clause_sets, self._plan.should, strict=True)
                 if clause.concepts and not clause.broad]
        if named and len(named) < n:
            rarest = min(named, key=len)
            hits |= set(rarest).intersection(*named)
        return hits if docs is None else hits & docs

    def _by_weight(self, clause_sets: Sequence[Set[int]]) -> set[int]:
        """Return posts matching clauses that carry at least MASS_SHARE of the query's weight.

        A rare word (a drug's name) weighs more than two common ones ("side effects"), so a
        post naming the drug qualifies where one with only the common words does not.
        """
        weights = [c.ceiling for c in self.should]
        need = MASS_SHARE * sum(weights)
        n = len(clause_sets)
        minimal: list[int] = []
        for mask in range(1, 1 << n):
            if sum(weights[i] for i in range(n) if mask >> i & 1) < need:
                continue
            if any(m & mask == m for m in minimal):
                continue
            minimal.append(mask)
        hits: set[int] = set()
        for mask in minimal:
            chosen = sorted((clause_sets[i] for i in range(n) if mask >> i & 1), key=len)
            found = set(chosen[0])
            for other in chosen[1:]:
                found &= other
            hits |= found
        return hits

    def top(self, docs: Set[int], limit: int) -> list[tuple[int, float]]:
        """Return the best limit (key, score) pairs of docs, best first.

        Posts are scored a coordination level at a time, most clauses matched first; a level
        whose best possible score cannot reach the current limit-th score is skipped, and a
        level too large to score whole is cut to the posts where its words are most frequent.
        """
        if limit <= 0 or not docs:
            return []
        if self._lengths is None:
            self._lengths = self._index.body_lengths()
        lengths, average = self._lengths
        average = max(average, 1.0)
        should = self.should
        levels: dict[int, list[int]] = {}
        if should and self.minimum < len(should):
            sets = [c.docs() for c in should]
            counts = Counter(chain.from_iterable(s for s in sets))
            for key in docs:
                levels.setdefault(counts.get(key, 0), []).append(key)
        else:
            levels[len(should)] = list(docs)
        base = sum(c.ceiling for c in self.required) + sum(c.ceiling for c in self.optional)
        ceilings = sorted((c.ceiling for c in should), reverse=True)
        mass = sum(ceilings) or 1.0
        best: list[tuple[float, int]] = []  # a min-heap of (score, key)

        hints = [c.hint_for for c in self._plan.optional]

        def score(key: int) -> float:
            total = 0.0
            matched = 0.0
            for clause in should:
                part = clause.score(key, lengths, average)
                if part:
                    matched += clause.ceiling * clause.credit(key)
                    total += part
            for clause in self.required:
                total += clause.score(key, lengths, average)
            for clause, hint_for in zip(self.optional, hints, strict=True):
                # A concept hinted at by an ambiguous word counts only beside that word.
                if hint_for is None or (hint_for < len(should) and should[hint_for].said(key)):
                    total += clause.score(key, lengths, average)
            if should:
                total *= (matched / mass) ** COORDINATION
            return total

        for level in sorted(levels, reverse=True):
            keys = levels[level]
            if should:
                share = sum(ceilings[: max(level, 1)]) / mass
                bound = (base + sum(ceilings[:level])) * share ** COORDINATION
                if len(best) >= limit and bound <= best[0][0]:
                    break
            if len(keys) > EXACT_SCORING_LIMIT:
                keys = self._champions(keys, limit)
            for key in keys:
                entry = (score(key), key)
                if len(best) < limit:
                    heapq.heappush(best, entry)
                elif entry > best[0]:
                    heapq.heapreplace(best, entry)
        return [(key, round(value, 6)) for value, key in sorted(best, reverse=True)]

    def _champions(self, keys: list[int], limit: int) -> list[int]:
        """Return the keys among keys where some clause's terms are most frequent."""
        pool: set[int] = set()
        for clause in self.required + self.should + self.optional:
            for term in clause.terms:
                pool.update(self._index.champions(*term))
        chosen = [key for key in keys if key in pool]
        return chosen if len(chosen) >= limit else keys

