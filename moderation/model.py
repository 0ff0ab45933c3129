"""A learned risk score beside the rules: a logistic model over words, word pieces and the cues.

The features are hashed into a fixed number of buckets, so the weights are a plain list of
numbers in a JSON data file and scoring needs only the standard library. Training is plain
stochastic gradient descent with a fixed seed: the same labelled files give the same model.

A second, plainer reader sits beside it: TF-IDF over letter runs of 3-5 inside each word and
over words and word pairs of the raw text (no rules, no medicine knowledge). It catches
slang and misspellings the first misses; the risk is the mean of the two. Its weights are
fitted by scikit-learn at training time and scored with numpy.
"""

from __future__ import annotations

import json
import math
import random
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from itertools import chain
from operator import mul
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moderation.document import Document

BUCKETS = 1 << 18
FEATURES = 8  # raised whenever the features change, so a model names the features it needs
MODEL_PATH = Path(__file__).parent / "data" / "risk-model.json"
# [a-z\u00b5]+(?:'[a-z]+)?|\d+(?:\.\d+)?|[!?+>], written to open with one character class
# and go on by what that character was: the regex engine then skips ahead over the blanks
# (most of a long post, outside its focus) instead of trying three alternatives at each.
_WORD = re.compile(
    r"[a-z\u00b5\d!?+>](?:(?<=[a-z\u00b5])[a-z\u00b5]*(?:'[a-z]+)?|(?<=\d)\d*(?:\.\d+)?|)"
)
_DIGIT = re.compile(r"\d")
OPTIONS = {"bigrams": True, "chars": True, "cue": 1.0, "floor": 40, "focus": True}


def _blank(text: str) -> str:
    """Return the text with every character but the line breaks made a blank.

    As `re.sub("[^\\n]", " ", text)` would, some fifty times faster on a long stretch.
    """
    return "\n".join(" " * len(line) for line in text.split("\n"))


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
            kept.append(_blank(text[pos : span.start]))
            kept.append(text[span.start : span.end])
            pos = span.end
        kept.append(_blank(text[pos:]))
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
            tokens.extend(_marked(mark, _word_tokens(text[pos:start])))
            kind = sorted(drug.classes)[0] if drug.classes else drug.kind
            tokens.append(f"{mark}<drug>")
            tokens.append(f"{mark}<{kind}>")
            pos = end
        tokens.extend(_marked(mark, _word_tokens(text[pos:line_end])))
        line_start = line_end + 1
    return tokens


def _marked(mark: str, words: list[str]) -> list[str]:
    """Return the words with a mark before each; most lines are unmarked and pass as they are."""
    return [mark + word for word in words] if mark else words


def _word_tokens(text: str) -> list[str]:
    words = _WORD.findall(text)
    if _DIGIT.search(text) is None:  # most stretches: no number to replace by its size
        return words
    # A token opening with a decimal digit (what \d matches) is a number.
    return [_size(word) if word[0].isdecimal() else word for word in words]


def _size(number: str) -> str:
    """Return the token for a number: how many digits it has before the point, up to three."""
    value = float(number)
    return "<n>" if value < 10 else "<nn>" if value < 100 else "<nnn>"


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


@lru_cache(maxsize=1 << 17)
def _pair_bucket(first: str, second: str) -> int:
    """Return the bucket of a word pair; cached on the two words, so no joined string is built."""
    return _bucket("b " + first + " " + second)


def features_of(doc: Document, cues: Iterable[str] = ()) -> dict[int, float]:
    """Return the hashed features of a read post; see `features`."""
    tokens = _tokens(doc)
    found: set[int] = set(chain.from_iterable(map(_word_buckets, set(tokens))))
    if OPTIONS["bigrams"]:
        found.update(map(_pair_bucket, tokens, tokens[1:]))
    scale = 1.0 / math.sqrt(max(len(found), OPTIONS["floor"]))
    vector = dict.fromkeys(found, scale)
    for cue in cues:
        vector[_bucket("cue " + cue)] = OPTIONS["cue"]
    vector[_bucket("bias")] = 1.0
    return vector


_TEXT_WORD = re.compile(r"\b\w\w+\b")
# ASCII characters that are not word characters (\w), as blanks: an ASCII post's words are then
# its blank-separated runs, found several times faster than by the pattern.
_ASCII_NON_WORD = bytes(c if chr(c).isalnum() or chr(c) == "_" else 32 for c in range(256))


def _text_words(low: str) -> list[str]:
    """Return the words of two or more word characters, as `_TEXT_WORD.findall` would."""
    if not low.isascii():
        return _TEXT_WORD.findall(low)
    blanked = low.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii")
    return [word for word in blanked.split() if len(word) > 1]


