"""A post whose author may be in crisis: help shown at once, published, first in the queue."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, ReviewItem
from tests.factories import login, make_answer, make_member, make_question, post_form

CRISIS_BODY = "The spasms never stop and honestly I want to end it all. I have pills saved."


def _ask(client, body=CRISIS_BODY, headers=None):
    return post_form(client, "/ask", {"title": "I can't keep doing this", "body": body,
                                      "tags": "spasms", "action": "post"}, token_from="/ask") \
        if headers is None else client.post("/ask", headers=headers, data={
            "csrf_token": _token(client), "title": "I can't keep doing this", "body": body,
            "tags": "spasms", "action": "post"})


def _token(client):
    from tests.factories import csrf_token

    return csrf_token(client, "/ask")


def test_the_author_sees_help_first_on_the_same_response_and_the_post_is_published(app, client):
    make_member("writer")
    login(client, "writer")
    response = _ask(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    main = page[page.index('<main'):]
    first_section = re.search(r"<(section|h1)\b[^>]*>", main)
    assert 'class="crisis-box"' in first_section.group(0)
    for number in ("116 123", "988", "999", "911", "0808 800 8000", "0800 032 3839"):
        assert number in page
    post = db.session.scalar(select(Post))
    assert post.status == "published"


def test_the_resources_follow_the_authors_locale_when_known(app, client):
    make_member("writer")
    login(client, "writer")
    page = _ask(client, headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "116 123" in page and "0808 800 8000" in page
    assert "911" not in page


def test_the_crisis_item_is_first_in_the_queue_with_its_marker(app, client):
    author = make_member("writer")
    make_member("mod", role="moderator")
    make_question(author, title="Spare tizanidine for anyone who wants it",
                  body="I have loads of spare tizanidine, happy to post some to anyone.",
                  tags="tizanidine")
    login(client, "writer")
    _ask(client)
    items = list(db.session.scalars(select(ReviewItem).order_by(ReviewItem.severity.desc())))
    assert items[0].source == "crisis"
    client.post("/logout")
    login(client, "mod")
    page = client.get("/moderation").get_data(as_text=True)
    first = page.index('class="review-item')
    assert page.index("Member may be in crisis", first) < page.index('class="review-item',
                                                                      first + 1)


def test_the_queue_says_which_reader_raised_the_post_and_never_invents_a_rule(app, client):
    make_member("writer")
    make_member("mod", role="moderator")
    login(client, "writer")
    _ask(client)  # the rules name it
    # No rule names this; the learned reader raises it (moderation tests check the same).
    unnamed = "Sorted the will and found the cat a new home so nobody is left with a mess after."
    assert _ask(client, body=unnamed).status_code == 200
    client.post("/logout")
    login(client, "mod")
    page = client.get("/moderation").get_data(as_text=True)
    assert page.count("Member may be in crisis") == 2
    assert "The rules found words of suicide" in page
    assert "No rule matched; the learned reader scored it" in page


def test_an_ordinary_post_gets_no_box(app, client):
    make_member("writer")
    login(client, "writer")
    response = _ask(client, body="This heat is killing me, my legs are like concrete.")
    assert response.status_code == 303
    assert db.session.scalar(select(ReviewItem)) is None


# Edits are screened too ----------------------------------------------------------------------

EDITED_CRISIS = "Lately I keep thinking about ending my life, the spasms wear me down."
SOMEONE_ELSE = ("My husband keeps telling me he wants to kill himself since his diagnosis. "
                "How do I help him?")


def _crisis_items():
    return list(db.session.scalars(select(ReviewItem).where(ReviewItem.source == "crisis")))


def _edit(client, post, body, **fields):
    return post_form(client, f"/posts/{post.id}/edit", {"body": body, **fields},
                     token_from=f"/posts/{post.id}/edit")


def _box_is_first(page: str) -> bool:
    main = page[page.index("<main"):]
    return 'class="crisis-box' in re.search(r"<(section|h1)\b[^>]*>", main).group(0)


def test_an_edit_that_brings_crisis_language_queues_the_item_and_shows_help_first(app, client):
    question = make_question(make_member("writer"), title="Stretches for tight calves",
                             body="My calves are tight every morning.", tags="spasms")
    login(client, "writer")
    response = _edit(client, question, EDITED_CRISIS, title=question.title, tags="spasms")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _box_is_first(page)
    assert "You don't have to face this alone" in page and "Your changes are published" in page
    assert len(_crisis_items()) == 1
    db.session.expire_all()
    post = db.session.get(Post, question.id)
    assert post.status == "published" and post.body == EDITED_CRISIS


def test_editing_a_flagged_post_again_queues_no_second_item(app, client):
    make_member("writer")
    login(client, "writer")
    _ask(client)
    post = db.session.scalar(select(Post))
    response = _edit(client, post, CRISIS_BODY + " Sorry for the typos.",
                     title=post.title, tags="spasms")
    assert response.status_code == 200 and _box_is_first(response.get_data(as_text=True))
    assert len(_crisis_items()) == 1


def test_an_edited_answer_is_screened_too(app, client):
    question = make_question(make_member("asker"))
    answer = make_answer(make_member("writer"), question, body="Stretching helps me a bit.")
    login(client, "writer")
    response = _edit(client, answer, EDITED_CRISIS)
    assert response.status_code == 200 and _box_is_first(response.get_data(as_text=True))
    assert [item.post_id for item in _crisis_items()] == [answer.id]


def test_an_ordinary_edit_gets_no_box(app, client):
    question = make_question(make_member("writer"))
    login(client, "writer")
    response = _edit(client, question, "Night cramps again, any tips for getting back to sleep?",
                     title=question.title, tags="baclofen")
    assert response.status_code in (302, 303)
    assert _crisis_items() == []


def test_a_moderator_tidying_a_crisis_post_is_not_shown_help_nor_queues_it_again(app, client):
    make_member("writer")
    make_member("mod", role="moderator")
    login(client, "writer")
    _ask(client)
    post = db.session.scalar(select(Post))
    for item in _crisis_items():
        item.state = "resolved"
    db.session.commit()
    post_form(client, "/logout", {}, token_from="/")
    login(client, "mod")
    response = _edit(client, post, CRISIS_BODY.replace("pills", "medication"),
                     title=post.title, tags="spasms")
    assert response.status_code in (302, 303)
    assert [item.state for item in _crisis_items()] == ["resolved"]


# A reload never sends the form again ---------------------------------------------------------

def test_the_crisis_response_hands_the_thread_address_to_the_history(app, client):
    make_member("writer")
    login(client, "writer")
    response = _ask(client)
    post = db.session.scalar(select(Post))
    page = response.get_data(as_text=True)
    box = re.search(r'<section class="crisis-box[^>]*>', page).group(0)
    assert f'data-replace-url="/threads/{post.id}"' in box
    assert response.headers["Cache-Control"] == "no-store"
    # The page's answer box is empty: nothing invites sending the same words twice.
    answer_box = re.search(r"<textarea[^>]*name=\"body\"[^>]*>([^<]*)</textarea>", page)
    assert answer_box.group(1).strip() == ""
    # The address is replaced by thaw.js: the CSP allows no inline script, and none is sent.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []


def test_the_thread_keeps_the_help_for_its_author_for_the_session_only(app, client):
    make_member("writer")
    make_member("reader")
    login(client, "writer")
    _ask(client)
    post = db.session.scalar(select(Post))
    again = client.get(f"/threads/{post.id}")
    assert again.status_code == 200
    assert _box_is_first(again.get_data(as_text=True))
    assert again.headers["Cache-Control"] == "no-store"
    assert "data-replace-url" not in again.get_data(as_text=True)
    post_form(client, "/logout", {}, token_from="/")
    login(client, "reader")
    page = client.get(f"/threads/{post.id}").get_data(as_text=True)
    assert "crisis-box" not in page and "You don't have to face this alone" not in page
    post_form(client, "/logout", {}, token_from="/")
    login(client, "writer")  # a new session: the help went with the old one
    assert "crisis-box" not in client.get(f"/threads/{post.id}").get_data(as_text=True)


def test_another_member_on_the_thread_never_sees_the_authors_help(app, client):
    question = make_question(make_member("asker"))
    make_member("writer")
    login(client, "writer")
    response = post_form(client, f"/threads/{question.id}/answers", {"body": EDITED_CRISIS},
                         token_from=f"/threads/{question.id}")
    assert response.status_code == 200 and _box_is_first(response.get_data(as_text=True))
    assert _box_is_first(client.get(f"/threads/{question.id}").get_data(as_text=True))
    other = app.test_client()
    login(other, "asker")
    assert "crisis-box" not in other.get(f"/threads/{question.id}").get_data(as_text=True)
    assert "crisis-box" not in app.test_client().get(
        f"/threads/{question.id}").get_data(as_text=True)


def test_the_help_stays_with_the_thread_it_was_shown_on(app, client):
    elsewhere = make_question(make_member("writer"), title="Cooling vests that work")
    login(client, "writer")
    _ask(client)
    assert "crisis-box" not in client.get(f"/threads/{elsewhere.id}").get_data(as_text=True)


# Someone else at risk ------------------------------------------------------------------------

def test_someone_else_at_risk_gets_the_gentler_box_and_nothing_is_queued(app, client):
    make_member("writer")
    login(client, "writer")
    response = _ask(client, body=SOMEONE_ELSE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _box_is_first(page)
    assert "If someone you know may be in danger" in page
    assert "You don't have to face this alone" not in page
    assert "check in on it" not in page  # no moderator is asked to
    for number in ("116 123", "988", "999", "911"):
        assert number in page
    assert db.session.scalar(select(ReviewItem)) is None
    post = db.session.scalar(select(Post))
    assert post.status == "published"
    again = client.get(f"/threads/{post.id}").get_data(as_text=True)
    assert _box_is_first(again) and "If someone you know may be in danger" in again


def test_an_answer_about_someone_else_gets_the_gentler_box(app, client):
    question = make_question(make_member("asker"))
    make_member("writer")
    login(client, "writer")
    response = post_form(client, f"/threads/{question.id}/answers", {"body": SOMEONE_ELSE},
                         token_from=f"/threads/{question.id}")
    assert response.status_code == 200
    assert "If someone you know may be in danger" in response.get_data(as_text=True)
    assert db.session.scalar(select(ReviewItem)) is None
