"""Write transactions: SQLite's write lock taken first; concurrent workers lose nothing."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

import moderation
from forum.database import WRITING, write_transaction
from forum.extensions import db
from forum.models import Member, Post, PostRevision, ReviewItem, Vote
from forum.services import drafts, posts, review
from tests.factories import make_answer, make_member, make_question

ROUNDS = 11  # odd: each worker's helpful mark ends set


def sqlite_path(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock: nothing to see on PostgreSQL")
    return url.removeprefix("sqlite:///")


def another_writer_is_kept_out(path: str) -> bool:
    """Tell whether a separate connection finds the write lock taken (it does not wait)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        assert "database is locked" in str(error)
        return True
    finally:
        other.close()


def test_a_write_transaction_holds_the_write_lock_from_its_start_and_reads_do_not(app):
    path = sqlite_path(app)
    make_member("rowan")
    db.session.scalar(select(func.count()).select_from(Member))
    assert not another_writer_is_kept_out(path)  # readers never stop writers
    with write_transaction():
        db.session.scalar(select(func.count()).select_from(Member))
        assert another_writer_is_kept_out(path)  # BEGIN IMMEDIATE: before its first read
        with write_transaction():  # a service inside another joins its transaction
            db.session.add(Member(username="sasha", username_key="sasha", role="member"))
        assert another_writer_is_kept_out(path)
    assert not another_writer_is_kept_out(path)
    assert db.session.scalar(select(Member.id).where(Member.username == "sasha"))


def test_a_failed_write_transaction_writes_nothing_and_releases_the_lock(app):
    with pytest.raises(LookupError), write_transaction():
        db.session.add(Member(username="sasha", username_key="sasha", role="member"))
        db.session.flush()
        raise LookupError("something went wrong after the flush")
    assert db.session.scalar(select(Member.id).where(Member.username == "sasha")) is None
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert not another_writer_is_kept_out(sqlite_path(app))
    assert not db.session.info.get(WRITING)


def test_a_read_then_write_outside_a_write_transaction_survives_another_workers_commit(app):
    """Reads outside write transactions hold no snapshot, so a later write still succeeds.

    With a BEGIN before every read (SQLAlchemy's recipe for the sqlite3 driver), this write
    fails at once with "database is locked" whatever the busy timeout.
    """
    rowan = make_member("rowan")
    question = make_question(rowan)
    assert db.session.get(Post, question.id).title  # worker A reads ...
    with app.app_context():  # ... worker B, with its own connection, writes and commits ...
        make_answer(make_member("sasha"), db.session.get(Post, question.id))
    db.session.get(Post, question.id).title = "Does baclofen make everyone sleepy?"
    db.session.commit()  # ... and A's write after its read goes through
    assert db.session.get(Post, question.id).answer_count == 1


def test_an_edit_keeps_the_version_another_worker_saved_meanwhile(app):
    rowan = make_member("rowan")
    question = make_question(rowan, body="First version.")
    mine = db.session.get(Post, question.id)
    assert mine.body == "First version."  # loaded, as a view does before calling the service
    with app.app_context():  # another worker edits the same post and commits
        posts.edit_post(actor=db.session.get(Member, rowan.id),
                        post=db.session.get(Post, question.id), body="Second version.",
                        title=question.title)
    posts.edit_post(actor=rowan, post=mine, body="Third version.", title=question.title)
    history = db.session.scalars(select(PostRevision.body).where(
        PostRevision.post_id == question.id).order_by(PostRevision.id)).all()
    assert history == ["First version.", "Second version."]
    assert db.session.get(Post, question.id).body == "Third version."


def test_rendering_and_screening_happen_before_the_write_transaction(app, monkeypatch):
    inside: list[str] = []
    outside: list[str] = []
    real_render, real_screen = drafts.render_markdown, moderation.screen

    def render(text):
        (inside if db.session.info.get(WRITING) else outside).append("render")
        return real_render(text)

    def screen(text, **options):
        (inside if db.session.info.get(WRITING) else outside).append("screen")
        return real_screen(text, **options)

    monkeypatch.setattr(drafts, "render_markdown", render)
    monkeypatch.setattr(moderation, "screen", screen)
    rowan, sasha = make_member("rowan"), make_member("sasha")
    moderator = make_member("mod", role="moderator")
    question = make_question(rowan)
    answer = make_answer(sasha, question)
    posts.edit_post(actor=sasha, post=answer, body="Stretching before bed, then a warm bath.")
    held = make_question(rowan, title="Is this too much?", tags="baclofen",
                         body="You should just take 150 mg of baclofen a day, the label is "
                              "overcautious.")
    assert held.status == "held"
    item = db.session.scalar(select(ReviewItem.id).where(ReviewItem.post_id == held.id))
    review.edit_and_approve(actor=moderator, item_id=item, title="Is this too much?",
                            body="Is 150 mg of baclofen a day too much? Ask your neurologist.")
    assert "render" in outside and "screen" in outside  # the spies saw the work
    assert inside == []


def test_two_workers_editing_answering_and_voting_at_once_lose_nothing(app):
    """Two workers, each with its own connection, read and then write the same rows at once."""
    author, other = make_member("rowan"), make_member("sasha", role="moderator")
    question = make_question(author, body="Version 0.")
    first = {author.id: make_answer(other, question).id, other.id: make_answer(author, question).id}
    question_id, people = question.id, [author.id, other.id]
    start, failures = threading.Barrier(2), []

    def work(member_id: int) -> None:
        with app.app_context():
            try:
                start.wait()
                for number in range(ROUNDS):
                    me = db.session.get(Member, member_id)
                    thread = db.session.get(Post, question_id)  # read first, as views do
                    posts.edit_post(actor=me, post=thread, title=thread.title,
                                    body=f"Version {member_id}.{number}.")
                    posts.create_answer(author=me, parent=db.session.get(Post, question_id),
                                        body=f"Answer {member_id}.{number}.")
                    posts.toggle_helpful(actor=me, post=db.session.get(Post, first[member_id]))
            except Exception as error:  # reported below, with the worker that raised it
                failures.append((member_id, repr(error)))

    workers = [threading.Thread(target=work, args=(member_id,)) for member_id in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    db.session.expire_all()
    thread = db.session.get(Post, question_id)
    history = db.session.scalars(select(PostRevision.body).where(
        PostRevision.post_id == question_id)).all()
    written = ["Version 0."] + [f"Version {m}.{n}." for m in people for n in range(ROUNDS)]
    assert sorted([*history, thread.body]) == sorted(written)  # each version kept once
    assert thread.answer_count == 2 + 2 * ROUNDS
    for answer_id in first.values():
        votes = db.session.scalar(select(func.count()).select_from(Vote).where(
            Vote.post_id == answer_id))
        assert votes == ROUNDS % 2
        assert db.session.get(Post, answer_id).helpful_count == votes
