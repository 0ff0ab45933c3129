"""Member reports, the review queue and the audit log; the role checks of both blueprints."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from forum.errors import Invalid, NotFound
from forum.extensions import db, limiter
from forum.forms import ModerationEditForm, ReportForm, SuspendForm, show_errors
from forum.models import Member, Post
from forum.services import audit as audit_log
from forum.services import members, posts, review
from forum.validation import query_text
from forum.views.main import page_number

bp = Blueprint("moderation", __name__)

QUEUE_PAGE = 20
AUDIT_PAGE = 50
REPORTS_PER_DAY = "20 per day"


def _requires(role: str):
    """Let members with this role property in; 403 for others, the login page for visitors."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not getattr(current_user, role):
                abort(403)
            if request.method == "POST":
                members.ensure_can_post(current_user)  # a suspended moderator only reads
            return view(*args, **kwargs)
        return wrapped
    return decorate


moderator_required = _requires("is_moderator")  # moderators and admins
admin_required = _requires("is_admin")


# Members: reporting ---------------------------------------------------------------------

def _reportable(post_id: int) -> Post:
    post = posts.get_post(post_id)
    review.ensure_can_report(reporter=current_user, post=post)
    return post


def _report_key() -> str:
    """Count reports per member (visitors are sent to log in, counted by address)."""
    if current_user.is_authenticated:
        return f"report:{current_user.id}"
    return get_remote_address()


@bp.route("/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config.get("REPORT_LIMIT", REPORTS_PER_DAY),
               methods=["POST"], key_func=_report_key,
               error_message="You have reported many posts today. The moderators have them; "
                             "thank you.")
def report(post_id: int):
    post = _reportable(post_id)
    form = ReportForm()
    if not form.is_submitted():
        return render_template("moderation/report.html", form=form, post=post)
    try:
        review.report_post(reporter=current_user, post=post, reason=form.reason.data or "",
                           note=form.note.data)
    except Invalid as error:
        show_errors(form, error)
        return render_template("moderation/report.html", form=form, post=post), 422
    except review.AlreadyReported:
        flash("You have already reported this post. The moderators have it; thank you.",
              "info")
    else:
        flash("Thank you. The moderators will look at this post.", "success")
    return redirect(url_for("posts.thread", thread_id=post.thread_id, _anchor=f"post-{post.id}"),
                    303)


# Moderators: the queue -------------------------------------------------------------------

@bp.get("/moderation")
@moderator_required
def queue():
    pagination = db.paginate(review.open_items_query(), page=page_number(),
                             per_page=QUEUE_PAGE, error_out=False)
    return render_template("moderation/queue.html", pagination=pagination,
                           entries=review.queue_entries(pagination.items),
                           suspend_form=SuspendForm())


def _back_to_queue(item_id: int | None = None):
    return redirect(url_for("moderation.queue", _anchor=f"item-{item_id}" if item_id else None),
                    303)


def _act(item_id: int, action, done: str, **kwargs):
    """Run a queue action; a closed or missing item is refused politely and changes nothing."""
    try:
        action(actor=current_user, item_id=item_id, **kwargs)
    except review.AlreadyHandled as error:
        item = error.item
        who = db.session.get(Member, item.handled_by_id) if item.handled_by_id else None
        flash(f"This item was already handled{' by ' + who.username if who else ''}"
              f" ({item.outcome or 'closed'}), so nothing was changed.", "error")
        return _back_to_queue()
    except NotFound:
        flash("That item is no longer in the queue, so nothing was changed.", "error")
        return _back_to_queue()
    except Invalid as error:
        flash(" ".join(error.errors.values()), "error")
        return _back_to_queue(item_id)
    flash(done, "success")
    return _back_to_queue()


@bp.post("/moderation/items/<int:item_id>/approve")
@moderator_required
def approve(item_id: int):
    return _act(item_id, review.approve, "Approved: the post is published.",
                reason=request.form.get("reason", ""))


@bp.post("/moderation/items/<int:item_id>/remove")
@moderator_required
def remove(item_id: int):
    return _act(item_id, review.remove, "Removed. The author is told the reason.",
                reason=request.form.get("reason", ""))


@bp.post("/moderation/items/<int:item_id>/dismiss")
@moderator_required
def dismiss(item_id: int):
    return _act(item_id, review.dismiss, "Dismissed: the post stays as it is.",
                reason=request.form.get("reason", ""))


@bp.post("/moderation/items/<int:item_id>/suspend")
@moderator_required
def suspend(item_id: int):
    return _act(item_id, review.suspend_author,
                "The author is suspended. The post still needs a decision.",
                days=request.form.get("days", ""), reason=request.form.get("reason", ""))


@bp.route("/moderation/items/<int:item_id>/edit", methods=["GET", "POST"])
@moderator_required
def edit(item_id: int):
    try:
        item = review.get_item(item_id)
    except NotFound:
        if request.method == "GET":
            raise
        flash("That item is no longer in the queue, so nothing was changed.", "error")
        return _back_to_queue()
    post = posts.get_post(item.post_id)
    form = ModerationEditForm()
    if not form.is_submitted():
        if item.state != "open":
            flash("This item was already handled, so nothing can be changed here.", "error")
            return _back_to_queue()
        form.title.data = post.title
        form.body.data = post.body
        form.tags.data = ", ".join(post.tag_slugs)
        return render_template("moderation/edit.html", form=form, post=post, item=item)
    try:
        review.edit_and_approve(
            actor=current_user, item_id=item_id, body=form.body.data,
            title=form.title.data if post.is_thread else None,
            tags=form.tags.data if post.is_thread else None, reason=form.reason.data)
    except Invalid as error:
        show_errors(form, error)
        return render_template("moderation/edit.html", form=form, post=post, item=item), 422
    except review.AlreadyHandled:
        flash("This item was already handled by another moderator, so your edit was not "
              "saved.", "error")
        return _back_to_queue()
    flash("Edited and approved. The previous version is kept in the post's history.",
          "success")
    return _back_to_queue()


@bp.get("/moderation/audit")
@moderator_required
def audit():
    action = request.args.get("action") or None
    if action not in audit_log.AUDIT_ACTIONS:
        action = None
    moderator = query_text(request.args.get("moderator"), max_length=30) or None
    member = query_text(request.args.get("member"), max_length=30) or None
    pagination = db.paginate(audit_log.audit_query(action=action, moderator=moderator,
                                                member=member),
                             page=page_number(), per_page=AUDIT_PAGE, error_out=False)
    return render_template("moderation/audit.html", pagination=pagination,
                           names=audit_log.names_for(pagination.items), action=action,
                           moderator=moderator or "", member=member or "",
                           actions=audit_log.AUDIT_ACTIONS)
