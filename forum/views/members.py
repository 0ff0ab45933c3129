"""Member profiles."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.errors import Invalid
from forum.extensions import db
from forum.forms import ProfileForm, show_errors
from forum.security import no_store
from forum.services import members, posts, threads
from forum.views.main import page_number
from forum.views.viewer import current_member

bp = Blueprint("members", __name__)


@bp.get("/members/<username>")
def profile(username: str):
    member = members.get_member(username)
    viewer = current_member()
    if viewer is not None and (viewer.id == member.id or viewer.is_moderator):
        no_store()  # their own held and removed posts, with the reasons
    pagination = db.paginate(posts.posts_by(member, current_member()), page=page_number(),
                             per_page=current_app.config["POSTS_PER_PAGE"], error_out=False)
    return render_template("members/profile.html", member=member, pagination=pagination,
                           titles=threads.thread_titles(pagination.items, current_member()))


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = ProfileForm()
    if not form.is_submitted():
        form.bio.data = current_user.bio
        form.treatments.data = [t.slug for t in current_user.treatments]
        return render_template("members/edit_profile.html", form=form)
    try:
        me = current_user._get_current_object()  # the row itself: the service locks it
        members.update_profile(actor=me, member=me, bio=form.bio.data,
                               treatments=form.treatments.data or [])
    except Invalid as error:
        show_errors(form, error)
        return render_template("members/edit_profile.html", form=form), 422
    flash("Your profile is saved.", "success")
    return redirect(url_for("members.profile", username=current_user.username), 303)
