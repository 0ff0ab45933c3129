"""Find doses in a post: amounts, units, how often, and the daily total they add up to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from moderation.document import Document
from moderation.knowledge import Drug, Knowledge, knowledge

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_PHRASES = {"a hundred": 100, "a couple of": 2, "a couple": 2, "a dozen": 12, "half a": 0.5,
            "a half": 0.5, "half": 0.5}
_SMALL = "|".join(sorted(_ONES, key=len, reverse=True))
_TEN = "|".join(_TENS)
_WORDNUM = (
    rf"(?:(?:{_TEN})(?:[- ](?:{_SMALL}))?|{_SMALL})(?: hundred(?: and)?(?: (?:{_TEN})"
    rf"(?:[- ](?:{_SMALL}))?| (?:{_SMALL}))?)?|a hundred|a couple(?: of)?|a dozen|half a|a half"
)
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_COUNT = r"\d+|once|twice|thrice|one|two|three|four|five|six|seven|eight"
_FEW = r"[1-6](?!\d)|once|twice|thrice|one|two|three|four|five|six"
# Every frequency opens with one of the characters in the look-ahead: testing that first spares
# the regex engine from trying each alternative at every other place.
_FREQ = re.compile(
    r"(?=[\d/abdefilmnopqstwx])(?:"
    rf"(?P<x>\bx\s*(?P<xn>\d+|two|three|four|five|six)\b|(?<![a-z])(?P<xn2>\d)\s*x\b(?!\s*\d))"
    # A bare count before "a day" is how often only when small: "3600 a day" is an amount.
    rf"|(?P<times>\b(?:(?:(?P<tn>{_COUNT})(?:\s*x|\s+times?)|(?P<tn2>{_FEW}))"
    r"\s+(?:a|per|each|every|/)\s*day\b"
    rf"|(?P<tn3>{_COUNT})\s+times\s+daily\b))"
    r"|(?P<abbr>\b(?:tid|tds|bd|bid|qid|qds|od|qd|qhs)\b)"
    r"|(?P<every>\bevery\s+(?P<hours>\d+|two|three|four|five|six|eight|twelve)\s*"
    r"(?:hours|hour|hrs|hr|h)\b)"
    # One \b before each word list rather than one per word; "/d" cannot start where a word does.
    r"|(?P<daily>\b(?:a|per|each|every|/)\s*day\b|\b(?:daily|in total|total|a night)\b|/\s*d\b)"
    r"|(?P<single>\b(?:in (?:one|a single) (?:go|hit|swallow)|(?:all|both|the lot) at once|at once|"
    r"at (?:a|one|the same) time|together)\b)"
    r"|(?P<once>\b(?:at night|at bed ?time|before bed|in the (?:morning|afternoon)|nightly|"
    r"each night|every "
    r"night|every morning|in the evening|at lunch|(?:with|at|after|before) (?:breakfast|lunch|"
    r"dinner|tea|supper|my tea)|lunchtime|teatime|midday|at noon|in the afternoon|first thing|"
    r"last thing)\b))"
)
_ABBR = {"tid": 3, "tds": 3, "bd": 2, "bid": 2, "qid": 4, "qds": 4, "od": 1, "qd": 1, "qhs": 1}
_REFERENCE_BEFORE = re.compile(
    r"\b(?:max(?:imum)?|limit|more than|less than|fewer than|over|above|past|exceed\w*|"
    r"instead of|than|says?|said|beyond|not|never)\W+(?:(?:the|a|of|is|at|was|about|around)\W+)*$"
    r"|\b(?:max(?:imum)?|limit|ceiling)\b[^.,;!?]{0,25}\b(?:is|of|at|was|=)\W*$"
)
_REFERENCE_AFTER = re.compile(
    r"\W*(?:(?:is|was|being)\s+)?(?:the\s+|a\s+)?(?:max(?:imum)?\b|limit\b|cap\b|ceiling\b|"
    r"on the (?:box|label|packet|leaflet|bottle|pack)\b|too much\b|safe\b)"
)
_CONCENTRATION = re.compile(
    rf"(?P<num>{_DIGITS})\s*mg\s*(?:per|/|in|a|an|every|each)\s*(?P<per>{_DIGITS})?\s*ml\b"
)
_PER_LONGER = re.compile(r"\W*(?:a|per|each|this|that|every)\s+(?:week|month|fortnight|year)")
_ATTACH = re.compile(r"^\W*(?:(?:is|was|'s|s|at|on|of|to|now|up|down|about|around)\W+){0,3}$")
_NON_DOSE_NEXT = re.compile(
    r"\s*(?:%|k\b|km\b|min|mins|minute|minutes|hour|hours|hrs|day|days|week|weeks|month|"
    r"months|year|years|yrs|yo\b|times|am\b|pm\b|x\s*\d|st\b|nd\b|rd\b|th\b|kg|lbs?\b|stone|"
    r"miles|metres|meters|steps|people|of us|sessions|rounds|feet|ft\b|cm\b)"
)
_NOT_A_DOSE_BEFORE = re.compile(r"\b(?:age|aged|since|in|over|from|till|until|by)\s*$")
# "three of the 10s", "2 of my 4mg", "another two of the 8s": a count of tablets of a strength.
_COUNT_OF = re.compile(
    rf"\b(?P<count>\d{{1,2}}|{_WORDNUM}|a couple)\s+(?:(?:more|extra)\s+)?of\s+(?:the|my|those|"
    rf"these|your|his|her|their|them)\s+(?P<strength>{_DIGITS})(?=\s*(?:mg|mgs)?(?:'?s)?\b)"
)
# What every count of tablets holds: most posts hold none and skip _COUNT_OF, which has no
# fixed opening and so is tried at every place; this opens with "of", which the regex engine
# finds as fast as a substring.
_COUNT_OF_HINT = re.compile(r"of\s+(?:the|my|those|these|your|his|her|their|them)\s+[\d.]")
# "another two", "an extra one", "a third one": tablets on top of a dose already taken.
_ANOTHER = re.compile(
    r"\b(?:another|an extra|extra|(?:a|one) more|a further|a second|a third|a fourth)\s*$"
)
_TABLET_NEXT = re.compile(
    r"\s*(?:[a-z]+\s+){0,2}?(?:tablets?|tabs?|pills?|caps?|capsules?)\b"
)


@dataclass(frozen=True)
class Quantity:
    """An amount of a drug named in the post, with what it adds up to per dose and per day."""

    start: int
    end: int
    drug: Drug | None
    amount: float
    unit: str
    dose: float | None
    daily: float | None
    scheduled: bool
    reference: bool


def word_number(text: str) -> float | None:
    """Return the value of a number written in words ("two hundred and fifty"), else None."""
    text = text.strip().replace("-", " ")
    if text in _PHRASES:
        return _PHRASES[text]
    total = 0
    current = 0
    for word in text.split():
        if word == "and":
            continue
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            return None
    return float(total + current)


def _number(text: str) -> float | None:
    text = text.strip()
    if text[:1].isdigit() or text[:1] == ".":
        return float(text.replace(",", ""))
    return word_number(text)


@cache
def _quantity_pattern(kb: Knowledge) -> re.Pattern[str]:
    units = "|".join(re.escape(u) for u in sorted(kb.units, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w.,])(?:(?P<mult>\d+|two|three|four)\s*x\s*)?"
        rf"(?P<num>{_DIGITS}|{_WORDNUM})(?![\d,]|\.\d)"
        rf"(?:\s*(?P<unit>{units})(?![a-z\u00b5])|(?P<plural>s)\b)?"
    )


def _frequency(doc: Document, start: int, stop: int) -> tuple[float | None, str]:
    """Return (doses per day, kind) for the frequency written after a quantity."""
    per_day: float | None = None
    kind = ""
    pos = start
    for _ in range(2):
        match = _FREQ.search(doc.masked, pos, stop)
        if match is None or match.start() - pos > 40:
            break
        if match.group("x") or match.group("times"):
            count = (match.group("xn") or match.group("xn2") or match.group("tn")
                     or match.group("tn2") or match.group("tn3"))
            per_day = _count(count)
            return per_day, "multiple"
        if match.group("abbr"):
            return float(_ABBR[match.group("abbr")]), "multiple"
        if match.group("every"):
            hours = _count(match.group("hours"))
            return (24.0 / hours if hours else None), "multiple"
        if match.group("daily"):
            return 1.0, "total"
        if match.group("single"):
            kind = "single"
        elif match.group("once") and not kind:
            kind = "once"
        pos = match.end()
    return per_day, kind


def _count_word(word: str) -> float | None:
    """Return a count of tablets written in digits or words ("a couple" is two)."""
    if word == "a couple":
        return 2.0
    return _number(word)


def _count(word: str | None) -> float | None:
    if word is None:
        return None
    named = {"once": 1, "twice": 2, "thrice": 3}
    if word in named:
        return float(named[word])
    return _number(word)


def _convert(amount: float, unit: str, drug: Drug | None, concentration: float | None
             ) -> tuple[float, str]:
    if unit == "g":
        return amount * 1000, "mg"
    if unit == "ml" and concentration is not None:
        return amount * concentration, "mg"
    return amount, unit


def _strengths(doc: Document, kb: Knowledge, matches: list[re.Match[str]]) -> dict[str, float]:
    """Return tablet strengths the post states ("robaxin 750s", "100mg caps") per drug id."""
    found: dict[str, float] = {}
    for match in matches:
        unit = match.group("unit")
        plural = match.group("plural")
        if not plural and kb.units.get(unit or "") != "mg":
            continue
        if not plural and not _TABLET_NEXT.match(doc.masked, match.end()):
            continue
        mention = doc.drug_before(match.start())
        amount = _number(match.group("num"))
        if mention is not None and amount:
            found.setdefault(mention.drug.id, amount)
    return found




def _by_first_letter(words: set[str]) -> list[str]:
    """Return alternations of words, one per first letter, so most tries cost one check."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    return [f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items()]


