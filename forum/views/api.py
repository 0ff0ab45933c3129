"""A read-only JSON API for threads and tags."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from forum.models import Post, Status
from forum.security import no_store
from forum.services import posts, similar
from forum.taxonomy import load_taxonomy
from forum.views.viewer import current_member

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def post_json(post: Post) -> dict:
    """Describe a post for the API; a deleted one keeps only its place."""
    data = {
        "id": post.id,
        "kind": post.kind,
        "url": url_for("posts.show", post_id=post.id, _external=True),
        "source_id": post.source_id,
        "status": post.status,
        "created_at": _iso(post.created_at),
        "edited_at": _iso(post.edited_at),
    }
    if post.status == Status.DELETED:
        return data
    data.update({
        "author": post.author.username,
        "title": post.title,
        "body": post.body,
        "body_html": post.body_html,
        "helpful": post.helpful_count,
    })
    if post.is_thread:
        data["tags"] = post.tag_slugs
        data["accepted_answer_id"] = post.accepted_answer_id
    if post.experience is not None:
        data["experience"] = post.experience.as_dict()
    return data


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    view = posts.get_thread(thread_id=thread_id, viewer=current_member())
    if view.shows_unpublished:
        no_store()
    data = post_json(view.root)
    data["answers"] = [post_json(answer) for answer in view.answers]
    return jsonify(data)


@bp.get("/tags")
def tags():
    counts = posts.tag_counts()
    return jsonify({"tags": [
        {"slug": tag.slug, "name": tag.name, "kind": tag.kind, "count": counts.get(tag.slug, 0),
         "url": url_for("main.tag", slug=tag.slug, _external=True)}
        for tag in load_taxonomy().tags.values()
    ]})


@bp.get("/tags/suggest")
def suggest():
    text = request.args.get("text", "")[:20_000]
    taxonomy = load_taxonomy()
    return jsonify({"tags": [{"slug": slug, "name": taxonomy.tags[slug].name}
                             for slug in taxonomy.suggest(text)]})


@bp.get("/similar")
def similar_threads():
    """Threads like the title being typed on the ask form (never held or removed ones)."""
    return jsonify({"threads": [
        {"id": thread.id, "kind": thread.kind, "title": thread.title,
         "url": url_for("posts.thread", thread_id=thread.id, _external=True),
         "answers": thread.answer_count, "accepted": thread.accepted_answer_id is not None}
        for thread in similar.similar_threads(request.args.get("title", ""))]})
