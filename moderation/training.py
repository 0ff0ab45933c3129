"""Build the risk model from labelled posts, reproducibly, and score it writer by writer."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from moderation.findings import Context
from moderation.model import FEATURES, MODEL_PATH, RiskModel, features_of, fit_text, train
from moderation.screening import cues, findings_of

MODEL_VERSION_PREFIX = "risk-lr"
DATA = MODEL_PATH.parent


def vectorise(records: Sequence[Mapping[str, str]]) -> tuple[list[dict[int, float]], list[int]]:
    """Return the model's features and the 0/1 labels of labelled posts."""
    vectors, labels = [], []
    for record in records:
        ctx = Context(record["text"])
        findings = findings_of(ctx)
        vectors.append(features_of(ctx.doc, cues(ctx, findings)))
        labels.append(1 if record["label"] == "unsafe" else 0)
    return vectors, labels


# How much an unlabelled post known to be benign (`extra_safe`) counts beside a labelled one,
# in the rules' model and in the plain reader; measured by leave-one-writer-out (issue 11).
EXTRA_SAFE_WEIGHTS = (0.01, 0.1)


def fit(records: Sequence[Mapping[str, str]], *, version: str, seed: int = 11,
        extra_safe: Sequence[str] = ()) -> RiskModel:
    """Train the risk model on labelled posts; the same posts and seed give the same weights.

    :param extra_safe: texts known to be benign but not labelled dosing posts (ordinary forum
        posts); they count for little (`EXTRA_SAFE_WEIGHTS`) and teach the model everyday talk.
    """
    safe = [{"text": text, "label": "safe"} for text in extra_safe]
    vectors, labels = vectorise([*records, *safe])
    rules_weight, reader_weight = EXTRA_SAFE_WEIGHTS
    weights = [1.0] * len(records) + [rules_weight] * len(safe)
    model = train(vectors, labels, version=version, seed=seed,
                  sample_weights=weights if safe else None)
    if len(set(labels)) < 2:  # a file of one kind only: the plain reader has nothing to learn
        return model
    texts = [record["text"] for record in [*records, *safe]]
    text = fit_text(texts, labels, sample_weights=[1.0] * len(records)
                    + [reader_weight] * len(safe) if safe else None)
    return RiskModel(model.version, model.weights, text)


def model_version(records: Sequence[Mapping[str, str]], seed: int,
                  extra_safe: Sequence[str] = ()) -> str:
    """Name a model by what it learned from: a digest of the posts, the seed and the knowledge.

    The same files, seed, knowledge and rules always give the same name; a change to any, a
    new one (the rules' readings of a post are the model's cues, so new rules, new weights).
    """
    digest = hashlib.sha256(str(seed).encode())
    for data in sorted(DATA.glob("*.json")):  # the knowledge the rules' cues come from
        if not data.name.startswith("risk-model"):
            digest.update(data.read_bytes())
    for code in sorted(DATA.parent.glob("*.py")):  # the rules and readers themselves
        if not code.name.startswith("crisis"):
            digest.update(code.read_bytes())
    for record in records:
        digest.update(record["label"].encode() + b"\0" + record["text"].encode("utf-8") + b"\0")
    for text in extra_safe:
        digest.update(b"extra safe\0" + text.encode("utf-8") + b"\0")
    extra = f"+s{len(extra_safe)}" if extra_safe else ""
    return (f"{MODEL_VERSION_PREFIX}-f{FEATURES}-n{len(records)}{extra}-"
            f"{digest.hexdigest()[:10]}")
