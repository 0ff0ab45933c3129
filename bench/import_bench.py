"""Time `posts import` on a synthetic file: prints posts per second for a fresh SQLite database.

Usage: .venv/bin/python bench/import_bench.py [--posts 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.services.transfer import import_rows, read_rows  # noqa: E402
from forum.taxonomy import load_taxonomy  # noqa: E402

WORDS = ("my legs stiff spasms night baclofen tizanidine sleep walking physio stretching "
         "morning pain cramps helped worse better doctor neuro dose weeks months tired "
         "drowsy the a and but with after before when every because still really").split()


def synthetic_lines(count: int, seed: int = 7) -> list[str]:
    """Return `count` JSON lines: threads, then answers pointing at earlier threads."""
    rng = random.Random(seed)
    slugs = list(load_taxonomy().tags)
    treatments = [tag.slug for tag in load_taxonomy().treatments]
    lines = []
    threads: list[str] = []
    for number in range(count):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(50, 300)))
        author = f"member{rng.randint(1, max(2, count // 20))}"
        source = f"bench-{number}"
        if threads and rng.random() < 0.6:
            record = {"source_id": source, "kind": "answer", "author": author, "body": body,
                      "parent": rng.choice(threads)}
        elif rng.random() < 0.3:
            record = {"source_id": source, "kind": "experience", "author": author,
                      "title": f"My experience number {number}", "body": body,
                      "tags": rng.sample(slugs, 2),
                      "experience": {"treatment": rng.choice(treatments),
                                     "effectiveness": rng.randint(1, 5),
                                     "side_effects": ["drowsiness"], "duration_months": 3,
                                     "still_using": True, "dose": None}}
            threads.append(source)
        else:
            record = {"source_id": source, "kind": "question", "author": author,
                      "title": f"Question number {number} about spasms", "body": body,
                      "tags": rng.sample(slugs, 3)}
            threads.append(source)
        lines.append(json.dumps(record))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "INSTANCE_PATH": tmp, "AUTO_SETUP": False, "SCHEMA_CHECK": False,
                          "SEARCH_INDEX_DIR": f"{tmp}/index"})
        lines = synthetic_lines(args.posts)
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            rows = read_rows(lines)
            checked = time.perf_counter()
            result = import_rows(rows)
            done = time.perf_counter()
            # No drop_all: on SQLite it checks every foreign key row by row and takes longer
            # than the import; the temporary directory goes away by itself.
            db.session.remove()
            db.engine.dispose()
    print(f"database: {url.split(':')[0]}")
    print(f"posts: {args.posts}  added: {result.added}")
    print(f"check (parse and validate every line): {checked - started:.1f} s")
    print(f"write (render Markdown, screen, store, queue index jobs): {done - checked:.1f} s")
    print(f"total: {done - started:.1f} s  ({args.posts / (done - started):,.0f} posts/s)")


if __name__ == "__main__":
    main()
