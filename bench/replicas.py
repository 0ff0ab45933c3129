"""Two web nodes, each with its own search index, following one PostgreSQL database.

Starts two gunicorn masters on this machine (two ports, two local index directories, one
PostgreSQL database, one Redis for the limits). The second node starts with an empty index
directory and rebuilds. Then:

1. posts are written through both nodes, alternating; each must be found through BOTH nodes
   (the JSON search API, as a visitor) within 5 s of its success response: p50/p95/max lag;
2. the second node's master is killed with SIGKILL; for a while more posts are written through
   the first, then the second is restarted on the same directory: it catches up from the job
   id it recorded (catch-up time printed) and every post is found through it;
3. `flask search check` is clean on both directories, there was no 5xx answer, and the job
   log is pruned once both nodes have passed it.

Usage: .venv/bin/python bench/replicas.py [--posts 300] [--kill-seconds 20]
       [--posts-while-down 100] [--workers 2] [--ports 5170,5171]
       [--database-url postgresql://postgres@127.0.0.1:5432/thaw17_replicas]
       .venv/bin/python bench/replicas.py --rebuild-posts 100000 --ports 5174
       --database-url postgresql://postgres@127.0.0.1:5432/thaw17_rebuild
       (a node with an empty index on 100,000 posts rebuilds while posts are written through
       it, then follows: none of them lost)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from search.whoosh.generations import read_position  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
FLASK = str(Path(PYTHON).with_name("flask"))
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PASSWORD = "replica bench password"
LAG_LIMIT = 5.0
LETTERS = "abcdefghijklmnopqrstuvwxyz"

SETUP = """
import sys
from app import create_app
from forum.services import members
app = create_app()
with app.app_context():
    for name in sys.argv[1:]:
        if members.find_member(name) is None:
            members.register(username=name, email=f"{name}@example.org",
                             password=PASSWORD)
""".replace("PASSWORD", repr(PASSWORD))

LOG_SIZE = """
from sqlalchemy import func, select
from app import create_app
from forum.extensions import db
from forum.models import IndexJob
app = create_app()
with app.app_context():
    print(db.session.scalar(select(func.count()).select_from(IndexJob)))
"""


def node_environment(database_url: str, redis: str) -> dict[str, str]:
    """The environment every node of a run shares: one database, one Redis, mail links."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("SEARCH_INDEX_DIR", "INSTANCE_PATH", "SEARCH_NODE_NAME")}
    base.update({"DATABASE_URL": database_url, "SECRET_KEY": "replica-bench-secret",
                 "PUBLIC_URL": "http://127.0.0.1", "RATELIMIT_STORAGE_URI": redis,
                 **{name: "100000 per hour" for name in (
                     "POST_LIMIT", "NEW_MEMBER_POST_LIMIT", "VOTE_LIMIT")}})
    return base


def marker(number: int, run: str) -> str:
    """Return a made-up word found in exactly one post of this run."""
    word = ""
    number += 26 ** 3
    while number:
        number, digit = divmod(number, 26)
        word = LETTERS[digit] + word
    return f"qz{run}{word}"


def redis_url(database: int = 8) -> str | None:
    """Return a Redis URL for the limits (flushing that database first), or None."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(f"SELECT {database}\r\nFLUSHDB\r\n".encode())
            sock.recv(100)
        return f"redis://127.0.0.1:6379/{database}"
    except OSError:
        return None


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FLASK, "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=600)


def python(env: dict, script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-c", script, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=300)


@dataclass
class Counts:
    """Every answer the bench got, by status, and the 5xx ones in detail."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: dict[int | None, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def record(self, status: int | None, what: str) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status is not None and status >= 500:
                self.failures.append(f"{status} {what}")


