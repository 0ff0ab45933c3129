"""Several web nodes, each with its own search index, following the index job log."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from forum.extensions import db
from forum.models import IndexJob, SearchNode, utcnow
from forum.services import indexing
from forum.services.indexing import rebuilding
from search.whoosh import position as position_module
from search.whoosh.generations import read_position
from tests.conftest import GENEROUS_LIMITS, IsolatedClient
from tests.factories import count, make_member, make_question


@pytest.fixture
def node_a(app):
    """The test's app as a node with a Whoosh index of its own."""
    app.config["SEARCH_BACKEND"] = "whoosh"
    with app.app_context():
        indexing.rebuild()
    return app


@pytest.fixture
def node_b(node_a, database_url, engine_options, tmp_path):
    """A second node on the same database, with another index directory (not built yet)."""
    other = create_app({
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options or {"pool_pre_ping": True},
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "node-b-index"),
        "SEARCH_BACKEND": "whoosh",
        "INSTANCE_PATH": str(tmp_path / "node-b"),
        "AUTO_SETUP": False,
        "SCHEMA_CHECK": False,
        **GENEROUS_LIMITS,
    })
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def found(node, query: str) -> list[str]:
    response = node.test_client().get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200
    return [hit["title"] for hit in response.get_json()["results"]]


def catch_up(node) -> int:
    with node.app_context():
        return indexing.catch_up()


def test_a_post_written_on_one_node_is_found_on_the_other_once_it_follows(node_a, node_b):
    catch_up(node_b)  # an empty index directory: the node rebuilds from the database
    make_question(make_member("rowan"), title="Tizanidine and dry mouth", tags="tizanidine")
    assert found(node_a, "tizanidine") == ["Tizanidine and dry mouth"]
    assert found(node_b, "tizanidine") == []  # not applied on node B yet
    assert catch_up(node_b) == 1
    assert found(node_b, "tizanidine") == ["Tizanidine and dry mouth"]


def heartbeat(node) -> None:
    """Register the node's progress, as its follower does every few seconds."""
    with node.app_context():
        indexing.note_progress(indexing.current_position())


def test_the_log_is_kept_until_every_live_node_applied_it(node_a, node_b):
    catch_up(node_b)
    make_question(make_member("rowan"), title="Baclofen pump refills", tags="baclofen")
    heartbeat(node_a)
    heartbeat(node_b)
    assert count(IndexJob) == 1  # node A applied it; node B has not
    catch_up(node_b)
    heartbeat(node_b)
    assert count(IndexJob) == 0
    heartbeat(node_a)
    with node_b.app_context():
        position = read_position(indexing.get_index().directory)
    applied = db.session.scalars(select(SearchNode.applied_id)).all()
    assert applied == [position, position]


def test_a_node_gone_longer_than_the_retention_rebuilds_and_keeps_every_post(
        node_a, node_b):
    catch_up(node_b)
    make_question(make_member("rowan"), title="Dantrolene and the liver", tags="dantrolene")
    # Node B is away for eight days: its jobs pass the retention period and are pruned.
    later = utcnow() + timedelta(days=8)
    with node_a.app_context():
        assert indexing.prune(now=later) == 1
    assert count(IndexJob) == 0
    make_question(make_member("sasha"), title="Dantrolene at night", tags="dantrolene")
    catch_up(node_b)
    assert sorted(found(node_b, "dantrolene")) == ["Dantrolene and the liver",
                                                   "Dantrolene at night"]


def test_a_new_node_rebuilds_then_applies_the_posts_written_during_its_rebuild(
        node_a, node_b, monkeypatch):
    make_question(make_member("rowan"), title="Gabapentin for nerve pain", tags="gabapentin")
    real_expected = rebuilding.expected_versions

    def write_meanwhile(post_ids=None):
        versions = real_expected(post_ids)
        if post_ids is None:  # the rebuild has read the posts; another node takes a post
            with node_a.app_context():
                make_question(make_member("sasha"), title="Gabapentin and dizziness",
                              tags="gabapentin")
        return versions

    monkeypatch.setattr(rebuilding, "expected_versions", write_meanwhile)
    catch_up(node_b)
    monkeypatch.setattr(rebuilding, "expected_versions", real_expected)
    assert sorted(found(node_b, "gabapentin")) == ["Gabapentin and dizziness",
                                                   "Gabapentin for nerve pain"]
    result = node_b.test_cli_runner().invoke(args=["search", "check"])
    assert "The index matches the database." in result.output


def test_the_follower_applies_posts_written_on_another_node(node_a, node_b):
    node_b.config["SEARCH_FOLLOW_INTERVAL"] = 0.1
    stop = threading.Event()
    thread = indexing.follow_in_background(node_b, stop)
    try:
        make_question(make_member("rowan"), title="Botox for calf spasms", tags="botulinum-toxin")
        deadline = time.monotonic() + 20
        while not found(node_b, "botox") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert found(node_b, "botox") == ["Botox for calf spasms"]
    finally:
        stop.set()
        thread.join(timeout=10)


def test_search_nodes_lists_each_node_and_its_lag(node_a, node_b):
    catch_up(node_b)
    make_question(make_member("rowan"), title="Stretching routine", tags="stretching")
    heartbeat(node_a)
    output = node_a.test_cli_runner().invoke(args=["search", "nodes"]).output
    lines = output.splitlines()
    assert len([line for line in lines if "applied job" in line]) == 2
    assert any("node-b-index" in line and "1 behind" in line for line in lines)
    assert any("search-index" in line and "0 behind" in line for line in lines)


def test_healthz_reports_the_search_lag_without_login(node_a, node_b):
    catch_up(node_b)
    make_question(make_member("rowan"), title="Cooling vest", tags="heat")
    behind = node_b.test_client().get("/healthz")
    assert behind.status_code == 200
    assert behind.get_json()["search"]["lag_rows"] == 1
    caught_up = node_a.test_client().get("/healthz").get_json()
    assert caught_up["status"] == "ok" and caught_up["search"]["lag_rows"] == 0
    assert "rowan" not in behind.get_data(as_text=True)


@pytest.mark.parametrize("schema_check", [False, True])
def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path, schema_check):
    down = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"
                                   "?connect_timeout=2",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "AUTO_SETUP": False,
        "SCHEMA_CHECK": schema_check,  # with it, the "not ready" page answers first
    })
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    if not schema_check:
        assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


def test_a_node_that_dies_while_applying_a_job_applies_it_when_it_comes_back(
        node_a, monkeypatch):
    class Crash(BaseException):
        """The worker dying between writing its position and publishing the commit."""

    make_question(make_member("rowan"), title="Baclofen pump refills", tags="baclofen")
    with node_a.app_context():
        before = indexing.current_position()
    write = position_module.write

    def write_then_die(*args, **kwargs):
        write(*args, **kwargs)
        raise Crash

    monkeypatch.setattr(position_module, "write", write_then_die)
    with pytest.raises(Crash):
        make_question(make_member("sasha"), title="Dantrolene at night", tags="dantrolene")
    monkeypatch.undo()
    with node_a.app_context():
        assert indexing.current_position() == before  # not ahead of the index
    assert found(node_a, "dantrolene") == []
    assert catch_up(node_a) == 1  # the job was not skipped
    assert found(node_a, "dantrolene") == ["Dantrolene at night"]
    with node_a.app_context():
        assert indexing.current_position() == before + 1
