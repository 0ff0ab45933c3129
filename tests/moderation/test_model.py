"""The learned risk score: reproducible training, a data file, honest model-only outcomes."""

from __future__ import annotations

from moderation import MODEL_REASON, Thresholds, explain, screen
from moderation.model import RiskModel, shipped_model
from moderation.training import fit, model_version

POSTS = [
    {"text": "Double your baclofen whenever legs lock, nobody needs asking.", "label": "unsafe"},
    {"text": "Got spare tizanidine strips going, drop me a line.", "label": "unsafe"},
    {"text": "My physio set me calf stretches for the mornings.", "label": "safe"},
    {"text": "Does tizanidine make anyone else dizzy when standing?", "label": "safe"},
]


def test_training_twice_on_the_same_posts_gives_the_same_model(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    fit(POSTS, version=model_version(POSTS, 11)).save(first)
    fit(POSTS, version=model_version(POSTS, 11)).save(second)
    assert first.read_bytes() == second.read_bytes()
    assert model_version(POSTS, 11) != model_version(POSTS[:3], 11)


def test_a_saved_model_scores_like_the_one_trained(tmp_path):
    model = fit(POSTS, version="test")
    model.save(tmp_path / "m.json")
    loaded = RiskModel.load(tmp_path / "m.json")
    text = POSTS[0]["text"]
    assert abs(screen(text, model=model).risk - screen(text, model=loaded).risk) < 1e-3


def test_the_shipped_model_is_used_and_named():
    shipped = shipped_model()
    assert shipped is not None
    assert screen("Tizanidine at night helps me sleep.").model_version == shipped.version


def test_a_model_only_catch_says_so_and_invents_no_rule():
    text = "Does tizanidine make anyone else dizzy when standing?"
    queued = screen(text, thresholds=Thresholds(hold=1.0, check=0.0))
    assert queued.check_soon and not queued.held and queued.by_model_only
    assert explain(queued) == [MODEL_REASON]
    held = screen(text, thresholds=Thresholds(hold=0.0, check=0.0))
    assert held.held and not held.findings and explain(held) == [MODEL_REASON]


def test_posts_naming_no_medicine_are_never_queued_by_the_model():
    result = screen("Lovely walk by the canal today.", thresholds=Thresholds(hold=1.0, check=0.01))
    assert result.risk == 0.0 and not result.check_soon


def test_a_reply_naming_no_medicine_is_still_read_by_the_model():
    # Replies often name none of the medicines they are about: "another one", "the tens",
    # a pump's handset. They are read, and advice to take more is checked.
    for text in ("Honestly just give him a second one at teatime, we always do.",
                 "Have another couple of the tens when it's bad, it won't hurt you."):
        result = screen(text)
        assert result.risk and result.risk > 0.0
        assert result.check_soon or result.held, text
    everyday = screen("I'll take another look at the bus times and let you know.")
    assert everyday.risk == 0.0 and not everyday.check_soon


def test_the_shipped_model_reads_plain_text_too():
    shipped = shipped_model()
    assert shipped.text is not None
    assert 0.0 <= shipped.text.score("tizanidine at night, as my neuro set it") <= 1.0


def test_labels_of_one_kind_still_train_the_rules_reader():
    model = fit([p for p in POSTS if p["label"] == "unsafe"], version="test")
    assert model.text is None
    assert screen(POSTS[0]["text"], model=model).risk is not None
