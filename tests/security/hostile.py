"""Hostile input for the security tests: XSS vectors, redirect targets, an HTML inspector."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "poster", "srcdoc")
# What a browser ignores inside a URL scheme (WHATWG URL: tab, newline, leading C0 and space).
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class Vector:
    number: int
    description: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.number:03d}"


def load_vectors() -> list[Vector]:
    """Read xss_vectors.txt: blocks that start with a line "%% description"."""
    vectors: list[Vector] = []
    description, lines = None, []

    def flush():
        text = "\n".join(lines).strip("\n")
        if description is not None and text:
            vectors.append(Vector(len(vectors) + 1, description, text))

    for line in (HERE / "xss_vectors.txt").read_text(encoding="utf-8").split("\n"):
        if line.startswith("%%"):
            flush()
            description, lines = line[2:].strip(), []
        else:
            lines.append(line)
    flush()
    return vectors


def load_redirects() -> list[dict]:
    """Read open_redirects.json: values for `next` and whether the forum should keep them."""
    return json.loads((HERE / "open_redirects.json").read_text(encoding="utf-8"))


def url_scheme(value: str) -> str | None:
    """Return the scheme a browser would read from a URL attribute, or None for a relative URL."""
    match = _SCHEME.match(_IGNORED_IN_SCHEME.sub("", value))
    return match.group(1).lower() if match else None


def is_script_url(value: str) -> bool:
    """Tell whether a URL attribute would run script or load active content in a browser."""
    squeezed = _IGNORED_IN_SCHEME.sub("", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html", "data:image/svg"))


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and value and is_script_url(value):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "inline")
        if tag in ("iframe", "object", "embed", "base", "meta", "link", "svg", "math", "img",
                   "style", "form", "input", "button", "template") and tag not in self.allowed:
            self.problems.append(f"<{tag}>")

    allowed: frozenset[str] = frozenset()


def dangerous_markup(html: str, *, allowed_tags: frozenset[str] = frozenset(),
                     allowed_scripts: tuple[str, ...] = ()) -> list[str]:
    """Return what in `html` could run script: event handlers, script URLs, stray elements.

    `allowed_tags` names active elements the page itself uses (its own forms, its stylesheet
    link); `allowed_scripts` the script sources it loads.
    """
    inspector = _Inspector()
    inspector.allowed = allowed_tags
    inspector.feed(html)
    inspector.close()
    problems = list(inspector.problems)
    problems += [f"<script src={s}>" for s in inspector.scripts if s not in allowed_scripts]
    return problems
