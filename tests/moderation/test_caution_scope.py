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
