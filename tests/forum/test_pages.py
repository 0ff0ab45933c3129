"""The home page, lists, tag pages, error pages and the JSON API."""

from __future__ import annotations

from tests.factories import make_answer, make_experience, make_member, make_question


def test_home_shows_newest_unanswered_experiences_and_popular_tags(client):
    author = make_member("rowan")
    answered = make_question(author, title="Answered question about baclofen")
    make_answer(make_member("ines"), answered)
    make_question(author, title="Lonely question about clonus", tags="clonus")
    make_experience(make_member("priya"), title="Stretching every morning changed things",
                    treatment="stretching")
    page = client.get("/").get_data(as_text=True)
    newest, unanswered = page.split('id="newest-heading"')[1].split('id="unanswered-heading"')
    unanswered, experiences = unanswered.split('id="experiences-heading"')
    assert "Answered question about baclofen" in newest
    assert "Lonely question about clonus" in unanswered
    assert "Answered question about baclofen" not in unanswered
    assert "Stretching every morning changed things" in experiences
    assert "Popular tags" in page and "/tags/baclofen" in page


def test_tags_index_lists_symptoms_and_treatments_separately_with_counts(client):
    make_question(make_member("rowan"), tags="baclofen, clonus")
    page = client.get("/tags").get_data(as_text=True)
    symptoms, treatments = page.split(">Symptoms</h2>")[1].split(">Treatments</h2>")
    assert "Clonus" in symptoms and "Baclofen (oral)" not in symptoms
    assert "Baclofen (oral)" in treatments and "Clonus" not in treatments
    assert "1 post" in symptoms


def test_tag_page_lists_its_posts_newest_first_with_a_count(client):
    author = make_member("rowan")
    make_question(author, title="Older baclofen question")
    make_question(author, title="Newer baclofen question")
    make_question(author, title="Nothing to do with it here", tags="yoga")
    page = client.get("/tags/baclofen").get_data(as_text=True)
    assert "2 posts" in page
    assert page.index("Newer baclofen question") < page.index("Older baclofen question")
    assert "Nothing to do with it here" not in page


def test_tag_page_accepts_a_brand_name_and_refuses_nonsense(client):
    assert client.get("/tags/lioresal").status_code == 200
    assert client.get("/tags/not-a-tag").status_code == 404


def test_lists_are_paginated(app, client):
    app.config["POSTS_PER_PAGE"] = 2
    author = make_member("rowan")
    for number in range(5):
        make_question(author, title=f"Question number {number} about baclofen")
    first = client.get("/tags/baclofen").get_data(as_text=True)
    third = client.get("/tags/baclofen?page=3").get_data(as_text=True)
    assert "Page 1 of 3" in first and "Question number 4" in first
    assert "Question number 0" in third and "Question number 4" not in third
    assert client.get("/tags/baclofen?page=abc").status_code == 200


def test_every_page_has_one_h1_a_skip_link_and_labelled_fields(client):
    make_member("rowan")
    for path in ("/", "/tags", "/tags/spasms", "/login", "/register", "/threads"):
        page = client.get(path).get_data(as_text=True)
        assert page.count("<h1") == 1, path
        assert 'href="#content"' in page, path
    register = client.get("/register").get_data(as_text=True)
    for field in ("username", "email", "password"):
        assert f'<label for="{field}"' in register


def test_thread_api_returns_the_thread_with_answers_urls_and_source_ids(client):
    question = make_question(make_member("rowan"), title="Baclofen and sleep, any tips?")
    make_answer(make_member("ines"), question, body="Warm bath first.")
    data = client.get(f"/api/v1/threads/{question.id}").get_json()
    assert data["title"] == "Baclofen and sleep, any tips?"
    assert data["tags"] == ["baclofen", "drowsiness"]
    assert data["source_id"] is None
    assert data["url"].endswith(f"/posts/{question.id}")
    assert [answer["body"] for answer in data["answers"]] == ["Warm bath first."]
    assert data["answers"][0]["url"].endswith(f"/posts/{data['answers'][0]['id']}")


def test_thread_api_never_shows_email(client):
    question = make_question(make_member("rowan"))
    assert "example.org" not in client.get(f"/api/v1/threads/{question.id}").get_data(
        as_text=True)


def test_tags_api_lists_every_tag_with_counts(client):
    make_question(make_member("rowan"), tags="baclofen")
    tags = {tag["slug"]: tag for tag in client.get("/api/v1/tags").get_json()["tags"]}
    assert tags["baclofen"]["count"] == 1
    assert tags["tizanidine"]["count"] == 0
    assert tags["clonus"]["kind"] == "symptom"


def test_api_errors_are_json(client):
    response = client.get("/api/v1/threads/12345")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_tag_suggestions_map_brand_names_and_lay_words(client):
    data = client.get("/api/v1/tags/suggest",
                      query_string={"text": "Zanaflex makes me groggy and my legs jump at night"})
    slugs = [tag["slug"] for tag in data.get_json()["tags"]]
    assert "tizanidine" in slugs and "drowsiness" in slugs


def test_ambiguous_words_alone_do_not_suggest_a_tag(client):
    data = client.get("/api/v1/tags/suggest", query_string={"text": "my period of heat"})
    assert data.get_json()["tags"] == []
