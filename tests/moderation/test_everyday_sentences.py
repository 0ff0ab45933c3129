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
