"""Registering, logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum.errors import Invalid
from forum.extensions import limiter
from forum.forms import ActionForm, LoginForm, RegisterForm, show_errors
from forum.services import members

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


def _login_failed(response) -> bool:
    return response.status_code == 401


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        flash("You are already logged in. Log out first to create another account.", "info")
        return redirect(url_for("main.home"), 303 if request.method == "POST" else 302)
    form = RegisterForm()
    if form.is_submitted():
        try:
            member = members.register(username=form.username.data, email=form.email.data,
                                      password=form.password.data)
        except Invalid as error:
            show_errors(form, error)
            return render_template("auth/register.html", form=form), 422
        login_user(member)
        flash(f"Welcome to Thaw, {member.username}.", "success")
        return redirect(url_for("main.home"), 303)
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_FAILURE_LIMIT"], methods=["POST"],
               deduct_when=_login_failed)
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
        login_user(member, remember=bool(form.remember.data))
        flash(f"You are logged in as {member.username}.", "success")
        return redirect(safe_next(form.next.data) or url_for("main.home"), 303)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    members.end_sessions(member=current_user._get_current_object())
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("main.home"), 303)


@bp.app_context_processor
def action_form() -> dict:
    """Give every template a form whose only job is the CSRF token of a button."""
    return {"action_form": ActionForm}
