"""Notifications, mail preferences, unsubscribing, following, appeals, and the crisis box."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, user_logged_out
from markupsafe import Markup

from forum import permissions
from forum.errors import Invalid, NotFound
from forum.extensions import csrf, db
from forum.forms import AppealForm, PreferencesForm, show_errors
from forum.models import Member
from forum.security import no_store
from forum.services import appeals, crisis, following, notifications, posts, threads

bp = Blueprint("notifications", __name__)
api_bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")

CRISIS_FILE = Path(__file__).resolve().parents[1] / "data" / "crisis.json"
# The posts of this session's member that called for help, {post id: help}: the thread page
# keeps showing it to them after the response to the form.
HELP_SESSION_KEY = "crisis_help"
HELP_REMEMBERED = 20


def init_app(app: Flask) -> None:
    """Register the blueprints, the bell's count for every page and the after-commit mail."""
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    notifications.init_app(app)
    user_logged_out.connect(_forget_help, app)

    @app.context_processor
    def bell() -> dict:
        def unread() -> int:
            if not current_user.is_authenticated:
                return 0
            return notifications.unread_count(current_user)
        return {"unread_notifications": unread, "can_appeal": _can_appeal,
                "appeal_status": _appeal_status, "follows_thread": _follows_thread,
                "follows_tag": _follows_tag, "appeal_details": _appeal_details}


def _appeal_details(item) -> dict | None:
    """Describe the appeal behind a queue item: its text, the decision and who made it."""
    if item.source != appeals.APPEAL_SOURCE:
        return None
    appeal = appeals.appeals_for_items([item]).get(item.id)
    if appeal is None:
        return None
    by = db.session.get(Member, appeal.original_by_id) if appeal.original_by_id else None
    return {"text": appeal.text, "outcome": appeal.original_outcome,
            "by": by.username if by else "the automatic screening",
            "by_id": appeal.original_by_id, "reason": appeal.original_reason,
            "same_moderator": by is not None and current_user.is_authenticated
            and by.id == current_user.id}


def _my_appeals() -> dict:
    """Return the viewer's appeals by post id, read once per request (pages list many posts)."""
    if "my_appeals" not in g:
        g.my_appeals = appeals.appeals_by(current_user) if current_user.is_authenticated else {}
    return g.my_appeals


def _can_appeal(post) -> bool:
    return permissions.can_appeal(current_user, post) and post.id not in _my_appeals()


def _appeal_status(post) -> Markup:
    """Say where the author's appeal stands, if they made one."""
    appeal = _my_appeals().get(post.id)
    if appeal is None:
        return Markup("")
    if appeal.outcome is None:
        words = "You appealed this decision; a moderator will look at it."
    elif appeal.outcome == "reversed":
        words = "Your appeal was successful."
    else:
        words = "Your appeal was considered and the decision stands."
    return Markup('<p class="appeal-status" role="status">') + words + Markup("</p>")


def _follows_thread(thread) -> bool:
    return following.follows_thread(current_user, thread)


def _follows_tag(slug: str) -> bool:
    return following.follows_tag(current_user, slug)


# The list --------------------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def index():
    no_store()
    items = notifications.recent(current_user)
    return render_template("notifications/index.html", items=items,
                           unread=notifications.unread_count(current_user),
                           target_url=notifications.target_url)


@bp.post("/notifications/read")
@login_required
def mark_read():
    ids = request.form.getlist("id")
    notifications.mark_read(member=current_user, ids=ids or None)
    flash("Marked as read." if ids else "All marked as read.", "success")
    return redirect(url_for("notifications.index"), 303)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    no_store()
    chosen = notifications.preferences(current_user)
    form = PreferencesForm(data=chosen)
    if not form.is_submitted():
        return render_template("notifications/preferences.html", form=form,
                               kinds=list(notifications.KINDS))
    choices = {name: getattr(form, name).data for name in (*notifications.KINDS, "digest")}
    try:
        notifications.set_preferences(member=current_user, choices=choices)
    except Invalid as error:
        show_errors(form, error)
        return render_template("notifications/preferences.html", form=form,
                               kinds=list(notifications.KINDS)), 422
    flash("Your email choices are saved.", "success")
    return redirect(url_for("notifications.preferences"), 303)


# Unsubscribing from a mail, without logging in ----------------------------------------------

def _kind_label(kind: str) -> str:
    if kind == notifications.DIGEST_PREFERENCE:
        return "Digests"
    return notifications.KINDS[kind].label


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    no_store()
    return render_template("notifications/unsubscribe.html", token=token, done=None)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # one click from a mail client (RFC 8058): the signed token is the permission
def unsubscribe_now(token: str):
    no_store()
    try:
        _member, kind = notifications.unsubscribe(token=token)
    except notifications.BadLink:
        return render_template("notifications/unsubscribe.html", token=None, done=None,
                               bad=True), 400
    return render_template("notifications/unsubscribe.html", token=None,
                           done=_kind_label(kind))


# JSON ------------------------------------------------------------------------------------------

def _iso(value) -> str:
    return value.isoformat(timespec="seconds") + "Z"


@api_bp.get("/notifications")
@login_required
def api_list():
    no_store()
    items = notifications.recent(current_user)
    return jsonify({"unread": notifications.unread_count(current_user), "items": [
        {"id": row.id, "kind": row.kind, "created_at": _iso(row.created_at),
         "read": row.read_at is not None,
         "url": notifications.target_url(row), "text": row.text} for row in items]})


