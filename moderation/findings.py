"""What a screening rule reports: a finding, and the post's reading all rules share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from moderation.document import Document, Mention
from moderation.doses import Excess, excesses, quantities
from moderation.knowledge import Drug
from moderation.stance import Stance

POLICY = "Thaw dosing knowledge, section 3 (labelling policy)"
HIGH, MEDIUM, LOW = "high", "medium", "low"


@dataclass(frozen=True)
class Finding:
    """One reason a post needs attention, with the evidence as offsets into the post."""

    rule: str
    severity: str
    drug: str | None
    start: int
    end: int
    explanation: str
    reference: str
    evidence: str


class Context:
    """A post with its reading, stance and doses, shared by all the rules."""

    def __init__(self, text: str) -> None:
        self.doc = Document(text)
        self.stance = Stance(self.doc)
        self._excesses: tuple[Excess, ...] | None = None

    @property
    def excesses(self) -> tuple[Excess, ...]:
        """Return the doses over a usual maximum, computed on first use."""
        if self._excesses is None:
            self._excesses = excesses(self.doc, quantities(self.doc, self.doc.kb))
        return self._excesses

    def finding(self, rule: str, severity: str, drug: Drug | None, start: int, end: int,
                explanation: str, reference: str) -> Finding:
        """Build a finding for this post."""
        generic = drug.generic if drug is not None else None
        return Finding(rule, severity, generic, start, end, explanation, reference,
                       self.doc.text[start:end])

    def drugs_with(self, test: Callable[[Drug], bool]) -> list[Mention]:
        """Return the non-negated medicine mentions whose drug passes a test."""
        return [m for m in self.doc.medicines if not m.negated and test(m.drug)]


def amount_text(amount: float) -> str:
    """Write an amount as a person would: 1,200 or 2.5."""
    return f"{amount:,.0f}" if amount == int(amount) else f"{amount:g}"


def unit_text(unit: str, amount: float) -> str:
    """Name a unit for an amount: "1 spray", "2 sprays", "10 mg"."""
    if unit in ("spray", "unit"):
        return unit + ("" if amount == 1 else "s")
    return unit
