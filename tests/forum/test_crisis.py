"""A post whose author may be in crisis: help shown at once, published, first in the queue."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, ReviewItem
from tests.factories import login, make_member, make_question, post_form

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


def test_an_ordinary_post_gets_no_box(app, client):
    make_member("writer")
    login(client, "writer")
    response = _ask(client, body="This heat is killing me, my legs are like concrete.")
    assert response.status_code == 303
    assert db.session.scalar(select(ReviewItem)) is None
