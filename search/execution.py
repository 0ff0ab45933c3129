"""Run a SearchQuery against an index's primitives: the query semantics both indexes share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Set
from dataclasses import replace
from types import MappingProxyType
from typing import Protocol

from search.analysis import edits1, fold, stem, surface_form
from search.documents import Hit, SearchQuery, SearchResults
from search.highlight import Highlighter
from search.querying import Clause, Plan, normalise, parse, suggestion
from search.ranking import Postings, Ranking
from search.vocabulary import Vocabulary

FEW_RESULTS = 5
EMPTY_NOTICE = "Type a word or phrase to search for."
LOOSE_NOTICE = "No posts contain all of your words, so these contain some of them."
CORRECTED_WEIGHT = 0.8


class Backend(Postings, Protocol):
    """The primitives an index offers the shared query logic; keys are index-internal."""

    vocabulary: Vocabulary

    def doc_frequency(self, stem: str) -> int:
        """Return how many posts contain stem in their title or body."""

    def term_docs(self, field: str, term: str) -> Set[int]:
        """Return the keys of posts with term in field."""

    def phrase_docs(self, words: tuple[str, ...]) -> Set[int]:
        """Return the keys of posts with the stems adjacent, in order, in title or body."""

    def phrase_within(self, words: tuple[str, ...], keys: Set[int]) -> Set[int]:
        """Return those of keys with the stems adjacent, in order, in title or body."""

    def all_docs(self) -> Set[int]:
        """Return the keys of every post."""

    def hidden_docs(self, include_held: bool) -> Set[int]:
        """Return the keys of posts this searcher may not see."""

    def effective_docs(self, minimum: int, maximum: int = 5) -> Set[int]:
        """Return the keys of experiences rated from minimum to maximum."""

    def count_tags(self, docs: Set[int]) -> Counter[str]:
        """Return how many of docs carry each tag."""

    def order(self, docs: Set[int], sort: str, limit: int) -> list[tuple[int, float]]:
        """Return up to limit (key, 0.0) pairs from docs, newest or most helpful first."""

    def stored(self, key: int) -> tuple[int, int, str, str, str]:
        """Return a post's id, thread id, kind, title and body."""

    def present(self, stems: Iterable[str]) -> list[str]:
        """Return those of stems that some post (visible or not) has in its title or body."""