@lru_cache(maxsize=1 << 16)
def _letter_runs(word: str) -> tuple[int, ...]:
    """Return the buckets of the 3-5 letter runs of a word padded with a space each side."""
    padded = f" {word} "
    runs = []
    for n in (3, 4, 5):
        if len(padded) < n:
            runs.append(_bucket("t " + padded))
            break
        runs.extend(_bucket("t " + padded[i : i + n]) for i in range(len(padded) - n + 1))
    return tuple(runs)


@lru_cache(maxsize=1 << 17)
def _word_bucket(name: str) -> int:
    return _bucket("tw " + name)


def text_counts(text: str) -> tuple[Counter[int], Counter[int]]:
    """Return how often each letter-run bucket and each word or word-pair bucket occurs."""
    low = text.lower()
    letters = Counter(chain.from_iterable(map(_letter_runs, low.split())))
    found = _text_words(low)
    pairs = map(" ".join, zip(found, found[1:], strict=False))
    return letters, Counter(map(_word_bucket, chain(found, pairs)))


_SUBLINEAR = [0.0] + [1.0 + math.log(c) for c in range(1, 64)]


def _tfidf(counts: Counter[int], idf: dict[int, float]) -> dict[int, float]:
    """Return sublinear TF-IDF weights of the buckets the idf knows, scaled to unit length."""
    vector = {b: (_SUBLINEAR[c] if c < 64 else 1.0 + math.log(c)) * idf[b]
              for b, c in counts.items() if b in idf}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {b: v / norm for b, v in vector.items()}


def _block_score(columns: npt.NDArray[np.integer[Any]], idf: npt.NDArray[np.float64],
                 weights: npt.NDArray[np.float64]) -> float:
    """Return the weighted sum of one block's unit-length TF-IDF, from the columns it holds."""
    if not columns.size:
        return 0.0
    counts = np.bincount(columns)
    (found,) = (counts > 0).nonzero()  # several times faster than nonzero() on the counts
    values = idf[found] * (1.0 + np.log(counts[found]))
    squares = float(values @ values)
    return float(values @ weights[found]) / math.sqrt(squares) if squares else 0.0


class _Columns:
    """A reader's tables packed for scoring: one column per bucket its idf knows.

    A bucket the idf does not know weighs nothing, so a post is read as the columns it holds:
    short arrays in a few numpy steps, instead of tables over every bucket. Columns follow the
    buckets' order, so the sums add the same non-zero terms in the same order as by bucket (a
    score may differ from the full tables' in its last bits, below 1e-15). Each word's
    letter-run columns and each word's or pair's column are remembered, as most recur.
    """

    def __init__(self, reader: TextReader) -> None:
        def pack(idf: dict[int, float]) -> tuple[dict[int, int], npt.NDArray[np.float64],
                                                  npt.NDArray[np.float64]]:
            buckets = sorted(idf)
            weights = [reader.weights.get(b, 0.0) for b in buckets]
            return ({b: i for i, b in enumerate(buckets)}, np.array([idf[b] for b in buckets]),
                    np.array(weights))

        letter_column, self.letter_idf, self.letter_weights = pack(reader.letter_idf)
        word_column, self.word_idf, self.word_weights = pack(reader.word_idf)

        # Columns as int32 bytes: a post's are joined in one step, with no array per word.
        @lru_cache(maxsize=1 << 16)
        def letters(word: str) -> bytes:
            runs = [letter_column[b] for b in _letter_runs(word) if b in letter_column]
            return np.array(runs, dtype=np.int32).tobytes()

        def column(name: str) -> bytes:  # nothing for a bucket the idf does not know
            found = word_column.get(_bucket("tw " + name))
            return b"" if found is None else np.int32(found).tobytes()

        @lru_cache(maxsize=1 << 17)
        def step(first: str, second: str) -> bytes:
            """Return the columns a word adds after the one before it: itself and the pair."""
            return column(second) + column(first + " " + second)

        self.letters = letters
        self.first = column
        self.step = step


