"""`next` after logging in never leaves the site, whatever shape it takes."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.factories import PASSWORD, csrf_token, make_member
from tests.security.hostile import load_redirects

REDIRECTS = load_redirects()
HOST = "localhost"


def lands_on_this_site(location: str) -> bool:
    """Resolve a Location header the way a browser does and tell whether it stays here."""
    # WHATWG URL parsing: strip leading and trailing C0 controls and spaces, drop every tab and
    # newline, and read a backslash as a slash in http(s) URLs.
    cleaned = re.sub(r"[\t\n\r]", "", location.strip("".join(map(chr, range(33)))))
    cleaned = cleaned.replace("\\", "/")
    parts = urlsplit(urljoin(f"http://{HOST}/login", cleaned))
    return parts.scheme == "http" and parts.netloc == HOST


def test_the_table_is_large_enough():
    assert len(REDIRECTS) >= 30
    assert len({row["next"] for row in REDIRECTS}) == len(REDIRECTS)


@pytest.fixture
def database_url(tmp_path) -> str:
    """Redirects do not depend on the database: SQLite only, to keep the table fast."""
    return f"sqlite:///{tmp_path / 'thaw-test.sqlite3'}"


def test_next_after_login_stays_on_this_site_for_every_trick(client):
    make_member("rowan")
    token = csrf_token(client)
    escaped = []
    for row in REDIRECTS:
        # As a member meets it: a link to the login page carrying `next` into the form.
        page = client.get("/login?next=" + quote(row["next"], safe="")).get_data(as_text=True)
        field = re.search(r'<input[^>]*name="next"[^>]*>', page)
        assert field, "the login form carries no next field"
        carried = re.search(r'value="([^"]*)"', field.group(0))
        carried = unescape(carried.group(1)) if carried else ""
        if carried and not lands_on_this_site(carried):
            escaped.append(f"form carries {row['why']}: {carried!r}")
        # As an attacker tries it: the real login form posted with `next` set directly.
        answer = client.post("/login", data={"csrf_token": token, "username": "rowan",
                                             "password": PASSWORD, "next": row["next"]})
        assert answer.status_code in (302, 303), row["why"]
        location = answer.headers["Location"]
        if not lands_on_this_site(location):
            escaped.append(f"login redirects for {row['why']}: {location!r}")
        elif row["kept"] and urlsplit(location).path != urlsplit(row["next"]).path:
            escaped.append(f"a path on this site was not followed ({row['why']}): {location!r}")
    assert escaped == []


def test_a_site_path_in_next_is_followed_and_nonsense_goes_home(client):
    make_member("rowan")
    token = csrf_token(client)
    data = {"csrf_token": token, "username": "rowan", "password": PASSWORD}
    assert client.post("/login", data={**data, "next": "/tags"}).headers["Location"] == "/tags"
    assert client.post("/login", data={**data, "next": "//evil.example"}) \
        .headers["Location"] == "/"
