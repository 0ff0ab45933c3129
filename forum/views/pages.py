"""Pages of plain words: what the forum keeps and why, and the community's rules."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html",
                           hold_days=current_app.config["USERNAME_HOLD_DAYS"])


@bp.get("/terms")
def terms():
    return render_template("pages/terms.html")
