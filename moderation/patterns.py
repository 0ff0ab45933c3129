"""Rewrite a word-list pattern so the regex engine tries few alternatives at each place."""

from __future__ import annotations

_QUANTIFIERS = "?*+{"
# From this many opening letters, a pattern is faster under one word boundary (measured on
# the bench's posts: 15 or more groups scan 10-45% faster that way, fewer scan slower).
MANY_LETTERS = 15
_DIGITS = frozenset("0123456789")


def _closing(text: str, start: int) -> int:
    """Return the index of the parenthesis closing the one at start."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = text.index("]", index + 2)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError(f"unbalanced pattern: {text!r}")


def _alternatives(text: str) -> list[str]:
    """Split a pattern on its top-level bars."""
    parts = []
    begin = index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            index = _closing(text, index)
        elif char == "[":
            index = text.index("]", index + 2)
        elif char == "|":
            parts.append(text[begin:index])
            begin = index + 1
        index += 1
    parts.append(text[begin:])
    return parts


def _expand(alternative: str) -> list[str]:
    """Distribute an opening group over what follows it: (?:a|b)c is a c|b c, (?:a)?c is ac|c."""
    if not alternative.startswith("(?:"):
        return [alternative]
    close = _closing(alternative, 0)
    after = alternative[close + 1 : close + 2]
    tail = alternative[close + 1 :]
    if after == "?" and alternative[close + 2 : close + 3] not in ("?", "+"):
        tail = alternative[close + 2 :]
        group = alternative[: close + 1]
        return _expand(group + tail) + _expand(tail)
    if after and after in _QUANTIFIERS:
        return [alternative]
    return [e for part in _alternatives(alternative[3:close]) for e in _expand(part + tail)]


def _opening(alternative: str) -> frozenset[str] | None:
    """Return the characters an alternative can open with, or None when not known."""
    if alternative[:2] == r"\d":
        return _DIGITS
    first = alternative[:1]
    if first.isalnum() and alternative[1:2] not in _QUANTIFIERS:
        return frozenset(first)
    return None


def by_opening_letter(pattern: str) -> str:
    r"""Return a pattern matching what pattern does, its word alternatives grouped by letter.

    Each top-level alternative of the pattern must open with \b. Groups opening an alternative
    are distributed over the rest, and the alternatives opening with the same letter are put
    together: the engine then tries one letter where it tried every word. The \b becomes a
    look-behind after the letter, so the pattern opens with a set of letters the engine jumps
    to; from MANY_LETTERS letters on, the groups sit under one \b instead. Alternatives are
    reordered only past others that cannot start at the same place, so the leftmost-first
    choice between alternatives is unchanged. When that cannot be shown, the pattern is
    returned as it is.
    """
    whole = pattern
    if pattern.startswith("(?:") and _closing(pattern, 0) == len(pattern) - 1:
        pattern = pattern[3:-1]
    alternatives = []
    for top in _alternatives(pattern):
        if not top.startswith(r"\b"):
            return whole
        alternatives.extend(_expand(top[2:]))
    openings = [_opening(a) for a in alternatives]
    # The order of the items: a letter's group sits where its first alternative was.
    items: list[str | list[str]] = []
    groups: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    position: list[int] = []
    for alternative, opening in zip(alternatives, openings, strict=True):
        letter = alternative[0] if opening is not None and opening != _DIGITS else None
        if letter is None:
            items.append(alternative)
            position.append(len(items) - 1)
        elif letter in groups:
            groups[letter].append(alternative[1:])
            position.append(where[letter])
        else:
            groups[letter] = [alternative[1:]]
            where[letter] = len(items)
            items.append(groups[letter])
            position.append(len(items) - 1)
    for later in range(len(alternatives)):
        for earlier in range(later):
            if position[later] >= position[earlier]:
                continue
            a, b = openings[earlier], openings[later]
            if a is None or b is None or a & b:
                return whole
    letters = {id(group): letter for letter, group in groups.items()}
    if len(groups) >= MANY_LETTERS:
        # Most characters of a text are one of the letters, so jumping to them saves little,
        # and the engine would go through the groups at each: one word boundary first fails
        # at once inside a word. Each letter is a word character, so this \b is the one
        # each group's look-behind stood for.
        return r"\b(?:" + "|".join(
            f"(?:{item})" if isinstance(item, str) else f"{letters[id(item)]}(?:{'|'.join(item)})"
            for item in items) + ")"
    parts = []
    for item in items:
        if isinstance(item, str):
            parts.append(rf"\b(?:{item})")
        else:
            letter = letters[id(item)]
            parts.append(rf"{letter}(?<!\w{letter})(?:{'|'.join(item)})")
    return "|".join(parts)
