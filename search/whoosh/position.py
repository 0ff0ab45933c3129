"""A node's place in the change log it follows, kept inside each Whoosh generation.

The place is versioned by the table of contents it belongs to: ``APPLIED-<n>`` holds the last
log id applied by commit number n of that generation. It is written under the write lock
*before* Whoosh renames ``_MAIN_<n>.toc`` into place, so the commit and the place are
published by that one rename: a reader takes the file of the newest table of contents it sees
(or the newest one below it, for a merge that changed nothing). A crash between the two
leaves an ``APPLIED-<n>`` with no table of contents n, which no reader takes and the next
commit overwrites; the place can lag the index (changes applied twice, harmlessly) but never
run ahead of it.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

PREFIX = "APPLIED-"
KEEP = 8  # places of older commits kept for readers still looking at them
_TOC = re.compile(r"^_MAIN_([0-9]+)\.toc$")
_PLACE = re.compile(rf"^{PREFIX}([0-9]+)$")


def _listing(generation: Path) -> tuple[int, dict[int, str]]:
    """Return the newest table of contents number and the places by commit number."""
    newest, places = -1, {}
    for entry in os.listdir(generation):
        if match := _TOC.match(entry):
            newest = max(newest, int(match.group(1)))
        elif match := _PLACE.match(entry):
            places[int(match.group(1))] = entry
    return newest, places


def read(generation: Path, toc: int | None = None) -> int | None:
    """Return the last log id applied as of commit toc (default: the newest) of generation."""
    newest, places = _listing(generation)
    toc = newest if toc is None else toc
    for number in sorted((n for n in places if n <= toc), reverse=True):
        try:
            data = json.loads((generation / places[number]).read_text(encoding="utf-8"))
            return int(data["log_id"])
        except FileNotFoundError:
            continue  # removed by a later commit meanwhile: an older one still tells
        except (ValueError, KeyError, TypeError):
            return None
    return None


def write(generation: Path, toc: int, log_id: int) -> None:
    """Record log_id as the place of commit toc, before that commit publishes its contents.

    The caller holds the generation's write lock. No fsync, as Whoosh does not fsync its
    commits: the rename is atomic for a crashed process, and after a power loss the index is
    checked or rebuilt anyway.
    """
    temporary = generation / f".{PREFIX}{toc}.{os.getpid()}.{threading.get_ident()}"
    temporary.write_text(json.dumps({"log_id": log_id}), encoding="utf-8")
    os.replace(temporary, generation / f"{PREFIX}{toc}")


def forget_old(generation: Path, toc: int) -> None:
    """Remove the places of commits well before toc (best effort)."""
    try:
        _, places = _listing(generation)
    except OSError:
        return
    for number, entry in places.items():
        if number < toc - KEEP:
            (generation / entry).unlink(missing_ok=True)


def newest_toc(generation: Path) -> int:
    """Return the number of generation's newest table of contents (-1 if none)."""
    return _listing(generation)[0]
