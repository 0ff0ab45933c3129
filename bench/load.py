"""Load test: gunicorn with several workers, simulated members, then checks that nothing was lost.

Runs on the embedded default (SQLite) and then on PostgreSQL when it answers. Each simulated
member logs in (with CSRF tokens) and, with a short pause between actions, posts questions,
answers and experience reports, marks posts helpful, reports posts, searches and reads
threads. Half way through, one worker is killed with SIGKILL. Afterwards it checks: every post
that got a success response is in the database and in the search index, `flask search check`
is clean, there were no 5xx responses and no "database is locked", and the login limit trips
at its configured count across all workers (limits kept in Redis).

Usage: .venv/bin/python bench/load.py [--members 32] [--seconds 60] [--workers 4]
       [--database-url postgresql://...] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
FLASK = str(Path(PYTHON).with_name("flask"))
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PASSWORD = "load test password"
WORDS = ("legs stiff spasms night morning stretching physio walking sleep tired better worse "
         "helped weeks months doctor neuro pain cramps hands calf ankle warm bath cold").split()
TREATMENTS = ["baclofen", "tizanidine", "gabapentin", "stretching", "physiotherapy", "yoga",
              "botulinum-toxin", "exercise", "massage", "hydration"]
SEARCHES = ["Lioresal drowsy", "tizanadine", "legs jump at night", "stretching", "baclofen pump",
            '"night spasms"', "physio -gym", "cramps"]


def free_port() -> int:
    if os.environ.get("LOAD_PORT"):  # a fixed port, for machines that share a port range
        return int(os.environ["LOAD_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Member:
    """One simulated member: a cookie jar and a CSRF token over plain http.client."""

    def __init__(self, port: int, name: str, stats: Stats) -> None:
        self.port, self.name, self.stats = port, name, stats
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, action: str, method: str, path: str, form: dict | None = None):
        body = urlencode(form, doseq=True) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.stats.record(action, None, time.perf_counter() - started, str(error))
            return None, ""
        finally:
            connection.close()
        self.stats.record(action, response.status, time.perf_counter() - started,
                          f"{response.status} {method} {path}" if response.status >= 500 else "")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if match:
            self.token = match.group(1)
        return response, text

    def post(self, action: str, path: str, form: dict):
        return self.request(action, "POST", path, {"csrf_token": self.token, **form})

    def login(self) -> bool:
        self.request("login_page", "GET", "/login")
        response, _ = self.post("login", "/login", {"username": self.name, "password": PASSWORD})
        if response is not None:
            self.request("home", "GET", "/")  # a fresh token for the logged-in session
        return response is not None and response.status in (302, 303)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[int | None, int] = defaultdict(int)
        self.errors: list[str] = []  # connections that failed
        self.failures: list[str] = []  # 5xx answers
        self.created: list[int] = []

    def record(self, action: str, status: int | None, seconds: float, error: str = "") -> None:
        with self.lock:
            self.latency[action].append(seconds)
            self.statuses[status] += 1
            if error and status is None:
                self.errors.append(f"{action}: {error}")
            elif error:
                self.failures.append(f"{action}: {error}")


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def member_loop(member: Member, stop: float, rng: random.Random, thread_ids: list[int]) -> None:
    if not member.login():
        member.stats.errors.append(f"{member.name}: could not log in")
        return
    while time.monotonic() < stop:
        roll = rng.random()
        if roll < 0.12:
            tag = rng.choice(TREATMENTS)
            response, _ = member.post("post_question", "/ask", {
                "title": f"How do you manage {words(rng, 3)}?", "body": words(rng, 60),
                "tags": f"{tag}, spasms", "action": "post"})
            _remember(member, response, thread_ids)
        elif roll < 0.18:
            response, _ = member.post("post_experience", "/share", {
                "title": f"My experience: {words(rng, 4)}", "body": words(rng, 80),
                "tags": "stiffness", "treatment": rng.choice(TREATMENTS),
                "effectiveness": str(rng.randint(1, 5)), "side_effects": "drowsiness",
                "duration_months": str(rng.randint(1, 24)), "still_using": "yes",
                "action": "post"})
            _remember(member, response, thread_ids)
        elif roll < 0.32 and thread_ids:
            thread = rng.choice(thread_ids)
            response, _ = member.post("post_answer", f"/threads/{thread}/answers",
                                      {"body": words(rng, 40)})
            if response is not None and response.status in (302, 303):
                match = re.search(r"#post-(\d+)", response.getheader("Location", ""))
                if match:
                    with member.stats.lock:
                        member.stats.created.append(int(match.group(1)))
        elif roll < 0.40 and thread_ids:
            member.post("vote", f"/posts/{rng.choice(thread_ids)}/helpful", {})
        elif roll < 0.42 and thread_ids:
            member.post("report", f"/posts/{rng.choice(thread_ids)}/report",
                        {"reason": "spam", "note": "load test"})
        elif roll < 0.65:
            member.request("search", "GET", "/search?" + urlencode({"q": rng.choice(SEARCHES)}))
        elif thread_ids:
            member.request("thread_page", "GET", f"/threads/{rng.choice(thread_ids)}")
        else:
            member.request("home", "GET", "/")
        time.sleep(rng.uniform(0.3, 1.2))  # a member reads and types between actions


def _remember(member: Member, response, thread_ids: list[int]) -> None:
    if response is None or response.status not in (302, 303):
        return
    match = re.search(r"/threads/(\d+)", response.getheader("Location", ""))
    if match:
        post_id = int(match.group(1))
        with member.stats.lock:
            member.stats.created.append(post_id)
            thread_ids.append(post_id)


def flask(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([FLASK, "--app", "app", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, check=False)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def redis_url() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"SELECT 7\r\nFLUSHDB\r\n")
            sock.recv(100)
        return "redis://127.0.0.1:6379/7"
    except OSError:
        return None


def run(label: str, env: dict, args: argparse.Namespace) -> bool:
    print(f"\n=== {label}: {args.workers} gunicorn workers, {args.members} members, "
          f"{args.seconds} s ===", flush=True)
    limits = redis_url()
    if limits:
        env["RATELIMIT_STORAGE_URI"] = limits
    else:
        print("Redis does not answer: limits are per worker, the limit check is skipped")
    if "DATABASE_URL" in env:  # production: the operator migrates and builds the index
        for command in (("db", "upgrade"), ("search", "rebuild")):
            done = flask(env, *command)
            if done.returncode != 0:
                print(done.stderr[-2000:])
                return False
    setup = subprocess.run([PYTHON, "-c", SETUP, str(args.members)], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=False)
    if setup.returncode != 0:
        print(setup.stderr[-3000:])
        return False
    port = free_port()
    log_path = Path(env["INSTANCE_PATH"]) / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "--workers", str(args.workers),
             "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        return _drive(port, server, log_path, env, args, limits is not None)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _drive(port: int, server: subprocess.Popen, log_path: Path, env: dict,
           args: argparse.Namespace, check_limits: bool) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # every worker answers once it has booted
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/login")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.3)
    stats = Stats()
    thread_ids: list[int] = []
    stop = time.monotonic() + args.seconds
    members = [Member(port, f"loadmember{n}", stats) for n in range(args.members)]
    threads = [threading.Thread(target=member_loop,
                                args=(m, stop, random.Random(n), thread_ids))
               for n, m in enumerate(members)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds / 2)
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                             text=True, check=False).stdout.split()
    if workers:
        os.kill(int(workers[0]), signal.SIGKILL)
        print(f"killed worker {workers[0]} with SIGKILL at {args.seconds / 2:.0f} s", flush=True)
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    time.sleep(3)  # give the last index jobs (and any retries) time to land

    print(f"\n{'action':<16}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for action in sorted(stats.latency):
        values = stats.latency[action]
        print(f"{action:<16}{len(values):>7}{len(values) / elapsed:>8.1f}"
              f"{percentile(values, 0.5):>9.1f}{percentile(values, 0.95):>9.1f}"
              f"{percentile(values, 0.99):>9.1f}")
    total = sum(len(v) for v in stats.latency.values())
    print(f"{'all':<16}{total:>7}{total / elapsed:>8.1f}")
    print("statuses:", dict(sorted(stats.statuses.items(), key=lambda kv: str(kv[0]))))
    if stats.errors:
        print(f"connection errors: {len(stats.errors)} (requests in flight on the killed worker "
              f"fail this way), first: {stats.errors[0]}")

    ok = True
    server_errors = sum(n for status, n in stats.statuses.items() if status and status >= 500)
    server_log = log_path.read_text(errors="replace")
    locked = server_log.count("database is locked")
    if server_errors:  # say which requests failed and what the server logged
        for error in stats.failures[:5]:
            print("5xx:", error)
        for line in [line for line in server_log.splitlines()
                     if "WARNING" in line or "ERROR" in line][:10]:
            print("log:", line[:300])
    verdict = subprocess.run([PYTHON, "-c", VERIFY, json.dumps(stats.created)], cwd=ROOT,
                             env=env, capture_output=True, text=True, check=False)
    print(verdict.stdout.strip() or verdict.stderr[-2000:])
    check = flask(env, "search", "check")
    print("flask search check:", " | ".join(check.stdout.strip().splitlines()))
    thread_p95 = percentile(stats.latency.get("thread_page", [1.0]), 0.95)
    post_p95 = max(percentile(stats.latency.get(a, [1.0]), 0.95)
                   for a in ("post_question", "post_answer", "post_experience"))
    checks = [
        (f"members posted ({len(stats.created)} posts)", len(stats.created) > 0),
        ("posts that got a success response are all stored and searchable",
         verdict.returncode == 0),
        ("flask search check is clean", check.returncode == 0),
        (f"zero 5xx (saw {server_errors})", server_errors == 0),
        (f"zero 'database is locked' (saw {locked})", locked == 0),
        (f"thread page p95 under 100 ms ({thread_p95:.0f} ms)", thread_p95 < 100),
        (f"posting p95 under 500 ms ({post_p95:.0f} ms)", post_p95 < 500),
    ]
    if check_limits:
        checks.append(_login_limit(port))
    for text, passed in checks:
        print(f"[{'PASS' if passed else 'FAIL'}] {text}")
        ok = ok and passed
    return ok


def _login_limit(port: int) -> tuple[str, bool]:
    """Fail logins for one account from one address: refusals must start at the 11th try."""
    stats = Stats()
    probe = Member(port, "loadmember0", stats)
    probe.request("login_page", "GET", "/login")
    statuses = []
    for _ in range(14):
        response, _ = probe.post("bad_login", "/login",
                                 {"username": "loadmember0", "password": "wrong guess"})
        statuses.append(response.status if response is not None else None)
    allowed = statuses.index(429) if 429 in statuses else len(statuses)
    return (f"login limit trips after exactly 10 failures across workers "
            f"(statuses {statuses})", allowed == 10)


SETUP = """
import sys
from app import create_app
from forum.services import members
app = create_app()
with app.app_context():
    for n in range(int(sys.argv[1])):
        if members.find_member(f"loadmember{n}") is None:
            members.register(username=f"loadmember{n}", email=f"load{n}@example.org",
                             password="load test password")
