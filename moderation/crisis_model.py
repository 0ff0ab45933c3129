"""The crisis screen's learned reader: meanings first, then a plain logistic model.

The rules in `moderation/crisis_cues.py` are precise but narrow: people in distress rarely use
the words a rule names ("I've put the cat's food and the vet's number by the door for after").
The reader adds recall for wording no rule names. It sees a post twice: as written (letter
runs and words, which carry slang and misspellings) and as a *skeleton* of concepts, where
every word or phrase of the lexicon (`data/crisis/lexicon.json`: death, wanting, endurance,
means, amounts, goodbyes, burden, harm, threats, other people, negation, the past...) is
replaced by its concept and every other word is dropped. "I want to die" and "I'd love to pass
away" share a skeleton ("self want death"), so the model learns meanings from a few hundred
sentences instead of their exact words. The rules' own findings are in the skeleton too, so a
rule that fired counts as evidence.

Scoring needs numpy only; `fit` needs scikit-learn (training happens in
`flask crisis train`, deterministic, into `data/crisis/model.json`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from moderation.model import TextReader, fit_text

DATA = Path(__file__).resolve().parent / "data" / "crisis"
LEXICON_PATH = DATA / "lexicon.json"
MODEL_PATH = DATA / "model.json"
VERSION_PREFIX = "crisis-lr"

_WORD = re.compile(r"[a-z0-9]+(?:['&-][a-z0-9]+)*|[&]")
_SENTENCE = re.compile(r"[.!?\n]+")
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class _Lexicon:
    # Entries by their first word, longest first: (all words, concept, last word is a stem).
    starting: dict[str, tuple[tuple[tuple[str, ...], str, bool], ...]]
    stems: dict[str, str]  # one-word families: stem -> concept


def _words(text: str) -> list[str]:
    low = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _WORD.findall(low)


@cache
def _lexicon() -> _Lexicon:
    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    starting: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
    stems: dict[str, str] = {}
    for concept, entries in data["concepts"].items():
        for entry in entries:
            words = tuple(_words(entry.rstrip("*")))
            family = entry.endswith("*")
            if not words:
                continue
            if family and len(words) == 1:
                stems.setdefault(words[0], concept)
            else:
                starting.setdefault(words[0], []).append((words, concept, family))
    ordered = {first: tuple(sorted(found, key=lambda e: -len(e[0])))
               for first, found in starting.items()}
    return _Lexicon(ordered, stems)


@lru_cache(maxsize=1 << 15)
def _stem_concept(word: str) -> str | None:
    stems = _lexicon().stems
    for end in range(len(word), 2, -1):
        concept = stems.get(word[:end])
        if concept is not None:
            return concept
    return None


def _concept_at(words: Sequence[str], i: int) -> tuple[str, int] | None:
    """Return the concept of the longest lexicon entry starting at word i, and its length."""
    for entry, concept, family in _lexicon().starting.get(words[i], ()):
        n = len(entry)
        if i + n > len(words):
            continue
        if family:
            if tuple(words[i:i + n - 1]) == entry[:-1] and words[i + n - 1].startswith(entry[-1]):
                return concept, n
        elif tuple(words[i:i + n]) == entry:
            return concept, n
    stemmed = _stem_concept(words[i])
    return (stemmed, 1) if stemmed is not None else None


# How a sentence's concepts change each other's meaning, read as the rules read them: harm
# aimed at the author is a threat only when a person does it ("he'll kill me", not "this heat
# will"); death words beside an everyday thing are an idiom ("the stairs will be the death of
# me"); a sentence set in the past or about someone else is not the author's present.
_DEATHLY = frozenset({"death", "kill", "end", "threat"})
_ENDING = frozenset({"death", "kill", "disappear", "forever", "relief"})


def _frames(found: set[str]) -> list[str]:
    """Return the warning-sign frames a sentence's concepts make up (C-SSRS and Samaritans
    categories), when it is the author's own present, not negated, quoted or an idiom."""
    if found & {"other", "past", "year", "quoted", "idiom_object", "fiction", "clinical",
                "recovery", "negation"} or "self" not in found and "now" not in found:
        return []
    frames = []
    if found & {"want", "relief", "contemplate", "plan"} and found & _ENDING:
        frames.append("framewish")
    if "plan" in found and found & ({"means", "amount"} | _ENDING):
        frames.append("frameplan")
    if "ingest" in found and found & {"amount", "means"}:
        frames.append("frameingest")
    if "harm" in found:
        frames.append("frameharm")
    if "goodbye" in found and found & (_ENDING | {"now", "final"}):
        frames.append("framegoodbye")
    if "burden" in found and found & (_ENDING | {"want"}):
        frames.append("frameburden")
    if "endurance" in found and found & _ENDING:
        frames.append("frameend")
    return frames


def _sentence_marks(concepts: list[str]) -> list[str]:
    found = set(concepts)
    marks = _frames(found)
    if "threat" in found and "other" not in found:
        marks.append("threatthing")
    if found & _DEATHLY and "idiom_object" in found and not found & {"harm", "means"}:
        marks.append("idiom")
    if "past" in found or "year" in found:
        marks.append("pastsentence")
    if "other" in found and "self" not in found:
        marks.append("othersentence")
    if "negation" in found and found & {"want", "death", "kill", "harm"}:
        marks.append("negatedsentence")
    return marks


