"""A node's place in the change log it follows, kept in its index directory.

The file is written after the index commit that applied the changes, never before: a crash in
between makes the node apply those changes again (they are idempotent), never skip them.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

POSITION = "APPLIED"
POSITION_LOCK = "applied.lock"


def read_position(directory: Path) -> int | None:
    """Return the last log id applied to the index in directory, or None if none was recorded."""
    try:
        data = json.loads((directory / POSITION).read_text(encoding="utf-8"))
        return int(data["log_id"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def record_position(directory: Path, log_id: int, *, force: bool = False) -> int:
    """Record that the index holds every change up to log_id; return the recorded id.

    Several processes of one node apply the log at once, so the position only moves forward
    unless force (a rebuild, which read the database at exactly log_id) says otherwise.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / POSITION_LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_position(directory)
        if current is not None and current >= log_id and not force:
            return current
        temporary = directory / f".{POSITION}.{os.getpid()}"
        # No fsync: the rename is atomic for a crashed process, and Whoosh does not fsync its
        # commits either; after a power loss the index is checked or rebuilt anyway. (An fsync
        # here doubled the cost of a member's post on a busy disk.)
        temporary.write_text(json.dumps({"log_id": log_id}), encoding="utf-8")
        os.replace(temporary, directory / POSITION)
        return log_id
