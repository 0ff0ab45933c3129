"""The member's own account: email, password, their data, and leaving."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from forum import limits
from forum.errors import Invalid
from forum.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmEmailChangeForm,
    DeleteAccountForm,
    show_errors,
)
from forum.services import account_changes, account_data
from forum.services.accounts import LinkExpired

bp = Blueprint("account", __name__)

EMAIL_LINK_SENT = ("We have sent a link to the new address. Your email changes when you open "
                   "it; until then, your account keeps the old one.")


def _me():
    return current_user._get_current_object()  # the row itself: the services lock it


@bp.get("/account")
@login_required
def home():
    return render_template("account/home.html")


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limits.email_changes
@limits.password_checks
def change_email():
    form = ChangeEmailForm()
    if form.is_submitted():
        try:
            account_changes.request_email_change(member=_me(), email=form.email.data,
                                                 current_password=form.current_password.data)
        except Invalid as error:
            show_errors(form, error)
            return render_template("account/email.html", form=form), 422
        flash(EMAIL_LINK_SENT, "success")
        return redirect(url_for("account.home"), 303)
    return render_template("account/email.html", form=form)


@bp.route("/account/email/confirm", methods=["GET", "POST"])
def confirm_email_change():
    form = ConfirmEmailChangeForm()
    token = form.token.data if form.is_submitted() else request.args.get("token")
    try:
        if form.is_submitted():
            member = account_changes.confirm_email_change(token=token)
            flash(f"Your email is changed, {member.username}. We told your old address.",
                  "success")
            return redirect(url_for("account.home" if current_user.is_authenticated
                                    else "auth.login"), 303)
        change = account_changes.email_change_for(token)
    except LinkExpired:
        return render_template("auth/link_expired.html", purpose="email"), 410
    except Invalid as error:
        show_errors(form, error)
        change = account_changes.email_change_for(token)
        form.token.data = token
        return render_template("account/confirm_email.html", form=form, change=change), 409
    form.token.data = token
    return render_template("account/confirm_email.html", form=form, change=change)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limits.password_checks
def change_password():
    form = ChangePasswordForm()
    if form.is_submitted():
        remembered = "remember_token" in request.cookies
        try:
            member = account_changes.change_password(
                member=_me(), current_password=form.current_password.data,
                password=form.password.data)
        except Invalid as error:
            show_errors(form, error)
            return render_template("account/password.html", form=form), 422
        login_user(member, remember=remembered)  # this device stays; the others are out
        flash("Your password is changed. Every other device that was logged in is logged "
              "out.", "success")
        return redirect(url_for("account.home"), 303)
    return render_template("account/password.html", form=form)


@bp.get("/account/data")
@login_required
def data():
    return render_template("account/data.html", export=account_data.export(_me()))


@bp.get("/account/data.json")
@login_required
def data_json():
    export = account_data.export(_me())
    body = json.dumps(export, ensure_ascii=False, indent=2)
    name = f"thaw-{current_user.username}-{export['exported_at'][:10]}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limits.password_checks
def delete():
    form = DeleteAccountForm()
    if form.is_submitted():
        try:
            account_data.delete_account(member=_me(), password=form.password.data,
                                        posts_choice=form.posts.data)
        except Invalid as error:
            show_errors(form, error)
            return render_template("account/delete.html", form=form), 422
        logout_user()
        flash("Your account is deleted. Thank you for being part of Thaw.", "success")
        return redirect(url_for("main.home"), 303)
    return render_template("account/delete.html", form=form)
