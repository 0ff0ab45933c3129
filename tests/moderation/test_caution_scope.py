"""A caution word only outweighs the act it speaks of (issue 16, item 10)."""

from __future__ import annotations

import pytest

from moderation import screen

# Unsafe advice of our own writing, each held by the rules alone.
ADVICE = [
    "Honestly just quit the baclofen tonight, weaning is a waste of weeks.",
    "Got heaps of leftover gabapentin, drop me a line and I can send some over.",
    "If the tizanidine isn't touching it, double it, worked for me every time.",
]
HARMLESS_ENDINGS = [" It is not unsafe at all.", " ps: warning", "\n\nps: warning"]


@pytest.mark.parametrize("text", ADVICE)
def test_advice_is_held_by_the_rules(text):
    assert screen(text, model=False).held


@pytest.mark.parametrize("ending", HARMLESS_ENDINGS)
@pytest.mark.parametrize("text", ADVICE)
def test_harmless_words_appended_do_not_release_held_advice(text, ending):
    assert screen(text + ending, model=False).held


def test_a_warning_about_the_act_itself_still_counts():
    text = "Please don't quit baclofen all of a sudden, it is dangerous and can cause fits."
    assert not screen(text, model=False).held


# Cautionary tales of our own writing: the act, then what came of it, told so nobody copies it.
TALES = [
    "I used to have a gin and tonic with my evening diazepam. Then I went down the stairs "
    "the wrong way and fractured my ankle. Think twice, folks.",
    "My brother took his gabapentin with a few beers at a barbecue. We could not wake him "
    "and the paramedics had him on oxygen for an hour.",
    "I took my tizanidine with the cipro I had left over from last winter. Twenty minutes "
    "later I collapsed in the car park, so nobody else makes my mistake.",
]


@pytest.mark.parametrize("text", TALES)
def test_a_cautionary_tale_told_by_what_came_of_it_is_not_held(text):
    assert not screen(text, model=False).held


def test_a_harm_word_does_not_excuse_advice_that_waves_it_away():
    text = ("Have a couple of beers with your baclofen, it's fine. My mate says it can slow your "
            "breathing but that's scaremongering.")
    assert screen(text, model=False).held


# Advice that names a warning only to say it is meant for someone else, or not to mind it.
WAVED_AWAY = [
    "The drowsiness warning on the box is meant for people who drink every night. A glass of "
    "red with your pregabalin is fine, I promise.",
    "Don't let the pharmacist's printout scare you, diazepam and a whisky at bedtime is how I "
    "get through the winter.",
]


@pytest.mark.parametrize("text", WAVED_AWAY)
def test_a_warning_waved_away_as_someone_elses_is_still_held(text):
    assert screen(text, model=False).held


def test_liability_waves_a_warning_away_only_when_it_is_the_reason_given():
    prescribed = ("My neuro put me on 90 mg of baclofen a day. Before that my legs were a "
                  "liability on the stairs.")
    assert not screen(prescribed, model=False).held
    advice = ("Doctors only go slow with tizanidine because of liability. Go up 4 mg every day "
              "until it works.")
    assert screen(advice, model=False).held