@api_bp.post("/notifications/read")
@login_required
def api_mark_read():
    data = request.get_json(silent=True)
    ids = data.get("ids") if isinstance(data, dict) else None
    if ids is not None and not isinstance(ids, list):
        return jsonify({"error": "ids must be a list of numbers"}), 400
    try:
        changed = notifications.mark_read(member=current_user, ids=ids)
    except Invalid as error:
        return jsonify({"error": error.message}), 400
    return jsonify({"marked": changed, "unread": notifications.unread_count(current_user)})


# Following -----------------------------------------------------------------------------------

def _follow_wanted() -> bool:
    return request.form.get("follow", "1") != "0"


@bp.post("/threads/<int:thread_id>/follow")
@login_required
def follow_thread(thread_id: int):
    thread = posts.get_post(thread_id)
    state = following.set_thread_follow(member=current_user, thread=thread,
                                        follow=_follow_wanted())
    flash("You follow this thread." if state else "You no longer follow this thread.",
          "success")
    return redirect(url_for("posts.thread", thread_id=thread.id), 303)


@bp.post("/tags/<slug>/follow")
@login_required
def follow_tag(slug: str):
    state = following.set_tag_follow(member=current_user, tag=slug, follow=_follow_wanted())
    flash("You follow this tag." if state else "You no longer follow this tag.", "success")
    return redirect(url_for("main.tag", slug=slug), 303)


# Appeals -------------------------------------------------------------------------------------

def _appealable(post_id: int):
    post = posts.get_post(post_id)
    if not threads.can_see(current_user, post):
        raise NotFound(post_id)
    if post.author_id != current_user.id:
        raise NotFound(post_id)
    if not appeals.can_appeal(current_user, post):
        raise NotFound(post_id)
    return post


@bp.route("/posts/<int:post_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(post_id: int):
    no_store()
    post = _appealable(post_id)
    form = AppealForm()
    if not form.is_submitted():
        return render_template("notifications/appeal.html", form=form, post=post)
    try:
        appeals.file_appeal(author=current_user, post=post, text=form.text.data)
    except Invalid as error:
        show_errors(form, error)
        return render_template("notifications/appeal.html", form=form, post=post), 422
    except appeals.AlreadyAppealed:
        flash("You have already appealed this decision.", "info")
    else:
        flash("Your appeal is with the moderators. You will be told the outcome.", "success")
    return redirect(url_for("posts.thread", thread_id=post.thread_id,
                            _anchor=f"post-{post.id}"), 303)


# The crisis box -------------------------------------------------------------------------------

@cache
def crisis_resources() -> tuple[dict, ...]:
    """Return the help-now entries of forum/data/crisis.json (read once)."""
    with CRISIS_FILE.open(encoding="utf-8") as handle:
        return tuple(json.load(handle)["resources"])


def resources_for_request() -> list[dict]:
    """Return the resources for the reader's locale when known (en-GB, en-US), else all."""
    everything = list(crisis_resources())
    best = request.accept_languages.best_match(["en-GB", "en-US"]) if request else None
    explicit = {lang.lower() for lang, _q in request.accept_languages}
    if best is None or best.lower() not in explicit:
        return everything
    region = best.split("-")[1]
    return [entry for entry in everything if region in entry["locales"]]


def crisis_response(post, *, edited: bool = False):
    """Return the thread page with help shown first when the crisis screen fired, else None.

    Shown on the response to the form itself, so nothing comes between the post and the help.
    The page then puts the thread's address in the history (thaw.js), so a reload reads the
    thread instead of sending the form again, and the thread keeps the help for the session.
    """
    kind = crisis.help_for(post)
    if kind is None or post.author_id != current_user.id:
        return None
    from forum.forms import AnswerForm

    _remember_help(post, kind)
    no_store()
    view = posts.get_thread(thread_id=post.thread_id, viewer=current_user)
    # formdata=None: the answer box stays empty, never refilled with the text just sent.
    return render_template("posts/thread.html", view=view, form=AnswerForm(formdata=None),
                           crisis_help=_help_box(kind, post, edited=edited, replace_url=url_for(
                               "posts.thread", thread_id=post.thread_id)))


def remembered_help(view) -> dict | None:
    """Return the help box for a thread where the viewer was shown it this session, else None.

    Only the author of the post that called for it sees it again: the check is by post author,
    so another member logging in on the same browser never does.
    """
    remembered = session.get(HELP_SESSION_KEY)
    if not remembered or not current_user.is_authenticated:
        return None
    asked = {remembered.get(str(post.id)): post for post in [view.root, *view.answers]
             if post.author_id == current_user.id}
    for kind in (crisis.SELF, crisis.SOMEONE_ELSE):
        if kind in asked:
            no_store()
            return _help_box(kind, asked[kind])
    return None


def _help_box(kind: crisis.Help, post, *, edited: bool = False,
              replace_url: str | None = None) -> dict:
    return {"resources": resources_for_request(), "about": kind, "edited": edited,
            "status": post.status, "replace_url": replace_url}


def _remember_help(post, kind: crisis.Help) -> None:
    remembered = dict(session.get(HELP_SESSION_KEY) or {})
    remembered.pop(str(post.id), None)
    remembered[str(post.id)] = kind  # newest last: the oldest go first past the limit
    session[HELP_SESSION_KEY] = dict(list(remembered.items())[-HELP_REMEMBERED:])


def _forget_help(_app, **_extra) -> None:
    session.pop(HELP_SESSION_KEY, None)
