"""Keeping each node's search index in step with the database, through a log of index jobs.

Every change that affects search queues index jobs (post ids) in the transaction that makes
it; a session hook appends them to the log as the transaction commits (jobs.py). The jobs form
a log: each web node keeps its own index and records in its index directory the last job it
applied, so nodes need no shared disk. A node applies new jobs right after its own commits (a
session hook again) and in a follower thread (follower.py, woken by PostgreSQL NOTIFY, or
polling); each node registers its place, and the log is pruned past the slowest live node, or
past the retention period (nodes.py). A node further behind than what was pruned rebuilds from
the database (rebuilding.py). What an entry holds is in documents.py.

init_app (called by the app factory) adds the session hooks to the forum's session class.
"""

from __future__ import annotations

from forum.services.indexing.documents import (
    INDEXED_STATUSES,
    VISIBILITY,
    all_documents,
    document_for,
    expected_versions,
    get_index,
    load_with_threads,
    version_of,
    vocabulary,
)
from forum.services.indexing.follower import catch_up, follow, follow_in_background
from forum.services.indexing.jobs import (
    JOB_BATCH,
    REBUILD_AFTER_IMPORT,
    apply,
    check,
    init_app,
    process_jobs,
    queue,
    queue_thread,
    rebuild_in_background,
)
from forum.services.indexing.nodes import (
    Lag,
    NodeState,
    current_position,
    lag,
    log_mark,
    node_name,
    nodes,
    note_progress,
    prune,
    pruned_through,
    retention,
)
from forum.services.indexing.rebuilding import rebuild, rebuild_and_settle, warm_in_background

__all__ = [
    "INDEXED_STATUSES", "JOB_BATCH", "REBUILD_AFTER_IMPORT", "VISIBILITY", "Lag", "NodeState",
    "all_documents", "apply", "catch_up", "check", "current_position", "document_for",
    "expected_versions", "follow", "follow_in_background", "get_index", "init_app", "lag",
    "load_with_threads", "log_mark", "node_name", "nodes", "note_progress", "process_jobs",
    "prune", "pruned_through", "queue", "queue_thread", "rebuild", "rebuild_and_settle",
    "rebuild_in_background", "retention", "version_of", "vocabulary", "warm_in_background",
]
