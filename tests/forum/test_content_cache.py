"""Cached whole-forum figures follow every change to the posts, and never show uncommitted ones."""

from __future__ import annotations

from sqlalchemy import select, update

from app import create_app
from forum.extensions import db
from forum.models import Post
from forum.services import insights
from tests.factories import make_experience, make_member, make_question


def reports(count: int, rating: int = 4) -> list[Post]:
    return [make_experience(make_member(), effectiveness=rating) for _ in range(count)]


def members_reporting(client) -> int:
    return client.get("/api/v1/treatments/baclofen/summary").get_json()["members"]


def test_popular_tags_count_a_new_thread_at_once(client):
    author = make_member()
    make_question(author, title="Cold mornings and stiffness", tags="stiffness")
    assert "Stiffness <span class=\"count\">(1)</span>" in client.get("/").get_data(as_text=True)
    make_question(author, title="Stiffness after a hot bath", tags="stiffness")
    html = client.get("/").get_data(as_text=True)
    assert "Stiffness <span class=\"count\">(2)</span>" in html
    assert "2 posts, newest first" in client.get("/tags/stiffness").get_data(as_text=True)


def test_figures_follow_an_update_statement_as_well_as_changed_rows(client):
    first, *_ = reports(6)
    assert members_reporting(client) == 6
    db.session.execute(update(Post).where(Post.id == first.id).values(status="removed"))
    db.session.commit()
    assert members_reporting(client) == 5


def test_uncommitted_changes_count_in_their_own_transaction_and_are_never_cached(client):
    first, *_ = reports(6)
    assert members_reporting(client) == 6
    first.status = "held"
    assert insights.treatment_summary("baclofen").members == 5  # flushed, not committed
    db.session.rollback()
    assert members_reporting(client) == 6
    assert insights.treatment_summary("baclofen").members == 6


def test_a_change_made_by_another_worker_shows_at_once(app, client):
    reports(5)
    assert members_reporting(client) == 5
    # A second app on the same database stands for another worker process with its own cache.
    other = create_app({key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "TESTING", "SECRET_KEY",
        "SEARCH_BACKEND", "SEARCH_INDEX_DIR", "INSTANCE_PATH", "AUTO_SETUP", "SCHEMA_CHECK")})
    with other.app_context():
        assert other.test_client().get("/api/v1/treatments/baclofen/summary").get_json()[
            "members"] == 5
        post = db.session.scalar(select(Post).where(Post.kind == "experience").limit(1))
        post.status = "removed"
        db.session.commit()
        db.session.remove()
        other_engine = db.engine
    other_engine.dispose()
    assert members_reporting(client) == 4
