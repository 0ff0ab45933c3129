"""The controlled tag vocabulary: symptoms and treatments, loaded once from a data file."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from forum.errors import Invalid

TAXONOMY_FILE = Path(__file__).with_name("data") / "taxonomy.json"
MIN_TAGS = 1
MAX_TAGS = 8


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
    kind: str  # "symptom" or "treatment"
    synonyms: tuple[str, ...]


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Taxonomy:
    """Tags by slug, and the phrases (names, synonyms) that point at them."""

    def __init__(self, data: dict) -> None:
        self.raw = data
        # Short or common synonyms are hints, never proof on their own (see the data file).
        self.ambiguous = frozenset(data.get("ambiguous_synonyms", ()))
        self.tags: dict[str, Tag] = {}
        for kind_key in ("symptoms", "treatments"):
            for entry in data[kind_key]:
                self.tags[entry["slug"]] = Tag(
                    slug=entry["slug"],
                    name=entry["name"],
                    kind=entry["kind"],
                    synonyms=tuple(entry.get("synonyms", ())),
                )
        self._phrases: dict[str, str] = {}
        for tag in self.tags.values():
            for phrase in (tag.slug, tag.name, *tag.synonyms):
                self._phrases.setdefault(_normalise(phrase), tag.slug)
        # Longest phrases first so "baclofen pump" wins over "baclofen".
        ordered = sorted(self._phrases, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in ordered) + r")\b")

    @property
    def symptoms(self) -> list[Tag]:
        return [tag for tag in self.tags.values() if tag.kind == "symptom"]

    @property
    def treatments(self) -> list[Tag]:
        return [tag for tag in self.tags.values() if tag.kind == "treatment"]

    def resolve(self, word: str) -> str | None:
        """Return the slug a slug, name or synonym stands for, or None."""
        return self._phrases.get(_normalise(word))

    def close_matches(self, word: str, limit: int = 3) -> list[str]:
        """Return slugs whose names or synonyms look like `word`."""
        found = difflib.get_close_matches(_normalise(word), self._phrases, n=limit * 3, cutoff=0.7)
        slugs: list[str] = []
        for phrase in found:
            slug = self._phrases[phrase]
            if slug not in slugs:
                slugs.append(slug)
        return slugs[:limit]

    def parse_tags(self, raw: str | list[str], *, field: str = "tags") -> list[str]:
        """Turn what a member typed (commas or spaces) into 1-8 known slugs, or raise Invalid."""
        if isinstance(raw, str):
            parts = [p.strip() for p in re.split(r"[,;\n]", raw) if p.strip()]
            # "baclofen spasms" with no commas: try each word when the whole is not a tag.
            expanded: list[str] = []
            for part in parts:
                if self.resolve(part) is None and " " in part:
                    expanded.extend(part.split())
                else:
                    expanded.append(part)
            parts = expanded
        else:
            parts = [str(p).strip() for p in raw if str(p).strip()]
        slugs: list[str] = []
        unknown: list[str] = []
        for part in parts:
            slug = self.resolve(part)
            if slug is None:
                unknown.append(part)
            elif slug not in slugs:
                slugs.append(slug)
        if unknown:
            messages = []
            for word in unknown:
                close = self.close_matches(word)
                hint = f" Did you mean: {', '.join(close)}?" if close else ""
                messages.append(f"“{word[:40]}” is not a tag we know.{hint}")
            raise Invalid(field, " ".join(messages) + " See the tags page for the full list.")
        if len(slugs) < MIN_TAGS:
            raise Invalid(field, "Add at least one tag, for a symptom or a treatment.")
        if len(slugs) > MAX_TAGS:
            raise Invalid(field, f"Use at most {MAX_TAGS} tags; you gave {len(slugs)}.")
        return slugs

    def suggest(self, text: str, limit: int = MAX_TAGS) -> list[str]:
        """Suggest slugs for a post's text, most mentioned first; ambiguous words need company."""
        counts: dict[str, int] = {}
        strong: set[str] = set()
        for match in self._pattern.finditer(_normalise(text)):
            phrase = match.group(1)
            slug = self._phrases[phrase]
            counts[slug] = counts.get(slug, 0) + 1
            if phrase not in self.ambiguous:
                strong.add(slug)
        ranked = sorted((s for s in counts if s in strong), key=lambda s: (-counts[s], s))
        return ranked[:limit]


@cache
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """Load the taxonomy file once."""
    return Taxonomy(json.loads(path.read_text(encoding="utf-8")))