# Every word here is followed by \b, so at most one matches at a place and their order is free.
_NUMBER_WORDS = _by_first_letter(
    {*_ONES, *_TENS, "half", "a hundred", "a couple", "a dozen", "a half"}
)
_NUMBER_START = re.compile(r"\d|(?:" + "|".join(_NUMBER_WORDS) + r")\b")
# The same pattern for ASCII text, where \d is one of ten characters: when every alternative
# opens with a character, the regex engine jumps to the characters that can open a match
# instead of trying the pattern at every place (about three times faster).
_ASCII_NUMBER_START = re.compile("|".join([*"0123456789", *(w + r"\b" for w in _NUMBER_WORDS)]))


def _in_frequency(masked: str, pos: int, start: int, end: int) -> bool:
    """Tell whether a frequency found in masked[start:end] covers an offset."""
    for frequency in _FREQ.finditer(masked, start, end):
        if frequency.start() > pos:  # the later ones start further on still
            return False
        if pos < frequency.end():
            return True
    return False


def _candidates(doc: Document, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Return quantity matches, trying the pattern only where a number starts."""
    masked = doc.masked
    found = []
    last_end = -1
    starts = _ASCII_NUMBER_START if masked.isascii() else _NUMBER_START
    for start_match in doc.scan(starts):
        start = start_match.start()
        if start < last_end or (start and (masked[start - 1].isalnum()
                                           or masked[start - 1] in ".,")):
            continue
        match = pattern.match(masked, start)
        if match is None:
            continue
        # "three" in "three times a day" is how often, not how much.
        if _in_frequency(masked, start, max(0, start - 12), match.end() + 24):
            continue
        found.append(match)
        last_end = match.end()
    return found


def quantities(doc: Document, kb: Knowledge | None = None) -> tuple[Quantity, ...]:
    """Return the doses written in the post, each tied to the drug it most likely belongs to."""
    kb = kb or knowledge()
    if not doc.medicines:
        return ()
    pattern = _quantity_pattern(kb)
    # Every concentration names millilitres; most posts don't, and skip the costly pattern.
    conc_match = next(doc.scan(_CONCENTRATION), None) if "ml" in doc.masked else None
    concentration = None
    if conc_match:
        per = _number(conc_match.group("per")) if conc_match.group("per") else 1.0
        concentration = (_number(conc_match.group("num")) or 0) / (per or 1.0)
    matches = _candidates(doc, pattern)
    if not matches:
        return ()
    strengths = _strengths(doc, kb, matches)
    counted: dict[int, float] = {}  # where a strength starts -> how many tablets of it
    count_words: set[int] = set()
    if " of " in doc.masked and _COUNT_OF_HINT.search(doc.masked):
        for counting in _COUNT_OF.finditer(doc.masked):
            number = _count_word(counting.group("count"))
            if number:
                counted[counting.start("strength")] = number
                count_words.add(counting.start("count"))
    found: list[Quantity] = []
    for index, match in enumerate(matches):
        if match.start() in count_words:
            continue
        if conc_match and conc_match.start() <= match.start() < conc_match.end():
            continue
        amount = _number(match.group("num"))
        if not amount:
            continue
        tablets = counted.get(match.start())
        unit_word = match.group("unit")
        unit = kb.units.get(unit_word) if unit_word else None
        sentence = doc.sentence_at(match.start())
        stop = sentence.end
        if index + 1 < len(matches):
            stop = min(stop, matches[index + 1].start())
        mention = doc.drug_before(match.start())
        following = doc.mention_at(match.end())
        if following is not None:
            mention = following
        drug = mention.drug if mention else None
        if drug is not None and drug.kind != "medicine":
            continue
        per_day, kind = _frequency(doc, match.end(), stop)
        if unit is None:
            before = doc.masked[max(sentence.start, match.start() - 24) : match.start()]
            attached = (mention is not None and mention.end <= match.start()
                        and _ATTACH.match(doc.masked[mention.end : match.start()]) is not None)
            follows_drug = (mention is not None and mention.start >= match.end()
                            and mention.start - match.end() <= 4)
            earlier = next((q for q in reversed(found) if q.drug is drug), None)
            if (earlier is not None and earlier.dose is not None and amount <= 6
                    and _ANOTHER.search(before)):
                # "another two": tablets like the dose before, taken on top of it.
                tablets, amount, unit_word = amount, earlier.dose, "mg"
            if match.group("plural") and not kind and per_day is None:
                continue
            if _NON_DOSE_NEXT.match(doc.masked, match.end()) and not match.group("plural"):
                if not match.group("mult"):
                    continue
            if not (attached or follows_drug or per_day is not None or kind
                    or match.group("plural") or tablets):
                continue
            if _NOT_A_DOSE_BEFORE.search(before):
                continue
            if drug is None:
                continue
            if tablets:
                unit = drug.unit or "mg"
            elif drug.id in strengths and (amount <= 12 and not match.group("plural")
                                           or follows_drug):
                amount, unit = amount * strengths[drug.id], "mg"
            elif match.group("plural") or drug.unit in (None, "unit", "spray", "ml"):
                unit = drug.unit or "mg"
            else:
                unit = drug.unit
        elif unit == "dose":
            if drug is None or drug.id not in strengths:
                continue
            amount, unit = amount * strengths[drug.id], "mg"
        if match.group("mult"):
            amount *= _count(match.group("mult")) or 1
        if drug is not None and drug.generic == "baclofen":
            # Pump doses are micrograms and tablet doses milligrams; the unit tells them apart.
            route = "baclofen-intrathecal" if unit == "mcg" else "baclofen"
            drug = kb.by_id.get(route, drug) if unit in ("mcg", "mg") else drug
        if tablets:
            amount *= tablets
        amount, unit = _convert(amount, unit, drug, concentration)
        before = doc.masked[max(sentence.start, match.start() - 30) : match.start()]
        earlier = next((q for q in reversed(found) if q.drug is drug and q.unit == unit), None)
        extra_at = before
        if tablets:  # "another two of the 8s": the word before the count says "more"
            count_start = max(sentence.start, match.start() - 40)
            extra_at = doc.masked[count_start : match.start()].rsplit(" of ", 1)[0]
            extra_at = extra_at.rsplit(" ", 1)[0] if " " in extra_at else extra_at
        if earlier is not None and earlier.dose is not None and _ANOTHER.search(extra_at):
            # Taken on top of the dose before it: what counts is what was taken together.
            amount += earlier.dose
        reference = (
            _REFERENCE_BEFORE.search(before) is not None
            or _REFERENCE_AFTER.match(doc.masked, match.end()) is not None
            or _PER_LONGER.match(doc.masked, match.end()) is not None
            or doc.in_quote(match.start())
        )
        dose = amount if kind != "total" else None
        if kind == "multiple" and per_day is not None:
            daily = amount * per_day
        elif kind in ("total", "once"):
            daily = amount
        else:
            daily = None
        found.append(Quantity(
            start=match.start(), end=match.end(), drug=drug, amount=amount, unit=unit,
            dose=dose, daily=daily, scheduled=kind in ("multiple", "once"), reference=reference,
        ))
    return tuple(found)


@dataclass(frozen=True)
class Excess:
    """A dose over a drug's usual maximum: the figure, the limit, and the evidence."""

    drug: Drug
    amount: float
    unit: str
    per_day: bool
    start: int
    end: int


def _excess_for(drug: Drug, group: list[Quantity], doc: Document) -> Excess | None:
    limit = drug.max_daily
    if limit is None:
        return None
    usable = [q for q in group if not q.reference and q.unit == limit.unit]
    if not usable:
        return None
    best: Excess | None = None
    by_sentence: dict[int, list[Quantity]] = {}
    for q in usable:
        by_sentence.setdefault(doc.sentence_at(q.start).start, []).append(q)
    for qs in by_sentence.values():
        scheduled = [q for q in qs if q.scheduled and q.daily is not None]
        total = sum(q.daily for q in scheduled if q.daily is not None)
        if len(scheduled) > 1 and total > limit.amount:
            candidate = Excess(drug, total, limit.unit, True, scheduled[0].start,
                               scheduled[-1].end)
            best = _larger(best, candidate)
        for q in qs:
            if q.daily is not None and q.daily > limit.amount:
                best = _larger(best, Excess(drug, q.daily, limit.unit, True, q.start, q.end))
            elif q.amount > limit.amount:
                best = _larger(best, Excess(drug, q.amount, limit.unit, q.daily is not None,
                                            q.start, q.end))
    single = drug.max_single
    if best is None and single is not None:
        for q in usable:
            if q.dose is not None and q.dose > single.amount:
                return Excess(drug, q.dose, single.unit, False, q.start, q.end)
    return best


def _larger(a: Excess | None, b: Excess) -> Excess:
    return b if a is None or b.amount > a.amount else a


def excesses(doc: Document, found: tuple[Quantity, ...]) -> tuple[Excess, ...]:
    """Return, per drug, the largest dose in the post that is over the usual maximum."""
    groups: dict[str, list[Quantity]] = {}
    drugs: dict[str, Drug] = {}
    for q in found:
        if q.drug is not None:
            groups.setdefault(q.drug.id, []).append(q)
            drugs[q.drug.id] = q.drug
    result = []
    for drug_id, group in groups.items():
        excess = _excess_for(drugs[drug_id], group, doc)
        if excess is not None:
            result.append(excess)
    return tuple(result)
