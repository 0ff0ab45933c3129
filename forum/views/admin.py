"""The admin pages: the medically reviewed reading list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.errors import Invalid, NotFound
from forum.forms import ArticleForm, show_errors
from forum.services import articles
from forum.views.moderation import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _article_input(form: ArticleForm) -> articles.ArticleInput:
    return articles.ArticleInput(title=form.title.data, publisher=form.publisher.data,
                                 url=form.url.data, reviewed_by=form.reviewed_by.data,
                                 reviewed_on=form.reviewed_on.data, topics=form.topics.data)


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/articles", methods=["GET", "POST"])
@admin_required
def article_list():
    form = ArticleForm()
    status = 200
    if form.is_submitted():
        try:
            article = articles.add_article(actor=current_user, data=_article_input(form))
        except Invalid as error:
            show_errors(form, error)
            status = 422
        else:
            flash(f"Added “{article.title}”.", "success")
            return redirect(url_for("admin.article_list"), 303)
    return render_template("admin/articles.html", rows=articles.admin_list(), form=form), status


def _article_or_back(article_id: int):
    try:
        return articles.get_article(article_id)
    except NotFound:
        return None


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@admin_required
def article_edit(article_id: int):
    article = _article_or_back(article_id)
    if article is None:
        if request.method == "GET":
            abort(404)
        flash("That article is no longer on the list, so nothing was changed.", "error")
        return redirect(url_for("admin.article_list"), 303)
    form = ArticleForm()
    if not form.is_submitted():
        form.title.data = article.title
        form.publisher.data = article.publisher
        form.url.data = article.url
        form.reviewed_by.data = article.reviewed_by or ""
        form.reviewed_on.data = article.reviewed_on.isoformat() if article.reviewed_on else ""
        form.topics.data = article.topics
        return render_template("admin/article_edit.html", form=form, article=article)
    try:
        articles.edit_article(actor=current_user, article=article, data=_article_input(form))
    except Invalid as error:
        show_errors(form, error)
        return render_template("admin/article_edit.html", form=form, article=article), 422
    flash(f"Saved “{article.title}”.", "success")
    return redirect(url_for("admin.article_list"), 303)


@bp.post("/articles/<int:article_id>/retire")
@admin_required
def article_retire(article_id: int):
    article = _article_or_back(article_id)
    if article is None:
        flash("That article is no longer on the list, so nothing was changed.", "error")
        return redirect(url_for("admin.article_list"), 303)
    retired = request.form.get("retired", "1") != "0"
    articles.set_retired(actor=current_user, article=article, retired=retired)
    flash(f"“{article.title}” is {'retired' if retired else 'back on the list'}.", "success")
    return redirect(url_for("admin.article_list"), 303)
