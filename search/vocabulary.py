"""The tag vocabulary as search sees it: concepts, their synonym phrases and fuzzy lookup."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from search.analysis import edit_distance, fold, stems

_PARENTHESES = re.compile(r"\s*\([^)]*\)")

# Synonyms this short are too ambiguous to tag a post by themselves ("pt", "ot").
_WEAK_LENGTH = 2


@dataclass(frozen=True, slots=True)
class Concept:
    """A tag from the taxonomy and every phrase that names it."""

    slug: str
    name: str
    kind: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    """A run of words [start, end) that names a concept."""

    slug: str
    start: int
    end: int
    weak: bool


@dataclass(frozen=True, slots=True)
class WordFamily:
    """Words that stand in for one another in a search ("heat", "hot", "heatwave").

    A query word among words also finds posts with any of words or also; also holds looser
    members that do not expand themselves ("cold" for infection, since "cold" is also cold
    therapy). A family never tags a post.
    """

    name: str
    words: tuple[str, ...]
    also: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Combination:
    """A concept a post names by naming one of concepts beside one of words, anywhere in it.

    Night-time spasms are spasms, jerks or cramps in a post that speaks of bed or the night.
    """

    slug: str
    concepts: tuple[str, ...]
    words: tuple[str, ...]


# Members of a family's also list are looser ("cold" for infection): they weigh less.
ALSO_WEIGHT = 0.5


def _weighted(family: WordFamily) -> tuple[tuple[str, float], ...]:
    """Return (member, relative weight) for the members of a family, its words first."""
    found = dict.fromkeys(_members(family.words), 1.0)
    for member in _members(family.also):
        found.setdefault(member, ALSO_WEIGHT)
    return tuple(found.items())


def _members(words: Iterable[str]) -> tuple[str, ...]:
    """Return the entries of words as stems (a phrase's joined by spaces), in order, once each.

    A phrase left with one word once its stop words go ("kick in") would stand for a broader
    word ("kick"), so it is left out.
    """
    found: dict[str, None] = {}
    for entry in words:
        key = stems(entry)
        if len(key) > 1 or (len(key) == 1 and len(entry.split()) == 1):
            found.setdefault(" ".join(key))
    return tuple(found)


def _misspellings(concept: Concept) -> set[str]:
    """Return the one-word phrases of concept a letter or two from a phrase listed before them.

    The taxonomy lists a concept's name and brands before their misspellings ("klonopin",
    then "klonipin"), so the later of two near spellings is the mistake.
    """
    found: set[str] = set()
    earlier: list[str] = []
    if concept.kind != "treatment":  # symptoms list word forms ("dozy", "dozing"), not typos
        return found
    for phrase in concept.phrases:
        key = stems(phrase)
        if len(key) != 1:
            continue
        word = key[0]
        if word not in earlier and any(
            edit_distance(word, other, 2) <= (1 if len(word) < 8 else 2) for other in earlier
        ):
            found.add(word)
        earlier.append(word)
    return found


class Vocabulary:
    """Map synonym phrases (brand names, misspellings, lay phrases) to concept slugs."""

    def __init__(
        self,
        concepts: Iterable[Concept],
        ambiguous: Iterable[str] = (),
        broader: Mapping[str, Iterable[str]] | None = None,
        families: Iterable[WordFamily] = (),
        broader_families: Mapping[str, Iterable[str]] | None = None,
        combinations: Iterable[Combination] = (),
        broad: Iterable[str] = (),
    ) -> None:
        """:param broader: query phrases that name a group of concepts ("muscle relaxants").

        :param families: search-only word families; they never name a concept.
        :param broader_families: for a group phrase, the names of families it also reaches.
        :param combinations: concepts a text names by naming another concept and a word.
        :param broad: slugs of tags that lump several things together (triggers).
        """
        self._broad_tags = frozenset(broad)
        self._combinations = tuple(
            (c.slug, frozenset(c.concepts),
             frozenset(key[0] for key in map(stems, c.words) if len(key) == 1))
            for c in combinations
        )
        self.concepts: dict[str, Concept] = {}
        self._broader = {
            key: tuple(slugs)
            for phrase, slugs in (broader or {}).items()
            if (key := tuple(stems(phrase)))
        }
        by_name = {family.name: family for family in families}
        self._families: dict[str, tuple[tuple[str, float], ...]] = {}
        for family in by_name.values():
            found = _weighted(family)
            for member in _members(family.words):
                merged = dict(found)
                merged.update(self._families.get(member, ()))
                merged.pop(member, None)
                self._families[member] = tuple(merged.items())
        self._family_longest = max((k.count(" ") + 1 for k in self._families), default=0)
        self._broader_families: dict[tuple[str, ...], tuple[tuple[str, float], ...]] = {}
        for phrase, names in (broader_families or {}).items():
            members: dict[str, float] = {}
            for name in names:
                if name in by_name:
                    for word_stem, weight in _weighted(by_name[name]):
                        members[word_stem] = max(weight, members.get(word_stem, 0.0))
            if (key := tuple(stems(phrase))) and members:
                self._broader_families[key] = tuple(members.items())
        self._broader_longest = max((len(k) for k in self._broader), default=0)
        weak_phrases = {tuple(stems(phrase)) for phrase in ambiguous}
        self._phrases: dict[tuple[str, ...], tuple[str, bool]] = {}
        self._words: dict[str, tuple[str, str]] = {}
        self._misspellings: set[str] = set()
        for concept in concepts:
            self.concepts[concept.slug] = concept
            self._misspellings.update(_misspellings(concept))
            for phrase in concept.phrases:
                key = tuple(stems(phrase))
                if not key:
                    continue
                # The first concept to claim a phrase keeps it.
                owner, weak = self._phrases.setdefault(
                    key,
                    (
                        concept.slug,
                        key in weak_phrases or (len(key) == 1 and len(key[0]) <= _WEAK_LENGTH),
                    ),
                )
                if len(key) == 1 and not weak and owner == concept.slug:
                    word = fold(phrase.strip())
                    canonical = concept.slug.replace("-", " ")
                    # A synonym a letter or two away from the slug is a known misspelling:
                    # suggest the proper spelling rather than echoing the mistake.
                    display = canonical if edit_distance(word, canonical, 2) <= 2 else word
                    self._words.setdefault(word, (concept.slug, display))
                    self._words.setdefault(key[0], (concept.slug, display))
        self._first: dict[str, list[tuple[str, ...]]] = {}
        for key in self._phrases:
            self._first.setdefault(key[0], []).append(key)
        self._longest = max((len(key) for key in self._phrases), default=0)
        self.known_stems = frozenset(s for key in self._phrases for s in key)

    @classmethod
    def from_taxonomy(cls, taxonomy: Mapping[str, Any]) -> Vocabulary:
        """Build a vocabulary from the parsed taxonomy JSON (symptoms, treatments, ...)."""
        concepts = []
        for group in taxonomy.values():
            if not isinstance(group, list):
                continue
            for entry in group:
                if not isinstance(entry, Mapping) or "slug" not in entry:
                    continue
                slug = str(entry["slug"])
                name = str(entry.get("name", slug))
                phrases = [slug.replace("-", " "), name, _PARENTHESES.sub("", name)]
                phrases += [str(s) for s in entry.get("synonyms", ())]
                concepts.append(
                    Concept(slug, name, str(entry.get("kind", "")), tuple(dict.fromkeys(phrases)))
                )
        ambiguous = [str(s) for key in ("ambiguous_synonyms", "search_ambiguous")
                     for s in taxonomy.get(key, ())]
        broader = {
            str(entry["phrase"]): [str(slug) for slug in entry.get("concepts", ())]
            for entry in taxonomy.get("search_groups", ())
            if isinstance(entry, Mapping) and "phrase" in entry
        }
        families = [
            WordFamily(
                str(entry["name"]),
                tuple(str(w) for w in entry.get("words", ())),
                tuple(str(w) for w in entry.get("also", ())),
            )
            for entry in taxonomy.get("search_families", ())
            if isinstance(entry, Mapping) and "name" in entry
        ]
        broader_families = {
            str(entry["phrase"]): [str(name) for name in entry.get("families", ())]
            for entry in taxonomy.get("search_groups", ())
            if isinstance(entry, Mapping) and "phrase" in entry
        }
        combinations = [
            Combination(str(entry["concept"]), tuple(str(s) for s in entry.get("with", ())),
                        tuple(str(w) for w in entry.get("words", ())))
            for entry in taxonomy.get("search_combinations", ())
            if isinstance(entry, Mapping) and "concept" in entry
        ]
        broad_tags = [str(slug) for slug in taxonomy.get("search_broad_tags", ())]
        return cls(concepts, ambiguous, broader, families, broader_families, combinations,
                   broad_tags)

    def group(
        self, words: Sequence[str], i: int
    ) -> tuple[int, tuple[str, ...], tuple[tuple[str, float], ...]] | None:
        """Return (end, slugs, family) if a phrase naming a group starts at words[i]."""
        for length in range(min(self._broader_longest, len(words) - i), 0, -1):
            key = tuple(words[i : i + length])
            slugs = self._broader.get(key)
            if slugs is not None:
                return i + length, slugs, self._broader_families.get(key, ())
        return None

    def is_broad(self, slug: str) -> bool:
        """Return whether a tag lumps several things, so one of its words is not the tag."""
        return slug in self._broad_tags

    def is_misspelling(self, word_stem: str) -> bool:
        """Return whether a stem is a synonym listed as a misspelling of its concept's name."""
        return word_stem in self._misspellings

    def family(self, word_stem: str) -> tuple[tuple[str, float], ...]:
        """Return (member, relative weight) for the search-only family of a query word.

        A member of several words is their stems joined by spaces ("dry mouth").
        """
        return self._families.get(word_stem, ())

    def family_phrase(self, words: Sequence[str], i: int) -> int | None:
        """Return the end of the longest family phrase of two or more words at words[i]."""
        for length in range(min(self._family_longest, len(words) - i), 1, -1):
            if " ".join(words[i : i + length]) in self._families:
                return i + length
        return None

    def match(
        self, words: Sequence[str], *, slop: int = 0, include_weak: bool = False
    ) -> list[ConceptMatch]:
        """Find concept phrases in a stem sequence, longest first, left to right.

        A two-word phrase counts either way round, in posts as in queries ("my legs are
        weak" names "weak legs", "my foot is bouncing" names "bouncing foot").

        :param slop: how many extra words may sit inside a multi-word phrase (queries use 1,
            so "legs jump at night" still names "legs at night").
        """
        found: list[ConceptMatch] = []
        i = 0
        n = len(words)
        while i < n:
            swapped = None
            if i + 1 < n:
                # Members put two words either way round ("legs weak" for "weak legs").
                hit = self._phrases.get((words[i + 1], words[i]))
                swapped = ConceptMatch(hit[0], i, i + 2, hit[1]) if hit else None
            if words[i] not in self._first and swapped is None:
                i += 1
                continue
            best = None
            if words[i] in self._first:
                best = self._exact(words, i) if not slop else self._sloppy(words, i, slop)
            if swapped is not None and (best is None or best.end - best.start < 2):
                best = swapped
            if best is not None and (include_weak or not best.weak):
                found.append(best)
                i = best.end
            else:
                i += 1
        return found

    def _exact(self, words: Sequence[str], i: int) -> ConceptMatch | None:
        for length in range(min(self._longest, len(words) - i), 0, -1):
            hit = self._phrases.get(tuple(words[i : i + length]))
            if hit is not None:
                return ConceptMatch(hit[0], i, i + length, hit[1])
        return None

    def _sloppy(self, words: Sequence[str], i: int, slop: int) -> ConceptMatch | None:
        exact = self._exact(words, i)
        best = exact
        best_key = (exact.end - exact.start, 0) if exact else (0, 0)
        for key in self._first[words[i]]:
            slug, weak = self._phrases[key]
            if len(key) < 2 or len(key) < best_key[0]:
                continue
            j, k = i + 1, 1
            limit = min(len(words), i + len(key) + slop)
            while j < limit and k < len(key):
                if words[j] == key[k]:
                    k += 1
                j += 1
            if k == len(key):
                candidate_key = (len(key), -(j - i - len(key)))
                if candidate_key > best_key:
                    best, best_key = ConceptMatch(slug, i, j, weak), candidate_key
        return best

    def concepts_in(self, text: str) -> list[str]:
        """Return the concept slugs named in text, once per mention (weak synonyms ignored).

        A combination's concept is named once when the text names one of its concepts and
        has one of its words ("spasms" and "bed": night-time spasms).
        """
        words = stems(text)
        found = [m.slug for m in self.match(words)]
        if self._combinations and found:
            named, present = set(found), set(words)
            for slug, needed, cues in self._combinations:
                if slug not in named and needed & named and cues & present:
                    found.append(slug)
        return found

    def fuzzy(self, word: str) -> tuple[str, str] | None:
        """Return (slug, vocabulary word) for a likely misspelling of a drug or symptom name."""
        word = fold(word)
        if len(word) < 5:
            return None
        limit = 1 if len(word) < 8 else 2
        best: tuple[int, str, str] | None = None
        for candidate, (slug, display) in self._words.items():
            if len(candidate) < 5 or abs(len(candidate) - len(word)) > limit:
                continue
            distance = edit_distance(word, candidate, limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, slug, display)
        return None if best is None else (best[1], best[2])

    def is_known(self, word_stem: str) -> bool:
        """Return whether a stem is part of any synonym phrase."""
        return word_stem in self.known_stems