@dataclass(frozen=True)
class TextReader:
    """The plain TF-IDF reader: inverse document frequencies and weights by bucket."""

    letter_idf: dict[int, float]
    word_idf: dict[int, float]
    weights: dict[int, float]
    bias: float

    @cached_property
    def _columns(self) -> _Columns:
        """Return the tables packed for scoring, on first use (a loaded or a fitted reader)."""
        return _Columns(self)

    def vector(self, text: str) -> dict[int, float]:
        """Return the post's TF-IDF features (letter runs and words, each of unit length)."""
        letters, words = text_counts(text)
        vector = _tfidf(letters, self.letter_idf)
        for bucket, value in _tfidf(words, self.word_idf).items():
            vector[bucket] = vector.get(bucket, 0.0) + value
        return vector

    def score(self, text: str) -> float:
        """Return the probability that a post with this text is unsafe."""
        columns = self._columns
        low = text.lower()
        words = low.split()
        letters = np.frombuffer(b"".join(map(columns.letters, words)), dtype=np.int32)
        found = _text_words(low)
        # A block's columns count the same in any order: each word comes with its pair.
        named = b"".join(map(columns.step, found, found[1:]))
        if found:
            named += columns.first(found[0])
        total = (self.bias
                 + _block_score(letters, columns.letter_idf, columns.letter_weights)
                 + _block_score(np.frombuffer(named, dtype=np.int32), columns.word_idf,
                                columns.word_weights))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))

    def as_dict(self) -> dict[str, Any]:
        """Return the reader as JSON-ready data, rounded so a file is stable."""
        def table(values: dict[int, float]) -> dict[str, float]:
            return {str(b): round(v, 5) for b, v in sorted(values.items())}
        return {"letter_idf": table(self.letter_idf), "word_idf": table(self.word_idf),
                "weights": table(self.weights), "bias": round(self.bias, 5)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextReader:
        """Read a reader written by `as_dict`."""
        def table(values: dict[str, float]) -> dict[int, float]:
            return {int(b): float(v) for b, v in values.items()}
        return cls(table(data["letter_idf"]), table(data["word_idf"]), table(data["weights"]),
                   float(data["bias"]))


@dataclass(frozen=True)
class RiskModel:
    """Weights of the logistic model and the version they were built as.

    `text`, when present, is the plain TF-IDF reader whose score is averaged with this one.
    """

    version: str
    weights: dict[int, float]
    text: TextReader | None = None

    @cached_property
    def _by_bucket(self) -> list[float]:
        """Return the weights as a list over every bucket: indexing it is twice as fast as
        `dict.get` with a default, and the sum adds the same products in the same order."""
        weights = [0.0] * BUCKETS
        for bucket, weight in self.weights.items():
            weights[bucket] = weight
        return weights

    def score(self, vector: dict[int, float]) -> float:
        """Return the probability that a post with these features is unsafe."""
        total = sum(map(mul, map(self._by_bucket.__getitem__, vector), vector.values()))
        if total < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-total))

    def blend(self, risk: float, text_score: float | None) -> float:
        """Return the risk averaged with the plain reader's score, when there is a reader."""
        if text_score is None:
            return risk
        return (risk + text_score) / 2.0

    def save(self, path: str | Path) -> None:
        """Write the model as JSON: its version and its non-zero weights by bucket."""
        data = {"version": self.version, "buckets": BUCKETS,
                "weights": {str(i): round(w, 5) for i, w in sorted(self.weights.items())
                            if abs(w) >= 1e-5}}
        if self.text is not None:
            data["text"] = self.text.as_dict()
        Path(path).write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> RiskModel:
        """Read a model written by `save`.

        :raise ValueError: the file was built with a different number of buckets.
        """
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("buckets") != BUCKETS:
            raise ValueError(f"{path}: built for {data.get('buckets')} buckets, not {BUCKETS}")
        text = TextReader.from_dict(data["text"]) if "text" in data else None
        return cls(data["version"], {int(i): float(w) for i, w in data["weights"].items()},
                   text)


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


def fit_text(texts: Sequence[str], labels: Sequence[int], *, strength: float = 10.0,
             sample_weights: Sequence[float] | None = None) -> TextReader:
    """Fit the plain TF-IDF reader with scikit-learn's logistic regression (balanced classes).

    Letter runs seen in one post only are dropped (they name nothing a new post will share).

    :raise RuntimeError: scikit-learn is not installed (`pip install -e '.[train]'`).
    """
    try:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
    except ImportError:  # training only: scoring never needs them
        raise RuntimeError("training needs scikit-learn: pip install -e '.[train]'") from None
    counted = [text_counts(text) for text in texts]
    n = len(texts)

    def idf(block: int, least: int) -> dict[int, float]:
        seen: dict[int, int] = {}
        for counts in counted:
            for bucket in counts[block]:
                seen[bucket] = seen.get(bucket, 0) + 1
        return {b: math.log((1 + n) / (1 + d)) + 1.0 for b, d in sorted(seen.items())
                if d >= least}

    reader = TextReader(idf(0, 2), idf(1, 1), {}, 0.0)
    rows, cols, values = [], [], []
    for row, text in enumerate(texts):
        for bucket, value in sorted(reader.vector(text).items()):
            rows.append(row)
            cols.append(bucket)
            values.append(value)
    matrix = csr_matrix((values, (rows, cols)), shape=(n, BUCKETS))
    fitted = LogisticRegression(C=strength, class_weight="balanced", max_iter=3000)
    fitted.fit(matrix, list(labels), sample_weight=sample_weights)
    used = set(cols)
    weights = {b: float(w) for b, w in enumerate(fitted.coef_[0]) if b in used and w}
    return TextReader(reader.letter_idf, reader.word_idf, weights, float(fitted.intercept_[0]))
