"""A learned risk score beside the rules: a logistic model over words, word pieces and the cues.

The features are hashed into a fixed number of buckets, so the weights are a plain list of
numbers in a JSON data file and scoring needs only the standard library. Training is plain
stochastic gradient descent with a fixed seed: the same labelled files give the same model.
"""

from __future__ import annotations

import json
import math
import random
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import repeat
from operator import mul
from pathlib import Path

from moderation.document import Document

BUCKETS = 1 << 18
FEATURES = 7  # raised whenever the features change, so a model names the features it needs
MODEL_PATH = Path(__file__).parent / "data" / "risk-model.json"
_WORD = re.compile(r"[a-z\u00b5]+(?:'[a-z]+)?|\d+(?:\.\d+)?|[!?+>]")
_NUMBER = re.compile(r"\d")
OPTIONS = {"bigrams": True, "chars": True, "cue": 1.0, "floor": 40, "focus": True}
_BLANK = re.compile(r"[^\n]")


@lru_cache(maxsize=1 << 17)
def _bucket(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) & (BUCKETS - 1)


def _tokens(doc: Document) -> list[str]:
    """Return the post's words, each medicine replaced by its kind and numbers by their size.

    Words of a Markdown quotation the reply does not take up are someone else's: they are
    marked, so the model tells a quoted claim from the writer's own.
    """
    text = doc.low
    focus = doc.focus
    if OPTIONS["focus"] and focus and (focus[0].start, focus[-1].end) != (0, len(text)):
        # A long post is read where it talks about medicines, as the rules read it: its
        # holiday news would otherwise water down the one paragraph that matters.
        kept = []
        pos = 0
        for span in focus:
            kept.append(_BLANK.sub(" ", text[pos : span.start]))
            kept.append(text[span.start : span.end])
            pos = span.end
        kept.append(_BLANK.sub(" ", text[pos:]))
        text = "".join(kept)
    mentions = sorted((m.start, m.end, m.drug) for m in doc.mentions)
    quoted = [b for b in doc.blockquotes if b not in doc.agreed]
    tokens: list[str] = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        mark = "q_" if any(b.start <= line_start < b.end for b in quoted) else ""
        pos = line_start
        for start, end, drug in mentions:
            if start < pos or end > line_end:
                continue
            tokens.extend(mark + t for t in _word_tokens(text[pos:start]))
            kind = sorted(drug.classes)[0] if drug.classes else drug.kind
            tokens.append(f"{mark}<drug>")
            tokens.append(f"{mark}<{kind}>")
            pos = end
        tokens.extend(mark + t for t in _word_tokens(text[pos:line_end]))
        line_start = line_end + 1
    return tokens


def _word_tokens(text: str) -> list[str]:
    out = []
    for word in _WORD.findall(text):
        if _NUMBER.match(word):
            value = float(word)
            word = "<n>" if value < 10 else "<nn>" if value < 100 else "<nnn>"
        out.append(word)
    return out


def features(text: str, cues: Iterable[str] = ()) -> dict[int, float]:
    """Return the hashed, length-normalised features of a post and the rules' cues for it."""
    doc = Document(text)
    return features_of(doc, cues)


@lru_cache(maxsize=1 << 16)
def _word_buckets(token: str) -> tuple[int, ...]:
    """Return the buckets of a word and, for a longer one, of its four-letter pieces."""
    buckets = [_bucket("w " + token)]
    if OPTIONS["chars"] and not token.startswith(("<", "q_")) and len(token) > 4:
        padded = f" {token} "
        buckets.extend(_bucket("c " + padded[i : i + 4]) for i in range(len(padded) - 3))
    return tuple(buckets)


def features_of(doc: Document, cues: Iterable[str] = ()) -> dict[int, float]:
    """Return the hashed features of a read post; see `features`."""
    tokens = _tokens(doc)
    found: set[int] = set()
    for token in set(tokens):
        found.update(_word_buckets(token))
    if OPTIONS["bigrams"]:
        found.update(_bucket("b " + a + " " + b)
                     for a, b in zip(tokens, tokens[1:], strict=False))
    scale = 1.0 / math.sqrt(max(len(found), OPTIONS["floor"]))
    vector = dict.fromkeys(found, scale)
    for cue in cues:
        vector[_bucket("cue " + cue)] = OPTIONS["cue"]
    vector[_bucket("bias")] = 1.0
    return vector


@dataclass(frozen=True)
class RiskModel:
    """Weights of the logistic model and the version they were built as."""

    version: str
    weights: dict[int, float]

    def score(self, vector: dict[int, float]) -> float:
        """Return the probability that a post with these features is unsafe."""
        weights = self.weights
        total = sum(map(mul, map(weights.get, vector, repeat(0.0)), vector.values()))
        if total < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-total))

    def save(self, path: str | Path) -> None:
        """Write the model as JSON: its version and its non-zero weights by bucket."""
        data = {"version": self.version, "buckets": BUCKETS,
                "weights": {str(i): round(w, 5) for i, w in sorted(self.weights.items())
                            if abs(w) >= 1e-5}}
        Path(path).write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> RiskModel:
        """Read a model written by `save`.

        :raise ValueError: the file was built with a different number of buckets.
        """
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("buckets") != BUCKETS:
            raise ValueError(f"{path}: built for {data.get('buckets')} buckets, not {BUCKETS}")
        return cls(data["version"], {int(i): float(w) for i, w in data["weights"].items()})


@cache
def shipped_model() -> RiskModel | None:
    """Return the model shipped in the package, or None when it has not been trained."""
    if not MODEL_PATH.exists():
        return None
    return RiskModel.load(MODEL_PATH)


def train(vectors: Sequence[dict[int, float]], labels: Sequence[int], *, version: str,
          epochs: int = 20, rate: float = 0.5, l2: float = 1e-4, seed: int = 11,
          positive_weight: float = 3.0,
          sample_weights: Sequence[float] | None = None) -> RiskModel:
    """Fit a logistic model by stochastic gradient descent with AdaGrad steps.

    :param positive_weight: how much more a missed unsafe post costs than a false alarm.
    """
    rng = random.Random(seed)
    weights: dict[int, float] = {}
    squared: dict[int, float] = {}
    order = list(range(len(vectors)))
    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            vector, label = vectors[k], labels[k]
            total = sum(weights.get(i, 0.0) * v for i, v in vector.items())
            total = max(-30.0, min(30.0, total))
            p = 1.0 / (1.0 + math.exp(-total))
            error = (p - label) * (positive_weight if label else 1.0)
            if sample_weights is not None:
                error *= sample_weights[k]
            for i, v in vector.items():
                w = weights.get(i, 0.0)
                g = error * v + l2 * w
                s = squared.get(i, 0.0) + g * g
                squared[i] = s
                weights[i] = w - rate * g / math.sqrt(s + 1e-8)
    return RiskModel(version, weights)
