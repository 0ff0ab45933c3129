"""Markdown rendering: useful formatting in, anything dangerous out."""

from __future__ import annotations

import re

import pytest

from forum.markup import plain_text, render_markdown

DANGEROUS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<javascript:alert(1)>",
]


@pytest.mark.parametrize("source", DANGEROUS)
def test_dangerous_markdown_renders_without_scripts_or_javascript_urls(source):
    html = render_markdown(source).lower()
    assert "<script" not in html
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", html)  # escaped text is harmless
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert "<img" not in html and "<svg" not in html


def test_formatting_members_use_is_kept():
    html = render_markdown("**bold** *it*\n\n- one\n- two\n\n> quoted\n\n`code`")
    for tag in ("<strong>", "<em>", "<ul>", "<li>", "<blockquote>", "<code>"):
        assert tag in html


def test_links_get_nofollow_ugc_noopener():
    html = render_markdown("[MS Society](https://www.mssociety.org.uk) and https://example.org")
    assert html.count('rel="nofollow ugc noopener"') == 2


def test_images_from_other_sites_are_not_embedded():
    assert "<img" not in render_markdown("![tracker](https://evil.example/pixel.png)")


def test_plain_text_drops_markup_for_search():
    assert plain_text("**Baclofen** helps, see [this](https://x.example)") == (
        "Baclofen helps, see this")
