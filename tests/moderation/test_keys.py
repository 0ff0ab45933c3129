"""Key words that let the screening skip a costly pattern must be in every match of it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from moderation import document, doses, frames, model, rules, stance
from moderation.patterns import _alternatives, by_opening_letter

DEV_SET = Path(__file__).resolve().parents[2].parent / "shared" / "moderation" / "dev-set.jsonl"
KEYED = [
    (document._MEDICINE_WORDS, document._MEDICINE_KEYS),
    (rules._GENERIC, rules._GENERIC_KEYS),
    (rules._PUMP_CONTEXT, rules._PUMP_KEYS),
    (rules._MISSED, rules._MISSED_KEYS),
    (rules._HIDING, rules._HIDING_KEYS),
    (rules._PRACTICE, rules._PRACTICE_KEYS),
    (stance.DEFY, stance.DEFY_KEYS),
    (doses._CONCENTRATION, ("ml",)),
]
SAMPLES = [
    "my meds, the medication, medicines, pills and tablets on prescription; a script, one dose",
    "the itb pump refills, the intrathecal reservoir and catheter, other drugs",
    "missed it, skipped them, forgot, left them at home",
    "don't tell them, not telling my gp, without telling, hid them, keep it from, lie to your "
    "nurse, take them quietly, tell your neuro you're on it, gp doesn't need to know",
    "driving after it, crushed, split, chewing, breaks, giving it to my dog, injected myself, "
    "self-injecting, cosmetic botox, bought some dysport online",
    "my neuro wants a taper but i said no; instead of the plan i refused; i declined the wean, "
    "skipping the titration, without the schedule, ignoring the advice, rather than the starter",
    "gabapentin 50mg/ml, 10 mg per 5 ml",
]


# The samples always run; the shared dev set's texts run too where it is checked out.
SOURCES = [
    pytest.param("samples", id="samples"),
    pytest.param("dev-set", id="dev-set", marks=pytest.mark.skipif(
        not DEV_SET.exists(), reason=f"the shared dev set is not at {DEV_SET}")),
]


def texts(source: str) -> list[str]:
    if source == "samples":
        found = SAMPLES
    else:
        lines = DEV_SET.read_text(encoding="utf-8").splitlines()
        found = [json.loads(line)["text"] for line in lines if line.strip()]
    assert found
    return [document.fold(text) for text in found]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("pattern", "keys"), KEYED, ids=lambda v: getattr(v, "pattern", "")[:30])
def test_every_match_holds_a_key(pattern: re.Pattern[str], keys: tuple[str, ...],
                                 source: str) -> None:
    matched = 0
    for text in texts(source):
        for match in pattern.finditer(text):
            matched += 1
            assert document.holds_any(match.group(), keys), match.group()
    assert matched


GROUPED = [
    (rules._STOP, "_STOP"), (rules._ABRUPT, "_ABRUPT"), (rules._ESCALATE, "_ESCALATE"),
    (rules._SOURCING, "_SOURCING"), (rules._TAMPER, "_TAMPER"), (rules._HIDING, "_HIDING"),
    (stance.DISMISS, "DISMISS"), (stance.DEFY, "DEFY"), (stance._ATTRIBUTION, "_ATTRIBUTION"),
    (stance.WARNING, "WARNING"), (stance.NEGATION, "NEGATION"),
    (document._MEDICINE_WORDS, "_MEDICINE_WORDS"), (frames._LATER_TWO, "_LATER_TWO"),
    (rules._COMBINE, "_COMBINE"), (stance.ENDORSE, "ENDORSE"), (frames._EXCEED, "_EXCEED"),
    (frames._BUY_ELSEWHERE, "_BUY_ELSEWHERE"),
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("pattern", "name"), GROUPED,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_patterns_grouped_by_opening_letter_find_what_the_word_lists_do(
    pattern: re.Pattern[str], name: str, source: str
) -> None:
    # The word list as written is the pattern with its letter groups undone: each group's
    # look-behind, or the one word boundary over many groups, a \b before each alternative.
    if pattern.pattern.startswith("\\b(?:") and "(?<!\\w" not in pattern.pattern:
        inside = pattern.pattern.removeprefix("\\b(?:").removesuffix(")")
        spelled = re.compile("|".join("\\b" + part for part in _alternatives(inside)))
    else:
        assert "(?<!\\w" in pattern.pattern, name
        spelled = re.compile(re.sub(r"(\w)\(\?<!\\w\1\)", r"\\b\1", pattern.pattern))
    for text in texts(source):
        assert [(m.span(), m.lastgroup) for m in pattern.finditer(text)] == [
            (m.span(), m.lastgroup) for m in spelled.finditer(text)
        ]


def test_many_letter_groups_sit_under_one_word_boundary() -> None:
    words = [f"{letter}x{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"]
    grouped = by_opening_letter(r"\b(?:" + "|".join(words) + r")\b")
    assert grouped.startswith(r"\b(?:") and "(?<!" not in grouped
    text = "axa, xbxb bxb zxz. cxcx"
    assert [m.group() for m in re.finditer(grouped, text)] == ["axa", "bxb", "zxz"]


def test_by_opening_letter_leaves_a_pattern_it_cannot_reorder_safely() -> None:
    assert by_opening_letter(r"\b(?:stop|\w+ing|sing)\b") == r"\b(?:stop|\w+ing|sing)\b"
    assert by_opening_letter(r"(?:stop|quit)") == r"(?:stop|quit)"
    grouped = re.compile(by_opening_letter(r"\b(?:just |simply )?(?:stop|quit|stopped)\b"))
    assert [m.group() for m in grouped.finditer("i just stopped, quit; simply stop. xstop")] == [
        "just stopped", "quit", "simply stop"]


COUNTS = "two of the 10s, three more of my 4mg, a couple of those .5s, 2 of them 8 mg, 1 of the 10"


@pytest.mark.parametrize("source", SOURCES)
def test_every_count_of_tablets_holds_the_hint(source: str) -> None:
    found = 0
    for text in [*texts(source), document.fold(COUNTS)]:
        for match in doses._COUNT_OF.finditer(text):
            assert doses._COUNT_OF_HINT.search(match.group()), match.group()
            found += 1
    assert found


NUMBERS = ("1,200 mg, 2.5, ten, often, someone, twenty-one, a hundred and fifty, pizza half, "
           "a couple, a dozen, x3, 600/d, half a tablet")


@pytest.mark.parametrize("source", SOURCES)
def test_ascii_number_starts_are_the_number_starts(source: str) -> None:
    found = 0
    for text in [*texts(source), document.fold(NUMBERS)]:
        if text.isascii():
            spans = [m.span() for m in doses._NUMBER_START.finditer(text)]
            assert [m.span() for m in doses._ASCII_NUMBER_START.finditer(text)] == spans
            found += len(spans)
    assert found


@pytest.mark.parametrize("source", SOURCES)
def test_model_words_open_with_a_class_and_find_the_plain_words(source: str) -> None:
    plain = re.compile(r"[a-z\u00b5]+(?:'[a-z]+)?|\d+(?:\.\d+)?|[!?+>]")
    extra = "don't 2.5mg x3 >> +1 µg ok?! it's 10.25 ' '' 3. .5 ab'c'd \u0663\u0664 tab"
    for text in [*texts(source), document.fold(extra)]:
        assert model._WORD.findall(text) == plain.findall(text)


FREQUENCIES = (
    "x2 a day, 2x, 3 x daily, twice a day, three times daily, tid, bd, qhs, every 8 hours, "
    "per day, /day, 600/d, in total, a night, in one go, all at once, at a time, together, "
    "at bedtime, before bed, in the morning, nightly, every morning, at lunch, once per day, "
    "with supper, lunchtime, midday, first thing, last thing"
)


@pytest.mark.parametrize("source", SOURCES)
def test_frequency_look_ahead_admits_every_frequency(source: str) -> None:
    guard = "(?=[\\d/abdefilmnopqstwx])"
    assert doses._FREQ.pattern.startswith(guard)
    bare = re.compile(doses._FREQ.pattern.removeprefix(guard))
    found = 0
    extra = [document.fold(FREQUENCIES)] if source == "samples" else []
    for text in [*texts(source), *extra]:
        guarded = [(m.span(), m.groups()) for m in doses._FREQ.finditer(text)]
        assert guarded == [(m.span(), m.groups()) for m in bare.finditer(text)]
        found += len(guarded)
    assert found
