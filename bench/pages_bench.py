"""Build a forum of --posts posts and time its pages: p50/p95, SQL queries, and a hello ceiling.

    .venv/bin/python bench/pages_bench.py                      # 100,000 posts on SQLite
    .venv/bin/python bench/pages_bench.py --posts 20000
    .venv/bin/python bench/pages_bench.py --database-url postgresql+psycopg://u@host/db
    .venv/bin/python bench/pages_bench.py --uncached           # as if each view followed a post

The database at --database-url is EMPTIED first (every table dropped and created again).
Rows go in with SQLAlchemy Core executemany; pages are fetched through the Flask test client.
Figures computed from every post (tag counts, treatment insights) are cached until the posts
change (forum/content_cache.py); --uncached changes the content version before every request,
so each view pays for them as the first view after a new post does.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, text, update  # noqa: E402

from app import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import ContentVersion, Experience, Member, Post, PostTag, SideEffect  # noqa: E402
from forum.taxonomy import load_taxonomy  # noqa: E402

SEED = 20240611
BIG_THREAD_ANSWERS = 200
BATCH = 5000
SLOW_MS = 100.0
REPEATED_STATEMENT = 5  # the same SQL this often in one request smells of N+1
STATUSES = (("published", 0.94), ("held", 0.03), ("removed", 0.02), ("deleted", 0.01))
SIDE_EFFECTS = ("drowsiness", "weakness", "dizziness", "dry mouth", "nausea", "fatigue",
                "headache", "constipation", "low mood", "blurred vision", "weight gain",
                "confusion")
WORDS = ("legs stiff morning stretches physio cold damp spasms years night sleep clinic nurse "
         "dose week month better worse walking stairs hands cramp pump injection gentle warm "
         "bath routine tired evening helped little lot").split()
START = datetime(2022, 1, 1)
SPAN_SECONDS = 3 * 365 * 24 * 3600


def zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    return [1 / (rank ** exponent) for rank in range(1, count + 1)]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for name, share in STATUSES:
        total += share
        if roll < total:
            return name
    return "published"


def build(posts: int, seed: int) -> dict[str, str]:
    """Fill the database with members and `posts` posts; return the pages worth timing."""
    rng = random.Random(seed)
    taxonomy = load_taxonomy()
    symptoms = [tag.slug for tag in taxonomy.symptoms]
    treatments = [tag.slug for tag in taxonomy.treatments]
    treatment_weights = zipf_weights(len(treatments))
    symptom_weights = zipf_weights(len(symptoms), 0.8)
    member_count = max(50, posts // 25)
    # Skewed authorship: a few members write much of the forum, as on real forums.
    author_weights = zipf_weights(member_count, 0.9)

    members = [{"id": i, "username": f"member{i}", "username_key": f"member{i}",
                "email": f"member{i}@example.org", "email_key": f"member{i}@example.org",
                "role": "member", "bio": "", "created_at": START, "session_version": 1}
               for i in range(1, member_count + 1)]
    answers_total = max(BIG_THREAD_ANSWERS, int(posts * 0.4))
    experiences_total = int(posts * 0.2)
    questions_total = posts - answers_total - experiences_total

    post_rows: list[dict] = []
    tag_rows: list[dict] = []
    experience_rows: list[dict] = []
    effect_rows: list[dict] = []
    thread_ids: list[int] = []
    authors = rng.choices(range(1, member_count + 1), author_weights, k=posts)

    def add_post(post_id: int, kind: str, when: datetime, parent: int | None, title: str | None,
                 state: str | None = None) -> dict:
        body = " ".join(sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 6)))
        row = {"id": post_id, "kind": kind, "author_id": authors[post_id - 1],
               "parent_id": parent, "title": title, "body": body, "body_html": f"<p>{body}</p>",
               "status": state or status(rng), "created_at": when, "updated_at": when,
               "last_activity_at": when, "helpful_count": rng.randint(0, 4) if parent else 0,
               "answer_count": 0, "is_demo": False}
        post_rows.append(row)
        return row

    kinds = ["experience"] * experiences_total + ["question"] * (questions_total - 1)
    rng.shuffle(kinds)
    next_id = 1
    for kind in ["question", *kinds]:  # the first, a published question, gets 200 answers
        when = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        add_post(next_id, kind, when, None, sentence(rng, rng.randint(4, 9))[:200],
                 state="published" if next_id == 1 else None)
        tags = set(rng.choices(symptoms, symptom_weights, k=rng.randint(1, 2)))
        if kind == "experience":
            treatment = rng.choices(treatments, treatment_weights)[0]
            tags.add(treatment)
            bias = (treatments.index(treatment) % 3) - 1  # some treatments rate better
            experience_rows.append({
                "post_id": next_id, "treatment": treatment,
                "effectiveness": min(5, max(1, round(rng.gauss(3 + bias * 0.6, 1.1)))),
                "duration_months": rng.choice([None, *range(0, 61)]),
                "still_using": rng.choice([True, True, False, None]), "dose": None})
            for name in rng.sample(SIDE_EFFECTS, rng.choice([0, 0, 1, 1, 2, 3])):
                effect_rows.append({"post_id": next_id, "name": name})
        elif rng.random() < 0.6:
            tags.add(rng.choices(treatments, treatment_weights)[0])
        tag_rows.extend({"post_id": next_id, "slug": slug} for slug in sorted(tags))
        thread_ids.append(next_id)
        next_id += 1

    big_thread = post_rows[0]
    thread_weights = zipf_weights(len(thread_ids), 0.6)
    parents = [big_thread["id"]] * BIG_THREAD_ANSWERS + rng.choices(
        thread_ids[1:], thread_weights[1:], k=answers_total - BIG_THREAD_ANSWERS)
    for parent_id in parents:
        root = post_rows[parent_id - 1]
        when = root["created_at"] + timedelta(seconds=rng.randrange(1, 90 * 24 * 3600))
        state = "published" if root is big_thread else None
        answer = add_post(next_id, "answer", when, parent_id, None, state=state)
        if answer["status"] == "published":
            root["answer_count"] += 1
            root["last_activity_at"] = max(root["last_activity_at"], when)
        next_id += 1

    with db.engine.begin() as connection:
        for table, rows in ((Member, members), (Post, post_rows), (PostTag, tag_rows),
                            (Experience, experience_rows), (SideEffect, effect_rows)):
            for start in range(0, len(rows), BATCH):
                connection.execute(insert(table.__table__), rows[start:start + BATCH])
        if connection.dialect.name == "postgresql":
            for table in ("member", "post"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', "
                                        f"'id'), (SELECT max(id) FROM {table}))"))
    # Planner statistics (and PostgreSQL's visibility map), as a live database has them.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        postgres = connection.dialect.name == "postgresql"
        connection.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))

    busiest = Counter(row["author_id"] for row in post_rows).most_common(1)[0][0]
    counts = Counter(row["treatment"] for row in experience_rows)
    print(f"built {len(post_rows):,} posts ({questions_total:,} questions, "
          f"{len(experience_rows):,} experience reports, {answers_total:,} answers; "
          f"{sum(r['status'] != 'published' for r in post_rows):,} held, removed or deleted), "
          f"{member_count:,} members; reports per treatment from {max(counts.values()):,} "
          f"({counts.most_common(1)[0][0]}) down to {min(counts.values()):,}")
    rarest = min(treatments, key=lambda slug: counts.get(slug, 0))
    return {
        "hello (ceiling)": "/_bench/hello",
        "home": "/",
        "tag": f"/tags/{symptoms[0]}",
        f"thread ({BIG_THREAD_ANSWERS} answers)": f"/threads/{big_thread['id']}",
        "profile": f"/members/member{busiest}",
        "treatment": f"/treatments/{treatments[0]}",
        "treatment (rarest)": f"/treatments/{rarest}",
        "symptom": f"/symptoms/{symptoms[0]}",
        "compare table": "/treatments",
        "compare 3 side by side": "/treatments/compare?" + "&".join(
            f"t={slug}" for slug in treatments[:3]),
        "treatment summary JSON": f"/api/v1/treatments/{treatments[0]}/summary",
    }


def nearest_rank(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(app, engine, pages: dict[str, str], repeat: int, warmup: int,
            uncached: bool = False) -> list[dict]:
    """Fetch each page `warmup` + `repeat` times; return timings and SQL statements per page.

    With `uncached`, the content version changes before every request (untimed).
    """
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    client = app.test_client()
    event.listen(engine, "before_cursor_execute", count)
    results = []
    try:
        for name, path in pages.items():
            timings, cpu = [], []
            status = client.get(path).status_code
            if status != 200:  # say so and carry on: the other pages still have figures
                results.append({"name": name, "path": path, "failed": status})
                continue
            for attempt in range(warmup + repeat):
                if uncached:
                    new_content_version(engine)
                statements.clear()
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                cpu_used = (time.process_time() - cpu_started) * 1000
                assert response.status_code == 200, (path, response.status_code)
                if attempt >= warmup:
                    timings.append(elapsed)
                    cpu.append(cpu_used)
            repeats = Counter(statements).most_common(1)
            results.append({"name": name, "path": path, "p50": statistics.median(timings),
                            "p95": nearest_rank(timings, 0.95),
                            "cpu50": statistics.median(cpu), "cpu95": nearest_rank(cpu, 0.95),
                            "queries": len(statements),
                            "most_repeated": repeats[0][1] if repeats else 0})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return results


def new_content_version(engine) -> None:
    """Do what a transaction that writes a post does to the cached figures."""
    with engine.begin() as connection:
        connection.execute(update(ContentVersion).values(version=ContentVersion.version + 1))


def report(results: list[dict], database: str) -> None:
    hello = next(r for r in results if r["name"] == "hello (ceiling)")
    print(f"\n{database}: milliseconds per request through the Flask test client")
    header = (f"{'page':<24} {'p50 ms':>8} {'p95 ms':>8} {'p50 x':>7} {'p95 x':>7} "
              f"{'cpu p50':>8} {'cpu p95':>8} {'queries':>7}  notes")
    print(header)
    print("-" * len(header))
    for row in results:
        if "failed" in row:
            print(f"{row['name']:<24} {'-':>8} {'-':>8} {'':>7} {'':>7} {'':>8} {'':>8} "
                  f"{'':>7}  not measured: answered {row['failed']}")
            continue
        notes = []
        if row["p95"] > SLOW_MS:
            notes.append(f"over {SLOW_MS:.0f} ms p95")
        if row["most_repeated"] >= REPEATED_STATEMENT:
            notes.append(f"N+1? one statement ran {row['most_repeated']} times")
        print(f"{row['name']:<24} {row['p50']:>8.1f} {row['p95']:>8.1f} "
              f"{row['p50'] / hello['p50']:>7.0f} {row['p95'] / hello['p95']:>7.0f} "
              f"{row['cpu50']:>8.1f} {row['cpu95']:>8.1f} {row['queries']:>7}  "
              f"{'; '.join(notes) or 'ok'}")
    print("\npaths: " + ", ".join(f"{r['name']}={r['path']}" for r in results))
    print("x: times the hello route in the same app and run (the framework's own cost).")
    print("cpu: this process's CPU time per request (includes SQLite's work, not a database "
          "server's); wall time above it means waiting for the machine or the server.")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")


def machine_speed() -> float:
    """Time a fixed piece of Python (ms), to tell a slow or busy machine from slow pages."""
    started = time.perf_counter()
    sum(range(10**6))
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--database-url", help="emptied first! default: a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--uncached", action="store_true",
                        help="change the content version before every request, as a new post "
                             "does, so cached figures are computed again each time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="thaw-pages-bench-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, workdir: Path) -> None:
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(workdir),
        "SEARCH_INDEX_DIR": str(workdir / "search-index"), "AUTO_SETUP": False,
        "SCHEMA_CHECK": False, "LOAD_DEMO_CONTENT": False, "RATELIMIT_ENABLED": False,
    })
    app.add_url_rule("/_bench/hello", "bench_hello", lambda: "hello")
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        pages = build(args.posts, args.seed)
        print(f"built in {time.perf_counter() - started:.1f} s")
        engine = db.engine
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does in each worker once the app is loaded
    speed_before = machine_speed()
    results = measure(app, engine, pages, args.repeat, args.warmup, args.uncached)
    speed_after = machine_speed()
    cache = ("new content version before each request" if args.uncached
             else "figures cached until posts change")
    report(results, f"{engine.dialect.name}, {args.posts:,} posts, {cache}, "
                    f"{args.repeat} requests per page")
    print(f"machine check, sum(range(10**6)) in Python: {speed_before:.0f} ms before, "
          f"{speed_after:.0f} ms after (smaller: a faster or quieter machine)")
    engine.dispose()


if __name__ == "__main__":
    main()
