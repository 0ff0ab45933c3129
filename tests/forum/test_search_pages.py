"""Search through the forum: the page, the API, visibility, and an index kept in step."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import IndexJob, Post, utcnow
from forum.services import indexing
from tests.factories import (
    login,
    make_answer,
    make_experience,
    make_member,
    make_question,
)

HOSTILE = ['author:admin', '"unbalanced', "*", "AND OR NOT", "x" * 5000, "\x01\x02 baclofen",
           "title:(", "(((", "-", '""', "baclofen~2", "NOT baclofen", "tiz*", "\u202e reversed",
           "😀 spasms", "%00", "a" * 300 + " " + "b" * 300]


@pytest.fixture
def whoosh_app(app):
    app.config["SEARCH_BACKEND"] = "whoosh"
    with app.app_context():
        indexing.rebuild()
    return app


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    found = re.findall(r'<h3><a href="/posts/\d+">(.*?)</a></h3>', html)
    return [re.sub(r"</?mark>", "", title) for title in found]


def set_status(post: Post, status: str, *, queue: bool = True) -> None:
    post.status = status
    if queue:
        indexing.queue([post.id])
    db.session.commit()
    if queue:
        indexing.after_commit()


def test_brand_name_finds_posts_that_use_the_generic_name(whoosh_app, client):
    make_question(make_member("rowan"), title="Baclofen and next-day sleepiness",
                  body="Since starting baclofen I feel sleepy all morning.")
    make_question(make_member("ines"), title="Choosing shoes for an AFO",
                  body="Which shoes fit over a brace?", tags="orthotics")
    found = titles(client.get("/search", query_string={"q": "Lioresal drowsy"}))
    assert found == ["Baclofen and next-day sleepiness"]


def test_misspelling_and_everyday_words_find_the_right_posts(whoosh_app, client):
    make_question(make_member("rowan"), title="Tizanidine dose timing",
                  body="When do you take your tizanidine?", tags="tizanidine")
    make_question(make_member("ines"), title="Nocturnal spasms every night",
                  body="My nocturnal spasms wake me at 3am.", tags="night-spasms")
    assert titles(client.get("/search?q=tizanadine")) == ["Tizanidine dose timing"]
    assert "Nocturnal spasms every night" in titles(client.get("/search?q=legs+jump+at+night"))


def test_phrases_and_exclusions_work_on_the_page(whoosh_app, client):
    author = make_member("rowan")
    make_question(author, title="Stretching before bed helps", body="Calf stretches at night.",
                  tags="stretching")
    make_question(author, title="Bed before stretching, sometimes", body="Nothing else.",
                  tags="stretching")
    assert titles(client.get('/search?q="stretching before bed"')) == [
        "Stretching before bed helps"]
    assert titles(client.get("/search?q=stretching+-calf")) == [
        "Bed before stretching, sometimes"]


def test_new_post_is_searchable_as_soon_as_it_is_published(whoosh_app, client):
    make_member("rowan")
    login(client, "rowan")
    from tests.forum.test_posts import ask

    ask(client, title="Dantrolene and liver tests, anyone?", body="My GP wants blood tests.",
        tags="dantrolene")
    assert titles(client.get("/search?q=dantrolene")) == ["Dantrolene and liver tests, anyone?"]


def test_held_posts_are_hidden_from_the_public_and_found_by_moderators(whoosh_app, client):
    held = make_question(make_member("rowan"), title="Clonus at the ankle after walking",
                         tags="clonus")
    set_status(held, "held")
    assert titles(client.get("/search?q=clonus")) == []
    assert titles(client.get("/search?q=clonus&held=1")) == []
    make_member("sam", role="moderator")
    login(client, "sam")
    assert titles(client.get("/search?q=clonus&held=1")) == ["Clonus at the ankle after walking"]


def test_removed_post_never_shows_even_before_the_index_hears_of_it(whoosh_app, client):
    post = make_question(make_member("rowan"), title="Pregabalin and weight gain",
                         tags="pregabalin")
    assert titles(client.get("/search?q=pregabalin")) == ["Pregabalin and weight gain"]
    set_status(post, "removed", queue=False)  # the database changed, the index not yet
    assert titles(client.get("/search?q=pregabalin")) == []
    api = client.get("/api/v1/search?q=pregabalin").get_json()
    assert api["results"] == []


def test_deleted_answers_leave_the_index(whoosh_app, client):
    question = make_question(make_member("rowan"), title="Hydrotherapy pools near Leeds",
                             tags="exercise")
    answer = make_answer(make_member("ines"), question, body="Try the hydrotherapy pool here.")
    login(client, "ines")
    from tests.factories import post_form

    post_form(client, f"/posts/{answer.id}/delete", {})
    api = client.get("/api/v1/search?q=hydrotherapy").get_json()
    assert [result["id"] for result in api["results"]] == [question.id]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_give_a_server_error(whoosh_app, client, query):
    make_question(make_member("rowan"))
    page = client.get("/search", query_string={"q": query})
    api = client.get("/api/v1/search", query_string={"q": query})
    assert page.status_code < 500 and api.status_code < 500
    if api.status_code == 400:
        assert api.get_json()["message"]


def test_invalid_utf8_and_nonsense_parameters_are_harmless(whoosh_app, client):
    assert client.get("/search?q=%ED%A0%80%FF").status_code < 500
    assert client.get("/search?q=a&page=-3&per_page=1000000&sort=evil&kind=x").status_code == 200
    assert client.get("/api/v1/search?q=a&tag=not-a-tag&page=abc").status_code == 200


def test_api_returns_results_facets_and_source_ids(whoosh_app, client):
    author = make_member("rowan")
    make_question(author, title="Baclofen at night only?", tags="baclofen, night-spasms")
    make_experience(make_member("priya"), treatment="baclofen", effectiveness=5,
                    title="Baclofen gave me my nights back")
    data = client.get("/api/v1/search?q=baclofen").get_json()
    assert data["total"] == 2 and data["page"] == 1
    first = data["results"][0]
    assert set(first) == {"id", "thread_id", "kind", "title", "url", "snippet", "tags",
                          "created_at", "helpful", "score", "source_id"}
    assert data["facets"]["tags"]["baclofen"] == 2
    assert data["facets"]["tags"]["night-spasms"] == 2
    assert data["suggestion"] is None


def test_filters_narrow_and_facets_add_up(whoosh_app, client):
    author = make_member("priya")
    make_experience(author, treatment="baclofen", effectiveness=2, title="Baclofen, so-so")
    make_experience(make_member("ines"), treatment="baclofen", effectiveness=5,
                    title="Baclofen, brilliant")
    make_question(make_member("rowan"), title="Baclofen question", tags="baclofen")
    everything = client.get("/api/v1/search?q=baclofen").get_json()
    experiences = client.get("/api/v1/search?q=baclofen&kind=experience").get_json()
    good = client.get("/search?q=baclofen&treatment=baclofen&min_rating=4")
    rated_two = client.get("/search?kind=experience&treatment=baclofen&rating=2")
    assert everything["total"] == 3
    assert experiences["total"] == 2
    assert titles(good) == ["Baclofen, brilliant"]
    assert titles(rated_two) == ["Baclofen, so-so"]  # where a rating bar on /treatments leads


def test_results_are_paginated(whoosh_app, client):
    author = make_member("rowan")
    for number in range(5):
        make_question(author, title=f"Gabapentin question number {number}", tags="gabapentin")
    first = client.get("/api/v1/search?q=gabapentin&per_page=2&sort=new").get_json()
    last = client.get("/api/v1/search?q=gabapentin&per_page=2&sort=new&page=3").get_json()
    assert first["total"] == 5 and len(first["results"]) == 2
    assert [r["title"] for r in last["results"]] == ["Gabapentin question number 0"]


def test_a_write_whose_index_update_was_lost_is_replayed(whoosh_app, client, monkeypatch):
    monkeypatch.setattr(indexing, "after_commit", lambda *args, **kwargs: None)
    make_question(make_member("rowan"), title="Diazepam for night spasms", tags="diazepam")
    assert titles(client.get("/search?q=diazepam")) == []  # the worker "died" after commit
    assert db.session.scalar(select(func.count()).select_from(IndexJob)) == 1
    result = whoosh_app.test_cli_runner().invoke(args=["search", "catch-up"])
    assert result.exit_code == 0 and "Replayed 1" in result.output
    assert titles(client.get("/search?q=diazepam")) == ["Diazepam for night spasms"]


def test_a_post_queued_while_another_worker_replays_the_queue_is_not_lost(
        whoosh_app, client, monkeypatch):
    """Worker A reads the queue; meanwhile worker B does the same job and a member posts.

    A then deletes the jobs it did: that must not take the new post's job with it (SQLite
    used to give the new job the id of the one just done).
    """
    real_after_commit, real_apply = indexing.after_commit, indexing.apply
    monkeypatch.setattr(indexing, "after_commit", lambda: None)
    make_question(make_member("rowan"), title="Diazepam for night spasms", tags="diazepam")

    def apply_while_others_work(post_ids, position=None):
        monkeypatch.setattr(indexing, "apply", real_apply)
        with whoosh_app.app_context():  # worker B, with its own database session
            indexing.process_jobs()
            make_question(make_member("sasha"), title="Tizanidine at bedtime",
                          tags="tizanidine")  # its worker stops before replaying the queue
        return real_apply(post_ids, position)

    monkeypatch.setattr(indexing, "apply", apply_while_others_work)
    indexing.process_jobs()  # worker A
    monkeypatch.setattr(indexing, "after_commit", real_after_commit)
    whoosh_app.test_cli_runner().invoke(args=["search", "catch-up"])
    assert titles(client.get("/search?q=tizanidine")) == ["Tizanidine at bedtime"]
    assert titles(client.get("/search?q=diazepam")) == ["Diazepam for night spasms"]


def test_search_check_reports_differences_and_fix_repairs_them(whoosh_app, client):
    post = make_question(make_member("rowan"), title="Dantrolene side effects", tags="dantrolene")
    runner = whoosh_app.test_cli_runner()
    assert "The index matches the database." in runner.invoke(args=["search", "check"]).output
    post.title = "Dantrolene side effects, updated"
    post.edited_at = utcnow()
    db.session.commit()  # edited without a job: the index is now stale
    stale = runner.invoke(args=["search", "check"])
    assert stale.exit_code != 0 and f"stale: 1 ({post.id})" in stale.output
    fixed = runner.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0
    assert "The index matches the database." in runner.invoke(args=["search", "check"]).output


def test_a_missing_index_keeps_the_site_working_and_is_rebuilt(whoosh_app, client):
    whoosh_app.config["SEARCH_AUTO_REBUILD"] = False
    make_question(make_member("rowan"), title="Tizanidine and low blood pressure",
                  tags="tizanidine")
    shutil.rmtree(Path(whoosh_app.config["SEARCH_INDEX_DIR"]))
    broken = client.get("/search?q=tizanidine")
    assert broken.status_code == 503
    assert "Search is being rebuilt" in broken.get_data(as_text=True)
    assert client.get("/").status_code == 200
    login(client, "rowan")
    from tests.forum.test_posts import ask

    posted = ask(client, title="Posted while search was broken", tags="tizanidine")
    assert posted.status_code in (302, 303)
    result = whoosh_app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert sorted(titles(client.get("/search?q=tizanidine"))) == [
        "Posted while search was broken", "Tizanidine and low blood pressure"]


def test_a_missing_index_is_rebuilt_in_the_background_on_the_first_search(whoosh_app, client):
    make_question(make_member("rowan"), title="Cooling vest in summer", tags="heat-cold")
    shutil.rmtree(Path(whoosh_app.config["SEARCH_INDEX_DIR"]))
    assert client.get("/search?q=cooling").status_code == 503
    deadline = time.monotonic() + 60  # a bound on waiting, not a speed check
    while time.monotonic() < deadline:
        response = client.get("/search?q=cooling")
        if response.status_code == 200:
            break
        time.sleep(0.2)
    assert titles(response) == ["Cooling vest in summer"]


def test_search_box_is_on_every_page(client):
    for path in ("/", "/tags", "/login"):
        assert 'role="search"' in client.get(path).get_data(as_text=True)
