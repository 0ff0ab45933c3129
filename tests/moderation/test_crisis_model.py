"""The crisis screen's learned reader: meanings, reproducible training, and what it adds.

Sentences here are our own, written for these tests; none is in a training file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from moderation.crisis import screen_crisis
from moderation.crisis_model import (
    LEXICON_PATH,
    MODEL_PATH,
    CrisisModel,
    shipped_model,
    skeleton,
    windows,
)
from moderation.crisis_training import read_sentences, train

HERE = Path(__file__).resolve().parent
TRAINING = [HERE / "crisis_set.jsonl", *sorted((HERE / "crisis").glob("writer-*.jsonl"))]

pytest.importorskip("sklearn", reason="training the reader needs scikit-learn ('.[train]')")


def concepts(text: str) -> set[str]:
    return set(skeleton(text).split()) - {"zzbreak"}


def test_different_words_for_the_same_meaning_share_concepts():
    plain = concepts("I want to die.")
    gentle = concepts("I'd love to pass away in my sleep.")
    assert {"zzwant", "zzdeath"} <= plain
    assert {"zzwant", "zzdeath"} <= gentle


def test_a_word_family_matches_every_ending_and_a_phrase_beats_its_words():
    assert "zzgoodbye" in concepts("Rehoming the dog this week.")
    assert "zzgoodbye" in concepts("I rehomed the dog.")
    assert concepts("I've had enough.") == {"zzself", "zzendurance"}


def test_quotations_the_past_and_things_that_harm_are_marked():
    assert "zzquoted" in concepts("> I want to die\n\nPlease talk to someone, you matter.")
    assert "zzpastsentence" in concepts("Back in 2009 I wanted to die.")
    assert "zzthreatthing" in concepts("This humidity will kill me.")
    assert "zzthreatthing" not in concepts("He says he will kill me.")


def test_a_long_post_is_also_read_two_sentences_at_a_time():
    post = "Pump refill went fine. Physio tomorrow. Nobody will miss me. Legs stiff."
    assert windows(post) == ["Pump refill went fine. Physio tomorrow.",
                             "Physio tomorrow. Nobody will miss me.",
                             "Nobody will miss me. Legs stiff."]
    assert windows("One sentence. Two sentences.") == []


def _sentences(label: str, texts: list[str]) -> list[dict[str, str]]:
    return [{"text": text, "label": label} for text in texts]


SMALL = _sentences("crisis", [
    "I have been putting pills aside for weeks and tonight feels right.",
    "Nobody would notice if I was gone for good.",
    "I keep burning my arm with a lighter.",
    "Writing my goodbyes now, sorry to everyone.",
]) + _sentences("not_crisis", [
    "The heat is killing my legs today.",
    "Gave up the night splints, they were useless.",
    "My friend's dad died last year, so sad.",
    "Is 80mg of baclofen a day the maximum?",
])


def test_training_is_reproducible_and_the_version_names_the_data(tmp_path):
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    train(SMALL).save(first)
    train(SMALL).save(second)
    assert first.read_bytes() == second.read_bytes()
    other = train([*SMALL, {"text": "Just a normal day.", "label": "not_crisis"}])
    assert other.version != CrisisModel.load(first).version


def test_the_shipped_model_is_the_one_the_training_files_give():
    """Adding sentences to a training file without retraining fails here."""
    model = shipped_model()
    assert model is not None, f"no model at {MODEL_PATH}: run `flask crisis train`"
    records = [r for path in TRAINING for r in read_sentences(path)]
    assert model.version.startswith("crisis-lr-n")
    learned = int(model.version.split("-n")[1].split("-")[0])
    assert learned >= len(records)
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert set(shipped) == {"version", "threshold", "text", "meaning"}


# Ways people say it that no rule names (the rules alone miss every one of these).
UNNAMED = [
    "I've sorted the will and found the cat a new home so nobody is left with a mess after.",
    "Honestly I'd welcome not opening my eyes tomorrow morning.",
    "Got a month of tablets in a shoebox under the bed. Tonight feels like the night.",
]


@pytest.mark.parametrize("text", UNNAMED)
def test_the_reader_notices_what_no_rule_names(text):
    assert not screen_crisis(text, learned=False).in_crisis
    screen = screen_crisis(text)
    assert screen.in_crisis
    assert screen.learned_only


@pytest.mark.parametrize("text", [
    "This heat is killing me, my legs are like concrete.",
    "I could kill for a night's sleep without spasms.",
    "I can't go on with this brand, I'm switching back to the generic.",
    "My calves are dead after the physio, but a good kind of dead.",
    "Finished with the tizanidine for good, it made me too sleepy.",
])
def test_idioms_and_treatment_talk_stay_quiet_with_the_reader(text):
    assert not screen_crisis(text).in_crisis


def test_the_reader_never_overrules_rules_that_place_the_danger_with_someone_else():
    screen = screen_crisis("My brother told me last night he wants to end his life.")
    assert screen.about_someone_else
    assert not screen.in_crisis


def test_no_lexicon_phrase_is_copied_from_a_labelled_sentence():
    """The lexicon grows by meaning: no entry of three or more words appears word for word in
    a crisis training file or a moderation dev file."""
    shared = HERE.parents[2] / "shared" / "moderation"
    labelled = [*TRAINING, *sorted(shared.glob("*.jsonl"))]
    texts = [" " + " ".join(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", json.loads(line)["text"]
                                       .lower().replace("\u2019", "'"))) + " "
             for path in labelled for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    lexicon = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))["concepts"]
    copied = [entry for entries in lexicon.values() for entry in entries
              if len(words := re.findall(r"[a-z0-9]+(?:'[a-z]+)?", entry.rstrip("*"))) >= 3
              and any(f" {' '.join(words)} " in text for text in texts)]
    assert copied == []


@pytest.mark.parametrize("name", ["test-d.jsonl", "test-g.jsonl"])
def test_on_a_writer_it_never_learned_from_the_screen_finds_nine_in_ten(name):
    """Each test file was written by a writer who saw no code and no other set; neither is
    ever trained on, and each was scored untouched before its errors could be read."""
    from moderation.crisis_model import shipped_model
    from moderation.crisis_training import measure_both

    records = read_sentences(HERE / "crisis" / name)
    assert len(records) >= 60
    rules, figures = measure_both(records, shipped_model())
    print(f"{name}: rules P {rules.precision:.2f} R {rules.recall:.2f}; "
          f"with the reader P {figures.precision:.2f} R {figures.recall:.2f}")
    assert figures.recall >= 0.9
    assert figures.recall > rules.recall
    assert figures.precision >= 0.75