def run(backend: Backend, query: SearchQuery) -> SearchResults:
    """Answer a search: match, filter, count facets, sort, page and highlight."""
    query = normalise(query)
    plan = parse(query.text, backend.vocabulary, backend.doc_frequency)
    filters = _filters(backend, query)
    if not plan.has_terms and not plan.excluded and not filters:
        return SearchResults(0, query.page, query.per_page, (), notice=plan.notice or EMPTY_NOTICE)

    hidden = backend.hidden_docs(query.include_held)
    fixes = _spellings(backend, plan, hidden)
    typed = plan
    plan = _with_alternates(plan, fixes)
    if filters and _narrowing(query):
        # The member already named the topic (a tag) or the kind of post: within it, a post
        # with any of their words is a candidate, and coordination ranks those with more first.
        plan = plan.loosened()
    ranking = Ranking(backend, plan, backend.phrase_within)
    docs = _match(backend, ranking, plan, filters, hidden)
    notice = plan.notice
    if not docs and len(plan.should) > 1:
        loose = plan.loosened()
        loose_ranking = Ranking(backend, loose, backend.phrase_within)
        docs = _match(backend, loose_ranking, loose, filters, hidden)
        if docs:
            plan, ranking, notice = loose, loose_ranking, notice or LOOSE_NOTICE

    counts = backend.count_tags(docs)
    facets = MappingProxyType(dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
    sort = query.sort if plan.has_terms else ("new" if query.sort == "relevance" else query.sort)
    first = (query.page - 1) * query.per_page
    ranked: list[tuple[int, float]] = []
    if first < len(docs):
        if sort == "relevance":
            ranked = ranking.top(docs, first + query.per_page)
        else:
            ranked = backend.order(docs, sort, first + query.per_page)

    highlighter = Highlighter(backend.vocabulary, plan.highlight_stems, plan.highlight_concepts)
    hits = []
    for key, score in ranked[first : first + query.per_page]:
        doc_id, thread_id, kind, title, body = backend.stored(key)
        hits.append(
            Hit(doc_id, thread_id, kind, score, highlighter.title(title), highlighter.snippet(body))
        )
    hint = None
    if len(docs) < FEW_RESULTS or plan.corrections or fixes:
        hint = suggestion(typed, lambda clause: fixes.get(clause.typed, (None, ""))[1])
    return SearchResults(len(docs), query.page, query.per_page, tuple(hits), facets, hint, notice)


def _spellings(backend: Backend, plan: Plan, hidden: Set[int]) -> dict[str, tuple[str, str]]:
    """Return typed word -> (stem, display word) for single words no post contains.

    Only words of posts the searcher may see are offered: a word that exists only in held or
    removed posts is never suggested, so "Did you mean" cannot reveal it.
    """
    fixes: dict[str, tuple[str, str]] = {}
    for clause in plan.required + plan.should:
        if len(clause.words) != 1 or clause.phrase or clause.typed in fixes:
            continue
        word = clause.words[0]
        if len(word) < 4 or backend.doc_frequency(word):
            continue
        nearby = edits1(word) | {stem(c) for c in edits1(fold(clause.typed))}
        candidates = sorted(
            backend.present(nearby), key=lambda c: (-backend.doc_frequency(c), c)
        )
        for candidate in candidates:
            posts = backend.term_docs("title", candidate) | backend.term_docs("body", candidate)
            if posts - hidden:
                fixes[clause.typed] = (candidate, surface_form(candidate, clause.typed.lower()))
                break
    return fixes


def _with_alternates(plan: Plan, fixes: dict[str, tuple[str, str]]) -> Plan:
    """Let a word no post contains match its likely correct spelling, at a lower weight."""
    if not fixes:
        return plan
    should = tuple(
        replace(c, alternates=((fixes[c.typed][0], CORRECTED_WEIGHT),))
        if c.typed in fixes and not c.concepts else c
        for c in plan.should
    )
    return replace(plan, should=should)


def _narrowing(query: SearchQuery) -> bool:
    return bool(query.tags or query.kind)


def _filters(backend: Backend, query: SearchQuery) -> list[Set[int]]:
    filters = [backend.term_docs("tags", tag) for tag in dict.fromkeys(query.tags)]
    if query.kind:
        filters.append(backend.term_docs("kind", query.kind))
    if query.treatment:
        filters.append(backend.term_docs("treatment", query.treatment))
    if query.min_effectiveness is not None or query.max_effectiveness is not None:
        filters.append(backend.effective_docs(
            query.min_effectiveness if query.min_effectiveness is not None else 1,
            query.max_effectiveness if query.max_effectiveness is not None else 5))
    return filters


def clause_docs(backend: Backend, clause: Clause) -> Set[int]:
    """Return the keys of posts a clause matches exactly (its words, phrase or concepts)."""
    if clause.phrase:
        found: Set[int] = backend.phrase_docs(clause.words)
    else:
        found = _intersect(
            [backend.term_docs("title", w) | backend.term_docs("body", w) for w in clause.words]
        )
    for slug, _ in clause.concepts:
        found = found | backend.term_docs("concepts", slug)
    return found


def _intersect(sets: list[Set[int]]) -> Set[int]:
    if not sets:
        return frozenset()
    sets = sorted(sets, key=len)
    result = set(sets[0])
    for other in sets[1:]:
        if not result:
            break
        result.intersection_update(other)
    return result


def _match(
    backend: Backend, ranking: Ranking, plan: Plan, filters: list[Set[int]], hidden: Set[int]
) -> set[int]:
    required = [*ranking.required_docs(backend.phrase_docs), *filters]
    found = ranking.matching(required)
    docs = set(backend.all_docs()) if found is None else found
    docs.difference_update(hidden)
    for clause in plan.excluded:
        if not docs:
            break
        docs.difference_update(clause_docs(backend, clause))
    return docs
