"""Evaluation of the screening against labelled posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation import HOLD, PUBLISH, PUBLISH_WITH_NOTICE, Screening
from moderation.evaluation import evaluate, read_labelled

DEV_SET = Path(__file__).resolve().parents[2].parent / "shared" / "moderation" / "dev-set.jsonl"


def record(id: str, label: str, category: str, text: str = "text") -> dict:
    return {"id": id, "text": text, "label": label, "category": category}


def fixed(verdicts: dict[str, str]):
    """Return a screener that gives each text the verdict named for it."""
    return lambda text: Screening(verdicts[text], (), ())


def test_read_labelled_returns_the_records(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    rows = [record("a-1", "unsafe", "abrupt_stop"), record("a-2", "safe", "safe_question")]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    assert read_labelled(path) == rows


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"id": "x", "label": "safe", "category": "c"}), "'text'"),
        (json.dumps(record("x", "maybe", "c")), "label must be"),
    ],
)
def test_read_labelled_names_the_bad_line(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "set.jsonl"
    good = json.dumps(record("ok", "safe", "safe_question"))
    path.write_text(f"{good}\n{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"line 3: .*{reason}"):
        read_labelled(path)


def test_evaluate_counts_hold_as_unsafe_and_notice_as_safe() -> None:
    records = [
        record("u1", "unsafe", "abrupt_stop", "a"),
        record("u2", "unsafe", "abrupt_stop", "b"),
        record("u3", "unsafe", "pump_tampering", "c"),
        record("s1", "safe", "safe_question", "d"),
        record("s2", "safe", "safe_prescribed_dose_report", "e"),
    ]
    screener = fixed({"a": HOLD, "b": PUBLISH, "c": HOLD, "d": HOLD, "e": PUBLISH_WITH_NOTICE})
    result = evaluate(records, screener)
    assert result.as_dict() == {
        "precision": round(2 / 3, 4),
        "recall": round(2 / 3, 4),
        "f1": round(2 / 3, 4),
        "held_or_queued": {"precision": round(2 / 3, 4), "recall": round(2 / 3, 4),
                           "f1": round(2 / 3, 4)},
        "per_category": {
            "abrupt_stop": {"total": 2, "flagged": 1, "queued": 0},
            "pump_tampering": {"total": 1, "flagged": 1, "queued": 0},
            "safe_prescribed_dose_report": {"total": 1, "flagged": 0, "queued": 0},
            "safe_question": {"total": 1, "flagged": 1, "queued": 0},
        },
        "wrong": ["u2", "s1"],
        "missed": ["u2"],
    }


def test_evaluate_with_nothing_held_reports_zero_rather_than_failing() -> None:
    result = evaluate([record("u", "unsafe", "abrupt_stop", "a")], fixed({"a": PUBLISH}))
    assert (result.precision, result.recall, result.f1) == (0.0, 0.0, 0.0)


def test_format_text_separates_recall_from_false_positives() -> None:
    records = [record("u", "unsafe", "abrupt_stop", "a"), record("s", "safe", "safe_question", "b")]
    text = evaluate(records, fixed({"a": HOLD, "b": HOLD})).format_text()
    assert "precision 0.500" in text
    recall_part, fp_part = text.split("\nsafe categories")
    assert "abrupt_stop" in recall_part and "safe_question" in fp_part
    assert "wrong: s" in text


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"dev set not found at {DEV_SET}")
def test_dev_set_precision_and_recall_are_at_least_ninety_percent() -> None:
    result = evaluate(read_labelled(DEV_SET))
    assert result.precision >= 0.90, result.format_text()
    assert result.recall >= 0.90, result.format_text()
