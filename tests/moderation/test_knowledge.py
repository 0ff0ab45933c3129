"""The drug knowledge file and dose reading."""

from __future__ import annotations

import pytest

from moderation.document import Document
from moderation.doses import quantities, word_number
from moderation.knowledge import knowledge


def test_every_maximum_keeps_its_source() -> None:
    for drug in knowledge().drugs:
        for limit in (drug.max_daily, drug.max_single):
            if limit is not None:
                assert limit.source and limit.text and limit.amount > 0, drug.id


def test_brands_slang_and_misspellings_resolve_to_the_generic() -> None:
    names = knowledge().names
    assert names[("zanaflex",)].generic == "tizanidine"
    assert names[("baclophen",)].generic == "baclofen"
    assert names[("gabbies",)].generic == "gabapentin"
    assert names[("dysport",)].generic == "botulinum toxin"


@pytest.mark.parametrize(
    ("words", "value"),
    [("ten", 10), ("two hundred", 200), ("two hundred and fifty", 250), ("twenty-five", 25),
     ("half a", 0.5), ("a couple", 2)],
)
def test_numbers_in_words_are_read(words: str, value: float) -> None:
    assert word_number(words) == value


@pytest.mark.parametrize(
    ("text", "daily"),
    [
        ("baclofen 10mg tid", 30),
        ("baclofen 10 mil three times a day", 30),
        ("tizanidine 2x 4mg x3", 24),
        ("baclofen twenty mg four times daily", 80),
        ("baclofen 5mg every 4 hours", 30),
        ("gabapentin 1.2g a day", 1200),
        ("robaxin 750s, 2 at a time four times a day", 6000),
        ("gabapentin liquid 50mg/ml, 10ml twice a day", 1000),
    ],
)
def test_daily_totals_are_worked_out(text: str, daily: float) -> None:
    found = [q for q in quantities(Document(text)) if q.daily is not None]
    assert max(q.daily for q in found) == daily


def test_doses_named_as_limits_are_not_taken_as_doses() -> None:
    found = quantities(Document("the max for baclofen is 100mg, I take 20mg a day"))
    assert [(q.amount, q.reference) for q in found] == [(100, True), (20, False)]
