"""Measure the screening against labelled posts: precision, recall and per-category counts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.screening import HOLD, Screening, screen

LABELS = ("unsafe", "safe")
_FIELDS = ("id", "text", "label", "category")


def json_lines(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield each non-empty line of a JSON-lines file as (line number, object).

    :raise ValueError: a line is not a JSON object; the message names the line number.
    """
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"line {number}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise ValueError(f"line {number}: expected a JSON object")
            yield number, record


def read_labelled(path: str | Path) -> list[dict[str, Any]]:
    """Read labelled posts from a JSON-lines file.

    :raise ValueError: a line is not a JSON object with string id, text, label and category,
        or its label is neither "unsafe" nor "safe"; the message names the line number.
    """
    records: list[dict[str, Any]] = []
    for number, record in json_lines(path):
        for name in _FIELDS:
            if not isinstance(record.get(name), str):
                raise ValueError(f"line {number}: field {name!r} must be a string")
        if record["label"] not in LABELS:
            raise ValueError(
                f"line {number}: label must be 'unsafe' or 'safe', not {record['label']!r}"
            )
        records.append(record)
    return records


def rates(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Return precision, recall and F1 from true positives, false positives, false negatives."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _figures(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision, recall, f1 = rates(tp, fp, fn)
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


@dataclass(frozen=True)
class CategoryCount:
    """How many posts of a category there were, how many were held and how many queued."""

    category: str
    label: str
    total: int
    flagged: int
    queued: int = 0


@dataclass(frozen=True)
class Evaluation:
    """Screening quality on a labelled set, with "unsafe" as the positive class.

    precision, recall and f1 count a held post as caught; `held_or_queued` counts a post
    published but queued for a check soon as caught too.
    """

    precision: float
    recall: float
    f1: float
    categories: tuple[CategoryCount, ...]
    wrong: tuple[str, ...]
    held_or_queued: dict[str, float] = field(default_factory=dict)
    missed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain JSON-ready data."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "held_or_queued": dict(self.held_or_queued),
            "per_category": {
                c.category: {"total": c.total, "flagged": c.flagged, "queued": c.queued}
                for c in self.categories
            },
            "wrong": list(self.wrong),
            "missed": list(self.missed),
        }

    def format_text(self) -> str:
        """Return the figures as a short report for people."""
        both = self.held_or_queued
        lines = [
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  f1 {self.f1:.3f}",
            f"held or queued: precision {both.get('precision', 0):.3f}  "
            f"recall {both.get('recall', 0):.3f}  f1 {both.get('f1', 0):.3f}",
            "",
            "unsafe categories (held + queued / total = recall):",
        ]
        for c in self.categories:
            if c.label == "unsafe":
                lines.append(f"  {c.category:<28} {c.flagged:>4} + {c.queued:<3} / {c.total:<4}")
        lines.append("safe categories (held + queued / total = false positives):")
        for c in self.categories:
            if c.label == "safe":
                lines.append(f"  {c.category:<28} {c.flagged:>4} + {c.queued:<3} / {c.total:<4}")
        lines.append("wrong: " + (", ".join(self.wrong) if self.wrong else "none"))
        lines.append("missed (neither held nor queued): "
                     + (", ".join(self.missed) if self.missed else "none"))
        return "\n".join(lines)


def evaluate(records: Iterable[Mapping[str, str]],
             screener: Callable[[str], Screening] = screen) -> Evaluation:
    """Screen every record and compare the outcome with the "unsafe" label."""
    held = [0, 0, 0]
    either = [0, 0, 0]
    counts: dict[str, list[int]] = {}
    labels: dict[str, dict[str, int]] = {}
    wrong = []
    missed = []
    for record in records:
        result = screener(record["text"])
        predicted = result.verdict == HOLD
        queued = not predicted and result.check_soon
        actual = record["label"] == "unsafe"
        for tally, caught in ((held, predicted), (either, predicted or queued)):
            tally[0] += caught and actual
            tally[1] += caught and not actual
            tally[2] += actual and not caught
        if predicted != actual:
            wrong.append(record["id"])
        if actual and not (predicted or queued):
            missed.append(record["id"])
        count = counts.setdefault(record["category"], [0, 0, 0])
        count[0] += 1
        count[1] += predicted
        count[2] += queued
        seen = labels.setdefault(record["category"], {})
        seen[record["label"]] = seen.get(record["label"], 0) + 1
    figures = _figures(*held)
    categories = tuple(
        CategoryCount(name, max(labels[name], key=labels[name].__getitem__), total, flagged,
                      queued)
        for name, (total, flagged, queued) in sorted(counts.items())
    )
    return Evaluation(figures["precision"], figures["recall"], figures["f1"], categories,
                      tuple(wrong), _figures(*either), tuple(missed))
