"""Two gunicorn nodes with their own index directories on one PostgreSQL and one Redis.

A smaller run of bench/replicas.py (which prints the full figures): posts through both
nodes, one master killed and restarted, every post found through both, indexes checked,
no 5xx, the log pruned.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from forum.config import database_url as driver_url

BENCH = Path(__file__).resolve().parents[2] / "bench" / "replicas.py"
PORTS = (5172, 5173)


def load_bench():
    spec = importlib.util.spec_from_file_location("replicas_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def schema_url():
    """A database URL whose search_path is a schema of this run's own."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("two-node run skipped: TEST_DATABASE_URL (PostgreSQL) is not set")
    engine = create_engine(driver_url(url))
    name = f"thaw_replicas_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except Exception as error:
        engine.dispose()
        pytest.skip(f"two-node run skipped: PostgreSQL does not answer ({type(error).__name__})")
    yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


def test_two_nodes_find_every_post_survive_a_killed_master_and_prune_the_log(schema_url,
                                                                               capsys):
    bench = load_bench()
    redis = bench.redis_url(database=9)
    if redis is None:
        pytest.skip("two-node run skipped: Redis does not answer at 127.0.0.1:6379")
    if not all(port_free(port) for port in PORTS):
        pytest.skip(f"two-node run skipped: ports {PORTS} are taken")
    lines: list[str] = []
    ok = bench.run(schema_url, redis, PORTS, posts=30, kill_seconds=5, posts_while_down=12,
                   workers=2, lag_limit=None, out=lines.append)
    report = "\n".join(lines)
    with capsys.disabled():
        print("\n" + report)
    assert ok, report
