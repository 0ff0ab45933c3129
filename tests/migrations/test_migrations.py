"""Migrations: head matches the models, and every revision keeps the data on the way up and down."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, MetaData, Table, bindparam, select, text, update
from sqlalchemy import types as sqltypes

from forum.database import MIGRATIONS_DIR
from forum.extensions import db


@pytest.fixture
def empty_app(app):
    """The test app with its database emptied completely, as before a first `db upgrade`."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield app
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def revisions() -> list[str]:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_upgrading_an_empty_database_gives_exactly_the_models(empty_app):
    with empty_app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


# Keeping the data: a forum of thousands of posts, seeded by Core inserts into whatever schema
# each revision has, must come through every revision up, down and up again unchanged.

POSTS = 3000
THREADS = 1000
MEMBERS = 60
START = datetime(2025, 3, 1, 8, 30, 15, 123456)
# Text the database must keep exactly: emoji with modifiers and joiners, combining accents,
# right-to-left scripts and controls, astral-plane letters, CJK, quotes and markup.
TEXTS = [
    "Baclofen 💊 hat geholfen, die Spastik nachts ↓ — endlich Schlaf 😴",
    "Cafe\u0301 au lait and re\u0301sume\u0301: combining accents, not precomposed é",
    "שלום, הספסטיות שלי גרועה בבוקר ומשתפרת אחרי מתיחות",
    "تشنج العضلات في الصباح يتحسن بعد التمارين",
    "mixed \u202bRTL embedding\u202c, \u200fmarks\u200f and a zero\u200dwidth joiner",
    "筋肉のこわばりが朝ひどいです 😣 ストレッチで楽になります",
    "👩🏽‍🦽 wheelchair, 👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 🇬🇧🇫🇷 regional indicators",
    "𝒮𝓅𝒶𝓈𝓉𝒾𝒸𝒾𝓉𝓎 in astral-plane letters, and Zalgo s̷̡p̴a̶s̵m̷s̸",
    "Ünïcödé ÅÆØ ßẞ ǅ Ωμέγα кириллица — «quotes» “curly” ‘single’",
    "<script>alert('x')</script> & **markdown** `code` | table | \\backslash",
]
TAGS = ["baclofen", "tizanidine", "stretching", "night-spasms", "drowsiness", "physiotherapy",
        "gabapentin", "botulinum-toxin"]
SIDE_EFFECTS = ["drowsiness", "weakness", "dry mouth", "müdigkeit", "сонливость", "めまい"]
# Revisions that rewrite or drop existing data on purpose: {revision: {table: {column, ...}}}.
# These columns are left out of the comparisons across that revision, up or down (a table
# whose columns are all listed is left out whole). Say why in the revision.
REWRITES: dict[str, dict[str, set[str]]] = {}


def words(rng: random.Random, count: int = 3) -> str:
    return " ".join(rng.choice(TEXTS) for _ in range(count))


def when(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(300 * 86400),
                             microseconds=rng.randrange(10**6))


@dataclass
class Forum:
    """The seeded rows' ids, so tables added by later revisions can point at them."""

    rng: random.Random
    members: list[int] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    experiences: list[int] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)


