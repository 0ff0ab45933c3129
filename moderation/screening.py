"""Screen a post: run the rules and the learned risk score, and turn them into an outcome."""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation import rules
from moderation.findings import Context, Finding
from moderation.frames import ACTS as FRAME_ACTS
from moderation.frames import FRAMES
from moderation.model import RiskModel, features_of, shipped_model
from moderation.rules import RULES

PUBLISH = "publish"
PUBLISH_WITH_NOTICE = "publish_with_notice"
HOLD = "hold"
NOTICE_RULES = frozenset({"over_max_dose_report"})
MODEL_REASON = "This looked like advice to change a dose or a medicine; a moderator will check."


@dataclass(frozen=True)
class Thresholds:
    """Risk scores from which a post is held, or published and queued for a check soon."""

    # The model alone never hides a post by default: held posts are the rules' (they say
    # why); the model's catches are published and queued. Below 1, it may hold alone.
    hold: float = 1.0
    check: float = 0.45  # chosen by leave-one-writer-out, see README

    def __post_init__(self) -> None:
        for name in ("hold", "check"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"thresholds: {name} must be between 0 and 1")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Screening:
    """The verdict on a post, the findings behind it, and the medicines it names.

    `check_soon` is true for a post published but queued for a moderator within the day;
    `risk` is the learned model's score (None without a model), built as `model_version`.
    """

    verdict: str
    findings: tuple[Finding, ...]
    drugs: tuple[str, ...]
    check_soon: bool = False
    risk: float | None = None
    model_version: str | None = None

    @property
    def held(self) -> bool:
        """Tell whether the post waits for a moderator before anyone sees it."""
        return self.verdict == HOLD

    @property
    def by_model_only(self) -> bool:
        """Tell whether only the learned score, and no rule, asked for a moderator."""
        return (self.held or self.check_soon) and not any(
            f.rule not in NOTICE_RULES for f in self.findings)


# Patterns the rules use to find an act, read here whatever the stance around them.
_ACTS = {
    "stop": rules._STOP,
    "abrupt": rules._ABRUPT,
    "escalate": rules._ESCALATE,
    "combine": rules._COMBINE,
    "source": rules._SOURCING,
    "pump": rules._TAMPER,
    "catch_up": rules._CATCH_UP,
    "hide": rules._HIDING,
    "practice": rules._PRACTICE,
}


def findings_of(ctx: Context) -> tuple[Finding, ...]:
    """Return the rules' findings on a post, one per rule: a frame that reads the same claim as
    a rule in other words adds no second finding."""
    found: list[Finding] = []
    for rule in RULES:
        for finding in rule(ctx):
            if rule in FRAMES and any(f.rule == finding.rule for f in found):
                continue
            found.append(finding)
    return tuple(found)


def cues(ctx: Context, findings: tuple[Finding, ...]) -> list[str]:
    """Return the rules' readings of a post as named features for the model."""
    doc, stance = ctx.doc, ctx.stance
    found = [f"rule {f.rule}" for f in findings]
    # Where each act is named near a medicine (the stretches the rules read), found once.
    acts = {name: [m.start() for m in doc.scan(pattern)] for name, pattern in _ACTS.items()}
    acts.update((name, [m.start() for m in doc.scan(pattern, keys)])
                for name, (pattern, keys) in FRAME_ACTS.items())
    found.extend("act " + name for name, starts in acts.items() if starts)
    if doc.medicines:
        found.append("drug")
        found.extend("class " + c for m in doc.medicines for c in m.drug.classes)
    if ctx.excesses:
        found.append("excess")
    for name, hits in (("endorse", stance.endorsements), ("dismiss", stance.dismissals),
                       ("defy", stance.defiance), ("warn", stance.warnings)):
        if hits:
            found.append(f"{name} {min(len(hits), 3)}")
            # Praise or a shrug is unsafe only about an act: "worth it" of a jab is not.
            found.append(f"{name} {'with an act' if any(acts.values()) else 'alone'}")
    if doc.quotes:
        found.append("quote")
    # How each sentence near a medicine puts it (advice, question...) is read in the frames.
    found.extend(_frames(ctx, acts))
    return found


