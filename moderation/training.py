"""Build the risk model from labelled posts, reproducibly, and score it writer by writer."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from moderation.model import FEATURES, MODEL_PATH, RiskModel, features_of, fit_text, train
from moderation.rules import RULES, Context
from moderation.screening import cues

MODEL_VERSION_PREFIX = "risk-lr"
DATA = MODEL_PATH.parent


def vectorise(records: Sequence[dict]) -> tuple[list[dict[int, float]], list[int]]:
    """Return the model's features and the 0/1 labels of labelled posts."""
    vectors, labels = [], []
    for record in records:
        ctx = Context(record["text"])
        findings = tuple(finding for rule in RULES for finding in rule(ctx))
        vectors.append(features_of(ctx.doc, cues(ctx, findings)))
        labels.append(1 if record["label"] == "unsafe" else 0)
    return vectors, labels


def fit(records: Sequence[dict], *, version: str, seed: int = 11) -> RiskModel:
    """Train the risk model on labelled posts; the same posts and seed give the same weights."""
    vectors, labels = vectorise(records)
    model = train(vectors, labels, version=version, seed=seed)
    if len(set(labels)) < 2:  # a file of one kind only: the plain reader has nothing to learn
        return model
    text = fit_text([record["text"] for record in records], labels)
    return RiskModel(model.version, model.weights, text)


def model_version(records: Sequence[dict], seed: int) -> str:
    """Name a model by what it learned from: a digest of the posts, the seed and the knowledge.

    The same files, seed and knowledge always give the same name; a change to any, a new one.
    """
    digest = hashlib.sha256(str(seed).encode())
    for data in sorted(DATA.glob("*.json")):  # the knowledge the rules' cues come from
        if not data.name.startswith("risk-model"):
            digest.update(data.read_bytes())
    for record in records:
        digest.update(record["label"].encode() + b"\0" + record["text"].encode("utf-8") + b"\0")
    return f"{MODEL_VERSION_PREFIX}-f{FEATURES}-n{len(records)}-{digest.hexdigest()[:10]}"
