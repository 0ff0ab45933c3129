"""The home page and the tag pages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from forum.extensions import db
from forum.models import THREAD_KINDS, Kind
from forum.services import posts
from forum.taxonomy import load_taxonomy
from forum.validation import whole_number

bp = Blueprint("main", __name__)


def page_number() -> int:
    """Return the ?page= number, 1 when missing or nonsense."""
    return whole_number(request.args.get("page"), 1, 99_999) or 1


def paginate(query, *, total: int | None = None):
    """Return this request's page of the query's rows; a known `total` saves counting them."""
    pagination = db.paginate(query, page=page_number(),
                             per_page=current_app.config["POSTS_PER_PAGE"], error_out=False,
                             count=total is None)
    if total is not None:
        pagination.total = total
    return pagination


@bp.get("/")
def home():
    counts = posts.tag_counts()
    popular = sorted(counts, key=lambda slug: (-counts[slug], slug))[:12]
    return render_template(
        "main/home.html",
        newest=db.session.scalars(posts.public_threads(Kind.QUESTION).limit(8)).all(),
        unanswered=db.session.scalars(posts.public_threads(Kind.QUESTION, unanswered=True)
                                      .limit(8)).all(),
        experiences=db.session.scalars(posts.public_threads(Kind.EXPERIENCE).limit(8)).all(),
        popular=[(load_taxonomy().tags[slug], counts[slug]) for slug in popular
                 if slug in load_taxonomy().tags],
    )


@bp.get("/threads")
def threads():
    kind = request.args.get("kind")
    kind = kind if kind in THREAD_KINDS else None
    unanswered = request.args.get("unanswered") == "1"
    pagination = paginate(posts.public_threads(kind, unanswered=unanswered))
    return render_template("main/threads.html", pagination=pagination, kind=kind,
                           unanswered=unanswered)


@bp.get("/tags")
def tags():
    return render_template("main/tags.html", counts=posts.tag_counts())


@bp.get("/tags/<slug>")
def tag(slug: str):
    taxonomy = load_taxonomy()
    if slug not in taxonomy.tags:
        resolved = taxonomy.resolve(slug)
        if resolved is None:
            abort(404)
        slug = resolved
    # The tag counts hold this page's total already (for the posts as they are now).
    pagination = paginate(posts.threads_tagged(slug), total=posts.tag_counts().get(slug, 0))
    return render_template("main/tag.html", tag=taxonomy.tags[slug], pagination=pagination)
