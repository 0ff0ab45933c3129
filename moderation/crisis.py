"""Noticing a member who may be in crisis: suicide, self-harm or immediate danger.

A separate screen from the dose screening, tuned for recall: a missed cry for help costs far
more than a resources box shown to someone who did not need it. It is not a clinical risk
assessment; it decides only whether to show help at once and to put the post in front of a
moderator.

Cues are built from word families and frames, not from example sentences:

- strong cues fire alone ("kill myself", "end my life", "better off dead"); weak cues
  ("I'm a burden", "stockpiling my tablets") fire in pairs or beside a strong one;
- a negation just before a cue in the same clause cancels it ("I would never hurt myself"),
  unless a new subject comes between ("I never thought I'd want to die" still fires);
- the subject decides whose crisis it is: "my brother attempted suicide" is about someone
  else (the author is shown where to find help for them, and no one is queued), while a
  threat made to the author ("he said he'd kill me") is danger to the author;
- idioms need no exceptions because no cue covers them ("this heat is killing me", "to die
  for", "could kill for"), and open frames are checked for what follows ("I can't go on with
  this brand" is a complaint, "I can't go on like this" is not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from moderation.crisis_cues import (
    _ACCIDENT,
    _CLAUSE_BREAK,
    _CLAUSE_WORDS,
    _FIRST_PERSON,
    _INTENSIFIED,
    _INTENT,
    _NEGATORS,
    _PEOPLE_WHO_HARM,
    _POSSESSIVE,
    _REFLEXIVE,
    _THIRD_PERSON,
    _TOKEN,
    DANGER,
    OPEN,
    OTHER,
    SELF,
    SELF_HARM,
    SUICIDE,
    VICTIM,
    Cue,
    cues,
)
from moderation.crisis_model import CrisisModel, shipped_model


@dataclass(frozen=True)
class CrisisFinding:
    """A cue found in the text, with its span and whom it is about."""

    cue: str
    family: str
    strong: bool
    about: str  # SELF or OTHER
    start: int
    end: int


@dataclass(frozen=True)
class CrisisScreen:
    """The crisis screen's answer for one text: the rules' findings and the learned risk."""

    findings: tuple[CrisisFinding, ...]
    risk: float | None = None  # the learned reader's score, when a model was used
    threshold: float | None = None
    model_version: str | None = None

    @property
    def rules_fire(self) -> bool:
        """Tell whether the rules alone say the author may be in crisis: a strong cue, or two
        weak ones."""
        return _fires(f for f in self.findings if f.about == SELF)

    @property
    def learned_fires(self) -> bool:
        """Tell whether the learned reader's score reaches its threshold."""
        return (self.risk is not None and self.threshold is not None
                and self.risk >= self.threshold)

    @property
    def in_crisis(self) -> bool:
        """Tell whether the author may be in crisis: the rules say so, or the learned reader
        does and the rules do not place the danger with someone else."""
        return self.rules_fire or (self.learned_fires and not self._others_fire)

    @property
    def learned_only(self) -> bool:
        """Tell whether only the learned reader noticed (no rule names what was written)."""
        return self.in_crisis and not self.rules_fire

    @property
    def _others_fire(self) -> bool:
        return _fires(f for f in self.findings if f.about == OTHER)

    @property
    def about_someone_else(self) -> bool:
        """Tell whether the text says someone else may be at risk (and the author is not)."""
        return not self.in_crisis and self._others_fire

    @property
    def families(self) -> tuple[str, ...]:
        """Return the kinds of crisis found for the author, most urgent first."""
        order = (DANGER, SUICIDE, SELF_HARM)
        found = {f.family for f in self.findings if f.about == SELF}
        return tuple(family for family in order if family in found)


def _fires(findings: Iterable[CrisisFinding]) -> bool:
    """Tell whether findings add up: a strong one, or two weak ones of different cues that
    do not overlap (one phrase read two ways is still one signal)."""
    findings = list(findings)
    if any(f.strong for f in findings):
        return True
    for first in findings:
        for second in findings:
            if first.cue != second.cue and (second.start >= first.end
                                             or first.start >= second.end):
                return True
    return False


def _normalise(text: str) -> str:
    """Lower-case with straight apostrophes, keeping every character's offset."""
    out = []
    for char in text:
        lowered = char.lower()
        if char in "\u2019\u2018\u02bc`":
            lowered = "'"
        out.append(lowered if len(lowered) == 1 else char)
    return "".join(out)


def _clause_before(text: str, start: int) -> str:
    """Return the text from the start of the clause a cue sits in up to the cue."""
    window = text[max(0, start - 160):start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end():] if breaks else window


def _sentence_before(text: str, start: int) -> str:
    window = text[max(0, start - 200):start]
    cut = max(window.rfind(mark) for mark in ".!?\n")
    return window[cut + 1:]


