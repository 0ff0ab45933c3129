"""Text analysis shared by every index: cleaning, tokenising, folding and stemming.

Both the Whoosh index and the in-memory index analyse text with these functions, so a
word means the same thing to each of them and to the snippet highlighter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

# Words too common to search for. Kept short on purpose: "not", "no" and "can't" carry
# meaning in posts about what did and didn't help.
STOP_WORDS = frozenset(
    """a an and are as at be by for from has have i if in is it its me my of on or so
    that the this to was were with""".split()
)

_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_APOSTROPHES = str.maketrans("", "", "'\u2019")
_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed word: its stem, its folded surface form and where it sits in the text."""

    stem: str
    word: str
    pos: int
    start: int
    end: int


def clean_text(text: str) -> str:
    """Return text with control characters, lone surrogates and odd spacing made harmless."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text = unicodedata.normalize("NFC", text)
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Return word lowercased, without accents or apostrophes."""
    word = word.translate(_APOSTROPHES).casefold()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _has_vowel(word: str) -> bool:
    return any(ch in _VOWELS for ch in word)


# Plurals and verb forms no suffix rule reaches ("calves" is not "calve", "slept" is
# "sleep"); body parts and what legs and sleep do matter here.
IRREGULAR = {
    "calves": "calf", "halves": "half", "feet": "foot", "teeth": "tooth", "knives": "knife",
    "shelves": "shelf", "selves": "self", "children": "child", "women": "woman", "men": "man",
    "mice": "mouse",
    "gave": "give", "given": "give", "slept": "sleep", "woke": "wake", "woken": "wake",
    "wore": "wear", "worn": "wear", "took": "take", "taken": "take", "felt": "feel",
    "kept": "keep", "fell": "fall", "fallen": "fall", "stood": "stand", "began": "begin",
    "begun": "begin", "shook": "shake", "shaken": "shake", "ran": "run", "drank": "drink",
    "drunk": "drink", "swam": "swim", "rode": "ride", "ridden": "ride", "bent": "bend",
    "caught": "catch", "brought": "bring", "thought": "think", "bought": "buy",
}


@lru_cache(maxsize=131072)
def stem(word: str) -> str:
    """Return a light English stem of a folded word (plurals, -ing, -ed and final -e)."""
    word = IRREGULAR.get(word, word)
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _has_vowel(base):
            if suffix == "ed" and base.endswith("e"):
                break
            word = base
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


# Raw word -> stem ("" for stop words). Indexing looks every word up here, so it is a plain
# dict rather than a chain of cached calls; it stops growing at a size that fits easily.
_ANALYSED: dict[str, str] = {}
_ANALYSED_LIMIT = 500_000


def _analyse(raw: str) -> str:
    found = _ANALYSED.get(raw)
    if found is None:
        word = fold(raw).replace("_", "")
        found = "" if not word or word in STOP_WORDS else stem(word)
        if len(_ANALYSED) < _ANALYSED_LIMIT:
            _ANALYSED[raw] = found
    return found


def tokens(text: str) -> Iterator[Token]:
    """Yield the analysed words of text, skipping stop words and renumbering positions."""
    pos = 0
    for match in _WORD.finditer(text):
        raw = match.group()
        word_stem = _analyse(raw)
        if word_stem:
            yield Token(word_stem, fold(raw), pos, match.start(), match.end())
            pos += 1


def spans(text: str) -> list[tuple[str, int, int]]:
    """Return (stem, start, end) for each analysed word of text: the highlighter's fast path."""
    get = _ANALYSED.get
    found = []
    for match in _WORD.finditer(text):
        raw = match.group()
        word_stem = get(raw)
        if word_stem is None:
            word_stem = _analyse(raw)
        if word_stem:
            found.append((word_stem, match.start(), match.end()))
    return found


def stems(text: str) -> list[str]:
    """Return the stems of text's words in order (the fast path used when indexing)."""
    get = _ANALYSED.get
    found = []
    for raw in _WORD.findall(text):
        word_stem = get(raw)
        if word_stem is None:
            word_stem = _analyse(raw)
        if word_stem:
            found.append(word_stem)
    return found


def surface_form(term_stem: str, typed: str) -> str:
    """Return the real-looking word for a stem, choosing the form closest to what was typed."""
    candidates = {term_stem, term_stem + "e", term_stem + "s", term_stem + "es", term_stem + "ing"}
    if len(term_stem) >= 3 and term_stem[-1] not in _VOWELS:
        candidates.add(term_stem + term_stem[-1] + "ing")
    fitting = [c for c in candidates if stem(c) == term_stem]
    if not fitting:
        return term_stem
    return min(fitting, key=lambda c: (edit_distance(c, typed), len(c)))


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Return the optimal-string-alignment distance between a and b (a swap counts as one)."""
    if a == b:
        return 0
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if limit is not None and min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def edits1(word: str) -> set[str]:
    """Return every string one deletion, swap, replacement or insertion away from word."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + swaps + replaces + inserts) - {word}
