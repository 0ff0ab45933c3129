"""Rules and lexicons grow by meaning: none holds a phrase copied from a labelled file.

The labelled files are the shared dev sets and our own writers' sets (`writers/`)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from moderation.knowledge import knowledge

PACKAGE = Path(__file__).resolve().parents[2] / "moderation"
DEV_FILES = sorted((PACKAGE.parents[1] / "shared" / "moderation").glob("*.jsonl"))
OUR_FILES = sorted((Path(__file__).parent / "writers").glob("*.jsonl"))
# Everyday phrases the rules held before our writers wrote a word (commit d1ebb63), which some
# of them happen to use too; anything added since must not match a writer's phrase.
OLDER_THAN_OUR_FILES = {
    "use it on", "what is the", "in the afternoon", "in the evening", "against the law",
    "bit by bit", "can't be bothered", "no need for", "that's how i"}
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Regex syntax ends a run of literal words: what an alternation or group composes is not a
# phrase written out in the file.
_SYNTAX = re.compile(r"\\[bBdDwWsS]|\(\?[:!=<]*|[|()\[\]?*+{}^$\\]")
_PHRASE = 3
# Data files whose every string is a cue; the drug knowledge's explanations are prose for
# people and are checked by the words of its name lists only.
_LEXICON_FIELDS = {"drugs.json": ("names",)}


def _looks_like_pattern(text: str) -> bool:
    return "\\b" in text or "(?:" in text or "|" in text


def _runs(text: str) -> list[list[str]]:
    text = text.lower().replace("\\s+", " ").replace("\\s*", " ").replace("\\ ", " ")
    return [_WORDS.findall(part) for part in _SYNTAX.split(text)]


def _cue_strings() -> list[tuple[str, str]]:
    """Return (file, text) for every pattern in the package's code and every lexicon entry."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in docstrings and _looks_like_pattern(node.value):
                found.append((path.name, node.value))
    for path in sorted((PACKAGE / "data").glob("*.json")):
        if path.name.startswith("risk-model"):
            continue  # learned weights by hashed bucket, no words
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = _LEXICON_FIELDS.get(path.name)
        for text in _strings(data, fields):
            found.append((path.name, text))
    return found


def _strings(data: object, fields: tuple[str, ...] | None, inside: bool = False) -> list[str]:
    if isinstance(data, str):
        return [data] if fields is None or inside else []
    if isinstance(data, list):
        return [s for item in data for s in _strings(item, fields, inside)]
    if isinstance(data, dict):
        return [s for key, value in data.items()
                for s in _strings(value, fields, inside or (fields is not None and key in fields))]
    return []


def _dev_phrases(files: list[Path] = DEV_FILES) -> set[tuple[str, ...]]:
    phrases = set()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"].lower().replace("\u2019", "'")
                words = _WORDS.findall(text)
                phrases.update(tuple(words[i : i + _PHRASE])
                               for i in range(len(words) - _PHRASE + 1))
    return phrases


def _drug_words() -> set[str]:
    return {word for drug in knowledge().drugs for name in drug.names
            for word in _WORDS.findall(name.lower())}


def _copied(labelled: set[tuple[str, ...]], allowed: set[str] = frozenset()) -> set[str]:
    """Return "file: phrase" for each labelled phrase a rule or lexicon writes out (drugs aside)."""
    drugs = _drug_words()
    copied = set()
    for name, text in _cue_strings():
        for words in _runs(text):
            for i in range(len(words) - _PHRASE + 1):
                phrase = tuple(words[i : i + _PHRASE])
                if phrase in labelled and not drugs & set(phrase) \
                        and " ".join(phrase) not in allowed:
                    copied.add(f"{name}: {' '.join(phrase)}")
    return copied


@pytest.mark.skipif(not DEV_FILES, reason="the shared dev files are not beside the project")
def test_no_rule_or_lexicon_holds_a_phrase_from_a_dev_file():
    copied = _copied(_dev_phrases())
    assert not copied, "copied from a dev file:\n" + "\n".join(sorted(copied))


def test_no_rule_or_lexicon_holds_a_phrase_from_our_writers_files():
    copied = _copied(_dev_phrases(OUR_FILES), OLDER_THAN_OUR_FILES)
    assert not copied, "copied from a writer's file:\n" + "\n".join(sorted(copied))


def test_the_check_finds_a_phrase_written_out_in_a_pattern():
    assert ["take", "it", "slowly"] in _runs(r"\b(?:just )?take it slowly\b")
    assert all(len(run) < 3 for run in _runs(r"\b(?:take|took) (?:it|them) slowly\b"))