def insert(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert rows into a live table: keys it lacks are dropped, NOT NULL gaps get a value."""
    needed = {column.name: blank(column.type) for column in table.columns
              if not column.nullable and column.server_default is None
              and not column.primary_key}
    shaped = [{**{k: v for k, v in needed.items() if k not in row},
               **{k: v for k, v in row.items() if k in table.columns}} for row in rows]
    if shaped:
        connection.execute(table.insert(), shaped)


def blank(kind: sqltypes.TypeEngine) -> object:
    if isinstance(kind, sqltypes.Boolean):
        return False
    if isinstance(kind, sqltypes.DateTime):
        return START
    if isinstance(kind, sqltypes.Date):
        return START.date()
    if isinstance(kind, sqltypes.Integer | sqltypes.Numeric):
        return 0
    return ""


def seed_member(connection: Connection, table: Table, forum: Forum) -> None:
    rng, rows = forum.rng, []
    for number in range(1, MEMBERS + 1):
        name = rng.choice(["rené", "zoë", "søren", "αλέξης", "мария", "نور", "דנה", "ayşe"])
        suspended = number % 13 == 0
        rows.append({
            "id": number, "username": f"{name}{number}", "username_key": f"{name}{number}",
            "email": f"{name}{number}@example.org" if number % 7 else None,
            "email_key": f"{name}{number}@example.org" if number % 7 else None,
            "password_hash": f"scrypt:32768:8:1${number:04d}$" + "ab" * 30,
            "role": ["member", "member", "member", "moderator", "admin"][number % 5],
            "bio": words(rng, number % 3), "created_at": when(rng),
            "suspended_until": when(rng) if suspended else None,
            "suspension_reason": words(rng, 1) if suspended else None,
            "session_version": 1 + number % 4, "is_demo": number % 11 == 0,
            "is_imported": number % 17 == 0})
        forum.members.append(number)
    insert(connection, table, rows)


def seed_member_treatment(connection: Connection, table: Table, forum: Forum) -> None:
    insert(connection, table, [{"member_id": m, "slug": slug} for m in forum.members
                               for slug in forum.rng.sample(TAGS, m % 3)])


def seed_post(connection: Connection, table: Table, forum: Forum) -> None:
    """Threads, then answers; a fifth of the posts are held, removed or deleted."""
    rng, rows = forum.rng, []
    for number in range(1, POSTS + 1):
        thread = number <= THREADS
        kind = rng.choice(["question", "experience"]) if thread else "answer"
        status = rng.choices(["published", "held", "removed", "deleted"], [80, 8, 6, 6])[0]
        created = when(rng)
        edited = created + timedelta(hours=3) if number % 9 == 0 else None
        body = words(rng, 1 + number % 5) + ("\n\n" + "long " * 900 if number % 250 == 0 else "")
        rows.append({
            "id": number, "kind": kind, "author_id": rng.choice(forum.members),
            "parent_id": None if thread else rng.choice(forum.threads),
            "title": f"{number}: {words(rng, 1)}"[:200] if thread else None,
            "body": body, "body_html": f"<p>{body}</p>", "status": status,
            "created_at": created, "updated_at": edited or created, "edited_at": edited,
            "last_activity_at": created + timedelta(days=1),
            "source_id": f"import:{number}:ü" if number % 10 == 0 else None,
            "accepted_answer_id": None, "helpful_count": 0, "answer_count": 0,
            "is_demo": number % 50 == 0})
        forum.statuses[number] = status
        (forum.threads if thread else forum.answers).append(number)
        if kind == "experience":
            forum.experiences.append(number)
    insert(connection, table, rows)
    parents = {row["id"]: row["parent_id"] for row in rows if row["parent_id"]}
    questions = {row["id"] for row in rows if row["kind"] == "question"}
    accepted = {}
    for answer, parent in parents.items():
        if parent in questions and parent % 4 == 0:
            accepted[parent] = answer
    counts: dict[int, int] = {}
    for answer, parent in parents.items():
        if forum.statuses[answer] == "published":
            counts[parent] = counts.get(parent, 0) + 1
    changes = [{"key": thread, "accepted": accepted.get(thread), "answers": counts.get(thread, 0)}
               for thread in forum.threads]
    connection.execute(update(table).where(table.c.id == bindparam("key")).values(
        accepted_answer_id=bindparam("accepted"), answer_count=bindparam("answers")), changes)


def seed_post_tag(connection: Connection, table: Table, forum: Forum) -> None:
    insert(connection, table, [{"post_id": post, "slug": slug} for post in forum.threads
                               for slug in forum.rng.sample(TAGS, 1 + post % 3)])


def seed_experience(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{
        "post_id": post, "treatment": rng.choice(TAGS[:3] + ["botulinum-toxin"]),
        "effectiveness": 1 + post % 5,
        "duration_months": None if post % 6 == 0 else rng.randrange(0, 121),
        "still_using": [True, False, None][post % 3],
        "dose": None if post % 4 == 0 else f"{post % 30 + 5} mg × 3/день 💊"}
        for post in forum.experiences])


def seed_side_effect(connection: Connection, table: Table, forum: Forum) -> None:
    insert(connection, table, [{"post_id": post, "name": name} for post in forum.experiences
                               for name in forum.rng.sample(SIDE_EFFECTS, post % 4)])


def seed_post_revision(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{
        "id": number, "post_id": rng.choice(forum.threads + forum.answers),
        "title": words(rng, 1)[:200] if number % 2 else None, "body": words(rng, 2),
        "tags": " ".join(rng.sample(TAGS, 2)),
        "editor_id": None if number % 10 == 0 else rng.choice(forum.members),
        "created_at": when(rng)} for number in range(1, 401)])


def seed_vote(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    targets = forum.answers + forum.experiences
    pairs = {(rng.choice(forum.members), rng.choice(targets)) for _ in range(1600)}
    insert(connection, table, [{"member_id": member, "post_id": post, "created_at": when(rng)}
                               for member, post in sorted(pairs)])
    helpful: dict[int, int] = {}
    for _, post in pairs:
        helpful[post] = helpful.get(post, 0) + 1
    posts = Table("post", MetaData(), autoload_with=connection)
    connection.execute(update(posts).where(posts.c.id == bindparam("key")).values(
        helpful_count=bindparam("count")), [{"key": k, "count": v} for k, v in helpful.items()])


def seed_flag(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    flagged = [p for p, status in forum.statuses.items() if status == "held"]
    flagged += rng.sample(sorted(forum.statuses), 300)
    insert(connection, table, [{
        "id": number, "post_id": post, "rule": rng.choice(["dose_above_max", "stop_abruptly",
                                                           "share_medicine"]),
        "severity": rng.choice(["high", "medium", "low"]),
        "drug": rng.choice(["baclofen", "tizanidine", None]), "start": number % 40,
        "end": number % 40 + 12, "evidence": rng.choice(TEXTS)[:30],
        "explanation": words(rng, 1), "reference": "https://example.org/dosing#🙂",
        "created_at": when(rng)} for number, post in enumerate(flagged, start=1)])


def seed_report(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    pairs = sorted({(rng.choice(sorted(forum.statuses)), rng.choice(forum.members))
                    for _ in range(500)})
    insert(connection, table, [{
        "id": number, "post_id": post, "reporter_id": member,
        "reason": rng.choice(["unsafe_advice", "selling_or_sharing", "spam", "abuse",
                              "at_risk", "other"]),
        "note": words(rng, number % 2), "created_at": when(rng),
        "resolved_at": when(rng) if number % 3 == 0 else None}
        for number, (post, member) in enumerate(pairs, start=1)])


def seed_review_item(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    waiting = [p for p, status in forum.statuses.items() if status in ("held", "removed")]
    rows = []
    for number, post in enumerate(waiting + rng.sample(sorted(forum.statuses), 200), start=1):
        closed = forum.statuses[post] == "removed" or number % 2 == 0
        rows.append({
            "id": number, "post_id": post, "source": rng.choice(["screening", "reports"]),
            "severity": 1 + number % 3, "state": "closed" if closed else "open",
            "created_at": when(rng),
            "handled_by_id": rng.choice(forum.members) if closed else None,
            "handled_at": when(rng) if closed else None,
            "outcome": rng.choice(["approved", "removed", "dismissed"]) if closed else None,
            "reason": words(rng, 1) if closed else None})
    insert(connection, table, rows)


def seed_audit_entry(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{
        "id": number, "actor_id": None if number % 5 == 0 else rng.choice(forum.members),
        "action": rng.choice(["approve", "remove", "dismiss", "suspend", "hide"]),
        "post_id": rng.choice(sorted(forum.statuses)) if number % 4 else None,
        "member_id": rng.choice(forum.members), "reason": words(rng, 1),
        "created_at": when(rng)} for number in range(1, 301)])


def seed_article(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{
        "id": number, "title": f"Spasticity guide {number} — {rng.choice(TEXTS)[:40]}",
        "publisher": "MS Trust ✓", "url": f"https://example.org/articles/{number}?q=ü",
        "reviewed_by": "Dr. Zoë Ångström" if number % 2 else None,
        "reviewed_on": (START + timedelta(days=number)).date() if number % 3 else None,
        "topics": " ".join(rng.sample(TAGS, 2)), "retired": number % 7 == 0,
        "created_at": when(rng)} for number in range(1, 41)])


def seed_index_job(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{"id": number, "post_id": rng.choice(sorted(forum.statuses)),
                                "created_at": when(rng)} for number in range(1, 501)])


def seed_account_token(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{
        "id": number, "member_id": rng.choice(forum.members),
        "purpose": ["confirm", "reset"][number % 2], "token_hash": f"{number:064x}",
        "created_at": when(rng), "expires_at": when(rng),
        "used_at": when(rng) if number % 3 == 0 else None} for number in range(1, 81)])


def seed_email_change(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{
        "id": number, "member_id": rng.choice(forum.members),
        "new_email": f"{rng.choice(['zoë', 'søren', 'мария'])}{number}@example.org",
        "token_hash": f"{number:064x}", "created_at": when(rng), "expires_at": when(rng),
        "used_at": when(rng) if number % 3 == 0 else None} for number in range(1, 41)])


def seed_held_username(connection: Connection, table: Table, forum: Forum) -> None:
    rng = forum.rng
    insert(connection, table, [{"name_hash": f"{number:064x}", "held_until": when(rng)}
                               for number in range(1, 41)])


def fill_member_consent(connection: Connection, table: Table, forum: Forum) -> None:
    rows = [{"key": number, "at": when(forum.rng) if number % 2 else None}
            for number in forum.members]
    connection.execute(update(table).where(table.c.id == bindparam("key")).values(
        consented_at=bindparam("at")), rows)


# Filling a column a revision adds to a table that already had rows.
def fill_post_moderation(connection: Connection, table: Table, forum: Forum) -> None:
    rows = [{"key": post, "reason": f"Removed: {forum.rng.choice(TEXTS)}" if status == "removed"
             else None, "notice": post % 5 == 0, "drug": "baclofen" if post % 5 == 0 else None}
            for post, status in forum.statuses.items()]
    connection.execute(update(table).where(table.c.id == bindparam("key")).values(
        removal_reason=bindparam("reason"), has_notice=bindparam("notice"),
        notice_drug=bindparam("drug")), rows)


SeedStep = Callable[[Connection, Table, Forum], None]
SEEDS: dict[str, SeedStep] = {  # by table; a table a new revision adds wants one here
    "member": seed_member, "member_treatment": seed_member_treatment, "post": seed_post,
    "post_tag": seed_post_tag, "experience": seed_experience, "side_effect": seed_side_effect,
    "post_revision": seed_post_revision, "vote": seed_vote, "flag": seed_flag,
    "report": seed_report, "review_item": seed_review_item, "audit_entry": seed_audit_entry,
    "article": seed_article, "index_job": seed_index_job, "account_token": seed_account_token,
    "email_change": seed_email_change, "held_username": seed_held_username}
FILLS: dict[tuple[str, str], SeedStep] = {("post", "removal_reason"): fill_post_moderation,
                                          ("member", "consented_at"): fill_member_consent}


@dataclass
class Snapshot:
    """Every row of every table, by primary key, and each table's columns."""

    columns: dict[str, set[str]]
    rows: dict[str, dict[tuple, dict]]


def snapshot() -> Snapshot:
    meta = MetaData()
    with db.engine.connect() as connection:
        meta.reflect(connection)
        columns, rows = {}, {}
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            key = [column.name for column in table.primary_key.columns]
            columns[table.name] = {column.name for column in table.columns}
            rows[table.name] = {tuple(row[k] for k in key): dict(row)
                                for row in connection.execute(select(table)).mappings()}
    return Snapshot(columns, rows)


def differences(expected: Snapshot, actual: Snapshot, over: dict[str, set[str]]) -> list[str]:
    """Say which tables lost or changed rows, comparing only these tables and columns."""
    problems = []
    for table, columns in sorted(over.items()):
        if not columns:
            continue
        gone = columns - actual.columns.get(table, set())
        if gone:
            problems.append(f"{table}: columns gone: {sorted(gone)}")
            continue
        want, got = expected.rows.get(table, {}), actual.rows.get(table, {})
        if want.keys() != got.keys():
            gone, new = sorted(want.keys() - got.keys()), sorted(got.keys() - want.keys())
            problems.append(f"{table}: {len(want)} rows before, {len(got)} after; "
                            f"gone: {gone[:3]}, new: {new[:3]}")
            continue
        changed = [(key, column) for key, row in want.items() for column in sorted(columns)
                   if row[column] != got[key][column]]
        if changed:
            key, column = changed[0]
            problems.append(f"{table}: {len(changed)} values changed, first {column} of {key}: "
                            f"{want[key][column]!r} became {got[key][column]!r}")
    return problems


def carried(schema: dict[str, set[str]], revision: str,
            into: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Return the tables and columns of a schema whose rows must come through this revision.

    :param into: the schema after the revision, when known: what it has no more is left out.
    """
    rewritten = REWRITES.get(revision, {})
    return {table: (columns & into.get(table, set()) if into is not None else columns)
            - rewritten.get(table, set()) for table, columns in schema.items()}


def seed_what_is_new(forum: Forum, before: Snapshot) -> None:
    """Seed the tables this revision added and fill the columns it added to seeded ones."""
    meta = MetaData()
    with db.engine.begin() as connection:
        meta.reflect(connection)
        for table in meta.sorted_tables:  # parents before children
            had = before.columns.get(table.name)
            if had is None and table.name in SEEDS:
                SEEDS[table.name](connection, table, forum)
            for column in table.columns if had is not None else ():
                if column.name not in had and (table.name, column.name) in FILLS:
                    FILLS[table.name, column.name](connection, table, forum)


def test_every_revision_keeps_thousands_of_rows_down_and_up_again(empty_app):
    """Seed each table at the first revision that has it, then go up, down and up again."""
    chain = revisions()
    forum = Forum(random.Random(20260301))
    with empty_app.app_context():
        seeded: dict[str, Snapshot] = {}
        before = Snapshot({}, {})
        for revision in chain:
            upgrade(directory=str(MIGRATIONS_DIR), revision=revision)
            after = snapshot()
            assert differences(before, after, carried(before.columns, revision)) == [], (
                f"upgrading to {revision}")
            seed_what_is_new(forum, before)
            seeded[revision] = before = snapshot()
        posts = before.rows["post"].values()
        assert len(posts) == POSTS
        assert [name for name in SEEDS if name in before.rows and not before.rows[name]] == []
        assert {post["status"] for post in posts} == {"published", "held", "removed", "deleted"}
        assert all(any(sample in post["body"] for post in posts) for sample in TEXTS)
        # Walk down; at each revision also go up and down again, with the rows of every
        # table older than that revision in place.
        steps = list(zip(chain, chain[1:], strict=False))
        for older, newer in reversed(steps):
            downgrade(directory=str(MIGRATIONS_DIR), revision=older)
            assert_kept(seeded[older], f"downgrading {newer}",
                        over=carried(seeded[older].columns, newer))
            upgrade(directory=str(MIGRATIONS_DIR), revision=newer)
            assert_kept(seeded[newer], f"upgrading {newer} again",
                        over=carried(seeded[older].columns, newer, seeded[newer].columns))
            downgrade(directory=str(MIGRATIONS_DIR), revision=older)
            assert_kept(seeded[older], f"downgrading {newer} again",
                        over=carried(seeded[older].columns, newer))
        # And all the way up: what the first revision's tables hold is still all there.
        kept = seeded[chain[0]].columns
        for _, newer in steps:
            upgrade(directory=str(MIGRATIONS_DIR), revision=newer)
            kept = carried(kept, newer, seeded[newer].columns)
            assert_kept(seeded[newer], f"upgrading {newer} from the bottom", over=kept)


def assert_kept(expected: Snapshot, step: str, over: dict[str, set[str]] | None = None) -> None:
    """Check that the schema has expected's tables and columns, and the rows kept their values.

    :param over: the tables and columns whose rows must be unchanged (default: all of them).
    """
    now = snapshot()
    assert now.columns == expected.columns, step
    assert differences(expected, now, expected.columns if over is None else over) == [], step
