"""Every route, every role, every kind of post: the answer the table expects, and no side effects.

Also: every POST refuses a missing or wrong CSRF token, and no GET changes the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

import pytest

from forum.extensions import db
from forum.models import utcnow
from forum.services import members, posts
from tests.factories import csrf_token, login, make_answer, make_member, make_question
from tests.security.access_matrix import (
    DEFAULT_VALUES,
    FORMS,
    QUERY,
    ROLES,
    TARGETS,
    URL_VALUES,
    parse,
)

EXPECTED = parse()
REFUSALS = {"400", "401", "403", "404", "405", "422", "L"}
_numbers = count(1)


def fingerprint() -> str:
    """Hash every row of every table, in key order, on a connection of its own."""
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = ", ".join(f'"{c.name}"' for c in
                              (table.primary_key.columns or table.columns))
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table.name}" ORDER BY {order}')
            digest.update(repr((table.name, rows.fetchall())).encode())
    return digest.hexdigest()


def routes(app) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, rule) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return sorted(found)


def target_kind(rule: str) -> str | None:
    if "<int:thread_id>" in rule:
        return "question"
    if "<int:post_id>" in rule:
        return "answer"
    return None


def missing_rows(app) -> list[str]:
    missing = []
    for endpoint, method, rule in routes(app):
        targets = TARGETS if target_kind(rule) else ("-",)
        for target in targets:
            if (endpoint, method, target) not in EXPECTED:
                missing.append(f"{endpoint:28} {method:6} {target:7} " + "  ".join(
                    "?" for _ in ROLES) + f"    # {rule}")
    return missing


@dataclass
class World:
    """The members of every role, logged in once; their session cookies are reused per case."""

    app: object
    ids: dict[str, int] = field(default_factory=dict)
    cookies: dict[str, str | None] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    made: dict[tuple[str, str], int] = field(default_factory=dict)

    def log_in(self, role: str) -> None:
        client = self.app.test_client()
        if role != "anon":
            login(client, role)
        self.tokens[role] = csrf_token(client)
        cookie = client.get_cookie("session")
        self.cookies[role] = cookie.value if cookie else None

    def client(self, role: str):
        client = self.app.test_client()
        if self.cookies.get(role):
            client.set_cookie("session", self.cookies[role])
        return client

    def target(self, kind: str, state: str) -> int:
        """Return a post of this kind in this state, made afresh after anything changed."""
        if (kind, state) not in self.made:
            self.made[(kind, state)] = self._make(kind, state)
        return self.made[(kind, state)]

    def changed(self) -> None:
        """Forget the posts made so far: a request may have changed them."""
        self.made.clear()

    def _make(self, kind: str, state: str) -> int:
        db.session.rollback()  # forget what requests in other contexts changed
        author = db.session.get(members.Member, self.ids["author"])
        other = db.session.get(members.Member, self.ids["other"])
        question = make_question(author if state != "others" or kind == "answer" else other)
        if kind == "question":
            post = question
        else:
            post = make_answer(other if state == "others" else author, question)
        if state == "deleted":
            posts.delete_post(actor=post.author, post=post)
        elif state == "held":
            post.status = "held"
            db.session.commit()
        return post.id


def make_world(app) -> World:
    world = World(app)
    for role, kind in (("author", "member"), ("other", "member"), ("susp", "member"),
                       ("mod", "moderator"), ("admin", "admin")):
        world.ids[role] = make_member(role, role=kind).id
    members.suspend(actor=None, member=db.session.get(members.Member, world.ids["susp"]),
                    until=utcnow() + timedelta(days=7), reason="Testing the matrix")
    for role in ROLES:
        world.log_in(role)
    return world


def url_for_case(app, endpoint: str, rule: str, target_id: int | None) -> str:
    values = {}
    for name in app.url_map._rules_by_endpoint[endpoint][0].arguments:
        if name in ("thread_id", "post_id"):
            values[name] = target_id
        elif name == "username":
            values[name] = "author"
        else:
            values[name] = URL_VALUES.get(endpoint, {}).get(name, DEFAULT_VALUES.get(name))
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values) + QUERY.get(endpoint, "")


def form_data(endpoint: str, token: str | None) -> dict:
    number = next(_numbers)
    data = {key: value.format(n=number) for key, value in FORMS.get(endpoint, {}).items()}
    if token is not None:
        data["csrf_token"] = token
    return data


def answer_of(response) -> str:
    if response.status_code in (301, 302, 303) and "/login" in response.headers["Location"]:
        return "L"
    return str(response.status_code)


def test_every_route_has_a_row_in_the_expectation_table(app):
    missing = missing_rows(app)
    assert not missing, (
        "These routes have no expected answers. Add rows like these to "
        "tests/security/access_matrix.py (one answer per role: "
        + " ".join(ROLES) + "):\n" + "\n".join(missing))


def test_every_route_answers_every_role_as_expected_and_refusals_change_nothing(app):
    """Walk app.url_map: each rule, method, role and post state, on fresh posts."""
    if missing_rows(app):
        pytest.skip("some routes have no row yet (see the test above)")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the walk checks permissions, not SQL: it runs on SQLite to stay fast")
    world = make_world(app)
    wrong: list[str] = []
    after = None
    for endpoint, method, rule in routes(app):
        kind = target_kind(rule)
        for target in TARGETS if kind else ("-",):
            expected = EXPECTED[(endpoint, method, target)]
            for role in ROLES:
                made = len(world.made)
                target_id = world.target(kind, target) if kind else None
                url = url_for_case(app, endpoint, rule, target_id)
                before = after if after is not None and len(world.made) == made \
                    else fingerprint()
                client = world.client(role)
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.open(url, method=method,
                                           data=form_data(endpoint, world.tokens[role]))
                got, want = answer_of(response), expected[role]
                after = fingerprint()
                changed = after != before
                if changed:
                    world.changed()
                case = f"{role:6} {method:4} {url:40} ({endpoint}, {target})"
                if got != want.rstrip("-"):
                    wrong.append(f"{case}: answered {got}, the table says {want}")
                if changed and (method == "GET" or want in REFUSALS or want.endswith("-")):
                    wrong.append(f"{case}: answered {got} but changed the database")
                if endpoint == "auth.logout" and role != "anon":
                    world.log_in(role)  # logging out ended every session of that member
                    after = None
    assert not wrong, "\n".join(wrong)


def test_every_post_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing(app):
    if missing_rows(app):
        pytest.skip("some routes have no row yet (see the test above)")
    app.config["WTF_CSRF_ENABLED"] = True
    world = make_world(app)
    other_session = world.tokens["other"]  # a real token, but for someone else's session
    wrong: list[str] = []
    posts_routes = [(e, m, r) for e, m, r in routes(app) if m == "POST"]
    assert posts_routes
    for endpoint, method, rule in posts_routes:
        kind = target_kind(rule)
        # Whoever the table lets do it, on a post where it would succeed; the author for a
        # form the walk always refuses (deleting an account: it would end the world's member).
        role, target = next(
            ((role, target) for target in (TARGETS if kind else ("-",)) for role in ROLES
             if EXPECTED[(endpoint, method, target)][role] not in REFUSALS and role != "other"),
            ("author", "-")) if endpoint != "auth.login" else ("anon", "-")
        for label, token in (("no token", None), ("a wrong token", "not-a-token"),
                             ("another session's token", other_session)):
            target_id = world.target(kind, target) if kind else None
            url = url_for_case(app, endpoint, rule, target_id)
            before = fingerprint()
            response = world.client(role).post(url, data=form_data(endpoint, token))
            if response.status_code != 400:
                wrong.append(f"{endpoint} as {role} with {label}: {response.status_code}")
            if fingerprint() != before:
                world.changed()
                wrong.append(f"{endpoint} as {role} with {label}: the database changed")
    assert not wrong, "\n".join(wrong)


def test_held_posts_stay_out_of_lists_for_everyone_but_their_author_and_moderators(app):
    world = make_world(app)
    author = db.session.get(members.Member, world.ids["author"])
    held = make_question(author, title="Held back from every list", tags="baclofen")
    held.status = "held"
    db.session.commit()
    make_question(author, title="Published beside the held one", tags="baclofen")
    others_client = world.client("other")
    for client in (others_client, world.client("anon")):
        for path in ("/", "/tags/baclofen"):
            response = client.get(path)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            assert "Published beside the held one" in page
            assert "Held back from every list" not in page
    profile = others_client.get("/members/author").get_data(as_text=True)
    assert f"/posts/{held.id}" not in profile
    assert f"/posts/{held.id}" in world.client("author").get("/members/author") \
        .get_data(as_text=True)
