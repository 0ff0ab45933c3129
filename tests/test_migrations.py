"""Migrations: head matches the models, and every revision keeps the data on the way up and down."""

from __future__ import annotations

import random

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from forum.database import MIGRATIONS_DIR
from forum.extensions import db
from forum.models import Member, Post
from forum.services import members, posts


@pytest.fixture
def empty_app(app):
    """The test app with its database emptied completely, as before a first `db upgrade`."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield app
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def revisions() -> list[str]:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_upgrading_an_empty_database_gives_exactly_the_models(empty_app):
    with empty_app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def seed(count: int = 120) -> dict[str, int]:
    """Fill the database through the services: unicode, answers, votes, held and removed posts."""
    rng = random.Random(3)
    people = [members.register(username=f"seed{n}", email=f"seed{n}@example.org",
                               password="seed password") for n in range(6)]
    open_threads, answers = [], []  # published ones, tracked here to avoid reloading rows
    for number in range(count):
        author = rng.choice(people)
        if open_threads and rng.random() < 0.5:
            post = posts.create_answer(author=author, parent=rng.choice(open_threads),
                                       body=f"Réponse {number}: ça aide 💪 — 第{number}")
            kept = answers
        else:
            post = posts.create_thread(author=author, kind="question",
                                       title=f"Question {number} über Spastik ✓",
                                       body="Steifheit am Morgen? 🙂", tags="stiffness")
            kept = open_threads
        if rng.random() < 0.1:
            post.status = rng.choice(["held", "removed"])
            db.session.commit()
        else:
            kept.append(post)
    for post in answers[:20]:
        voter = next(p for p in people if p.id != post.author_id)
        posts.toggle_helpful(actor=voter, post=post)
    return counts()


def counts() -> dict[str, int]:
    names = inspect(db.engine).get_table_names()
    return {name: db.session.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
            for name in names if name != "alembic_version"}


def fingerprint() -> list[tuple]:
    """Columns that no migration should touch, for every post and member."""
    rows = db.session.execute(select(Post.id, Post.title, Post.body, Post.status, Post.created_at)
                              .order_by(Post.id)).all()
    people = db.session.execute(select(Member.id, Member.username, Member.email)
                                .order_by(Member.id)).all()
    return [*map(tuple, rows), *map(tuple, people)]


def test_every_revision_goes_down_and_up_again_keeping_the_data(empty_app):
    with empty_app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        before = seed()
        kept = fingerprint()
        assert before["post"] > 100 and before["vote"] == 20 and db.session.scalar(
            select(func.count()).select_from(Post).where(Post.status != "published")) > 0
        db.session.remove()
        chain = revisions()
        # Step down to the first revision and back up, one revision at a time.
        for target in reversed(chain[:-1]):
            downgrade(directory=str(MIGRATIONS_DIR), revision=target)
        for target in chain[1:]:
            upgrade(directory=str(MIGRATIONS_DIR), revision=target)
        after = counts()
        surviving = {name: count for name, count in before.items() if name in after}
        assert {name: after[name] for name in surviving} == surviving
        assert fingerprint() == kept