class Node:
    """One gunicorn master with its workers, its port and its own index directory."""

    def __init__(self, name: str, port: int, base_env: dict, workdir: Path, workers: int):
        self.name, self.port, self.workers = name, port, workers
        self.index_dir = workdir / f"{name}-index"
        self.instance = workdir / f"{name}-instance"
        self.instance.mkdir(parents=True, exist_ok=True)
        self.env = {**base_env, "SEARCH_INDEX_DIR": str(self.index_dir),
                    "INSTANCE_PATH": str(self.instance), "SEARCH_NODE_NAME": name}
        self.log_path = workdir / f"{name}-gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [GUNICORN, "-c", "gunicorn.conf.py", "--workers", str(self.workers),
                 "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def kill_master(self) -> None:
        """SIGKILL the master only, as a crash would: its workers notice and leave."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def wait_gone(self, seconds: float = 40) -> bool:
        deadline = time.monotonic() + seconds
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.group_alive():  # bounded: never leave a node behind
            os.killpg(self.process.pid, signal.SIGKILL)
            return False
        return True

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None and not self.group_alive():
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            if self.group_alive():
                os.killpg(self.process.pid, signal.SIGKILL)

    def get(self, path: str, counts: Counts) -> tuple[int | None, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return None, ""
        finally:
            connection.close()
        counts.record(response.status, f"GET {path.split('?')[0]} on {self.name}")
        return response.status, body

    def health(self, counts: Counts) -> dict | None:
        status, body = self.get("/healthz", counts)
        return json.loads(body) if status == 200 else None

    def wait_caught_up(self, counts: Counts, seconds: float) -> float | None:
        """Wait until /healthz says the index exists and lags by no job; return the wait."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            health = self.health(counts)
            search = (health or {}).get("search", {})
            if search.get("applied_id") is not None and search.get("lag_rows") == 0:
                return time.monotonic() - started
            time.sleep(0.2)
        return None

    def finds(self, word: str, post_id: int, counts: Counts) -> bool:
        status, body = self.get("/api/v1/search?" + urlencode({"q": word}), counts)
        if status != 200:
            return False
        return any(hit["id"] == post_id for hit in json.loads(body)["results"])


class Writer:
    """A logged-in member on one node, posting questions through the real form."""

    def __init__(self, node: Node, name: str, counts: Counts) -> None:
        self.node, self.name, self.counts = node, name, counts
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.refusals: list[str] = []  # status and the form's error, for a refused post

    def request(self, method: str, path: str, form: dict | None = None):
        body = urlencode(form) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return None, ""
        finally:
            connection.close()
        self.counts.record(response.status, f"{method} {path} on {self.node.name}")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, val = value.split(";", 1)[0].partition("=")
                self.cookies[key.strip()] = val.strip()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if match:
            self.token = match.group(1)
        return response, text

    def login(self) -> bool:
        self.request("GET", "/login")
        response, _ = self.request("POST", "/login", {"csrf_token": self.token,
                                                      "username": self.name,
                                                      "password": PASSWORD})
        self.request("GET", "/ask")
        return response is not None and response.status in (302, 303)

    def ask(self, word: str) -> int | None:
        """Post a question naming word; return its id once the success response arrived."""
        self.request("GET", "/ask")
        response, page = self.request("POST", "/ask", {
            "csrf_token": self.token, "title": f"Evening stretches and {word}",
            "body": f"After a long day my calves tighten; {word} is what I call the routine "
                    "that loosens them before sleep.",
            "tags": "stretching, spasms", "action": "post"})
        if response is None or response.status not in (302, 303):
            errors = re.findall(r'class="field-error"[^>]*>([^<]*)<', page)
            self.refusals.append(f"{response.status if response else 'no answer'} {errors}")
            return None
        match = re.search(r"/threads/(\d+)", response.getheader("Location", ""))
        return int(match.group(1)) if match else None


@dataclass
class Seen:
    """When each post was confirmed, and how long after that each node first found it."""

    lags: dict[str, list[float]] = field(default_factory=dict)
    late: list[str] = field(default_factory=list)
    unseen: list[str] = field(default_factory=list)


def watch(node: Node, work: queue.Queue, seen: Seen, counts: Counts, give_up: float,
          limit: float | None) -> None:
    """Search on node for each (word, id, confirmed_at) in turn until found; record the lag
    (and as late, those found after limit seconds)."""
    lags = seen.lags.setdefault(node.name, [])
    while True:
        item = work.get()
        if item is None:
            return
        word, post_id, confirmed = item
        while True:
            if node.finds(word, post_id, counts):
                lag = time.monotonic() - confirmed
                lags.append(lag)
                if limit is not None and lag > limit:
                    seen.late.append(f"post {post_id} on {node.name} after {lag:.2f} s")
                break
            if time.monotonic() - confirmed > give_up:
                seen.unseen.append(f"post {post_id} on {node.name}")
                break
            time.sleep(0.05)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def lag_line(label: str, values: list[float]) -> str:
    return (f"{label}: {len(values)} posts, lag p50 {percentile(values, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
            if values else f"{label}: no posts")