def _is_negated(text: str, start: int) -> bool:
    """Tell whether a negation just before the cue, in its clause, reaches it."""
    tokens = _TOKEN.findall(_clause_before(text, start))
    following = ""
    for token in reversed(tokens[-5:]):
        if token in _FIRST_PERSON or token in _THIRD_PERSON or token in _CLAUSE_WORDS:
            return False  # a new subject or clause: the negation belongs to something else
        if token in _NEGATORS or token.endswith("n't"):
            return not following.startswith(_INTENSIFIED)
        following = token
    return False


def _subject(text: str, start: int) -> str:
    """Return SELF or OTHER: the nearest person named before the cue in its sentence."""
    for token in reversed(_TOKEN.findall(_sentence_before(text, start))):
        token = token.removesuffix("'s") if token not in _THIRD_PERSON else token
        if token in _FIRST_PERSON:
            return SELF
        if token in _THIRD_PERSON:
            return OTHER
    return SELF  # no subject: the author speaking ("Suicidal again tonight.")


def _has_intent(text: str, start: int, end: int) -> bool:
    clause = _clause_before(text, start) + text[start:end] + text[end:end + 40].split(".")[0]
    return re.search(r"\b" + _INTENT + r"\b", clause) is not None


_PAST = re.compile(r"\b(?:years?\s+ago|used\s+to|back\s+(?:then|when)|in\s+the\s+past|"
                   r"at\s+one\s+point|(?:a\s+)?long\s+time\s+ago|when\s+i\s+(?:was|were)\s+(?:younger|"
                   r"first\s+diagnosed))\b")
_RECOVERED = re.compile(r"\b(?:(?:a\s+)?(?:much\s+|far\s+|lot\s+)?better\s+place|(?:doing|"
                        r"feel|feeling|much|far|lot)\s+better\s+now|got\s+(?:help|through\s+"
                        r"it)|came\s+out\s+the\s+other\s+side|recovered|glad\s+i'?m\s+still\s+"
                        r"here)\b")


def _about(cue: Cue, match: re.Match[str], text: str) -> str | None:
    """Return whom a match is about (SELF or OTHER), or None when it does not count."""
    groups = match.groupdict()
    reflexive = groups.get("who") or groups.get("whom")
    if reflexive:
        return _REFLEXIVE.get(reflexive, SELF)
    if groups.get("whose"):
        return _POSSESSIVE.get(groups["whose"], SELF)
    if cue.person == VICTIM:
        # Harm to the author needs someone doing it ("he said he'd hurt me"), not a thing
        # ("this heat will kill me").
        before = _sentence_before(text, match.start())
        person = re.search(r"\b" + _PEOPLE_WHO_HARM + r"\b", before + match.group(0))
        return SELF if person else None
    if cue.person == OPEN:
        return _subject(text, match.start())
    return cue.person


def evidence(findings: Iterable[CrisisFinding]) -> list[str]:
    """Return the rules' findings as the learned reader sees them (whom, how strong, and
    whether they add up for the author or for someone else)."""
    screen = CrisisScreen(tuple(findings))
    named = [f"{f.about}{'strong' if f.strong else 'weak'}" for f in screen.findings]
    if screen.rules_fire:
        named.append("fires")
    elif screen.about_someone_else:
        named.append("other")
    return named


def screen_crisis(text: str, *, model: CrisisModel | None = None,
                  learned: bool = True) -> CrisisScreen:
    """Screen a post's text for language of suicide, self-harm or immediate danger.

    :param model: the learned reader to use (default: the one shipped with the package).
    :param learned: False reads with the rules alone.
    """
    findings = _rule_findings(text)
    reader = (model or shipped_model()) if learned else None
    if reader is None:
        return CrisisScreen(findings)
    risk = reader.score(text, evidence(findings))
    return CrisisScreen(findings, risk, reader.threshold, reader.version)


def _rule_findings(text: str) -> tuple[CrisisFinding, ...]:
    normal = _normalise(text)
    findings: list[CrisisFinding] = []
    for cue in cues():
        for match in cue.pattern.finditer(normal):
            start, end = match.span()
            if start == end:
                continue
            about = _about(cue, match, normal)
            if about is None:
                continue
            if cue.person != VICTIM and _is_negated(normal, start):
                continue
            if cue.needs_intent and not _has_intent(normal, start, end):
                continue
            if cue.family == SELF_HARM and _ACCIDENT.search(
                    normal[start:end + 40].split(".")[0]):
                continue
            sentence = _sentence_before(normal, start) + normal[start:end]
            if _PAST.search(sentence) and _RECOVERED.search(normal):
                continue
            findings.append(CrisisFinding(cue.name, cue.family, cue.strong, about, start, end))
    findings.sort(key=lambda f: (f.start, f.end))
    return tuple(findings)