def _frames(ctx: Context, acts: dict[str, list[int]]) -> list[str]:
    """Return claim frames: an act near a medicine, with how the sentence puts it."""
    doc, stance = ctx.doc, ctx.stance
    marks = [m.start for m in doc.medicines]
    marks.extend(doc.medicine_words)
    present = [(name, starts) for name, starts in acts.items() if starts]  # most are absent
    frames = set()
    seen = set()
    for pos in sorted(marks):
        sentence = doc.sentence_at(pos)
        if sentence in seen:
            continue
        seen.add(sentence)
        if doc.in_quote(pos):
            mode = "quoted"
        elif stance.is_question(sentence):
            mode = "question"
        elif stance.is_attributed(sentence, pos):
            mode = "prescribed"
        elif stance.is_advice(sentence):
            mode = "advice"
        else:
            mode = "report"
        if mode in ("question", "advice"):  # the stance of every sentence naming a medicine
            frames.add(f"frame {mode}")
        lo = doc.sentence_at(max(0, sentence.start - 2)).start  # and the sentence before
        frames.update(f"frame {name} {mode}" for name, starts in present
                      if any(lo <= start < sentence.end for start in starts))
    return sorted(frames)


# A long post is also scored paragraph by paragraph, so one risky paragraph in a friendly
# letter still counts; a paragraph's score counts for less than a whole post's, since the
# model learned from whole posts.
PARAGRAPH_DISCOUNT = 0.25
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def _paragraph_risk(text: str, model: RiskModel) -> float:
    """Return the highest risk score of a post's paragraphs that name a medicine."""
    paragraphs = _PARAGRAPH.split(text)
    best = 0.0
    if len(paragraphs) < 2:
        return best
    for paragraph in paragraphs:
        ctx = Context(paragraph)
        if not ctx.doc.medicines:
            continue
        findings = findings_of(ctx)
        best = max(best, model.score(features_of(ctx.doc, cues(ctx, findings))))
    return best


def screen(text: str, *, thresholds: Thresholds = DEFAULT_THRESHOLDS,
           model: RiskModel | None | bool = True) -> Screening:
    """Screen a post for unsafe dosing advice and diversion of medicines.

    :param model: the risk model to use; True for the one shipped, None or False for none.
    """
    ctx = Context(text)
    findings = findings_of(ctx)
    drugs = tuple(dict.fromkeys(m.drug.generic for m in ctx.doc.medicines if not m.negated))
    ruled = any(f.rule not in NOTICE_RULES for f in findings)
    if model is True:
        model = shipped_model()
    risk = None
    if model and ctx.doc.speaks_of_medicine:
        risk = model.score(features_of(ctx.doc, cues(ctx, findings)))
        plain = model.text.score(text) if model.text is not None else None
        # Paragraphs are read only when they could still lift the post to a check.
        if (model.blend(risk, plain) < thresholds.check
                and model.blend(1.0 - PARAGRAPH_DISCOUNT, plain) >= thresholds.check):
            risk = max(risk, _paragraph_risk(text, model) - PARAGRAPH_DISCOUNT)
        risk = model.blend(risk, plain)
    elif model:
        risk = 0.0  # the claims screened for all name a medicine, a dose or a pump
    if ruled or (risk is not None and thresholds.hold < 1.0 and risk >= thresholds.hold):
        return Screening(HOLD, findings, drugs, False, risk, model.version if model else None)
    verdict = PUBLISH_WITH_NOTICE if findings else PUBLISH
    check = risk is not None and risk >= thresholds.check
    return Screening(verdict, findings, drugs, check, risk, model.version if model else None)


def explain(screening: Screening) -> list[str]:
    """Return the plain-words reasons a moderator or the author sees, never an invented rule."""
    reasons = [f.explanation for f in screening.findings if f.rule not in NOTICE_RULES]
    if not reasons and (screening.held or screening.check_soon):
        reasons.append(MODEL_REASON)
    return reasons


def format_screening(screening: Screening, text: str) -> str:
    """Return a screening as plain text for a moderator's terminal."""
    outcome = "held" if screening.held else (
        "published, check soon" if screening.check_soon else "published")
    lines = [f"verdict: {screening.verdict} ({outcome})"]
    if screening.risk is not None:
        lines.append(f"risk: {screening.risk:.3f} (model {screening.model_version})")
    lines.append("drugs: " + (", ".join(screening.drugs) or "none"))
    for finding in screening.findings:
        lines.append(f"- {finding.rule} ({finding.severity}"
                     + (f", {finding.drug})" if finding.drug else ")"))
        lines.append(f"  evidence: \"{text[finding.start:finding.end]}\" "
                     f"[{finding.start}:{finding.end}]")
        lines.append(f"  {finding.explanation}")
        lines.append(f"  source: {finding.reference}")
    if screening.by_model_only:
        lines.append("- " + MODEL_REASON)
    return "\n".join(lines)
