"""`flask backup create` and `restore`: the content comes back, and so do search results."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.services import indexing
from tests.factories import make_answer, make_member, make_question


@pytest.fixture
def backup_app(app, database_url):
    if database_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    app.config["SEARCH_BACKEND"] = "whoosh"
    with app.app_context():
        indexing.rebuild()
    return app


def search_ids(client, text: str) -> list[int]:
    return [r["id"] for r in client.get("/api/v1/search", query_string={"q": text})
            .get_json()["results"]]


def test_restore_brings_back_the_content_and_the_same_search_results(backup_app, client,
                                                                       tmp_path):
    question = make_question(make_member("rowan"), title="Baclofen pump refill visits",
                             tags="intrathecal-baclofen")
    make_answer(make_member("ines"), question, body="Mine are every three months.")
    before = search_ids(client, "baclofen pump")
    runner = backup_app.test_cli_runner()
    saved = tmp_path / "thaw.backup"
    result = runner.invoke(args=["backup", "create", str(saved)])
    assert result.exit_code == 0, result.output
    make_question(make_member("tomasz"), title="Written after the backup", tags="yoga")
    restored = runner.invoke(args=["backup", "restore", str(saved), "--yes"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    titles = db.session.scalars(select(Post.title).where(Post.title.is_not(None))).all()
    assert titles == ["Baclofen pump refill visits"]
    assert db.session.scalar(select(func.count()).select_from(Post)) == 2
    assert search_ids(client, "baclofen pump") == before
    assert search_ids(client, "written after") == []


def test_restore_refuses_a_file_that_is_not_a_backup(backup_app, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    make_question(make_member("rowan"))
    result = backup_app.test_cli_runner().invoke(args=["backup", "restore", str(junk), "--yes"])
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1
