"""Screening rules, tested on plain strings without an app."""

from __future__ import annotations

import pytest

from moderation import HOLD, PUBLISH, PUBLISH_WITH_NOTICE, screen


def rules_of(text: str) -> set[str]:
    return {finding.rule for finding in screen(text).findings}


@pytest.mark.parametrize(
    "text",
    [
        "you should take 150 mg of baclofen a day, the label figure is far too cautious",
        "just take 30mg baclofen four times a day, more is better for stiffness",
        "take 2x 20mg tizanidine at night, it's the only way you'll sleep",
        "do what I do: 5 lyrica 150s spread through the day, 750 in total, no issues at all",
        "honestly try twenty sprays of sativex a day, you get used to it",
        "I do 4000mg of gabapentin a day myself and I'd recommend it to anyone",
    ],
)
def test_dose_over_the_maximum_given_as_advice_is_held(text: str) -> None:
    result = screen(text)
    assert result.verdict == HOLD
    assert "over_max_dose_advice" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "my neuro put me on 120 mg of baclofen a day while I wait for a pump assessment",
        "consultant has me at 30mg baclofen four times a day with monthly bloods",
        "I take 4800mg of gabapentin a day",
    ],
)
def test_personal_report_over_the_maximum_gets_a_notice(text: str) -> None:
    result = screen(text)
    assert result.verdict == PUBLISH_WITH_NOTICE
    assert [f.rule for f in result.findings] == ["over_max_dose_report"]


@pytest.mark.parametrize(
    "text",
    [
        "is 120 mg of baclofen too much? my neuro wants to go higher",
        "never go over 36mg of tizanidine a day, my pharmacist was very clear about that",
        "the max for sativex is 12 sprays a day, people bragging about twenty are asking for it",
    ],
)
def test_questions_and_warnings_about_high_doses_are_not_held(text: str) -> None:
    assert screen(text).verdict != HOLD


@pytest.mark.parametrize(
    "text",
    [
        "ITB pump runs at 650 mcg a day now, the clinic bumped it at the last refill",
        "my pump's at 1,200 micrograms per day and the team are happy with that",
        "Dysport 1,200 units across my calf and hamstrings this round, all done at the clinic",
        "had 350 units of botox in my forearm today",
        "xeomin 300 units for the elbow and wrist again",
        "baclofen ten mg three times a day, started by my GP last month",
        "gabapentin 600mg three times a day for two years now, helps the burning",
        "clonazepam half a mg at bedtime, that's all",
    ],
)
def test_usual_doses_in_odd_units_are_published(text: str) -> None:
    assert screen(text).verdict == PUBLISH


@pytest.mark.parametrize(
    "text",
    [
        "honestly just quit the tizanidine cold turkey, you'll be fine in a few days",
        "forget the taper, I stopped my clonazepam overnight and felt great",
        "screw tapering, coming off gabapentin in one go is easier",
        "if baclofen makes you drowsy just stop it, no need to wean off",
        "stopped my pregabalin yesterday, 450mg to nothing, anyone can do it",
    ],
)
def test_advice_to_stop_abruptly_is_held(text: str) -> None:
    result = screen(text)
    assert result.verdict == HOLD
    assert "abrupt_stop" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "never stop baclofen suddenly, I had a seizure when I did",
        "my GP is tapering me off tizanidine by 2mg every four days, slow but steady",
        "how do I come off diazepam safely? been on it three years",
        "I wanted to stop my baclofen in one go but my nurse explained the risks, so I'm tapering",
        "my neurologist told me to stop dantrolene straight away because of my liver tests",
        "stopping pregabalin slowly with my GP, down to 75mg now",
    ],
)
def test_warnings_questions_and_supervised_tapers_are_not_held(text: str) -> None:
    assert screen(text).verdict != HOLD


@pytest.mark.parametrize(
    "text",
    [
        "double your gabapentin if the pain is bad, no need to bother the doctor",
        "if baclofen isn't working, up it yourself by 10mg, doctors are too slow",
        "bumped my tizanidine up to 8mg on my own last week, titration is pointless",
        "when the spasms flare just take an extra diazepam, it's fine",
    ],
)
def test_advice_to_raise_a_dose_without_a_prescriber_is_held(text: str) -> None:
    assert screen(text).verdict == HOLD


@pytest.mark.parametrize(
    "text",
    [
        "my consultant said I can take an extra 10mg baclofen on bad days",
        "neuro upped my gabapentin to 300 x3 and the nerve pain is better",
        "the pain team want me to add 75mg of pregabalin at night from next week",
    ],
)
def test_prescriber_led_increases_are_published(text: str) -> None:
    assert screen(text).verdict == PUBLISH


