"""Screen a post: run the rules and turn their findings into a verdict."""

from __future__ import annotations

from dataclasses import dataclass

from moderation.rules import RULES, Context, Finding

PUBLISH = "publish"
PUBLISH_WITH_NOTICE = "publish_with_notice"
HOLD = "hold"
NOTICE_RULES = frozenset({"over_max_dose_report"})


@dataclass(frozen=True)
class Screening:
    """The verdict on a post, the findings behind it, and the medicines it names."""

    verdict: str
    findings: tuple[Finding, ...]
    drugs: tuple[str, ...]


def screen(text: str) -> Screening:
    """Screen a post for unsafe dosing advice and diversion of medicines."""
    ctx = Context(text)
    findings = tuple(finding for rule in RULES for finding in rule(ctx))
    if any(f.rule not in NOTICE_RULES for f in findings):
        verdict = HOLD
    elif findings:
        verdict = PUBLISH_WITH_NOTICE
    else:
        verdict = PUBLISH
    drugs = tuple(dict.fromkeys(m.drug.generic for m in ctx.doc.medicines if not m.negated))
    return Screening(verdict, findings, drugs)


def format_screening(screening: Screening, text: str) -> str:
    """Return a screening as plain text for a moderator's terminal."""
    lines = [f"verdict: {screening.verdict}"]
    lines.append("drugs: " + (", ".join(screening.drugs) or "none"))
    for finding in screening.findings:
        lines.append(f"- {finding.rule} ({finding.severity}"
                     + (f", {finding.drug})" if finding.drug else ")"))
        lines.append(f"  evidence: \"{text[finding.start:finding.end]}\" "
                     f"[{finding.start}:{finding.end}]")
        lines.append(f"  {finding.explanation}")
        lines.append(f"  source: {finding.reference}")
    return "\n".join(lines)
