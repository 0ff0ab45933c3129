"""Markdown to safe HTML: the one place that calls bleach, with explicit allowlists."""

from __future__ import annotations

from functools import partial
from html.parser import HTMLParser

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


def _demote_headings(rendered: str) -> str:
    for level in (6, 5, 4, 3, 2, 1):
        target = min(level + 2, 6)
        rendered = rendered.replace(f"<h{level}>", f"<h{target}>")
        rendered = rendered.replace(f"</h{level}>", f"</h{target}>")
    return rendered


def render_markdown(text: str) -> str:
    """Render a member's Markdown to HTML that is safe to show as is."""
    return _cleaner.clean(_demote_headings(_markdown.render(text)))


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(fragment: str) -> str:
    """Return the text of rendered HTML, tags dropped, entities decoded, spaces collapsed.

    Only for HTML this module rendered: the result is plain text to be escaped where shown.
    Python's own parser is about ten times faster than a bleach pass, which matters when a
    search rebuild reads every post.
    """
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


def plain_text(text: str) -> str:
    """Return a Markdown body as plain text, for search and short previews."""
    return html_text(_markdown.render(text))