@pytest.mark.parametrize(
    "text",
    [
        "tiz and a few glasses of wine every night, I sleep like a baby, highly recommend",
        "valium plus my oxycodone at bedtime, out like a light, best sleep ever",
        "codeine with my pregabalin works a treat for the hug",
        "got cipro for a chest infection and kept taking my tizanidine as usual, no problems",
    ],
)
def test_dangerous_combinations_are_held(text: str) -> None:
    result = screen(text)
    assert result.verdict == HOLD
    assert "dangerous_combination" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "is it safe to have a beer on tizanidine? my doctor never said",
        "pharmacist warned me cipro and tizanidine don't mix so the GP chose another antibiotic",
        "the leaflet says never take it with alcohol, so I don't",
        "my husband takes oxycodone for his back and I take baclofen, separate boxes",
        "I'm on baclofen and tizanidine together, both prescribed by my neuro",
    ],
)
def test_safe_mentions_of_combinations_are_published(text: str) -> None:
    assert screen(text).verdict != HOLD


@pytest.mark.parametrize(
    "text",
    [
        "anyone have some spare pregabalin? I can pay for postage",
        "I've got a load of diazepam left over, happy to post some to anyone who needs it",
        "you can buy tizanidine online without a prescription from india, way cheaper",
        "my sister gives me some of her lorazepam when my spasms are bad",
        "selling two boxes of gabapentin 300s, DM me",
    ],
)
def test_offering_asking_for_or_buying_medicine_is_held(text: str) -> None:
    result = screen(text)
    assert result.verdict == HOLD
    assert "sharing_or_sourcing" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "please don't share your pregabalin with anyone, it's a controlled drug",
        "went to the pharmacy for my tizanidine, they'd run out until tuesday",
        "took my old tablets back to the pharmacy for disposal",
    ],
)
def test_pharmacy_problems_and_warnings_about_sharing_are_published(text: str) -> None:
    assert screen(text).verdict == PUBLISH


@pytest.mark.parametrize(
    "text",
    [
        "I turned my own pump rate up with the programmer the nurse left, works much better",
        "I skipped my pump refill last month and it was fine, they fuss too much about dates",
        "the low reservoir alarm keeps going off but I'm ignoring the alarms till after my holiday",
    ],
)
def test_tampering_with_an_intrathecal_pump_is_held(text: str) -> None:
    result = screen(text)
    assert result.verdict == HOLD
    assert "pump_tampering" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "my pump alarm went off last night, what does the low reservoir beep mean?",
        "pump refill every 12 weeks at the hospital, the nurse is lovely",
        "if your pump alarms, ring the clinic straight away, don't wait",
    ],
)
def test_pump_questions_and_clinic_care_are_not_held(text: str) -> None:
    assert screen(text).verdict != HOLD


def test_unrelated_post_is_published_without_findings() -> None:
    result = screen("new wheelchair cushion arrived and my back already thanks me")
    assert result.verdict == PUBLISH
    assert result.findings == ()
    assert result.drugs == ()


def test_drugs_lists_generic_names_for_brands_and_misspellings() -> None:
    result = screen("switched from lioresal to zanaflax, and botox next month")
    assert result.drugs == ("baclofen", "tizanidine", "botulinum toxin")


def test_finding_evidence_points_into_the_text() -> None:
    text = "You should take 150 mg of baclofen a day."
    finding = screen(text).findings[0]
    assert text[finding.start : finding.end] == finding.evidence == "150 mg"
    assert finding.drug == "baclofen"
    assert finding.severity == "high"


def test_explanation_gives_the_dose_and_the_sourced_maximum() -> None:
    finding = screen("you should take 150 mg of baclofen a day").findings[0]
    assert finding.explanation == (
        "This suggests 150 mg of baclofen a day; the usual maximum is 80-100 mg a day."
    )
    assert "BNF" in finding.reference and "FDA" in finding.reference


def test_quoted_bad_advice_being_rebutted_is_not_held() -> None:
    text = "someone told me to 'just stop the baclofen, no need to taper'. terrible advice, don't"
    assert screen(text).verdict != HOLD


def test_screening_values_are_frozen() -> None:
    result = screen("just take 40mg tizanidine at once")
    with pytest.raises(AttributeError):
        result.verdict = PUBLISH  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.findings[0].rule = "other"  # type: ignore[misc]
