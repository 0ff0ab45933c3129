"""Following threads and tags from their pages, and unfollowing."""

from __future__ import annotations

from forum.services import following
from tests.factories import login, make_answer, make_member, make_question, post_form


def test_a_member_follows_and_unfollows_a_thread_from_its_page(app, client):
    author, reader = make_member("author"), make_member("reader")
    thread = make_question(author)
    login(client, "reader")
    path = f"/threads/{thread.id}/follow"
    assert post_form(client, path, {"follow": "1"}).status_code == 303
    assert following.thread_followers(thread.id) == [author.id, reader.id]
    assert post_form(client, path, {"follow": "0"}).status_code == 303
    assert following.thread_followers(thread.id) == [author.id]


def test_a_member_follows_a_tag_and_an_unknown_tag_is_not_found(app, client):
    reader = make_member("reader")
    login(client, "reader")
    assert post_form(client, "/tags/baclofen/follow", {"follow": "1"}).status_code == 303
    assert following.tag_followers(["baclofen", "tizanidine"]) == [reader.id]
    assert post_form(client, "/tags/no-such-tag/follow", {"follow": "1"}).status_code == 404


def test_a_held_thread_cannot_be_followed_by_others(app, client):
    author = make_member("author")
    make_member("reader")
    thread = make_question(author)
    thread.status = "held"
    from forum.extensions import db

    db.session.commit()
    login(client, "reader")
    assert post_form(client, f"/threads/{thread.id}/follow", {}).status_code == 404


def test_thread_and_tag_pages_show_the_follow_button_and_its_state(app, client):
    author = make_member("author")
    make_member("reader")
    thread = make_question(author)
    login(client, "reader")
    assert "Follow this thread" in client.get(f"/threads/{thread.id}").get_data(as_text=True)
    post_form(client, f"/threads/{thread.id}/follow", {"follow": "1"})
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Following this thread (unfollow)" in page
    assert "Follow this tag" in client.get("/tags/baclofen").get_data(as_text=True)


def test_asking_and_answering_follow_the_thread_and_unfollowing_sticks(app):
    asker, helper, third = make_member("asker"), make_member("helper"), make_member("third")
    thread = make_question(asker)
    make_answer(helper, thread)
    assert following.thread_followers(thread.id) == [asker.id, helper.id]
    following.set_thread_follow(member=helper, thread=thread, follow=False)
    make_answer(helper, thread, body="Another thought: warm baths.")
    assert following.thread_followers(thread.id) == [asker.id]
    make_answer(third, thread, body="Me too.")
    assert following.thread_followers(thread.id) == [asker.id, third.id]
