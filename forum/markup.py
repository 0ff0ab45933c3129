"""Markdown to safe HTML: the one place that calls bleach, with explicit allowlists."""

from __future__ import annotations

import html
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Raw HTML off: members write Markdown, and anything that looks like HTML is shown as text.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# Images would load from other sites (tracking members' IP addresses); headings inside a post
# would break the page's outline, so they render one level below the page's own.
_markdown.disable(["image"])


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"},
                     parse_email=False)],
)
_stripper = bleach.Cleaner(tags=frozenset(), attributes={}, strip=True, strip_comments=True)


def _demote_headings(rendered: str) -> str:
    for level in (6, 5, 4, 3, 2, 1):
        target = min(level + 2, 6)
        rendered = rendered.replace(f"<h{level}>", f"<h{target}>")
        rendered = rendered.replace(f"</h{level}>", f"</h{target}>")
    return rendered


def render_markdown(text: str) -> str:
    """Render a member's Markdown to HTML that is safe to show as is."""
    return _cleaner.clean(_demote_headings(_markdown.render(text)))


def sanitize_html(fragment: str) -> str:
    """Clean already-rendered HTML with the same allowlists (idempotent)."""
    return _cleaner.clean(fragment)


def plain_text(text: str) -> str:
    """Return a Markdown body as plain text, for search and short previews."""
    stripped = _stripper.clean(_markdown.render(text))
    return " ".join(html.unescape(stripped).split())


def excerpt(text: str, length: int = 220) -> str:
    """Return the first `length` characters of a Markdown body as plain text."""
    plain = plain_text(text)
    if len(plain) <= length:
        return plain
    return plain[: length].rsplit(" ", 1)[0] + "…"
