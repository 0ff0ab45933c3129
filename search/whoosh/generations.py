"""A Whoosh index directory's generations: which one is current, and its place in the log.

See search/whoosh/index.py for the layout on disk. These helpers read and write the small
files beside the generations (CURRENT, REBUILDING) and are shared by the index and by tools
that only want a node's position.
"""

from __future__ import annotations

import gc
import os
import threading
import traceback
import warnings
from pathlib import Path

from search.whoosh import position as applied

CURRENT = "CURRENT"
REBUILDING = "REBUILDING"
REBUILD_LOCK = "rebuild.lock"
OPEN_ATTEMPTS = 4  # a concurrent commit can delete what we were about to open: try again


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_position(directory: Path | str) -> int | None:
    """Return the change log id recorded by the current generation's latest commit, or None."""
    directory = Path(directory)
    for _attempt in range(OPEN_ATTEMPTS):
        try:
            name = (directory / CURRENT).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        if not name or "/" in name or name.startswith("."):
            return None
        try:
            return applied.read(directory / name)
        except FileNotFoundError:
            continue  # a rebuild swapped generations and removed this one: read the new one
    return None


def forget(exc: BaseException) -> None:
    """Drop a failed read's frames so files Whoosh half-opened on a damaged index close now."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        seen: BaseException | None = exc
        while seen is not None:
            traceback.clear_frames(seen.__traceback__)
            seen = seen.__cause__ or seen.__context__
        gc.collect()
