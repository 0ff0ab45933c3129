"""The crisis screen: recall on our own labelled set, negation, third parties and idioms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.crisis import DANGER, SELF_HARM, SUICIDE, screen_crisis

SET = Path(__file__).with_name("crisis_set.jsonl")


def rows(batch: str | None = None) -> list[dict]:
    found = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in found if batch is None or row["batch"] == batch]


def scores(selected: list[dict]) -> tuple[float, float]:
    hits = [(screen_crisis(row["text"]).in_crisis, row["label"] == "crisis") for row in selected]
    tp = sum(got and want for got, want in hits)
    fp = sum(got and not want for got, want in hits)
    fn = sum(want and not got for got, want in hits)
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def test_the_set_has_at_least_sixty_sentences_half_of_them_crisis():
    everything = rows()
    crisis = [row for row in everything if row["label"] == "crisis"]
    assert len(everything) >= 60
    assert len(crisis) * 2 == len(everything)


def test_recall_on_the_whole_set_is_at_least_nine_in_ten():
    precision, recall = scores(rows())
    print(f"crisis set: precision {precision:.2f}, recall {recall:.2f}")
    assert recall >= 0.9
    assert precision >= 0.8


@pytest.mark.parametrize("text", [
    "This heat is killing me, my legs are like concrete.",
    "I could kill for a night's sleep without spasms.",
    "I can't go on with this brand, I'm switching back to the generic.",
])
def test_idioms_from_the_issue_do_not_fire(text):
    assert not screen_crisis(text).in_crisis


def test_a_negation_in_the_same_clause_cancels_the_cue():
    assert not screen_crisis("I'm not suicidal, just worn out by the stiffness.").in_crisis
    assert screen_crisis("I never thought I'd say it but I want to die.").in_crisis


def test_someone_else_at_risk_is_not_the_author_in_crisis():
    screen = screen_crisis("My sister keeps saying she wants to kill herself.")
    assert not screen.in_crisis
    assert screen.about_someone_else


def test_a_threat_to_the_author_is_danger_and_a_thing_is_not():
    assert screen_crisis("He said he'll hurt me if I tell anyone.").families == (DANGER,)
    assert not screen_crisis("This weather is going to kill me.").in_crisis


def test_findings_name_their_family_and_span():
    text = "Some nights I cut myself. I want to end my life."
    screen = screen_crisis(text)
    assert set(screen.families) == {SUICIDE, SELF_HARM}
    assert any(text[f.start:f.end] == "end my life" for f in screen.findings)


def test_one_weak_cue_alone_does_not_fire_the_rules_but_two_do():
    assert not screen_crisis("I feel like a burden on my carer lately.", learned=False).in_crisis
    assert screen_crisis("I feel like a burden and I'm tired of living.", learned=False).in_crisis
