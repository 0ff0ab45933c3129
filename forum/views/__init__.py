"""Blueprints, error pages and what every template can use."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forum.errors import NotFound, PermissionDenied, Suspended
from forum.extensions import db
from forum.validation import IdConverter

ERROR_TEXT = {
    400: ("Something in that request was not right",
          "The form or link was not complete. Go back and try again."),
    403: ("You can’t do that here", "Your account does not have permission for this page."),
    404: ("We couldn’t find that page",
          "It may have been moved or removed. Try the search or the tags page."),
    405: ("That doesn’t work here", "This page can’t be used that way."),
    413: ("That was too large to send",
          "Posts can be up to 20,000 characters. Your text is kept as a draft in this "
          "browser: go back to shorten it."),
    429: ("Please take a short break",
          "That has happened many times in a short while. Wait a few minutes and try again; "
          "nothing you wrote is lost."),
    500: ("Something went wrong on our side",
          "We have been told about it. Your text is kept as a draft in this browser: go back "
          "and try again in a moment."),
}

# The fields whose text a refused form shows back, with the label the page gives each.
# Never a password.
KEPT_FIELDS = {"title": "Title", "body": "Text", "tags": "Tags", "side_effects": "Side effects",
               "dose": "Dose", "note": "Your note to the moderators", "bio": "About you",
               "username": "Username", "email": "Email", "identifier": "Username or email"}


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint, then what every template can use (forum.views.context)."""
    from forum.views import (
        account,
        admin,
        api,
        auth,
        context,
        health,
        insights,
        main,
        members,
        moderation,
        pages,
        posts,
        search,
    )

    app.url_map.converters["int"] = IdConverter  # before any route is added
    for module in (main, auth, posts, members, account, pages, api, insights, search,
                   moderation, admin):
        app.register_blueprint(module.bp)
    app.register_blueprint(health.bp)  # /healthz, for the reverse proxy
    context.init_app(app)


def wants_json() -> bool:
    """Tell whether this request is for the JSON API."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, *, text: dict | None = None):
    """Render the friendly page (or JSON) for an HTTP error."""
    title, default = ERROR_TEXT.get(status, ERROR_TEXT[400 if status < 500 else 500])
    if wants_json():
        return jsonify({"error": title, "message": message or default, "status": status}), status
    kept = [(name, KEPT_FIELDS.get(name, name.capitalize()), value)
            for name, value in (text or {}).items()]
    return render_template("errors/error.html", status=status, title=title,
                           message=message or default, kept=kept), status


def _kept_text() -> dict:
    """Return what a member typed in a refused form, to show it back to them."""
    if request.method != "POST" or request.content_length and request.content_length > 2**20:
        return {}
    try:
        form = request.form
    except Exception:  # noqa: BLE001 - a refused request must never fail again here
        return {}
    return {key: form[key] for key in KEPT_FIELDS if form.get(key)}


def _wait(error: HTTPException) -> str:
    """Say how long a rate-limited member should wait, from the limit that refused them."""
    from flask_limiter.errors import RateLimitExceeded

    from forum.extensions import limiter

    current = limiter.current_limit
    if not isinstance(error, RateLimitExceeded) or current is None:
        return ""
    minutes = max(1, math.ceil((current.reset_at - time.time()) / 60))
    if minutes < 90:
        return f"You can try again in about {minutes} minute{'s' if minutes > 1 else ''}."
    hours = round(minutes / 60)
    return f"You can try again in about {hours} hours."


def _too_many(error: HTTPException):
    """Say which limit refused the member and when to come back, showing their text back."""
    kept = _kept_text()
    limit = getattr(error, "limit", None)
    if limit is None or not limit.error_message:
        return error_response(429, text=kept)
    message = " ".join(filter(None, [
        error.description, _wait(error),
        "What you wrote is below, so nothing is lost." if kept else ""]))
    return error_response(429, message, text=kept)


def register_error_handlers(app: Flask) -> None:
    """Turn errors into friendly pages, never tracebacks."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, "This form had expired or was sent from another site, so "
                                   "nothing was saved. Your text is below: copy it, reload the "
                                   "page and send it again.", text=_kept_text())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429:
            return _too_many(error)
        return error_response(error.code or 500)

    @app.errorhandler(Suspended)
    def suspended(error: Suspended):
        return error_response(403, error.message)

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied):
        return error_response(403, error.message)

    @app.errorhandler(NotFound)
    def not_found(_error: NotFound):
        return error_response(404)

    @app.errorhandler(500)
    def server_error(_error):
        # The failed statement may have left the transaction aborted (PostgreSQL): the page
        # itself reads the database, so start clean, and never fail a second time.
        try:
            db.session.rollback()
            return error_response(500)
        except Exception:  # noqa: BLE001 - the last resort must not raise
            title, message = ERROR_TEXT[500]
            return Response(f"{title}. {message}", status=500, mimetype="text/plain")