def _concepts(sentence: str) -> list[str]:
    concepts = ["quoted"] if sentence.lstrip().startswith(">") else []  # someone else's
    words = _words(sentence)
    i = 0
    while i < len(words):
        found = _concept_at(words, i)
        if found is None:
            if _YEAR.fullmatch(words[i]):
                concepts.append("year")  # "back in 2015"
            i += 1
            continue
        concept, n = found
        concepts.append(concept)
        i += n
    return concepts


def skeleton(text: str, evidence: Iterable[str] = ()) -> str:
    """Return the post's concepts in order, sentence by sentence, then the rules' evidence."""
    out: list[str] = []
    for sentence in _SENTENCE.split(text):
        concepts = _concepts(sentence)
        concepts.extend(_sentence_marks(concepts))
        out.extend("zz" + concept.replace("_", "") for concept in concepts)
        out.append("zzbreak")
    out.extend("zzrule" + name.replace("_", "") for name in evidence)
    return " ".join(out)


# A long post is also read WINDOW_SIZE sentences at a time, a window counting WINDOW_WEIGHT
# of the whole (leave-one-writer-out: it finds one sentence of distress in a long post).
WINDOW_WEIGHT = 0.9
WINDOW_SIZE = 2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def windows(text: str) -> list[str]:
    """Return the post's runs of WINDOW_SIZE sentences (none for a post that short)."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    if len(sentences) <= WINDOW_SIZE:
        return []
    return [" ".join(sentences[i:i + WINDOW_SIZE])
            for i in range(len(sentences) - WINDOW_SIZE + 1)]


@dataclass(frozen=True)
class CrisisModel:
    """Two fitted readers, the mean score at which the model fires, and its version.

    The text reader sees the post as written; the meaning reader sees only its skeleton.
    Each is right where the other is blind (slang and misspellings; new wording of a known
    meaning), so the score is their mean.
    """

    version: str
    threshold: float
    text: TextReader
    meaning: TextReader

    def _score(self, text: str, evidence: Sequence[str]) -> float:
        return (self.text.score(text) + self.meaning.score(skeleton(text, evidence))) / 2

    def score(self, text: str, evidence: Iterable[str] = ()) -> float:
        """Return the probability that the author of this text may be in crisis.

        A long post is also read a few sentences at a time, counting a little less than the
        whole, so one sentence of distress in a long friendly post is not drowned out.
        """
        found = list(evidence)
        whole = self._score(text, found)
        pieces = windows(text)
        if not pieces:
            return whole
        return max(whole, WINDOW_WEIGHT * max(self._score(piece, found) for piece in pieces))

    def save(self, path: str | Path = MODEL_PATH) -> None:
        """Write the model as JSON (stable bytes for the same model)."""
        data = {"version": self.version, "threshold": self.threshold,
                "text": self.text.as_dict(), "meaning": self.meaning.as_dict()}
        Path(path).write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n",
                              encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> CrisisModel:
        """Read a model written by `save`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["version"], float(data["threshold"]),
                   TextReader.from_dict(data["text"]), TextReader.from_dict(data["meaning"]))


@cache
def shipped_model() -> CrisisModel | None:
    """Return the model shipped with the package, or None when there is none."""
    return CrisisModel.load() if MODEL_PATH.exists() else None


def version_of(records: Sequence[Mapping[str, str]]) -> str:
    """Name a model by what it learned from: the sentences, their labels and the lexicon."""
    digest = hashlib.sha256(LEXICON_PATH.read_bytes())
    for record in records:
        digest.update(record["label"].encode() + b"\0" + record["text"].encode("utf-8") + b"\0")
    return f"{VERSION_PREFIX}-n{len(records)}-{digest.hexdigest()[:10]}"


# Regularisation of the two readers (scikit-learn's C): the text reader has many rare features
# and needs more room; the meaning reader's few concepts overfit with more. Chosen by
# leave-one-writer-out (bench/crisis_lowo.py).
TEXT_STRENGTH = 4.0
MEANING_STRENGTH = 1.0


def fit(records: Sequence[Mapping[str, str]], evidence: Sequence[Iterable[str]], *,
        threshold: float, weights: Sequence[float] | None = None) -> CrisisModel:
    """Fit both readers on labelled sentences ("crisis" or not) and the rules' evidence.

    Deterministic: the same records give the same weights.

    :param weights: how much each record counts (default: all the same).

    :raise RuntimeError: scikit-learn is not installed (`pip install -e '.[train]'`).
    """
    labels = [1 if record["label"] == "crisis" else 0 for record in records]
    text = fit_text([record["text"] for record in records], labels, strength=TEXT_STRENGTH,
                    sample_weights=weights)
    skeletons = [skeleton(record["text"], found)
                 for record, found in zip(records, evidence, strict=True)]
    meaning = fit_text(skeletons, labels, strength=MEANING_STRENGTH, sample_weights=weights)
    return CrisisModel(version_of(records), threshold, text, meaning)
