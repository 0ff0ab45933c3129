"""Each claim frame, in sentences written for these tests: advice is caught, caution is not."""

from __future__ import annotations

import pytest

from moderation import screen

# (frame, advice that must be held or queued, a caution or question on the same act)
FRAMES = [
    ("abrupt stop",
     "Ditch the baclofen in one day, tapering is pointless and your body copes fine.",
     "Could baclofen be stopped at some point? The neurologist plans a slow month-long taper."),
    ("escalation",
     "If 10mg of tizanidine isn't cutting it, just up it to 30 yourself, works wonders.",
     "The neurologist is lifting my tizanidine by 2mg weekly, reviewed monthly together."),
    ("combination",
     "Diazepam plus three big glasses of merlot knocks you out, best sleep combo ever.",
     "Never mix diazepam with alcohol, the two together can stop your breathing."),
    ("sourcing",
     "Got heaps of leftover pregabalin, drop me a line and I can send some over.",
     "Please don't buy pregabalin from strangers online, report anyone offering it."),
    ("pump",
     "When the pump alarm drives you mad, just reprogram it yourself to silence it.",
     "My pump alarm went off so I rang the clinic straight away, they sorted the refill."),
    ("catch up",
     "Forgot this morning's baclofen? Just take both doses together at lunch to catch up.",
     "A missed baclofen dose gets skipped here; the leaflet warns against doubling."),
    ("hiding",
     "Keep the cannabis from your neurologist, they'll only take you off the baclofen.",
     "Mentioned the cannabis to the neurologist and she reworked the baclofen plan."),
    ("over max",
     "Gabapentin at 5000mg a day is fine, the max is for wimps, go for it.",
     "Under the pain consultant, gabapentin 1800mg daily, split in three."),
]


def caught(text: str) -> bool:
    result = screen(text)
    return result.held or result.check_soon


@pytest.mark.parametrize(("frame", "advice", "caution"), FRAMES, ids=[f[0] for f in FRAMES])
def test_advice_in_each_frame_is_held_or_queued(frame, advice, caution):
    assert caught(advice), frame


@pytest.mark.parametrize(("frame", "advice", "caution"), FRAMES, ids=[f[0] for f in FRAMES])
def test_caution_in_each_frame_is_not_held(frame, advice, caution):
    assert not screen(caution).held, frame
