"""The `flask search ...` commands and what `flask posts import` says about the index."""

from __future__ import annotations

import json

import pytest

from tests.forum.test_transfer import LINES, write


@pytest.fixture
def whoosh_app(app):
    app.config["SEARCH_BACKEND"] = "whoosh"  # a fresh instance: no index built yet
    return app


def test_check_on_a_missing_index_prints_one_line_naming_rebuild(whoosh_app):
    result = whoosh_app.test_cli_runner().invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "flask --app app search rebuild" in lines[0]


def test_import_on_a_fresh_instance_builds_the_index(whoosh_app, client, tmp_path):
    result = whoosh_app.test_cli_runner().invoke(
        args=["posts", "import", str(write(tmp_path, LINES))]
    )
    assert "no search index yet" in result.output
    assert "The imported posts are searchable." in result.output
    found = client.get("/api/v1/search?q=night+spasms").get_json()
    assert found["total"] >= 1


def test_eval_scores_judged_queries_by_type(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["posts", "import", str(write(tmp_path, LINES))])
    queries = tmp_path / "queries.jsonl"
    queries.write_text("\n".join(json.dumps(q) for q in [
        {"qid": "q1", "query": "botox calf", "type": "brand_name",
         "filters": {"tag": [], "kind": None}, "relevant": {"old-3": 2}},
        {"qid": "q2", "query": "hyperbaric oxygen", "type": "no_result",
         "filters": {"tag": [], "kind": None}, "relevant": {}},
    ]) + "\n", encoding="utf-8")

    table = runner.invoke(args=["search", "eval", str(queries)])
    assert table.exit_code == 0
    assert "brand_name" in table.output and "passed 1/1" in table.output

    summary = json.loads(runner.invoke(args=["search", "eval", str(queries), "--json"]).output)
    assert summary["types"]["brand_name"]["ndcg@10"] == 1.0
    assert summary["queries"]["q2"]["passed"] is True


def test_eval_names_the_line_of_a_broken_queries_file(app, tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"qid": "q1", "query": "x"}\n{not json\n', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["search", "eval", str(queries)])
    assert result.exit_code == 1 and "line 2" in result.output
