"""Drug knowledge: the contents of data/drugs.json, loaded once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "drugs.json"
MAX_NAME_WORDS = 3


@dataclass(frozen=True)
class Limit:
    """A usual maximum with the unit it is measured in and where the figure comes from."""

    amount: float
    unit: str
    text: str
    source: str


@dataclass(frozen=True)
class Drug:
    """One entry of the knowledge file: a medicine, a product of one, or another substance."""

    id: str
    generic: str
    kind: str
    route: str | None
    topic: str | None
    names: tuple[str, ...]
    classes: frozenset[str]
    unit: str | None
    max_daily: Limit | None
    max_single: Limit | None
    strengths: tuple[float, ...]
    strengths_source: str | None
    withdrawal_risk: str
    withdrawal_note: str | None

    @property
    def tags(self) -> frozenset[str]:
        """Return the id, generic name and classes, the handles combination rules refer to."""
        return self.classes | {self.id, self.generic}


@dataclass(frozen=True)
class Combination:
    """A pair of drugs or drug classes that should not be combined without a prescriber."""

    a: str
    b: str
    why: str
    source: str


@dataclass(frozen=True, eq=False)
class Knowledge:
    """The drug table with its lookup indexes."""

    drugs: tuple[Drug, ...]
    by_id: dict[str, Drug]
    names: dict[tuple[str, ...], Drug]
    name_lengths: dict[str, int]
    units: dict[str, str]
    combinations: tuple[Combination, ...]

    def topic_for(self, generic: str) -> str | None:
        """Return the taxonomy slug for a generic name, or None when the taxonomy lacks one."""
        for drug in self.drugs:
            if drug.generic == generic and drug.topic:
                return drug.topic
        return None


def _limit(raw: dict[str, Any] | None) -> Limit | None:
    if not raw:
        return None
    return Limit(float(raw["amount"]), raw["unit"], raw["text"], raw["source"])


def _drug(raw: dict[str, Any]) -> Drug:
    strengths = raw.get("strengths") or {}
    return Drug(
        id=raw["id"],
        generic=raw["generic"],
        kind=raw["kind"],
        route=raw.get("route"),
        topic=raw.get("topic"),
        names=tuple(raw["names"]),
        classes=frozenset(raw.get("classes", ())),
        unit=raw.get("unit"),
        max_daily=_limit(raw.get("max_daily")),
        max_single=_limit(raw.get("max_single")),
        strengths=tuple(float(a) for a in strengths.get("amounts", ())),
        strengths_source=strengths.get("source"),
        withdrawal_risk=raw.get("withdrawal_risk", "none"),
        withdrawal_note=raw.get("withdrawal_note"),
    )


def name_key(name: str) -> tuple[str, ...]:
    """Split a drug name into the word tuple used as its lookup key."""
    return tuple(name.lower().split())


def _number_forms(word: str) -> tuple[str, ...]:
    """Return the other grammatical number of a name's last word: singular or plural."""
    if len(word) < 3 or not word[-1].isalpha():
        return ()
    if word.endswith("ies") and len(word) > 4:
        return (word[:-3] + "y",)
    if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
        return (word[:-1],)
    if word.endswith("y") and word[-2] not in "aeiou":
        return (word[:-1] + "ies",)
    return (word + "s",)


def build(raw: dict[str, Any]) -> Knowledge:
    """Build the indexes from the parsed knowledge file."""
    drugs = tuple(_drug(entry) for entry in raw["drugs"])
    names: dict[tuple[str, ...], Drug] = {}
    for drug in drugs:
        for name in drug.names:
            key = name_key(name)
            if len(key) > MAX_NAME_WORDS:
                raise ValueError(f"drug name {name!r} has more than {MAX_NAME_WORDS} words")
            names.setdefault(key, drug)
    # Singular and plural of every medicine's name ("k-pins" and "k-pin", "gabby" and
    # "gabbies"); a name written in the file wins over a form made here.
    for drug in drugs:
        if drug.kind != "medicine":
            continue
        for name in drug.names:
            key = name_key(name)
            for form in _number_forms(key[-1]):
                names.setdefault((*key[:-1], form), drug)
    lengths: dict[str, int] = {}
    for key in names:
        for first in (key[0], key[0] + "'s"):
            lengths[first] = max(lengths.get(first, 0), len(key))
    units = {alias: unit for unit, aliases in raw["units"].items() for alias in aliases}
    combinations = tuple(
        Combination(c["a"], c["b"], c["why"], c["source"]) for c in raw["combinations"]
    )
    return Knowledge(drugs, {d.id: d for d in drugs}, names, lengths, units, combinations)


@cache
def knowledge() -> Knowledge:
    """Return the drug knowledge, reading the data file on first use."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return build(json.load(handle))