"""

VERIFY = """
import json, sys
from sqlalchemy import select
from app import create_app
from forum.extensions import db
from forum.models import IndexJob, Post
from forum.services import indexing
created = set(json.loads(sys.argv[1]))
app = create_app()
with app.app_context():
    stored = set(db.session.scalars(select(Post.id).where(Post.id.in_(created))))
    indexed = set(indexing.get_index().versions())
    gone = set(db.session.scalars(select(Post.id).where(Post.id.in_(created),
                                                       Post.status.not_in(["published", "held"]))))
    missing_db = created - stored
    missing_index = created - indexed - gone
    pending = db.session.scalar(select(db.func.count()).select_from(IndexJob))
    print(f"posts created with a success response: {len(created)}; missing from the database: "
          f"{len(missing_db)}; missing from the index: {len(missing_index)} "
          f"{sorted(missing_index)[:10]}; index jobs still pending: {pending}")
    sys.exit(1 if missing_db or missing_index else 0)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url",
                        default="postgresql://postgres@127.0.0.1:5432/thaw_load")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    results = {}
    base = {k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "SECRET_KEY", "SEARCH_INDEX_DIR")}
    # The simulated members post, vote and report far faster than people do: their own
    # limits are raised for the run. The login limit stays as configured and is checked.
    base.update({name: "100000 per hour" for name in (
        "POST_LIMIT", "NEW_MEMBER_POST_LIMIT", "VOTE_LIMIT", "REPORT_LIMIT")})
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            env = {**base, "INSTANCE_PATH": tmp}
            results["sqlite"] = run("embedded default (SQLite)", env, args)
    if args.only != "sqlite":
        answers = shutil.which("pg_isready") and subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0
        if not answers:
            print("\nPostgreSQL does not answer: its run is skipped")
        else:
            name = args.database_url.rsplit("/", 1)[1]
            for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
                subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d",
                                "postgres", "-c", sql], check=True)
            with tempfile.TemporaryDirectory() as tmp:
                env = {**base, "INSTANCE_PATH": tmp, "DATABASE_URL": args.database_url,
                       "SECRET_KEY": "load-test-secret", "PUBLIC_URL": "http://127.0.0.1"}
                results["postgresql"] = run("PostgreSQL", env, args)
    print("\nsummary:", ", ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in results.items()))
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
