"""What templates can use besides what a view passes them: every context processor, here.

`init_app` is the only place that adds to a template's context, so a name a template uses
without being given it is defined in this module, and so is every query it runs.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, url_for
from sqlalchemy import exists, select
from werkzeug.routing import BuildError

from forum.extensions import db
from forum.forms import ActionForm, ReportForm
from forum.models import Post
from forum.services import articles, review
from forum.taxonomy import load_taxonomy


def init_app(app: Flask) -> None:
    """Register the context processors on this app."""
    app.context_processor(page_frame)
    app.context_processor(template_helpers)


def page_frame() -> dict:
    """Give base.html what it reads from the database, on every page.

    - `demo_present()`: one `SELECT EXISTS (... WHERE post.is_demo)` a request, for the demo
      banner (every page; kept on `g`, so a page asking twice queries once).
    - `open_review_count()`: one `SELECT count(*)` of open review items, for the "Review
      queue (N waiting)" link; base.html calls it only for moderators and admins.
    The logged-in member (`current_user`) is loaded by Flask-Login's user loader
    (forum.services.members.load_session_member: one primary-key SELECT) on pages that ask.
    """
    return {"demo_present": demo_present, "open_review_count": review.count_open}


def template_helpers() -> dict:
    """Give templates the taxonomy, forms and helpers they call; none queries until called."""
    return {
        "taxonomy": load_taxonomy(),
        "action_form": action_form,
        "report_form": ReportForm,
        "report_labels": review.REPORT_LABELS,
        "thread_reading": thread_reading,
        "notice_article": notice_article,
        "search_link": search_link,
        "figure": figure,
    }


def demo_present() -> bool:
    """Tell whether the demo content is here (asked once a request)."""
    if "demo_present" not in g:
        # `where(Post.is_demo)`, not `.is_(True)`: the index on demo posts matches this form.
        g.demo_present = db.session.scalar(select(exists().where(Post.is_demo)))
    return g.demo_present


def action_form() -> ActionForm:
    """Return a form whose only job is the CSRF token of a button.

    It never reads the request's body: an error page for a body too large or malformed
    renders it too, and reading that body again would fail a second time.
    """
    return ActionForm(formdata=None)


def thread_reading(view) -> list:
    """Return the reviewed articles to suggest beside a thread."""
    return articles.for_thread(tags=view.root.tag_slugs,
                               drug=articles.thread_drug([view.root, *view.answers]))


def notice_article(drug: str | None, tags: list[str]):
    """Return the article for a post's dose notice: looked up once per drug and page, however
    many posts in the thread carry a notice."""
    chosen = g.setdefault("notice_articles", {})
    key = (drug, tuple(tags))
    if key not in chosen:
        chosen[key] = articles.for_drug(drug, tags)
    return chosen[key]


def search_link(**params: object) -> str:
    """Return the search results URL for these parameters, even before search is installed."""
    params = {key: value for key, value in params.items() if value is not None}
    try:
        return url_for("search.page", **params)
    except BuildError:
        return "/search?" + urlencode(params, doseq=True)


def figure(value: float, places: int = 1) -> str:
    """Write a figure with at most `places` decimals and no trailing zeros (3.0 -> "3")."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
