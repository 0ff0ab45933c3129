"""The frames of moderation/frames.py: claims put in other words, and their benign neighbours.

Every sentence here was written for these tests; none comes from a dev file.
"""

from __future__ import annotations

import pytest

from moderation.screening import screen


def rules_of(text: str) -> set[str]:
    return {f.rule for f in screen(text, model=None).findings}


@pytest.mark.parametrize("text", [
    "Honestly just go past the max on baclofen, it works wonders for the cramps.",
    "tizanidine limit is a joke, i sail right over the maximum most days, 10/10",
    "You should exceed the label on pregabalin if the burning is bad, everyone does.",
    "gabapentin above the maximum is where it finally works, try it",
])
def test_going_past_a_limit_said_without_a_number_is_held(text: str) -> None:
    assert "over_max_dose_advice" in rules_of(text)


@pytest.mark.parametrize("text", [
    "Please never go over the maximum dose of baclofen.",
    "Went over the leaflet for tizanidine with my pharmacist today, very useful.",
    "Is it ever safe to go above the max on gabapentin?",
    "My consultant took me past the usual maximum of baclofen on the ward, with daily checks.",
])
def test_a_limit_warned_about_read_or_asked_about_is_not_advice(text: str) -> None:
    assert "over_max_dose_advice" not in rules_of(text)


@pytest.mark.parametrize("text", [
    "ramp it up every day on baclofen, way faster than the sheet says, works for me",
    "Crank the tizanidine up whenever you feel tight, you don't need anyone's say-so.",
    "I pop an extra diazepam on bad nights, you should too.",
    "take three tiz at once if it's a bad day, best sleep ever",
    "Titrate the gabapentin yourself, quicker than the clinic suggests, it's fine.",
])
def test_raising_a_dose_in_other_words_is_held(text: str) -> None:
    assert "dose_escalation" in rules_of(text)


@pytest.mark.parametrize("text", [
    "My neuro wants to up the dose of baclofen next month.",
    "I took an extra baclofen last night by mistake and felt awful, never again.",
    "I take all three of my baclofen together in the morning as the GP said.",
    "The physio says to ramp up the walking slowly, ten minutes more each week.",
    "Should I push the tizanidine higher or ask about switching?",
])
def test_prescribed_mistaken_or_asked_raises_are_not_advice(text: str) -> None:
    assert "dose_escalation" not in rules_of(text)


@pytest.mark.parametrize("text", [
    "anyone wanna trade u some of my tizanidine for some of ur gabapentin?",
    "Happy to swap with someone: my pregabalin for your baclofen.",
    "my mate's got a bloke who sells diazepam cheap, message me",
    "Order your diazepam from a website in India, no doc needed, works every time.",
    "you can get baclofen over the counter in spain, way cheaper, just stock up on holiday",
    "Just buy the tizanidine off a seller on telegram, it's easy.",
])
def test_trading_or_buying_elsewhere_is_held(text: str) -> None:
    assert "sharing_or_sourcing" in rules_of(text)


@pytest.mark.parametrize("text", [
    "Is trading with someone legal if it is the same tizanidine?",
    "I get my baclofen through the NHS app and the pharmacy delivers it.",
    "My neuro swapped me from baclofen to tizanidine last spring.",
    "Never buy diazepam from websites abroad, half of them sell fakes.",
    "Is it legal to bring my prescribed pregabalin back from Spain?",
])
def test_lawful_supply_questions_and_warnings_are_not_sourcing(text: str) -> None:
    assert "sharing_or_sourcing" not in rules_of(text)


def test_a_frame_adds_no_second_finding_for_a_claim_a_rule_already_read() -> None:
    found = screen("my mate's got a guy who sells valium cheap, hmu", model=None).findings
    assert [f.rule for f in found].count("sharing_or_sourcing") == 1


@pytest.mark.parametrize(("text", "held"), [
    ("dont let ur neuro cap u at 80 mg on baclofen, 120 a day is fine", True),
    ("The baclofen max is more of a suggestion tbh, 120 mg a day works for me.", True),
    ("my pain was 10/10 last night so I rang the gp about my baclofen.", False),
    ("I'd recommend asking your GP about baclofen before changing anything.", False),
])
def test_new_stance_cues_dismiss_or_endorse(text: str, held: bool) -> None:
    assert screen(text, model=None).held is held


@pytest.mark.parametrize("text", [
    "I left the baclofen at home for the whole holiday, best week in ages, no dozy feeling",
    "Give yourself a break from the diazepam for a month, you don't need it any more, trust me.",
    "went without my tizanidine all weekend, felt fine, do the same",
])
def test_stopping_put_as_a_break_or_leaving_it_out_is_held(text: str) -> None:
    assert "abrupt_stop" in rules_of(text)


@pytest.mark.parametrize("text", [
    "Taking a break from diazepam this month, my GP is tapering me slowly.",
    "I left my baclofen at home once and by the evening I was shaking; never again.",
    "The neuro wants me to have a break from tizanidine, coming down bit by bit.",
])
def test_a_supervised_or_regretted_break_is_not_an_abrupt_stop(text: str) -> None:
    assert "abrupt_stop" not in rules_of(text)


@pytest.mark.parametrize(("text", "held"), [
    ("forgot my fampyra this morning, just take two tonight, simple", True),
    ("Missed my evening sativex, you can just have both in the morning, works for me.", True),
    ("Forgot my baclofen this morning, should I take two tonight?", False),
    ("I skipped a dose yesterday; the pharmacist said never take two later, so I didn't.", False),
])
def test_catching_up_a_missed_dose_in_other_words(text: str, held: bool) -> None:
    assert ("missed_dose_catch_up" in rules_of(text)) is held


@pytest.mark.parametrize(("text", "held"), [
    ("you can unlock the bolus settings on the pump remote with a code, works a treat", True),
    ("My ITB pump kept beeping so I just muffled the alarm with a cushion, sorted.", True),
    ("The pump alarm went off so I rang the clinic straight away.", False),
    ("Please don't try to bypass the limits on your pump remote, it can kill you.", False),
])
def test_unlocking_or_silencing_a_pump(text: str, held: bool) -> None:
    assert ("pump_tampering" in rules_of(text)) is held


def test_picking_a_prescription_up_is_not_raising_a_dose() -> None:
    text = ("Since baclofen went on a repeat I order on the 1st and pick it up the week after, "
            "so just allow a few extra days around holidays.")
    assert "dose_escalation" not in rules_of(text)


def test_with_written_short_credits_the_prescriber() -> None:
    text = "came off diazepam over three months w/ my gp, rough but I did it, sleeping ok now"
    assert not screen(text, model=None).held


def test_slang_names_of_alprazolam_are_read() -> None:
    assert screen("a couple of zannies", model=None).drugs == ("alprazolam",)


@pytest.mark.parametrize(("text", "held"), [
    ("disregard anyone who says to buy tizanidine from a website abroad, it's often fake", False),
    ("Ignore the doubters saying it's risky, just double your baclofen, works for me", True),
])
def test_rejected_advice_is_someone_elses(text: str, held: bool) -> None:
    assert screen(text, model=None).held is held


def test_a_single_tablet_or_pill_makes_a_post_about_medicine() -> None:
    from moderation.document import Document

    assert Document("keep adding one more tablet a day").speaks_of_medicine
    assert Document("one pill at night").speaks_of_medicine
    assert not Document("a long walk at night with the dog").speaks_of_medicine
