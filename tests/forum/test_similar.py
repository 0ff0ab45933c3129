"""Similar threads while asking: found from the title, visible ones only, with answer counts."""

from __future__ import annotations

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post
from forum.services import posts
from tests.factories import count, login, make_answer, make_member, make_question, post_form


def _similar(client, title: str) -> list[dict]:
    response = client.get("/api/v1/similar", query_string={"title": title})
    assert response.status_code == 200
    return response.get_json()["threads"]


def test_similar_threads_come_with_their_answer_counts(app, client):
    with app.app_context():
        asker, helper = make_member(), make_member()
        night = make_question(asker, title="Baclofen for spasms at night?",
                              body="Does it help the night-time jumping?",
                              tags="baclofen, night-spasms")
        make_answer(helper, night, body="It helped me a lot.")
        make_question(asker, title="Choosing walking poles", body="Which poles grip best?",
                      tags="walking")
        night_id = night.id
    found = _similar(client, "Does baclofen help spasms at night")
    assert [t["id"] for t in found] == [night_id]
    assert found[0]["answers"] == 1 and found[0]["title"] == "Baclofen for spasms at night?"
    assert found[0]["url"].endswith(f"/threads/{night_id}")


def test_an_answer_that_matches_leads_to_its_thread_once(app, client):
    with app.app_context():
        asker, helper = make_member(), make_member()
        thread = make_question(asker, title="Mornings are hard", body="Any tips at all?",
                               tags="stiffness")
        make_answer(helper, thread, body="Tizanidine at bedtime and clonus exercises.")
        make_answer(asker, thread, body="Thanks, tizanidine and clonus noted.")
        thread_id = thread.id
    assert [t["id"] for t in _similar(client, "Tizanidine for clonus")] == [thread_id]


def test_held_removed_and_deleted_threads_are_never_suggested(app, client):
    with app.app_context():
        asker = make_member()
        kept = make_question(asker, title="Gabapentin and dizziness", body="How long?",
                             tags="gabapentin")
        held = make_question(asker, title="Gabapentin dizziness again", body="Still dizzy.",
                             tags="gabapentin")
        gone = make_question(asker, title="Gabapentin dizzy spells", body="Any ideas?",
                             tags="gabapentin")
        posts.delete_post(actor=asker, post=gone)
        with write_transaction():
            db.session.get(Post, held.id).status = "held"
        kept_id = kept.id
    assert [t["id"] for t in _similar(client, "Gabapentin dizziness")] == [kept_id]


def test_at_most_five_threads_and_nothing_for_a_short_title(app, client):
    with app.app_context():
        asker = make_member()
        for number in range(7):
            make_question(asker, title=f"Stretching routine number {number}",
                          body="Calf stretches in the morning.", tags="stretching")
    assert len(_similar(client, "Stretching routine for calves")) == 5
    assert _similar(client, "stretch") == []
    assert _similar(client, "") == []


def test_a_query_the_search_cannot_run_gives_no_threads_not_an_error(app, client):
    assert _similar(client, '"""((( AND OR NOT') == []
    assert _similar(client, "x" * 5000) == []


def test_without_javascript_the_check_button_lists_similar_threads_and_keeps_the_text(
        app, client):
    with app.app_context():
        asker = make_member()
        make_member("asker")
        thread = make_question(asker, title="Baclofen for spasms at night?",
                               body="Does it help?", tags="baclofen")
        thread_id = thread.id
        before = count(Post)
    login(client, "asker")
    response = post_form(client, "/ask", {
        "action": "similar", "title": "Baclofen and night spasms, anyone?",
        "body": "My own words, not lost.", "tags": "baclofen, night-spasms"},
        token_from="/ask")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/threads/{thread_id}"' in html and "0 answers" in html
    assert 'value="Baclofen and night spasms, anyone?"' in html
    assert "My own words, not lost." in html and "baclofen, night-spasms" in html
    with app.app_context():
        assert count(Post) == before  # nothing was posted


def test_the_check_button_says_so_when_nothing_is_similar_and_posting_still_works(app, client):
    make_member("asker")
    login(client, "asker")
    html = post_form(client, "/ask", {"action": "similar", "title": "Orthotics in the rain",
                                      "body": "", "tags": ""},
                     token_from="/ask").get_data(as_text=True)
    assert "No similar threads found" in html
    response = post_form(client, "/ask", {"action": "post", "title": "Orthotics in the rain",
                                          "body": "Do they get slippery?", "tags": "orthotics"},
                         token_from="/ask")
    assert response.status_code in (302, 303)
