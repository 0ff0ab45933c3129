"""A bounded, seeded fuzz walk: every route, four roles, hostile paths, queries and forms.

Fails on any server error (5xx) and on any page that shows the text of a held, removed or
deleted post to someone who may not read it. The walk is the same on every run (seeded) and
bounded in requests (MAX_REQUESTS) and time (MAX_SECONDS, a safety stop that is reported).
It runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import io
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from argon2 import PasswordHasher
from flask import Response, got_request_exception, request
from werkzeug.datastructures import MultiDict

from forum import passwords
from forum.database import write_transaction
from forum.extensions import db
from forum.services import threads
from tests.factories import csrf_token, login, make_answer, make_member, make_question

SEED = 16
MAX_REQUESTS = 40_000
MAX_SECONDS = 150
QUERY_SAMPLES = 24  # hostile query strings per route, role and method
BODY_SAMPLES = 50  # hostile form bodies per POST route and role

# Words that appear only in posts a visitor or a member may not read. Moderators may read
# held and removed posts, nobody a deleted one.
HELD = "quillfeatherheld"
HELD_THREAD = "marmaladethreadheld"
REMOVED = "porcupineremoved"
DELETED = "xylophonedeleted"
HIDDEN_FROM_MEMBERS = (HELD, HELD_THREAD, REMOVED, DELETED)
HIDDEN_FROM_MODERATORS = (DELETED,)

NUMBERS = ["0", "-1", "2147483647", "2147483648", "9223372036854775807",
           "9223372036854775808", "1" + "0" * 30, "１２", "²", "①", "٣", "1.5", "1e3", " 1",
           "0x10"]
STRINGS = ["", "%00", "a%00b", "%FF%FE", "%C0%AF", "\u202e", "ǅ", "a" * 10_000, "..%2F..",
           "<script>", "' OR 1=1 --", "%E2%80%8B"]
QUERY_NAMES = ["page", "per_page", "rating", "min_rating", "q", "tag", "kind", "treatment",
               "sort", "held", "next", "token", "text", "action", "moderator", "member", "t",
               "dir", "unanswered", "item", "state"]
RAW = ("%FF%FE", "%C0%AF", "a%00b")  # sent as written: invalid UTF-8, an escaped NUL
QUERY_VALUES = [*NUMBERS, *RAW, "", "\x00", "abc\x00", "a" * 10_000, "ⅻ", "½",
                "baclofen", "hydrotherapy", "1", "5", "question", "answer", "new", "helpful",
                "approve", "//evil.example", "\r\nSet-Cookie: x=1"]
FIELDS = ["title", "body", "tags", "treatment", "effectiveness", "side_effects",
          "duration_months", "still_using", "dose", "username", "password", "email",
          "identifier", "token", "next", "remember", "bio", "treatments", "reason", "note",
          "days", "action", "retired", "url", "publisher", "topics", "reviewed_by",
          "reviewed_on"]
FIELD_VALUES = ["", "\x00", "x\x00y", "①", "２", "-1", "99999999999999999999", "a" * 30_000,
                ", ".join(["unknown-tag"] * 400), "baclofen", "spam", "7", "\ufffe", "yes",
                "https://example.org/a", "2026-13-45"]


@dataclass
class World:
    """The posts the walk aims at, and the clients of each role."""

    thread_ids: list[int] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)


def build_world() -> World:
    """Make public, held, removed and deleted posts by an author none of the roles is."""
    author = make_member("fuzzauthor")
    replier = make_member("fuzzreplier")
    for role in ("member", "moderator", "admin"):
        make_member(f"fuzz{role}", role=role)
    public = make_question(author, title="Night spasms and baclofen timing",
                           body="When do you take it? hydrotherapy helps me too.")
    answer = make_answer(replier, public, body="Warm water and hydrotherapy, every week.")
    held_answer = make_answer(replier, public, body=f"Held answer {HELD} about baclofen.")
    held_thread = make_question(author, title=f"A held question {HELD_THREAD} here",
                                body=f"Body of a held question {HELD} with baclofen.")
    answer_in_held = make_answer(replier, held_thread,
                                 body="A published answer about hydrotherapy, in a held thread.")
    removed = make_answer(replier, public, body=f"Removed answer {REMOVED} about tizanidine.")
    deleted = make_question(author, title=f"A deleted question {DELETED} here",
                            body=f"Deleted body {DELETED} about baclofen.")
    deleted_answer = make_answer(replier, public, body=f"Deleted answer {DELETED} text.")
    removed_thread = make_question(author, title=f"A removed question {REMOVED} here",
                                   body=f"Removed body {REMOVED} about gabapentin.")
    with write_transaction():
        for post, status in ((held_answer, "held"), (held_thread, "held"),
                             (removed, "removed"), (deleted, "deleted"),
                             (deleted_answer, "deleted"), (removed_thread, "removed")):
            post.status = status
            threads.refresh_parent(post)
            threads.queue_post_for_index(post)
    world = World()
    world.thread_ids = [public.id, held_thread.id, deleted.id, removed_thread.id]
    world.post_ids = [answer.id, held_answer.id, answer_in_held.id, removed.id,
                      deleted_answer.id, public.id]
    world.usernames = ["fuzzauthor", "fuzzreplier", "nobody-here"]
    return world


def _quote(value: str) -> str:
    """Percent-encode a path value, keeping escapes the hostile list spells on purpose."""
    out = []
    for ch in value:
        if ch == "%" or ch.isalnum() and ch.isascii() or ch in "-._~":
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def real_values(rule, world: World) -> dict[str, str]:
    """A real value for each of the rule's arguments."""
    real = {"thread_id": str(world.thread_ids[0]), "post_id": str(world.post_ids[0]),
            "item_id": "999999", "article_id": "999999", "username": "fuzzauthor",
            "slug": "baclofen", "filename": "thaw.css", "token": "not-a-signed-link"}
    return {name: real[name] for name in rule.arguments}


