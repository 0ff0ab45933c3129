"""Run a SearchQuery against an index's primitives: the query semantics both indexes share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Set
from types import MappingProxyType
from typing import Protocol

from search.documents import Hit, SearchQuery, SearchResults
from search.highlight import Highlighter
from search.querying import Clause, Plan, normalise, parse, suggestion
from search.vocabulary import Vocabulary

FEW_RESULTS = 5
EMPTY_NOTICE = "Type a word or phrase to search for."
LOOSE_NOTICE = "No posts contain all of your words, so these contain some of them."


class Backend(Protocol):
    """The primitives an index offers the shared query logic; keys are index-internal."""

    vocabulary: Vocabulary

    def doc_frequency(self, stem: str) -> int:
        """Return how many posts contain stem in their title or body."""

    def term_docs(self, field: str, term: str) -> Set[int]:
        """Return the keys of posts with term in field."""

    def phrase_docs(self, words: tuple[str, ...]) -> Set[int]:
        """Return the keys of posts with the stems adjacent, in order, in title or body."""

    def all_docs(self) -> Set[int]:
        """Return the keys of every post."""

    def hidden_docs(self, include_held: bool) -> Set[int]:
        """Return the keys of posts this searcher may not see."""

    def effective_docs(self, minimum: int, maximum: int = 5) -> Set[int]:
        """Return the keys of experiences rated from minimum to maximum."""

    def count_tags(self, docs: Set[int]) -> Counter[str]:
        """Return how many of docs carry each tag."""

    def rank(self, plan: Plan, docs: Set[int], sort: str, limit: int) -> list[tuple[int, float]]:
        """Return up to limit (key, score) pairs from docs, best first."""

    def stored(self, key: int) -> tuple[int, int, str, str, str]:
        """Return a post's id, thread id, kind, title and body."""

    def correct(self, clause: Clause) -> str | None:
        """Return a better spelling of a one-word clause from the index's own words."""


def run(backend: Backend, query: SearchQuery) -> SearchResults:
    """Answer a search: match, filter, count facets, sort, page and highlight."""
    query = normalise(query)
    plan = parse(query.text, backend.vocabulary, backend.doc_frequency)
    filters = _filters(backend, query)
    if not plan.has_terms and not plan.excluded and not filters:
        return SearchResults(0, query.page, query.per_page, (), notice=plan.notice or EMPTY_NOTICE)

    hidden = backend.hidden_docs(query.include_held)
    typed = plan
    docs = _match(backend, plan, filters, hidden)
    notice = plan.notice
    if not docs and len(plan.required) > 1:
        loose = plan.loosened()
        docs = _match(backend, loose, filters, hidden)
        if docs:
            plan, notice = loose, notice or LOOSE_NOTICE

    counts = backend.count_tags(docs)
    facets = MappingProxyType(dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
    sort = query.sort if plan.has_terms else ("new" if query.sort == "relevance" else query.sort)
    first = (query.page - 1) * query.per_page
    ranked = backend.rank(plan, docs, sort, first + query.per_page) if first < len(docs) else []

    highlighter = Highlighter(backend.vocabulary, plan.highlight_stems, plan.highlight_concepts)
    hits = []
    for key, score in ranked[first : first + query.per_page]:
        doc_id, thread_id, kind, title, body = backend.stored(key)
        hits.append(
            Hit(doc_id, thread_id, kind, score, highlighter.title(title), highlighter.snippet(body))
        )
    hint = None
    if len(docs) < FEW_RESULTS or plan.corrections:
        hint = suggestion(typed, backend.correct)
    return SearchResults(len(docs), query.page, query.per_page, tuple(hits), facets, hint, notice)


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
    """Return the keys of posts a clause matches."""
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


def _match(backend: Backend, plan: Plan, filters: list[Set[int]], hidden: Set[int]) -> set[int]:
    sets: list[Set[int]] = [clause_docs(backend, c) for c in plan.required]
    if not plan.required and plan.optional:
        sets.append(frozenset().union(*(clause_docs(backend, c) for c in plan.optional)))
    sets.extend(filters)
    docs = set(_intersect(sets)) if sets else set(backend.all_docs())
    docs.difference_update(hidden)
    for clause in plan.excluded:
        if not docs:
            break
        docs.difference_update(clause_docs(backend, clause))
    return docs
