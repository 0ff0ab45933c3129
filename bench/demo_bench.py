"""Time the demo community: a first start with it, `demo load` and `demo remove`, per database.

    .venv/bin/python bench/demo_bench.py   # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/demo_bench.py --runs 5
    .venv/bin/python bench/demo_bench.py --database-url postgresql+psycopg://u@host/db

SQLite runs in a temporary folder. On PostgreSQL each run uses a schema of its own, dropped
afterwards. The first start is create_app on an empty instance folder (migrations, reading
list, empty search index, demo) and is measured on SQLite only, as it happens only there.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from forum.config import database_url as driver_url  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Member, Post  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def first_start_seconds() -> float:
    with tempfile.TemporaryDirectory() as folder:
        for name in ("DATABASE_URL", "SECRET_KEY", "SEARCH_INDEX_DIR"):
            os.environ.pop(name, None)
        started = time.perf_counter()
        create_app({"INSTANCE_PATH": f"{folder}/instance"})
        return time.perf_counter() - started


def load_and_remove(url: str, folder: str, options: dict) -> tuple[float, float, int, int]:
    app = create_app({
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": f"{folder}/i",
        "SEARCH_INDEX_DIR": f"{folder}/index", "AUTO_SETUP": False, "SCHEMA_CHECK": False,
        "SQLALCHEMY_ENGINE_OPTIONS": options, "PUBLIC_URL": "http://127.0.0.1:5105",
    })
    with app.app_context():
        from forum.services import demo, indexing

        db.create_all()
        indexing.rebuild()
        started = time.perf_counter()
        demo.load_demo(quiet=True)
        loaded = time.perf_counter() - started
        posts = db.session.scalar(select(func.count()).select_from(Post))
        members = db.session.scalar(select(func.count()).select_from(Member))
        started = time.perf_counter()
        demo.remove_demo()
        removed = time.perf_counter() - started
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return loaded, removed, posts, members


def run(label: str, url: str, runs: int) -> None:
    postgres = url.startswith("postgresql")
    figures = []
    for _ in range(runs):
        schema = f"demo_bench_{uuid.uuid4().hex[:8]}"
        options: dict = {}
        if postgres:
            engine = create_engine(driver_url(url))
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        with tempfile.TemporaryDirectory() as folder:
            target = url if postgres else f"sqlite:///{folder}/bench.sqlite3"
            try:
                figures.append(load_and_remove(target, folder, options))
            finally:
                if postgres:
                    with engine.begin() as connection:
                        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                    engine.dispose()
    loads = [f[0] for f in figures]
    removes = [f[1] for f in figures]
    print(f"{label}: {figures[0][2]} posts, {figures[0][3]} members; "
          f"load median {statistics.median(loads):.2f} s (min {min(loads):.2f}, "
          f"max {max(loads):.2f}); remove median {statistics.median(removes):.2f} s "
          f"over {runs} runs", flush=True)


def postgres_answers(url: str) -> bool:
    try:
        engine = create_engine(driver_url(url), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "skip it, and say so"
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="time only this database")
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url.split(":")[0], args.database_url, args.runs)
        return
    starts = [first_start_seconds() for _ in range(args.runs)]
    print(f"first start on SQLite with the demo: median {statistics.median(starts):.2f} s "
          f"(min {min(starts):.2f}, max {max(starts):.2f})", flush=True)
    run("SQLite", "sqlite://", args.runs)
    if postgres_answers(POSTGRES):
        run("PostgreSQL", POSTGRES, args.runs)
    else:
        print(f"PostgreSQL skipped: nothing answers at {POSTGRES}")


if __name__ == "__main__":
    main()
