"""`flask crisis`: screen a text, measure the screen on labelled files, train the reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import create_app

SETS = Path(__file__).resolve().parents[1] / "moderation"


@pytest.fixture
def cli(tmp_path):
    """A runner for an app whose database is unreachable: these commands need none."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "AUTO_SETUP": False,
                      "SCHEMA_CHECK": False})
    return app.test_cli_runner()


def test_screen_says_what_it_found_and_whether_the_rules_or_the_reader_fired(cli):
    result = cli.invoke(args=["crisis", "screen", "I want to end my life tonight."])
    assert result.exit_code == 0, result.output
    assert "Verdict: may be in crisis" in result.output
    assert "end_life" in result.output and "Learned reader:" in result.output
    quiet = cli.invoke(args=["crisis", "screen", "Baclofen made my legs weak this week."])
    assert "Verdict: no crisis language found" in quiet.output


def test_eval_gives_rules_and_model_figures_per_file(cli):
    first = SETS / "crisis_set.jsonl"
    result = cli.invoke(args=["crisis", "eval", str(first), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"].startswith("crisis-lr-")
    (entry,) = data["files"]
    assert entry["rules"]["n"] == entry["rules_and_model"]["n"] == 120
    assert entry["rules_and_model"]["recall"] >= entry["rules"]["recall"]
    text = cli.invoke(args=["crisis", "eval", str(first)])
    assert "rules + model" in text.output and "precision" in text.output


def test_eval_refuses_a_file_without_labels_naming_the_line(cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "label": "crisis"}\n{"text": "no label"}\n')
    result = cli.invoke(args=["crisis", "eval", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output
    assert "Traceback" not in result.output


def test_train_writes_a_model_that_eval_can_use(cli, tmp_path):
    pytest.importorskip("sklearn", reason="training needs scikit-learn ('.[train]')")
    out = tmp_path / "model.json"
    result = cli.invoke(args=["crisis", "train", str(SETS / "crisis_set.jsonl"),
                              "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "on 120 sentences" in result.output
    scored = cli.invoke(args=["crisis", "eval", str(SETS / "crisis_set.jsonl"), "--model",
                              str(out), "--json"])
    assert json.loads(scored.output)["model"] == json.loads(out.read_text())["version"]


def test_train_refuses_sentences_of_one_label_only(cli, tmp_path):
    one = tmp_path / "one.jsonl"
    one.write_text('{"text": "a", "label": "crisis"}\n{"text": "b", "label": "crisis"}\n')
    result = cli.invoke(args=["crisis", "train", str(one), "--out", str(tmp_path / "m.json")])
    assert result.exit_code != 0 and "both labels" in result.output
