"""Escape titles and cut snippets with the member's words wrapped in <mark>."""

from __future__ import annotations

from html import escape

from search.analysis import spans
from search.vocabulary import Vocabulary

SNIPPET_WORDS = 32
SHORT_TEXT = 240


class Highlighter:
    """Mark a query's words, and the phrases of the concepts it named, in stored text."""

    def __init__(
        self, vocabulary: Vocabulary, stems: frozenset[str], concepts: frozenset[str]
    ) -> None:
        self._vocabulary = vocabulary
        self._stems = stems
        self._concepts = concepts

    def _marks(self, found: list[tuple[str, int, int]]) -> list[bool]:
        wanted = self._stems
        marked = [word_stem in wanted for word_stem, _, _ in found]
        if self._concepts:
            for match in self._vocabulary.match([word_stem for word_stem, _, _ in found]):
                if match.slug in self._concepts:
                    marked[match.start : match.end] = [True] * (match.end - match.start)
        return marked

    def title(self, text: str) -> str:
        """Return the whole title, escaped, with matches marked."""
        found = spans(text)
        return _render(text, found, self._marks(found), 0, len(text))

    def snippet(self, text: str) -> str:
        """Return the passage of text with the most matches, escaped and marked."""
        found = spans(text)
        marked = self._marks(found)
        if len(text) <= SHORT_TEXT or len(found) <= SNIPPET_WORDS:
            return _render(text, found, marked, 0, len(text))
        best_start, best_count = 0, -1
        count = sum(marked[:SNIPPET_WORDS])
        for start in range(0, len(found) - SNIPPET_WORDS + 1):
            if start:
                count += marked[start + SNIPPET_WORDS - 1] - marked[start - 1]
            if count > best_count:
                best_start, best_count = start, count
        if best_count > 0:
            # Start a few words before the first match so it has some context.
            first = marked.index(True, best_start)
            best_start = max(0, min(first - 4, len(found) - SNIPPET_WORDS))
        last = best_start + SNIPPET_WORDS
        begin = 0 if best_start == 0 else found[best_start][1]
        end = len(text) if last >= len(found) else found[last - 1][2]
        html = _render(text, found, marked, begin, end)
        return ("\u2026 " if begin else "") + html + (" \u2026" if end < len(text) else "")


def _render(
    text: str, found: list[tuple[str, int, int]], marked: list[bool], begin: int, end: int
) -> str:
    parts: list[str] = []
    cursor = begin
    open_mark = False
    for (_, start, stop), is_marked in zip(found, marked, strict=True):
        if stop <= begin or start >= end:
            continue
        gap = text[cursor:start]
        if open_mark and (not is_marked or gap.strip()):
            parts.append("</mark>")
            open_mark = False
        parts.append(escape(gap))
        if is_marked and not open_mark:
            parts.append("<mark>")
            open_mark = True
        parts.append(escape(text[start:stop]))
        cursor = stop
    if open_mark:
        parts.append("</mark>")
    parts.append(escape(text[cursor:end]))
    return "".join(parts)
