"""The demo community: what a first visit shows, and that one command takes all of it away."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import (
    AuditEntry,
    Flag,
    Member,
    ModerationLabel,
    Post,
    PostRevision,
    Report,
    ReviewItem,
    Vote,
)
from forum.services import demo, posts, review
from tests.factories import count, login, make_answer, make_member, make_question

SHARED = Path(__file__).resolve().parents[3] / "shared"


def _passwords(app) -> dict[str, str]:
    lines = (Path(app.instance_path) / demo.ACCOUNTS_FILE).read_text().splitlines()
    return dict(line.split(" ", 1) for line in lines if not line.startswith("#"))


def test_the_plan_is_the_same_on_every_load_and_large_enough_to_show_the_forum(app):
    first, second = demo.plan_demo(), demo.plan_demo()
    assert [(t.title, t.body, [a.body for a in t.answers]) for t in first.threads] == [
        (t.title, t.body, [a.body for a in t.answers]) for t in second.threads]
    assert 38 <= len(first.members) <= 42
    assert len(first.threads) >= 120
    days = [post.days_ago for post in first.all_posts()]
    assert max(days) > 300 and min(days) >= 0 and max(days) <= demo.SPAN_DAYS
    assert len({t.title for t in first.threads}) >= 100  # varied, not one title repeated


def test_loaded_demo_shows_treatment_figures_compare_and_symptom_pages(app, client):
    with app.app_context():
        demo.load_demo(quiet=True)
    enough = []
    for slug in ("baclofen", "tizanidine", "gabapentin", "botulinum-toxin", "physiotherapy",
                 "stretching", "nabiximols", "orthotics", "yoga", "fes"):
        summary = client.get(f"/api/v1/treatments/{slug}/summary").get_json()
        if summary["enough_data"]:
            enough.append(slug)
            assert sum(summary["effectiveness"].values()) == summary["members"] >= 5
    assert len(enough) >= 6
    compare = client.get("/treatments/compare?t=baclofen&t=tizanidine&t=stretching")
    assert compare.status_code == 200
    assert re.search(r"\d\.\d", compare.get_data(as_text=True))  # averages, not dashes
    symptom = client.get("/api/v1/symptoms/spasticity/summary").get_json()
    assert len([row for row in symptom["treatments"] if row["average"] is not None]) >= 3
    page = client.get("/symptoms/spasticity").get_data(as_text=True)
    assert "Baclofen" in page


def test_demo_has_accepted_answers_helpful_marks_edits_and_an_audit_history(app):
    with app.app_context():
        demo.load_demo(quiet=True)
        assert db.session.scalar(select(Post.id).where(Post.accepted_answer_id.is_not(None)))
        assert count(Vote) > 100
        assert db.session.scalar(select(Post.id).where(Post.edited_at.is_not(None)))
        assert count(PostRevision) >= 5
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"remove", "edit_approve", "dismiss"} <= actions
        moderator = db.session.scalar(select(Member).where(Member.username == demo.MODERATOR))
        assert all(entry.actor_id == moderator.id for entry in db.session.scalars(
            select(AuditEntry)))


def test_held_posts_are_held_by_the_screening_and_wait_for_the_demo_moderator(app, client):
    with app.app_context():
        demo.load_demo(quiet=True)
        held = list(db.session.scalars(select(Post).where(Post.status == "held")))
        assert len(held) >= 3
        for post in held:  # the screening's own findings hold them, with the evidence kept
            assert db.session.scalar(select(Flag.id).where(Flag.post_id == post.id))
        reported = db.session.scalar(select(ReviewItem).where(
            ReviewItem.source == "reports", ReviewItem.state == "open"))
        assert reported is not None
        reported_body = db.session.get(Post, reported.post_id).body
    password = _passwords(app)[demo.MODERATOR]
    assert login(client, demo.MODERATOR, password).status_code in (302, 303)
    page = client.get("/moderation").get_data(as_text=True)
    assert "Nothing is waiting for review" not in page
    assert "spare box of tizanidine" in page
    assert reported_body[:40] in page
    audit = client.get("/moderation/audit").get_data(as_text=True)
    assert demo.MODERATOR in audit


def test_demo_passwords_are_written_owner_only_and_only_named_members_log_in(app, client):
    with app.app_context():
        demo.load_demo(quiet=True)
    path = Path(app.instance_path) / demo.ACCOUNTS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    passwords = _passwords(app)
    assert {"demo_rowan", "demo_mod_sam"} <= set(passwords)
    assert login(client, "demo_rowan", passwords["demo_rowan"]).status_code in (302, 303)


def test_remove_leaves_no_demo_member_post_vote_report_or_audit_entry(app):
    with app.app_context():
        demo.load_demo(quiet=True)
        removal = demo.remove_demo()
        assert removal.posts > 300 and removal.members == 40
        for model in (Member, Post, Vote, Report, ReviewItem, AuditEntry, ModerationLabel,
                      PostRevision, Flag):
            assert count(model) == 0, model.__name__
        assert not (Path(app.instance_path) / demo.ACCOUNTS_FILE).exists()


def test_remove_keeps_real_members_work_and_saves_their_answers_under_demo_threads(app):
    with app.app_context():
        demo.load_demo(quiet=True)
        real = make_member("realmember")
        other = make_member("othermember")
        own = make_question(real, title="My own question about stretching")
        demo_thread = db.session.scalar(select(Post).where(
            Post.is_demo.is_(True), Post.kind == "question", Post.status == "published"))
        demo_title = demo_thread.title
        make_answer(real, demo_thread, body="My reply to a demo question, worth keeping.")
        demo_answer = make_answer(other, own, body="A real answer to a real question.")
        rowan = db.session.scalar(select(Member).where(Member.username == "demo_rowan"))
        demo_reply = make_answer(rowan, own, body="A demo member answering a real question.")
        posts.toggle_helpful(actor=rowan, post=demo_answer)
        review.report_post(reporter=rowan, post=demo_answer, reason="spam")

        own_id, reply_id, answer_id = own.id, demo_reply.id, demo_answer.id
        removal = demo.remove_demo()

        assert removal.kept_answers == 1
        saved = [json.loads(line) for line in removal.saved_to.read_text().splitlines()]
        assert saved[0]["body"] == "My reply to a demo question, worth keeping."
        assert saved[0]["thread_title"] == demo_title
        assert stat.S_IMODE(removal.saved_to.stat().st_mode) == 0o600
        db.session.expire_all()
        assert {m.username for m in db.session.scalars(select(Member))} == {
            "realmember", "othermember"}
        assert db.session.get(Post, own_id).answer_count == 1
        assert db.session.get(Post, reply_id) is None
        assert db.session.get(Post, answer_id).helpful_count == 0
        assert count(Report) == 0 and count(ReviewItem) == 0


def test_load_twice_adds_nothing_the_second_time(app):
    with app.app_context():
        assert demo.load_demo(quiet=True) > 300
        before = count(Post)
        assert demo.load_demo(quiet=True) == 0
        assert count(Post) == before


def _sentences(text: str) -> set[str]:
    return {" ".join(s.lower().split()) for s in re.split(r"(?<=[.!?])\s+|\n", text)
            if len(s.split()) >= 6}


def test_demo_text_is_not_copied_from_the_shared_seeds_or_dev_sets(app):
    sources = [*SHARED.glob("seeds/*.txt"), *SHARED.glob("moderation/*.jsonl"),
               SHARED / "search" / "dev-corpus.jsonl"]
    sources = [path for path in sources if path.exists()]
    if not sources:
        pytest.skip("the shared data folder is not here (../shared)")
    shared: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8", errors="replace")
        shared |= _sentences(text.replace('\\n', '\n').replace('"', '\n'))
    plan = demo.plan_demo()
    ours = set().union(*(_sentences(p.body) for p in plan.all_posts()))
    assert ours and not ours & shared