def write_posts(writers: list[Writer], count: int, start: int, run: str, watchers: list,
                pause: float, stop_at: float | None = None) -> tuple[int, int]:
    """Write count posts, writers taking turns; queue each for the watchers. Return
    (written, refused)."""
    written = refused = 0
    for number in range(start, start + count):
        writer = writers[number % len(writers)]
        word = marker(number, run)
        post_id = writer.ask(word)
        if post_id is None:
            refused += 1
        else:
            confirmed = time.monotonic()
            written += 1
            for work in watchers:
                work.put((word, post_id, confirmed))
        if stop_at is not None:
            # Spread the posts over the node's downtime.
            remaining = max(stop_at - time.monotonic(), 0)
            time.sleep(min(remaining / max(start + count - number - 1, 1), 1.0))
        else:
            time.sleep(pause)
    return written, refused


def run(database_url: str, redis: str, ports: tuple[int, int], *, posts: int = 300,
        kill_seconds: float = 20, posts_while_down: int = 100, workers: int = 2,
        pause: float = 0.02, lag_limit: float | None = LAG_LIMIT, out=print) -> bool:
    """Run the whole scenario on an empty database; print figures; return whether it passed.

    Without lag_limit (the test suite), posts must be found, in at most a minute, however
    slow the machine: the figures are printed, not judged.
    """
    run_id = marker(int(time.time()) % 10_000, "")[-4:]
    with tempfile.TemporaryDirectory(prefix="thaw-replicas-") as tmp:
        workdir = Path(tmp)
        base = node_environment(database_url, redis)
        a, b = (Node(name, port, base, workdir, workers)
                for name, port in zip(("node-a", "node-b"), ports, strict=True))
        for command in (("db", "upgrade"),):
            done = flask(a.env, *command)
            if done.returncode != 0:
                out(done.stderr[-2000:])
                return False
        done = flask(a.env, "search", "rebuild")  # node B starts empty and rebuilds itself
        setup = python(a.env, SETUP, "writer_a", "writer_b")
        if done.returncode != 0 or setup.returncode != 0:
            out((done.stderr + setup.stderr)[-2000:])
            return False
        counts, seen = Counts(), Seen()
        try:
            booted = time.monotonic()
            a.start()
            b.start()
            ready = [node.wait_caught_up(counts, 120) for node in (a, b)]
            out(f"two nodes up: {a.name} on {a.port}, {b.name} on {b.port} "
                f"({workers} workers each); {b.name} booted, rebuilt its empty index and "
                f"caught up {time.monotonic() - booted:.1f} s after the start"
                if None not in ready else "a node did not come up")
            if None in ready:
                return False
            writers = [Writer(a, "writer_a", counts), Writer(b, "writer_b", counts)]
            if not all(writer.login() for writer in writers):
                out("could not log in")
                return False

            # 1. Both nodes up: alternate writes, watch both nodes.
            watchers = {node.name: queue.Queue() for node in (a, b)}
            threads = [threading.Thread(target=watch, args=(node, watchers[node.name], seen,
                                                            counts, 60, lag_limit),
                                        daemon=True)
                       for node in (a, b)]
            for thread in threads:
                thread.start()
            started = time.monotonic()
            written, refused = write_posts(writers, posts, 0, run_id, list(watchers.values()),
                                           pause)
            for work in watchers.values():
                work.put(None)
            for thread in threads:
                thread.join(timeout=120)
            elapsed = time.monotonic() - started
            out(f"phase 1: {written} posts written through both nodes alternating in "
                f"{elapsed:.1f} s ({refused} refused"
                + (f": {[r for w in writers for r in w.refusals]}" if refused else "") + ")")
            for node in (a, b):
                out("  found through " + lag_line(node.name, seen.lags.get(node.name, [])))
            first_lags = {name: list(values) for name, values in seen.lags.items()}

            # 2. Node B's master killed; writes go on through node A.
            b.kill_master()
            killed = time.monotonic()
            out(f"phase 2: {b.name}'s master killed with SIGKILL; writing through {a.name} "
                f"for {kill_seconds:.0f} s")
            seen_a = Seen()
            watch_a = queue.Queue()
            thread = threading.Thread(
                target=watch, args=(a, watch_a, seen_a, counts, 60, lag_limit), daemon=True)
            thread.start()
            pending_b: list[tuple[str, int, float]] = []

            class Collect:
                def put(self, item):
                    pending_b.append(item)

            down_written, down_refused = write_posts(
                [writers[0]], posts_while_down, posts, run_id, [watch_a, Collect()], 0,
                stop_at=killed + kill_seconds)
            while time.monotonic() - killed < kill_seconds:
                time.sleep(0.1)
            watch_a.put(None)
            thread.join(timeout=120)
            orphans_gone = b.wait_gone()
            out(f"  {down_written} posts written through {a.name} ({down_refused} refused); "
                + lag_line(f"found through {a.name}", seen_a.lags.get(a.name, [])))
            out(f"  {b.name}'s workers left after their master died: "
                f"{'yes' if orphans_gone else 'no (killed)'}; down for "
                f"{time.monotonic() - killed:.1f} s")

            # 3. Node B restarts on its directory and catches up from its recorded job id.
            recorded = read_position(b.index_dir)
            kept = python(a.env, LOG_SIZE).stdout.strip()
            out(f"  {b.name}'s index had recorded job {recorded}; the log kept {kept} jobs "
                f"for it ({a.name} had applied them all)")
            restarted = time.monotonic()
            b.start()
            caught = b.wait_caught_up(counts, 120)
            missing_b = [post_id for word, post_id, _ in pending_b
                         if not b.finds(word, post_id, counts)]
            out(f"  {b.name} restarted: caught up in "
                f"{(caught if caught is not None else float('nan')):.1f} s after its restart; "
                f"{len(pending_b) - len(missing_b)} of {len(pending_b)} posts written while it "
                f"was down found through it ({time.monotonic() - restarted:.1f} s after restart)")

            # 4. Both directories match the database; the log is pruned.
            checks = {node.name: flask(node.env, "search", "check") for node in (a, b)}
            for name, check in checks.items():
                out(f"  flask search check on {name}: "
                    + (check.stdout.strip().splitlines() or ["(no output)"])[-1])
            deadline = time.monotonic() + 30
            pruned = None
            while time.monotonic() < deadline:
                size = python(a.env, LOG_SIZE)
                pruned = size.stdout.strip()
                if pruned == "0":
                    break
                time.sleep(1)
            nodes = flask(a.env, "search", "nodes").stdout.strip()
            out("  flask search nodes:\n    " + nodes.replace("\n", "\n    "))
            out(f"  index jobs left in the log: {pruned}")
        finally:
            for node in (a, b):
                node.stop()
        five = [status for status in counts.statuses if status is not None and status >= 500]
        all_lags = [lag for values in first_lags.values() for lag in values]
        results = [
            ("every post found through both nodes"
             + (f" within {lag_limit:.0f} s " if lag_limit is not None else " ")
             + f"(late: {len(seen.late) + len(seen_a.late)}, never: "
             f"{len(seen.unseen) + len(seen_a.unseen)})",
             not seen.late and not seen.unseen and not seen_a.late and not seen_a.unseen
             and len(all_lags) == 2 * written and refused == 0),
            (f"{b.name} caught up after the kill ({len(missing_b)} missing)",
             caught is not None and not missing_b and down_refused == 0),
            ("flask search check clean on both directories",
             all(c.returncode == 0 and "The index matches the database." in c.stdout
                 for c in checks.values())),
            (f"zero 5xx answers ({sum(counts.statuses.values())} requests; "
             f"{counts.failures[:5]})", not five),
            ("the log kept the jobs for the stopped node, and was pruned once both nodes "
             "passed them", kept not in ("", "0") and pruned == "0"),
        ]
        ok = True
        for text, passed in results:
            out(f"[{'PASS' if passed else 'FAIL'}] {text}")
            ok = ok and passed
        if not ok:
            for node in (a, b):
                tail = node.log_path.read_text(errors="replace")[-3000:]
                out(f"--- {node.name} log tail ---\n{tail}")
        return ok