def path_values(rule, world: World) -> list[dict[str, str]]:
    """Every hostile value for each argument, the others left at a real value."""
    variants: list[dict[str, str]] = []
    base = real_values(rule, world)
    for name in sorted(rule.arguments):
        if name == "filename":
            continue
        values = [*NUMBERS, *STRINGS]
        if name == "thread_id":
            values += [str(i) for i in world.thread_ids]
        elif name == "post_id":
            values += [str(i) for i in world.post_ids + world.thread_ids]
        elif name == "username":
            values += world.usernames
        elif name == "slug":
            values += ["spasms", "Baclofen", "no-such-tag"]
        variants += [{**base, name: value} for value in values]
    return variants or [base]


def encode(value: str) -> str:
    return value if value in RAW else quote(value, safe="")


def build_path(rule, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: _quote(values[m.group(1)]), rule.rule)


def hostile_body(rng: random.Random, token: str):
    """A form with missing, duplicate, oversized, file-typed or wrongly typed fields."""
    shape = rng.choice(["fields", "fields", "duplicate", "file", "json", "huge", "empty",
                        "raw"])
    names = rng.sample(FIELDS, rng.randint(1, 6))
    if shape == "raw":  # invalid UTF-8 and escaped NULs, as a browser could never send
        raw = "&".join(f"{name}={rng.choice(RAW)}" for name in names)
        return {"data": f"csrf_token={quote(token)}&{raw}\xff".encode("latin-1"),
                "content_type": "application/x-www-form-urlencoded"}
    if shape == "json":
        return {"json": {name: rng.choice(FIELD_VALUES) for name in names},
                "headers": {"X-CSRFToken": token}}
    if shape == "huge":
        return {"data": {"csrf_token": token, "body": "a" * (1024 * 1024 + 10)}}
    if shape == "empty":
        return {"data": {"csrf_token": token}}
    data = MultiDict([("csrf_token", token)])
    for name in names:
        data.add(name, rng.choice(FIELD_VALUES))
        if shape == "duplicate":
            data.add(name, rng.choice(FIELD_VALUES))
    if shape == "file":
        data.add(rng.choice(FIELDS), (io.BytesIO(b"not a field"), "field.txt"))
        return {"data": data, "content_type": "multipart/form-data"}
    return {"data": data}


@dataclass
class Walk:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    stopped_early: bool = False

    def over(self) -> bool:
        if self.requests >= MAX_REQUESTS or time.monotonic() - self.started > MAX_SECONDS:
            self.stopped_early = True
            return True
        return False


