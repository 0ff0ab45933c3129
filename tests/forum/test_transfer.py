"""`flask posts import` and `flask posts export` in the shared JSON-lines format."""

from __future__ import annotations

import json

from sqlalchemy import select

from forum.extensions import db
from forum.models import Member, Post
from tests.factories import count

LINES = [
    {"source_id": "old-2", "kind": "answer", "author": "ines", "body": "Try stretching.",
     "parent": "old-1"},
    {"source_id": "old-1", "kind": "question", "author": "rowan",
     "title": "Night spasms keep waking me", "body": "Any tips?", "tags": ["Lioresal", "clonus"],
     "created_at": "2024-03-01T10:00:00Z"},
    {"source_id": "old-3", "kind": "experience", "author": "priya", "title": "Botox for my calf",
     "body": "Worked after ten days.", "tags": ["spasticity"],
     "experience": {"treatment": "botox", "effectiveness": 4, "side_effects": ["weak legs"],
                    "duration_months": 12, "still_using": True, "dose": None}},
]


def write(tmp_path, lines, name="posts.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_import_adds_posts_members_and_maps_synonyms(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["posts", "import", str(write(tmp_path, LINES))])
    assert result.exit_code == 0, result.output
    assert "Imported 3 posts" in result.output
    question = db.session.scalar(select(Post).where(Post.source_id == "old-1"))
    assert question.tag_slugs == ["baclofen", "clonus"]
    assert question.answer_count == 1
    assert question.created_at.year == 2024
    experience = db.session.scalar(select(Post).where(Post.source_id == "old-3"))
    assert experience.experience.treatment == "botulinum-toxin"
    assert experience.experience.side_effect_names == ["weakness"]
    imported = db.session.scalar(select(Member).where(Member.username == "ines"))
    assert imported.is_imported and imported.password_hash is None


def test_importing_the_same_file_twice_changes_nothing(app, tmp_path):
    path = write(tmp_path, LINES)
    runner = app.test_cli_runner()
    runner.invoke(args=["posts", "import", str(path)])
    again = runner.invoke(args=["posts", "import", str(path)])
    assert again.exit_code == 0
    assert "Imported 0 posts; 3 were already here" in again.output
    assert count(Post) == 3 and count(Member) == 3


def test_a_bad_line_fails_the_import_with_its_number_and_keeps_nothing(app, tmp_path):
    bad = [*LINES, {"source_id": "old-4", "kind": "question", "author": "rowan",
                    "title": "Tagged with nonsense here", "body": "x", "tags": ["flubber"]}]
    result = app.test_cli_runner().invoke(args=["posts", "import", str(write(tmp_path, bad))])
    assert result.exit_code != 0
    assert "line 4" in result.output and "flubber" in result.output
    assert "Nothing was imported" in result.output
    assert count(Post) == 0 and count(Member) == 0


def test_import_explains_broken_json_and_missing_parents(app, tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"source_id": "a", "kind": "question"\n', encoding="utf-8")
    broken = app.test_cli_runner().invoke(args=["posts", "import", str(path)])
    assert "line 1: not valid JSON" in broken.output
    orphan = [{"source_id": "x", "kind": "answer", "author": "ines", "body": "hi",
               "parent": "nowhere"}]
    result = app.test_cli_runner().invoke(args=["posts", "import", str(write(tmp_path, orphan))])
    assert "line 1" in result.output and "'nowhere'" in result.output


def test_export_writes_what_import_reads(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["posts", "import", str(write(tmp_path, LINES))])
    exported = runner.invoke(args=["posts", "export"]).output.splitlines()
    records = {json.loads(line)["source_id"]: json.loads(line) for line in exported}
    assert set(records) == {"old-1", "old-2", "old-3"}
    assert records["old-2"]["parent"] == "old-1"
    assert records["old-3"]["experience"]["treatment"] == "botulinum-toxin"
    assert records["old-1"]["tags"] == ["baclofen", "clonus"]


def test_imported_posts_are_searchable_right_after_the_import(app, client, tmp_path):
    result = app.test_cli_runner().invoke(args=["posts", "import", str(write(tmp_path, LINES))])
    assert "The imported posts are searchable." in result.output
    found = client.get("/api/v1/search", query_string={"q": "waking"}).get_json()
    # The question, and its answer, which carries the thread's title.
    assert sorted(hit["source_id"] for hit in found["results"]) == ["old-1", "old-2"]


def test_a_large_import_is_indexed_by_one_rebuild(app, client, tmp_path, monkeypatch):
    from forum.models import IndexJob
    from forum.services import indexing

    rebuilds, replayed = [], []
    rebuild_and_settle, process_jobs = indexing.rebuild_and_settle, indexing.process_jobs

    def counted_rebuild(*args, **kwargs):
        rebuilds.append(1)
        return rebuild_and_settle(*args, **kwargs)

    def no_replay(*args, **kwargs):
        pending = count(IndexJob)
        if pending:  # the import's jobs are the rebuild's to drop, not to replay one by one
            replayed.append(pending)
        return process_jobs(*args, **kwargs)

    monkeypatch.setattr(indexing, "REBUILD_AFTER_IMPORT", 2)
    monkeypatch.setattr(indexing, "rebuild_and_settle", counted_rebuild)
    monkeypatch.setattr(indexing, "process_jobs", no_replay)
    result = app.test_cli_runner().invoke(args=["posts", "import", str(write(tmp_path, LINES))])
    assert "The imported posts are searchable." in result.output
    assert len(rebuilds) == 1
    assert replayed == []
    found = client.get("/api/v1/search", query_string={"q": "botox"}).get_json()
    assert [hit["source_id"] for hit in found["results"]] == ["old-3"]
    assert count(IndexJob) == 0