FILL = """
import sys, time
sys.path.insert(0, "bench")
from app import create_app
from forum.extensions import db
from pages_bench import build
app = create_app()
with app.app_context():
    started = time.perf_counter()
    build(int(sys.argv[1]), 20240611)
    print(f"filled in {time.perf_counter() - started:.0f} s")
"""


def rebuild_and_follow(database_url: str, redis: str, port: int, *, posts: int = 100_000,
                       workers: int = 2, out=print) -> bool:
    """Start a node with an empty index directory on a database of `posts` posts; write posts
    through it while it rebuilds; check that it then follows and lost none of them."""
    with tempfile.TemporaryDirectory(prefix="thaw-rebuild-") as tmp:
        workdir = Path(tmp)
        base = node_environment(database_url, redis)
        node = Node("node-new", port, base, workdir, workers)
        steps = [flask(node.env, "db", "upgrade"),
                 subprocess.run([PYTHON, "-c", FILL, str(posts)], cwd=ROOT, env=node.env,
                                capture_output=True, text=True, check=False, timeout=3600),
                 python(node.env, SETUP, "writer_new")]
        for step in steps:
            if step.returncode != 0:
                out(step.stderr[-2000:])
                return False
        out(steps[1].stdout.strip())
        counts = Counts()
        written: list[tuple[str, int]] = []
        try:
            started = time.monotonic()
            node.start()
            writer = Writer(node, "writer_new", counts)
            deadline = started + 120
            while not writer.login() and time.monotonic() < deadline:
                time.sleep(0.5)
            rebuilt_after = caught_after = lag_at_swap = None
            number = 0
            stop = started + 3600
            while time.monotonic() < stop:
                health = node.health(counts) or {}
                search = health.get("search") or {}
                rebuilding = search.get("applied_id") is None
                if not rebuilding and rebuilt_after is None:
                    rebuilt_after = time.monotonic() - started
                    during = len(written)
                    lag_at_swap = search.get("lag_rows")
                    tail_until = time.monotonic() + 5  # a few more once it follows
                if (rebuilt_after is not None and caught_after is None
                        and search.get("lag_rows") == 0):
                    caught_after = time.monotonic() - started - rebuilt_after
                if rebuilt_after is not None and time.monotonic() >= tail_until:
                    break
                word = marker(number, "rb")
                post_id = writer.ask(word)
                number += 1
                if post_id is not None:
                    written.append((word, post_id))
                time.sleep(0.5)
            if rebuilt_after is None:
                out("the node did not finish its rebuild within the hour")
                return False
            caught = node.wait_caught_up(counts, 300)
            missing = [post_id for word, post_id in written
                       if not node.finds(word, post_id, counts)]
            check = flask(node.env, "search", "check")
        finally:
            node.stop()
        out(f"node with an empty index on {posts:,} posts: rebuilt and following "
            f"{rebuilt_after:.0f} s after its start; {during} posts written through it during "
            f"the rebuild and {len(written) - during} after; {lag_at_swap} jobs behind when "
            f"the rebuilt index was swapped in, none behind "
            f"{(caught_after if caught_after is not None else float('nan')):.1f} s later")
        five = [status for status in counts.statuses if status is not None and status >= 500]
        results = [
            (f"every post written during and after the rebuild found ({len(missing)} missing "
             f"of {len(written)}), the node following with no lag",
             not missing and during > 0 and caught is not None),
            ("flask search check clean: " + (check.stdout.strip().splitlines() or [""])[-1],
             check.returncode == 0),
            (f"zero 5xx answers ({sum(counts.statuses.values())} requests)", not five),
        ]
        ok = True
        for text, passed in results:
            out(f"[{'PASS' if passed else 'FAIL'}] {text}")
            ok = ok and passed
        if not ok:
            out(node.log_path.read_text(errors="replace")[-3000:])
        return ok


def recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?")[0]
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres",
                        "-c", sql], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--kill-seconds", type=float, default=20)
    parser.add_argument("--posts-while-down", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ports", default="5170,5171")
    parser.add_argument("--database-url",
                        default="postgresql://postgres@127.0.0.1:5432/thaw17_replicas")
    parser.add_argument("--rebuild-posts", type=int, default=0,
                        help="instead: a node with an empty index on a database of this many "
                             "posts (e.g. 100000) rebuilds while posts are written, then follows")
    args = parser.parse_args()
    redis = redis_url()
    if redis is None:
        sys.exit("Redis does not answer at 127.0.0.1:6379: the bench needs it for the limits")
    recreate_database(args.database_url)
    if args.rebuild_posts:
        ok = rebuild_and_follow(args.database_url, redis, int(args.ports.split(",")[0]),
                                posts=args.rebuild_posts, workers=args.workers)
        print("\nsummary:", "PASS" if ok else "FAIL")
        sys.exit(0 if ok else 1)
    first, second = (int(port) for port in args.ports.split(","))
    ok = run(args.database_url, redis, (first, second), posts=args.posts,
             kill_seconds=args.kill_seconds, posts_while_down=args.posts_while_down,
             workers=args.workers)
    print("\nsummary:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
