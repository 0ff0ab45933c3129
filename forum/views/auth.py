"""Registering, logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum import limits
from forum.errors import Invalid
from forum.forms import (
    ConfirmEmailForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    show_errors,
)
from forum.services import accounts, members

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    if any(ch in target for ch in "\\\t\r\n\x00") or any(ord(ch) < 32 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


CHECK_YOUR_EMAIL = ("Thank you. We have sent a message to the email address you gave: open the "
                    "link in it to confirm your address, then log in.")
RESET_SENT = ("If an account matches, we've sent a link to its email address to choose a new "
              "password.")


@bp.route("/register", methods=["GET", "POST"])
@limits.registrations
def register():
    if current_user.is_authenticated:
        flash("You are already logged in. Log out first to create another account.", "info")
        return redirect(url_for("main.home"), 303 if request.method == "POST" else 302)
    form = RegisterForm()
    if form.is_submitted():
        try:
            accounts.sign_up(username=form.username.data or "", email=form.email.data or "",
                             password=form.password.data or "",
                             consent=form.consent.data is True)
        except Invalid as error:
            show_errors(form, error)
            return render_template("auth/register.html", form=form), 422
        # The same answer whether the email was free or already had an account.
        flash(CHECK_YOUR_EMAIL, "success")
        return redirect(url_for("auth.check_email"), 303)
    return render_template("auth/register.html", form=form)


@bp.get("/check-your-email")
def check_email():
    return render_template("auth/check_email.html")


@bp.route("/confirm-email", methods=["GET", "POST"])
def confirm_email():
    form = ConfirmEmailForm()
    token = form.token.data if form.is_submitted() else request.args.get("token")
    try:
        if form.is_submitted():
            member = accounts.confirm_email(token=token)
            flash(f"Your email is confirmed. Welcome to Thaw, {member.username}: log in with "
                  "the password you chose.", "success")
            return redirect(url_for("auth.login"), 303)
        member = accounts.confirmation_member(token)
    except accounts.LinkExpired:
        return render_template("auth/link_expired.html", purpose="confirm"), 410
    form.token.data = token
    return render_template("auth/confirm_email.html", form=form, member=member)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limits.reset_requests
@limits.reset_requests_per_account
def forgot_password():
    form = ForgotPasswordForm()
    if form.is_submitted():
        try:
            accounts.request_password_reset(identifier=form.identifier.data)
        except Invalid as error:
            show_errors(form, error)
            return render_template("auth/forgot_password.html", form=form), 422
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.check_email"), 303)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    form = ResetPasswordForm()
    token = form.token.data if form.is_submitted() else request.args.get("token")
    try:
        if form.is_submitted():
            accounts.reset_password(token=token, password=form.password.data or "")
            flash("Your password is changed, and every device that was logged in is logged "
                  "out. Log in with your new password.", "success")
            return redirect(url_for("auth.login"), 303)
        member = accounts.reset_link_member(token)
    except accounts.LinkExpired:
        return render_template("auth/link_expired.html", purpose="reset"), 410
    except Invalid as error:
        show_errors(form, error)
        member = accounts.reset_link_member(token)
        return render_template("auth/reset_password.html", form=form, member=member), 422
    form.token.data = token
    return render_template("auth/reset_password.html", form=form, member=member)


@bp.route("/login", methods=["GET", "POST"])
@limits.login_failures_per_address
@limits.login_failures_per_account
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.is_submitted():
        member = members.authenticate(username=(form.username.data or "").strip(),
                                      password=form.password.data or "")
        if member is None:
            form.form_errors = ["Wrong username or password."]
            return render_template("auth/login.html", form=form), 401
        if not member.is_confirmed:
            accounts.send_confirmation(member=member)
            form.form_errors = ["Please confirm your email address first. We have sent a new "
                                "link to the address you joined with: open it, then log in "
                                "here."]
            return render_template("auth/login.html", form=form), 401
        login_user(member, remember=bool(form.remember.data))
        flash(f"You are logged in as {member.username}.", "success")
        if member.is_suspended():
            flash(members.suspension_notice(member), "error")
        return redirect(safe_next(form.next.data) or url_for("main.home"), 303)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    members.end_sessions(member=current_user._get_current_object())
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("main.home"), 303)