def check(walk: Walk, role: str, method: str, url: str, response) -> None:
    walk.requests += 1
    walk.statuses[response.status_code] += 1
    where = f"{role} {method} {url[:120]!r}"
    if response.status_code >= 500:
        unhandled = response.get_data(as_text=True)
        walk.problems.append(f"{response.status_code} for {where}" + (
            f" ({unhandled})" if unhandled.startswith("unhandled") else ""))
        return
    text = response.get_data(as_text=True)
    hidden = HIDDEN_FROM_MODERATORS if role in ("moderator", "admin") else HIDDEN_FROM_MEMBERS
    for word in hidden:
        if word in text:
            walk.problems.append(f"{where} shows hidden text {word!r}")


def send(client, method: str, url: str, **kwargs):
    """Send one request; an exception escaping the app (even its error pages) is a 500."""
    try:
        if method == "GET":
            return client.get(url, **kwargs)
        return client.post(url, **kwargs)
    except Exception as error:  # noqa: BLE001 - what a WSGI server would answer 500 to
        return Response(f"unhandled {error!r}"[:300], status=500)


def rules_and_methods(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_fuzz_every_route_as_every_role(app, capsys, monkeypatch):
    # As in production: an unhandled error becomes the 500 page, which the walk counts; the
    # exception itself is kept to name the cause.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    # Limits would answer 429 to most of the walk; the rate-limit tests cover them.
    for key in ("REFUSED_POST_LIMIT", "LOGIN_FAILURE_LIMIT", "LOGIN_ACCOUNT_FAILURE_LIMIT",
                "REPORT_LIMIT"):
        app.config[key] = "100000 per hour"
    causes: list[str] = []

    def record(_sender, exception, **_extra):
        causes.append(f"{request.method} {request.path[:100]}: {exception!r}"[:300])

    got_request_exception.connect(record, app)
    # Hashing at production strength would spend most of the walk in argon2 (every login and
    # registration form hashes or verifies): the walk is about what the routes answer.
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("thaw-timing-equaliser"))
    world = build_world()
    db.session.commit()
    clients = {"anonymous": app.test_client()}
    for role in ("member", "moderator", "admin"):
        client = app.test_client()
        assert login(client, f"fuzz{role}").status_code == 303
        clients[role] = client
    tokens = {role: csrf_token(client, "/login" if role == "anonymous" else "/account/profile")
              for role, client in clients.items()}
    walk = Walk()
    # In a seeded order: if the time bound stops a slow run, what it leaves out is spread
    # over every route instead of always being the last ones.
    cases = [(rule, method, role) for rule, method in rules_and_methods(app)
             for role in clients if rule.endpoint != "auth.logout"]  # logout: access tests
    random.Random(SEED).shuffle(cases)
    for rule, method, role in cases:
        client = clients[role]
        rng = random.Random(f"{SEED}:{rule.rule}:{method}:{role}")
        token = tokens[role]
        paths = path_values(rule, world)
        if role in ("moderator", "admin") and method == "POST":
            # A moderator's approval would publish the held posts the walk watches.
            paths = [p for p in paths if not any(
                p.get(k) in map(str, world.thread_ids + world.post_ids)
                for k in ("thread_id", "post_id")) or rule.endpoint in (
                "posts.helpful", "moderation.report", "posts.accept")]
        for values in paths:
            if walk.over():
                break
            url = build_path(rule, values)
            body = {"data": {"csrf_token": token}} if method == "POST" else {}
            check(walk, role, method, url, send(client, method, url, **body))
        real = build_path(rule, real_values(rule, world))
        for _ in range(QUERY_SAMPLES):
            if walk.over():
                break
            names = rng.sample(QUERY_NAMES, rng.randint(1, 3))
            query = "&".join(f"{name}={encode(rng.choice(QUERY_VALUES))}" for name in names)
            body = {"data": {"csrf_token": token}} if method == "POST" else {}
            check(walk, role, method, f"{real}?{query}",
                  send(client, method, real, query_string=query, **body))
        if method == "POST":
            for _ in range(BODY_SAMPLES):
                if walk.over():
                    break
                check(walk, role, method, real,
                      send(client, method, real, **hostile_body(rng, token)))
    with capsys.disabled():
        statuses = dict(sorted(walk.statuses.items()))
        print(f"\nfuzz walk: {walk.requests} requests in "
              f"{time.monotonic() - walk.started:.1f} s, statuses {statuses}"
              f"{' (stopped at the bound)' if walk.stopped_early else ''}")
    assert not walk.problems, f"{len(walk.problems)} problems:\n" + "\n".join(
        sorted(set(walk.problems))[:60]) + "\ncauses:\n" + "\n".join(sorted(set(causes))[:40])

