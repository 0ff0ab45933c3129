"""The follower: one per node, in whichever worker holds the node's follower lock."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from flask import Flask

from forum.extensions import db
from forum.services.indexing.documents import get_index
from forum.services.indexing.jobs import CHANNEL, process_jobs
from forum.services.indexing.nodes import (
    current_position,
    index_missing,
    note_progress,
    pruned_through,
)
from forum.services.indexing.rebuilding import rebuild
from search import WhooshIndex

if TYPE_CHECKING:
    from psycopg import Connection

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
FOLLOWER_LOCK = "follower.lock"


def catch_up() -> int:
    """Bring this node's index up to the end of the log, rebuilding first if it must."""
    position = current_position()
    if (position is None and index_missing()) or (position or 0) < pruned_through():
        log.info("search index missing or behind the pruned log; rebuilding from the database")
        rebuild()
    done = 0
    while count := process_jobs():
        done += count
    return done


def follow(app: Flask, stop: threading.Event, interval: float | None = None) -> None:
    """Apply the log as it grows until stop is set: woken by NOTIFY, else every interval."""
    interval = interval or float(app.config.get("SEARCH_FOLLOW_INTERVAL", 1.0))
    listener: Connection[Any] | None = None
    beat = 0.0
    while not stop.is_set():
        with app.app_context():
            try:
                if listener is None:
                    listener = _listen()
                catch_up()
                if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                    note_progress(current_position() or 0)
                    beat = time.monotonic()
            except Exception as error:  # the database went away: keep trying
                log.warning("search follower: %r", error)
                _close(listener)
                listener = None
            finally:
                db.session.remove()
        listener = _wait(listener, interval, stop)
    _close(listener)


def _listen() -> Connection[Any] | None:
    """Return a psycopg connection listening on CHANNEL, or None (SQLite: poll)."""
    url = db.engine.url
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
        return None
    import psycopg

    connection = psycopg.connect(url.set(drivername="postgresql").render_as_string(
        hide_password=False), autocommit=True, connect_timeout=5)
    connection.execute(f"LISTEN {CHANNEL}")
    return connection


def _wait(listener: Connection[Any] | None, interval: float,
          stop: threading.Event) -> Connection[Any] | None:
    if listener is None:
        stop.wait(interval)
        return None
    try:
        for _ in listener.notifies(timeout=interval, stop_after=1):
            pass
        return listener
    except Exception as error:
        log.warning("search follower lost its NOTIFY connection: %r", error)
        stop.wait(interval)
        _close(listener)
        return None


def _close(listener: Connection[Any] | None) -> None:
    if listener is not None:
        try:
            listener.close()
        except Exception:
            pass
    return None


def follow_in_background(app: Flask, stop: threading.Event | None = None,
                         parent: int | None = None) -> threading.Thread:
    """Run this node's follower in a thread of whichever process holds its follower lock.

    Every gunicorn worker starts one; the lock lets one follow while the others wait to take
    over (a worker recycled or killed releases it). With parent (the master's pid), the
    follower stops as soon as the master is gone, not when the orphaned worker notices.
    The memory backend has no follower.
    """
    stop = stop or threading.Event()
    if parent is not None:

        def orphaned() -> None:
            while not stop.wait(0.5):
                if os.getppid() != parent:
                    log.info("search follower stops: the gunicorn master is gone")
                    stop.set()

        threading.Thread(target=orphaned, name="thaw-search-parent", daemon=True).start()

    def work() -> None:
        with app.app_context():
            index = get_index()
        if not isinstance(index, WhooshIndex):
            return
        index.directory.mkdir(parents=True, exist_ok=True)
        with open(index.directory / FOLLOWER_LOCK, "a+") as lock:
            while not stop.is_set():
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    stop.wait(2.0)
                    continue
                follow(app, stop)

    thread = threading.Thread(target=work, name="thaw-search-follow", daemon=True)
    thread.start()
    return thread
