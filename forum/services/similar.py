"""Threads like the one a member is about to start, found from its title as they type it."""

from __future__ import annotations

from forum.models import THREAD_KINDS, Post
from forum.services import finding
from search import SearchError, SearchQuery

LIMIT = 5
TITLE_MIN = 8  # as short as a title may be: fewer letters say too little to match on
TITLE_MAX = 200
HITS_READ = 30  # answers count towards their thread, so read more hits than threads shown


def similar_threads(title: str, *, limit: int = LIMIT) -> list[Post]:
    """Return up to `limit` published threads whose posts match the title, best first.

    Answers lead to their thread. A title too short to say anything, a query the search
    cannot run, or an index being rebuilt give no threads: asking goes on regardless.
    """
    text = " ".join(str(title or "").split())[:TITLE_MAX]
    if len(text) < TITLE_MIN:
        return []
    try:
        found = finding.find(SearchQuery(text=text, per_page=HITS_READ), viewer=None)
    except SearchError:
        return []
    threads: dict[int, Post] = {}
    for item in found.items:
        thread = item.thread
        if thread.kind in THREAD_KINDS and thread.status == "published":
            threads.setdefault(thread.id, thread)
        if len(threads) == limit:
            break
    return list(threads.values())
