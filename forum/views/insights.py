"""Treatment insights: a page per treatment and per symptom, the compare views and their JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from forum.errors import Invalid
from forum.services import articles, insights

bp = Blueprint("insights", __name__)

DEFAULT_SORT = ("members", "desc")


@bp.get("/treatments/<slug>")
def treatment(slug: str):
    tag = insights.treatment_tag(slug)
    if tag.slug != slug:  # a brand name or synonym: send readers to the one address
        return redirect(url_for(".treatment", slug=tag.slug), 301)
    return render_template(
        "insights/treatment.html",
        summary=insights.treatment_summary(tag.slug),
        reports=insights.recent_reports(tag.slug),
        questions=insights.top_questions(tag.slug),
        articles=articles.covering(tag.slug),
    )


@bp.get("/symptoms/<slug>")
def symptom(slug: str):
    tag = insights.symptom_tag(slug)
    if tag.slug != slug:
        return redirect(url_for(".symptom", slug=tag.slug), 301)
    tag, ranked = insights.symptom_treatments(tag.slug)
    return render_template("insights/symptom.html", tag=tag, ranked=ranked,
                           articles=articles.covering(tag.slug))


@bp.get("/treatments")
def treatments():
    sort = request.args.get("sort", DEFAULT_SORT[0])
    if sort not in insights.SORT_KEYS:
        sort = DEFAULT_SORT[0]
    direction = request.args.get("dir", "asc" if sort == "name" else "desc")
    direction = direction if direction in ("asc", "desc") else "desc"
    rows = insights.sort_table(insights.treatment_table(), key=sort,
                               descending=direction == "desc")
    return render_template("insights/treatments.html", rows=rows, sort=sort, direction=direction,
                           articles=articles.covering())


@bp.get("/treatments/compare")
def compare():
    wanted = request.args.getlist("t")
    try:
        summaries = insights.compare_treatments(wanted)
    except Invalid as error:
        return render_template("insights/compare.html", summaries=[], chosen=wanted,
                               error=error.message, articles=articles.covering()), 400
    chosen = [summary.tag.slug for summary in summaries]
    return render_template("insights/compare.html", summaries=summaries, chosen=chosen,
                           error=None, articles=articles.covering(*chosen))


@bp.get("/api/v1/treatments/<slug>/summary")
def treatment_summary_json(slug: str):
    summary = insights.treatment_summary(insights.treatment_tag(slug).slug)
    enough = summary.enough_data
    return jsonify({
        "treatment": summary.tag.slug,
        "members": summary.members,
        "enough_data": enough,
        "effectiveness": ({str(rating): count for rating, count in summary.effectiveness.items()}
                          if enough else None),
        "average": round(summary.average, 2) if enough else None,
        "still_using_share": (round(summary.still_using_share, 3)
                              if summary.still_using_share is not None else None),
        "median_duration_months": summary.median_duration_months,
        "side_effects": ([{"name": name, "count": count} for name, count in summary.side_effects]
                         if enough else None),
        "symptoms": ([{"slug": slug, "count": count} for slug, count in summary.symptoms]
                     if enough else None),
    })


@bp.get("/api/v1/symptoms/<slug>/summary")
def symptom_summary_json(slug: str):
    tag, ranked = insights.symptom_treatments(insights.symptom_tag(slug).slug)
    return jsonify({
        "symptom": tag.slug,
        "treatments": [{"slug": item.tag.slug, "members": item.members,
                        "average": round(item.average, 2) if item.average is not None else None}
                       for item in ranked],
    })
