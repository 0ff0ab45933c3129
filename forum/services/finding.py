"""Searching posts for a member: the index finds, the database decides what may be shown."""

from __future__ import annotations

from dataclasses import dataclass

from forum.models import Member, Post
from forum.services import indexing
from forum.services.threads import can_see
from search import Hit, SearchQuery, SearchResults


@dataclass(frozen=True)
class Result:
    """One hit with the post it points at, as loaded from the database."""

    hit: Hit
    post: Post
    thread: Post


@dataclass(frozen=True)
class Found:
    results: SearchResults
    items: list[Result]


def find(query: SearchQuery, viewer: Member | None) -> Found:
    """Run a search and keep only hits the viewer may see now (the database is the last word).

    :raise search.QueryError: the query cannot be run; its message is for the member.
    :raise search.IndexUnavailable: the index is missing or being rebuilt.
    """
    results = indexing.get_index().search(query)
    loaded = indexing.load_with_threads([hit.id for hit in results.hits])
    items = []
    for hit in results.hits:
        post, root = loaded.get(hit.id, (None, None))
        thread = root if post is not None and post.parent_id is not None else post
        if post is None or thread is None:
            continue
        if not _may_show(post, viewer, query.include_held):
            continue
        # An answer follows its thread: hidden with a held or removed one (a deleted thread
        # shows as a stub, without its title).
        if thread is not post and thread.status != "deleted" and not _may_show(
                thread, viewer, query.include_held):
            continue
        items.append(Result(hit=hit, post=post, thread=thread))
    return Found(results=results, items=items)


def _may_show(post: Post, viewer: Member | None, include_held: bool) -> bool:
    if post.status == "published":
        return True
    return include_held and post.status == "held" and can_see(viewer, post)
