"""Dose arithmetic as people write it: tablets of a strength, doses over a day, one more."""

from __future__ import annotations

import pytest

from moderation.document import Document
from moderation.doses import excesses, quantities


def amounts(text: str) -> list[float]:
    return [q.amount for q in quantities(Document(text))]


def over(text: str) -> list[tuple[str, float]]:
    doc = Document(text)
    return [(e.drug.generic, e.amount) for e in excesses(doc, quantities(doc))]


@pytest.mark.parametrize(("text", "amount"), [
    ("I swallow three of the 10s of baclofen before bed", 30),
    ("five of my 10mg baclofen every morning", 50),
    ("a couple of those 4mg tizanidine when it flares", 8),
])
def test_a_count_of_tablets_of_a_strength_is_their_total(text, amount):
    assert amount in amounts(text)


def test_doses_spread_over_a_day_add_up():
    text = "baclofen 40 with breakfast, 40 at lunch and 40 at night"
    assert over(text) == [("baclofen", 120)]


def test_doses_within_the_maximum_over_a_day_are_not_flagged():
    assert over("baclofen 20 with breakfast, 20 at lunch and 20 at night") == []


def test_another_few_tablets_add_to_the_dose_before():
    assert 28 in amounts("my tizanidine: took 12mg then another two of the 8s at bedtime")
    assert over("my tizanidine: took 12mg then another two of the 8s at bedtime") == [
        ("tizanidine", 28)]


def test_a_number_without_a_unit_is_read_in_the_drugs_usual_unit():
    assert over("gabapentin 4500 a day keeps me going") == [("gabapentin", 4500)]
    assert over("gabapentin 1800 a day") == []


def test_a_small_count_before_a_day_is_how_often():
    quantity = quantities(Document("baclofen 20mg 3 a day"))[0]
    assert (quantity.amount, quantity.daily) == (20, 60)


def test_g_is_grams_after_a_number_with_a_drug():
    assert over("pregabalin 2G a day") == [("pregabalin", 2000)]


def test_liquid_by_ml_at_a_stated_strength():
    assert over("baclofen liquid is 5mg/5ml and I get through 120ml a day") == [
        ("baclofen", 120)]


@pytest.mark.parametrize(("text", "daily"), [
    ("cyclobenzaprine 10s, i swallow 2 together, 3x daily", 60),
    ("baclofen 25mg x 5 a day", 125),
    ("tizanidine 8mg every 3 hours", 64),
    ("gabapentin 800s, four of them three times daily", 9600),
])
def test_tablets_per_dose_times_doses_per_day(text, daily):
    assert [q.daily for q in quantities(Document(text)) if q.daily] == [daily]
