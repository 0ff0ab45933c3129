"""Score rankings against graded relevance judgments: nDCG@10, recall@20, MRR by query type.

The measures are those of the relevance collection's evaluate.py, so `flask search eval`
and that script agree on the same index.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NDCG_DEPTH = 10
RECALL_DEPTH = 20
LOW_SCORE_RATIO = 0.5  # an absent topic passes when its top score is below this share
TYPE_ORDER = ("exact_term", "brand_name", "misspelling", "everyday_paraphrase", "question_style",
              "multi_concept", "phrase", "rare_term", "filtered", "no_result")


@dataclass(frozen=True, slots=True)
class Judged:
    """One query of a relevance collection: text, filters and graded posts by source id."""

    qid: str
    text: str
    type: str
    tags: tuple[str, ...]
    kind: str | None
    relevant: Mapping[str, int]


@dataclass(slots=True)
class Outcome:
    """What the search returned for one judged query, with its measures once scored."""

    query: Judged
    ranking: list[str]
    scores: list[float]
    total: int
    ndcg: float = 0.0
    recall: float = 0.0
    rr: float = 0.0
    passed: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def read_queries(lines: Iterable[str]) -> list[Judged]:
    """Parse a queries file (one JSON object a line); raise ValueError naming the line."""
    found = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            filters = data.get("filters") or {}
            found.append(Judged(
                qid=str(data["qid"]),
                text=str(data["query"]),
                type=str(data.get("type", "")),
                tags=tuple(str(t) for t in filters.get("tag") or ()),
                kind=filters.get("kind"),
                relevant={str(k): int(v) for k, v in (data.get("relevant") or {}).items()},
            ))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"line {number}: {error}") from None
    return found


def dcg(gains: list[int], depth: int = NDCG_DEPTH) -> float:
    """Return the discounted cumulative gain of the first depth gains."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains[:depth]))


def ndcg(ranking: list[str], judged: Mapping[str, int], depth: int = NDCG_DEPTH) -> float:
    """Return nDCG@depth; the ideal ranking holds every judged post in grade order."""
    ideal = dcg(sorted(judged.values(), reverse=True), depth)
    return 0.0 if ideal == 0 else dcg([judged.get(d, 0) for d in ranking], depth) / ideal


def recall(ranking: list[str], judged: Mapping[str, int], depth: int = RECALL_DEPTH) -> float:
    """Return the share of relevant posts (grade >= 1) in the first depth results."""
    relevant = {d for d, grade in judged.items() if grade >= 1}
    return len(relevant & set(ranking[:depth])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranking: list[str], judged: Mapping[str, int]) -> float:
    """Return 1/rank of the first post of the best grade in the first RECALL_DEPTH results."""
    best = max(judged.values(), default=0)
    for rank, doc in enumerate(ranking[:RECALL_DEPTH], 1):
        if best and judged.get(doc, 0) >= best:
            return 1.0 / rank
    return 0.0


def score(outcomes: list[Outcome]) -> float | None:
    """Fill in each outcome's measures; return the median top score absent topics are held to."""
    tops = [o.scores[0] for o in outcomes if o.query.relevant and o.scores]
    reference = statistics.median(tops) if tops else None
    for o in outcomes:
        if o.query.relevant:
            o.ndcg = ndcg(o.ranking, o.query.relevant)
            o.recall = recall(o.ranking, o.query.relevant)
            o.rr = reciprocal_rank(o.ranking, o.query.relevant)
        else:
            top = o.scores[0] if o.scores else None
            o.passed = o.total == 0 or (
                top is not None and reference is not None and top < LOW_SCORE_RATIO * reference
            )
    return reference


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Return mean measures overall and per query type (answerable queries only)."""

    def block(group: list[Outcome]) -> dict[str, Any]:
        answerable = [o for o in group if o.query.relevant]
        absent = [o for o in group if not o.query.relevant]
        result: dict[str, Any] = {"n": len(group)}
        if answerable:
            result["ndcg@10"] = statistics.fmean(o.ndcg for o in answerable)
            result["recall@20"] = statistics.fmean(o.recall for o in answerable)
            result["mrr"] = statistics.fmean(o.rr for o in answerable)
        if absent:
            result["no_result_passed"] = sum(bool(o.passed) for o in absent)
            result["no_result_n"] = len(absent)
        return result

    types = sorted({o.query.type for o in outcomes},
                   key=lambda t: (TYPE_ORDER.index(t) if t in TYPE_ORDER else 99, t))
    return {
        "all": block(outcomes),
        "types": {t: block([o for o in outcomes if o.query.type == t]) for t in types},
    }


def table(report: Mapping[str, Any]) -> str:
    """Return the summary as a plain-text table, one row per query type and one overall."""

    def row(name: str, b: Mapping[str, Any]) -> str:
        cells = [f"{b[k]:7.3f}" if k in b else "      -" for k in ("ndcg@10", "recall@20", "mrr")]
        passed = (f"  passed {b['no_result_passed']}/{b['no_result_n']}"
                  if "no_result_n" in b else "")
        return f"{name:<20} {b['n']:>3} " + " ".join(cells) + passed

    lines = [f"{'type':<20} {'n':>3} nDCG@10    R@20     MRR  no_result"]
    lines += [row(name, b) for name, b in report["types"].items()]
    lines.append("-" * 60)
    lines.append(row("ALL", report["all"]))
    return "\n".join(lines)
