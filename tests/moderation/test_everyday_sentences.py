"""Everyday sentences the issue found held must publish, even beside a medicine's name."""

from __future__ import annotations

import pytest

from moderation import screen

EVERYDAY = [
    "Honestly I won't change anything without asking the neuro, baclofen has been steady.",
    "Physio wants me to build up the muscles in my thighs while the tizanidine settles in.",
    "Since the baclofen was adjusted I'm transferring by myself from bed to chair.",
    "My kids read my gabapentin list before appointments, they need to know what I take.",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_sentences_are_not_held(text):
    assert not screen(text).held


def test_doing_a_medicine_act_alone_is_still_held():
    assert screen("Upped the baclofen to 40 myself, nobody needs asking.").held


@pytest.mark.parametrize("text", [
    "Picked up a CBD balm in a little shop along the high street, my nurse approved.",
    "Has anyone got tips for the weeks when the Botox has worn off before the next jab?",
    "For anyone who hasn't had a Sativex review yet, it's just a chat and a form.",
])
def test_shopping_and_asking_for_tips_are_not_sourcing(text):
    assert not screen(text, model=False).held


def test_a_caution_spoken_to_the_reader_counts_against_the_act():
    text = ("My cousin combined his diazepam with vodka one night and needed an ambulance. "
            "Everyone please be careful.")
    assert not screen(text, model=False).held


@pytest.mark.parametrize("text", [
    "Physio has me on 3 sets of 15 sit-to-stands, twice daily, plus 20 minutes of stretching.",
    "What is the most baclofen in a day that a neurologist would normally go up to?",
    "Under the rehab consultant I'm on baclofen 120mg daily, with bloods every fortnight.",
])
def test_physio_numbers_limit_questions_and_prescribed_doses_are_not_held(text):
    assert not screen(text).held
