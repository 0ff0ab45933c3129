"""Measure the screening against labelled posts: precision, recall and per-category counts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from moderation.screening import HOLD, Screening, screen

LABELS = ("unsafe", "safe")
_FIELDS = ("id", "text", "label", "category")


def read_labelled(path: str | Path) -> list[dict]:
    """Read labelled posts from a JSON-lines file.

    :raise ValueError: a line is not a JSON object with string id, text, label and category,
        or its label is neither "unsafe" nor "safe"; the message names the line number.
    """
    records = []
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
            for field in _FIELDS:
                if not isinstance(record.get(field), str):
                    raise ValueError(f"line {number}: field {field!r} must be a string")
            if record["label"] not in LABELS:
                raise ValueError(
                    f"line {number}: label must be 'unsafe' or 'safe', not {record['label']!r}"
                )
            records.append(record)
    return records


@dataclass(frozen=True)
class CategoryCount:
    """How many posts of a category there were and how many the screening held."""

    category: str
    label: str
    total: int
    flagged: int


@dataclass(frozen=True)
class Evaluation:
    """Screening quality on a labelled set, with "unsafe" as the positive class."""

    precision: float
    recall: float
    f1: float
    categories: tuple[CategoryCount, ...]
    wrong: tuple[str, ...]

    def as_dict(self) -> dict:
        """Return the figures as plain JSON-ready data."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "per_category": {
                c.category: {"total": c.total, "flagged": c.flagged} for c in self.categories
            },
            "wrong": list(self.wrong),
        }

    def format_text(self) -> str:
        """Return the figures as a short report for people."""
        lines = [
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  f1 {self.f1:.3f}",
            "",
            "unsafe categories (held / total = recall):",
        ]
        for c in self.categories:
            if c.label == "unsafe":
                lines.append(f"  {c.category:<28} {c.flagged:>4} / {c.total:<4}")
        lines.append("safe categories (held / total = false positives):")
        for c in self.categories:
            if c.label == "safe":
                lines.append(f"  {c.category:<28} {c.flagged:>4} / {c.total:<4}")
        lines.append("wrong: " + (", ".join(self.wrong) if self.wrong else "none"))
        return "\n".join(lines)


def evaluate(records: Iterable[dict],
             screener: Callable[[str], Screening] = screen) -> Evaluation:
    """Screen every record and compare a "hold" verdict with the "unsafe" label."""
    tp = fp = fn = 0
    counts: dict[str, list[int]] = {}
    labels: dict[str, dict[str, int]] = {}
    wrong = []
    for record in records:
        result = screener(record["text"])
        predicted = result.verdict == HOLD
        actual = record["label"] == "unsafe"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        if predicted != actual:
            wrong.append(record["id"])
        count = counts.setdefault(record["category"], [0, 0])
        count[0] += 1
        count[1] += predicted
        seen = labels.setdefault(record["category"], {})
        seen[record["label"]] = seen.get(record["label"], 0) + 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    categories = tuple(
        CategoryCount(name, max(labels[name], key=labels[name].__getitem__), total, flagged)
        for name, (total, flagged) in sorted(counts.items())
    )
    return Evaluation(round(precision, 4), round(recall, 4), round(f1, 4), categories,
                      tuple(wrong))
