"""Every hostile vector through the one sanitiser: stable, idempotent, nothing active left."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from forum.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from tests.security.hostile import (
    dangerous_markup,
    is_script_url,
    load_vectors,
    url_scheme,
)

VECTORS = load_vectors()


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_corpus_is_large_enough_and_every_vector_is_distinct():
    assert len(VECTORS) >= 80
    assert len({v.text for v in VECTORS}) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=[v.id for v in VECTORS])
def test_rendering_a_vector_is_stable(vector):
    assert render_markdown(vector.text) == render_markdown(vector.text), vector.description


@pytest.mark.parametrize("vector", VECTORS, ids=[v.id for v in VECTORS])
def test_only_allowed_elements_and_attributes_survive_a_vector(vector):
    rendered = render_markdown(vector.text)
    assert dangerous_markup(rendered) == [], vector.description
    for tag, attrs in elements(rendered):
        assert tag in ALLOWED_TAGS, (vector.description, tag)
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, []), (vector.description, tag, name)
            if name == "href":
                assert not is_script_url(value or ""), (vector.description, value)
                scheme = url_scheme(value or "")
                assert scheme in (None, "http", "https", "mailto"), (vector.description, value)
