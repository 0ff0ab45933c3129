"""Building this node's whole index from the database, and warming it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from forum.services.indexing.documents import all_documents, expected_versions, get_index
from forum.services.indexing.nodes import log_mark, note_progress


def rebuild(progress: Callable[[int], None] | None = None,
            post_ids: list[int] | None = None, mark: int | None = None) -> int:
    """Rebuild the index from the database into a fresh directory and swap it in.

    The node's place in the log becomes the last job id read before the posts (mark), so the
    jobs written during the rebuild are applied after it. Callers that read post_ids
    themselves pass the mark they read from log_mark() before them.
    """
    if mark is None:
        mark = log_mark()
    if post_ids is None:
        post_ids = list(expected_versions())
    get_index().rebuild(all_documents(post_ids), total=len(post_ids), progress=progress,
                        position=mark)
    note_progress(mark, force=True)
    return len(post_ids)


def rebuild_and_settle(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild; the jobs the rebuild covered are pruned once every node passed them."""
    return rebuild(progress=progress)


def warm_in_background(app: Flask) -> None:
    """Read the index's caches in a thread, so a worker's first searches do not wait."""

    def work() -> None:
        with app.app_context():
            get_index().warm()

    threading.Thread(target=work, name="thaw-search-warm", daemon=True).start()
