"""Hostile usernames: the username rules refuse every vector, and the refusal escapes it."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Member
from tests.factories import csrf_token
from tests.security.hostile import dangerous_markup, load_vectors

# What the forum's own pages legitimately contain.
PAGE_ELEMENTS = frozenset({"form", "input", "button", "link", "meta"})
PAGE_SCRIPTS = ("/static/thaw.js",)


def test_no_vector_becomes_a_username_and_the_refused_form_escapes_it(client):
    token = csrf_token(client, "/register")
    problems = []
    for vector in load_vectors():
        response = client.post("/register", data={
            "csrf_token": token, "username": vector.text, "email": vector.text,
            "password": "a long enough password"})
        if response.status_code != 422:
            problems.append(f"{vector.id}: answered {response.status_code}")
        found = dangerous_markup(response.get_data(as_text=True), allowed_tags=PAGE_ELEMENTS,
                                 allowed_scripts=PAGE_SCRIPTS)
        problems += [f"{vector.id} ({vector.description}): {problem}" for problem in found]
    assert problems == [], "\n".join(problems)
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
