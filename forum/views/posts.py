"""Asking, sharing, answering, editing, deleting, accepting and voting."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import limits, permissions
from forum.errors import Invalid
from forum.forms import AnswerForm, ExperienceForm, QuestionForm, show_errors
from forum.security import no_store
from forum.services import drafts, members, posts, similar, threads
from forum.taxonomy import load_taxonomy
from forum.views import notifications as notifications_views
from forum.views.viewer import current_member

bp = Blueprint("posts", __name__)

STILL_USING = {"yes": True, "no": False}


def _experience_input(form: ExperienceForm) -> drafts.ExperienceInput:
    return drafts.ExperienceInput(
        treatment=form.treatment.data or "",
        effectiveness=form.effectiveness.data,
        side_effects=form.side_effects.data or "",
        duration_months=form.duration_months.data,
        still_using=STILL_USING.get(form.still_using.data or ""),
        dose=form.dose.data,
    )


def _say_if_held(post) -> None:
    """Tell the author at once when the screening held what they just wrote."""
    if post.status == "held":
        flash("Your post is waiting for a moderator before others can see it. The post "
              "below says why and what happens next.", "info")


def _suggestions(form) -> list[str]:
    # No more text than a post may hold: the work per request stays bounded.
    text = " ".join(filter(None, [form.title.data, form.body.data]))[:drafts.BODY_MAX + 400]
    return load_taxonomy().suggest(text)


def _compose(kind: str, form, template: str):
    """Handle a compose form: suggest tags, or create the thread, or show what to fix."""
    suggested = _suggestions(form) if form.is_submitted() else []
    if form.is_submitted() and request.form.get("action") == "suggest":
        if not (form.tags.data or "").strip() and suggested:
            form.tags.data = ", ".join(suggested)
            flash("We added tags suggested by your text. Remove any that don't fit.", "info")
        elif not suggested:
            flash("We could not find tags in your text yet; add them yourself.", "info")
        return render_template(template, form=form, suggested=suggested)
    if form.is_submitted():
        try:
            post = posts.create_thread(
                author=current_user, kind=kind, title=form.title.data, body=form.body.data,
                tags=form.tags.data or "",
                experience=_experience_input(form) if kind == "experience" else None)
        except Invalid as error:
            show_errors(form, error)
            return render_template(template, form=form, suggested=suggested), 422
        helped = notifications_views.crisis_response(post)
        if helped is not None:
            return helped
        _say_if_held(post)
        return redirect(url_for("posts.thread", thread_id=post.id), 303)
    return render_template(template, form=form, suggested=suggested)


@bp.route("/ask", methods=["GET", "POST"])
@login_required
@limits.new_posts
@limits.refused_posts
def ask():
    members.ensure_can_post(current_user)
    form = QuestionForm()
    if form.is_submitted() and request.form.get("action") == "similar":
        # Nothing is posted: the form comes back as typed, with threads like its title.
        return render_template("posts/ask.html", form=form, suggested=[],
                               similar=similar.similar_threads(form.title.data or ""))
    return _compose("question", form, "posts/ask.html")


@bp.route("/share", methods=["GET", "POST"])
@login_required
@limits.new_posts
@limits.refused_posts
def share():
    members.ensure_can_post(current_user)
    form = ExperienceForm()
    wanted = load_taxonomy().tags.get(request.args.get("treatment", ""))
    if request.method == "GET" and wanted is not None and wanted.kind == "treatment":
        form.treatment.data = wanted.slug
    return _compose("experience", form, "posts/share.html")


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    post = posts.get_post(thread_id)
    if post.parent_id is not None:
        return redirect(url_for("posts.thread", thread_id=post.parent_id,
                                _anchor=f"post-{post.id}"), 301)
    view = posts.get_thread(thread_id=thread_id, viewer=current_member())
    if view.shows_unpublished:
        no_store()
    return render_template("posts/thread.html", view=view, form=AnswerForm(),
                           crisis_help=notifications_views.remembered_help(view))


@bp.post("/threads/<int:thread_id>/answers")
@login_required
@limits.new_posts
@limits.refused_posts
def answer(thread_id: int):
    parent = posts.get_post(thread_id)
    form = AnswerForm()
    try:
        post = posts.create_answer(author=current_user, parent=parent, body=form.body.data)
    except Invalid as error:
        show_errors(form, error)
        view = posts.get_thread(thread_id=thread_id, viewer=current_member())
        return render_template("posts/thread.html", view=view, form=form), 422
    helped = notifications_views.crisis_response(post)
    if helped is not None:
        return helped
    _say_if_held(post)
    return redirect(url_for("posts.thread", thread_id=thread_id, _anchor=f"post-{post.id}"), 303)


@bp.get("/posts/<int:post_id>")
def show(post_id: int):
    post = posts.get_post(post_id)
    if post.status != "deleted" and not threads.can_see(current_member(), post):
        abort(404)
    return redirect(url_for("posts.thread", thread_id=post.thread_id, _anchor=f"post-{post.id}"))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@limits.refused_posts
def edit(post_id: int):
    no_store()  # the form holds the post's text, held or not
    post = posts.get_post(post_id)
    if not threads.can_see(current_member(), post):
        abort(404)
    if not permissions.can_edit(current_user, post):
        abort(403)
    if post.kind == "experience":
        form = ExperienceForm(obj=None)
    elif post.kind == "question":
        form = QuestionForm()
    else:
        form = AnswerForm()
    if not form.is_submitted():
        _fill(form, post)
        return render_template("posts/edit.html", form=form, post=post)
    try:
        posts.edit_post(
            actor=current_user, post=post, body=form.body.data,
            title=getattr(form, "title", None) and form.title.data,
            tags=form.tags.data if hasattr(form, "tags") else None,
            experience=_experience_input(form) if post.kind == "experience" else None)
    except Invalid as error:
        show_errors(form, error)
        return render_template("posts/edit.html", form=form, post=post), 422
    helped = notifications_views.crisis_response(post, edited=True)
    if helped is not None:
        return helped
    flash("Your changes are saved. The previous version is kept in the post's history.",
          "success")
    _say_if_held(post)
    return redirect(url_for("posts.thread", thread_id=post.thread_id, _anchor=f"post-{post.id}"),
                    303)


def _fill(form, post) -> None:
    form.body.data = post.body
    if hasattr(form, "title"):
        form.title.data = post.title
        form.tags.data = ", ".join(post.tag_slugs)
    if post.kind == "experience" and post.experience is not None:
        details = post.experience
        form.treatment.data = details.treatment
        form.effectiveness.data = str(details.effectiveness)
        form.side_effects.data = ", ".join(details.side_effect_names)
        form.duration_months.data = "" if details.duration_months is None else str(
            details.duration_months)
        form.still_using.data = {True: "yes", False: "no"}.get(details.still_using, "")
        form.dose.data = details.dose or ""


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int):
    no_store()
    post = posts.get_post(post_id)
    if post.status == "deleted" or not threads.can_see(current_member(), post):
        abort(404)
    if not permissions.can_delete(current_user, post):
        abort(403)
    if request.method == "GET":
        return render_template("posts/delete.html", post=post)
    posts.delete_post(actor=current_user, post=post)
    flash("The post is deleted. The thread shows that it was removed by its author.", "success")
    return redirect(url_for("posts.thread", thread_id=post.thread_id), 303)


@bp.post("/posts/<int:post_id>/helpful")
@login_required
@limits.votes
def helpful(post_id: int):
    post = posts.get_post(post_id)
    try:
        marked = posts.toggle_helpful(actor=current_user, post=post)
    except Invalid as error:
        flash(error.message, "error")
        return redirect(url_for("posts.thread", thread_id=post.thread_id), 303)
    flash("Marked as helpful. Thank you." if marked else "Your helpful mark is taken back.",
          "success")
    return redirect(url_for("posts.thread", thread_id=post.thread_id, _anchor=f"post-{post.id}"),
                    303)


@bp.post("/posts/<int:post_id>/accept")
@login_required
def accept(post_id: int):
    answer = posts.get_post(post_id)
    try:
        question = posts.accept_answer(actor=current_user, answer=answer)
    except Invalid as error:
        flash(error.message, "error")
        return redirect(url_for("posts.thread", thread_id=answer.thread_id), 303)
    flash("Answer accepted." if question.accepted_answer_id else "Acceptance taken back.",
          "success")
    return redirect(url_for("posts.thread", thread_id=question.id, _anchor=f"post-{answer.id}"),
                    303)


@bp.get("/posts/<int:post_id>/history")
def history(post_id: int):
    post = posts.get_post(post_id)
    if post.status == "deleted" or not threads.can_see(current_member(), post):
        abort(404)
    revisions = posts.revisions(post, current_member())
    if post.status != "published" or not all(r.published for r in revisions):
        no_store()
    return render_template("posts/history.html", post=post, revisions=revisions)
