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


# The findings a rule and a frame (the same claim in other words) both give: one home each.

def abrupt_stop_finding(ctx: Context, drug: Drug, start: int, end: int) -> Finding:
    """Return the finding for advice to stop a medicine with withdrawal risk suddenly."""
    return ctx.finding(
        "abrupt_stop", HIGH, drug, start, end,
        f"Stopping {drug.generic} suddenly is dangerous: {drug.withdrawal_note}.",
        f"Thaw dosing knowledge, {drug.generic}: withdrawal risk ({drug.withdrawal_risk})")


def escalation_finding(ctx: Context, drug: Drug, start: int, end: int,
                       reference: str) -> Finding:
    """Return the finding for advice to raise a dose without the prescriber."""
    return ctx.finding(
        "dose_escalation", HIGH, drug, start, end,
        f"Raising a {drug.generic} dose without the prescriber risks an overdose; "
        "dose changes should go through the person who prescribes it.", reference)


def pump_finding(ctx: Context, start: int, end: int) -> Finding:
    """Return the finding for tampering with a baclofen pump."""
    return ctx.finding(
        "pump_tampering", HIGH, ctx.doc.kb.by_id.get("baclofen-intrathecal"), start, end,
        "Only the pump team should program, refill or service a baclofen pump; a pump that "
        "runs empty or is mis-set can cause life-threatening withdrawal or overdose.",
        "Lioresal Intrathecal / Gablofen US label (boxed warning on abrupt discontinuation)")


def catch_up_finding(ctx: Context, start: int, end: int) -> Finding:
    """Return the finding for making up missed doses by taking them together."""
    drug = ctx.doc.drug_before(start) or ctx.doc.medicines[0]
    return ctx.finding(
        "missed_dose_catch_up", HIGH, drug.drug, start, end,
        "Taking missed doses all at once can cause an overdose; the usual advice is to skip "
        "a missed dose rather than double up.",
        "Ampyra FDA label and Sativex SmPC: no double or extra doses after a missed one")


def amount_text(amount: float) -> str:
    """Write an amount as a person would: 1,200 or 2.5."""
    return f"{amount:,.0f}" if amount == int(amount) else f"{amount:g}"


def unit_text(unit: str, amount: float) -> str:
    """Name a unit for an amount: "1 spray", "2 sprays", "10 mg"."""
    if unit in ("spray", "unit"):
        return unit + ("" if amount == 1 else "s")
    return unit
