"""The search page and the search API."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from forum.models import KINDS
from forum.security import no_store
from forum.services import indexing
from forum.services.finding import find
from forum.taxonomy import load_taxonomy
from forum.validation import whole_number
from forum.views.viewer import current_member
from search import IndexUnavailable, QueryError, SearchQuery
from search.documents import SORTS

bp = Blueprint("search", __name__)

UNAVAILABLE = ("Search is being rebuilt and will be back shortly. Everything else works: "
               "browse by tag in the meantime.")


def _number(name: str, low: int, high: int) -> int | None:
    return whole_number(request.args.get(name), low, high)


def query_from_args(*, default_per_page: int = 20) -> SearchQuery:
    """Read a search from the query string, ignoring anything that is not ours."""
    taxonomy = load_taxonomy()
    if request.args.get("held") == "1":
        no_store()
    tags = tuple(dict.fromkeys(slug for slug in request.args.getlist("tag")
                               if slug in taxonomy.tags))[:8]
    kind = request.args.get("kind")
    treatment = request.args.get("treatment")
    sort = request.args.get("sort")
    viewer = current_member()
    return SearchQuery(
        text=request.args.get("q", ""),
        tags=tags,
        kind=kind if kind in KINDS else None,
        treatment=treatment if treatment in taxonomy.tags else None,
        min_effectiveness=_number("rating", 1, 5) or _number("min_rating", 1, 5),
        max_effectiveness=_number("rating", 1, 5),
        sort=sort if sort in SORTS else "relevance",
        page=_number("page", 1, 10_000) or 1,
        per_page=_number("per_page", 1, 100) or default_per_page,
        include_held=bool(request.args.get("held") == "1" and viewer is not None
                          and viewer.is_moderator),
    )


@bp.get("/search")
def page():
    query = query_from_args()
    searched = bool(query.text.strip() or query.tags or query.kind or query.treatment)
    if not searched:
        return render_template("search/page.html", query=query, found=None, message=None)
    try:
        found = find(query, current_member())
    except QueryError as error:
        return render_template("search/page.html", query=query, found=None,
                               message=str(error)), 400
    except IndexUnavailable:
        _start_rebuild()
        return render_template("search/page.html", query=query, found=None,
                               message=UNAVAILABLE), 503
    return render_template("search/page.html", query=query, found=found, message=None)


@bp.get("/api/v1/search")
def api():
    query = query_from_args()
    try:
        found = find(query, current_member())
    except QueryError as error:
        return jsonify({"error": "bad query", "message": str(error), "status": 400}), 400
    except IndexUnavailable:
        _start_rebuild()
        return jsonify({"error": "unavailable", "message": UNAVAILABLE, "status": 503}), 503
    results = found.results
    return jsonify({
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "results": [{
            "id": item.post.id,
            "thread_id": item.thread.id,
            "kind": item.post.kind,
            "title": item.thread.title,
            "url": url_for("posts.show", post_id=item.post.id, _external=True),
            "snippet": item.hit.snippet_html,
            "tags": item.thread.tag_slugs,
            "created_at": item.post.created_at.isoformat(timespec="seconds") + "Z",
            "helpful": item.post.helpful_count,
            "score": round(item.hit.score, 4),
            "source_id": item.post.source_id,
        } for item in found.items],
        "facets": {"tags": dict(results.facets)},
        "suggestion": results.suggestion,
        "notice": results.notice,
    })


def _start_rebuild() -> None:
    if current_app.config.get("SEARCH_AUTO_REBUILD", True):
        indexing.rebuild_in_background(current_app._get_current_object())
