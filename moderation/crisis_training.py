"""Train and measure the crisis screen: labelled sentence files, figures, writer by writer.

A labelled file holds JSON lines with a `text` and a `label` ("crisis" or "not_crisis"); any
other fields (`id`, `kind`, `writer`) are kept for reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from moderation.crisis import evidence, screen_crisis
from moderation.crisis_model import CrisisModel, fit
from moderation.evaluation import json_lines, rates

LABELS = ("crisis", "not_crisis")
# The learned reader's threshold, chosen on the leave-one-writer-out scores for recall
# (bench/crisis_lowo.py): a missed cry for help costs far more than a help box not needed.
THRESHOLD = 0.45


def read_sentences(path: Path) -> list[dict[str, str]]:
    """Read a labelled file.

    :raise ValueError: a line is not JSON, or has no text or no known label (names the line).
    """
    records = []
    for number, record in json_lines(path):
        if not isinstance(record.get("text"), str) or record.get("label") not in LABELS:
            raise ValueError(f"line {number}: needs a 'text' and a 'label' "
                             f"({' or '.join(LABELS)})")
        records.append(record)
    return records


# How much an everyday forum post (known not to be a crisis, `everyday`) counts beside a
# labelled sentence: they teach the reader what ordinary MS talk looks like.
EVERYDAY_WEIGHT = 0.5


def train(records: Sequence[Mapping[str, str]], *, threshold: float = THRESHOLD,
          everyday: Sequence[str] = ()) -> CrisisModel:
    """Fit the learned reader on labelled sentences, with the rules' evidence for each.

    :param everyday: ordinary forum posts, none of them a crisis, learned as such with a
        smaller weight (`EVERYDAY_WEIGHT`).
    """
    rows = [*records, *({"text": text, "label": "not_crisis"} for text in everyday)]
    found = [evidence(screen_crisis(r["text"], learned=False).findings) for r in rows]
    weights = [1.0] * len(records) + [EVERYDAY_WEIGHT] * len(everyday)
    return fit(rows, found, threshold=threshold, weights=weights if everyday else None)


@dataclass(frozen=True)
class Figures:
    """Precision and recall of "crisis" on a labelled set, and what was got wrong."""

    n: int
    true_positives: int
    false_positives: int
    false_negatives: int
    missed: tuple[str, ...]  # ids (or texts) of crisis sentences not caught
    wrong: tuple[str, ...]  # ids of other sentences caught

    @property
    def precision(self) -> float:
        return rates(self.true_positives, self.false_positives, self.false_negatives)[0]

    @property
    def recall(self) -> float:
        return rates(self.true_positives, self.false_positives, self.false_negatives)[1]

    @property
    def f1(self) -> float:
        return rates(self.true_positives, self.false_positives, self.false_negatives)[2]

    def as_dict(self) -> dict[str, object]:
        return {"n": self.n, "precision": round(self.precision, 3),
                "recall": round(self.recall, 3), "f1": round(self.f1, 3),
                "missed": list(self.missed), "wrong": list(self.wrong)}


def measure(records: Sequence[Mapping[str, str]],
            fires: Callable[[str], bool]) -> Figures:
    """Score a screen (text -> fires) on labelled sentences."""
    tp = fp = fn = 0
    missed, wrong = [], []
    for record in records:
        got, wanted = fires(record["text"]), record["label"] == "crisis"
        name = str(record.get("id") or record["text"][:60])
        if got and wanted:
            tp += 1
        elif got:
            fp += 1
            wrong.append(name)
        elif wanted:
            fn += 1
            missed.append(name)
    return Figures(len(records), tp, fp, fn, tuple(missed), tuple(wrong))


def fold_models(sets: Mapping[str, Sequence[Mapping[str, str]]], *,
                everyday: Sequence[str] = ()) -> dict[str, CrisisModel]:
    """For each writer, the reader trained on every other writer (and the everyday posts)."""
    return {held: train([r for writer, rows in sets.items() if writer != held for r in rows],
                        everyday=everyday)
            for held in sets}


def measure_both(records: Sequence[Mapping[str, str]], model: CrisisModel | None
                 ) -> tuple[Figures, Figures]:
    """Score the rules alone, then the rules with a learned reader, on labelled sentences."""
    return (measure(records, lambda text: screen_crisis(text, learned=False).in_crisis),
            measure(records, lambda text: screen_crisis(text, model=model).in_crisis))


def leave_one_writer_out(sets: Mapping[str, Sequence[Mapping[str, str]]],
                         models: Mapping[str, CrisisModel], *, threshold: float = THRESHOLD
                         ) -> dict[str, tuple[Figures, Figures]]:
    """Score each writer (rules alone, rules + the reader not trained on them)."""
    return {held: measure_both(rows, replace(models[held], threshold=threshold))
            for held, rows in sets.items()}
