"""Asking, sharing, answering, editing, deleting, accepting and voting, as members do it."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, PostRevision
from tests.factories import (
    csrf_token,
    login,
    make_answer,
    make_experience,
    make_member,
    make_question,
    post_form,
)


def ask(client, **fields):
    data = {"title": "Does tizanidine make anyone else groggy?",
            "body": "Started **tizanidine** last month.", "tags": "tizanidine, drowsiness",
            "action": "post", **fields}
    return post_form(client, "/ask", data, token_from="/ask")


def thread_id_from(response) -> int:
    return int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))


def test_member_asks_a_tagged_question_and_sees_it_rendered(client):
    make_member("rowan")
    login(client, "rowan")
    response = ask(client)
    assert response.status_code in (302, 303)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Does tizanidine make anyone else groggy?" in page
    assert "<strong>tizanidine</strong>" in page
    assert 'href="/tags/tizanidine"' in page and 'href="/tags/drowsiness"' in page


def test_brand_names_in_tags_become_the_generic_tag(client):
    make_member("rowan")
    login(client, "rowan")
    response = ask(client, tags="Zanaflex, Lioresal")
    post = db.session.get(Post, thread_id_from(response))
    assert post.tag_slugs == ["baclofen", "tizanidine"]


def test_visitor_is_sent_to_login_before_asking(client):
    response = client.get("/ask")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_empty_title_is_refused_and_the_body_is_kept(client):
    make_member("rowan")
    login(client, "rowan")
    response = ask(client, title="   ", body="My unsaved thoughts about spasms")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The title is empty" in page
    assert "My unsaved thoughts about spasms" in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_a_200_kb_body_is_refused_with_the_limit_and_kept(client):
    make_member("rowan")
    login(client, "rowan")
    body = "spasm " * 34_000
    response = ask(client, body=body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The text is too long" in page and "20,000" in page
    assert body.strip()[:1000] in page


def test_unknown_tag_is_refused_with_close_matches(client):
    make_member("rowan")
    login(client, "rowan")
    response = ask(client, tags="tizandine")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a tag we know" in page and "tizanidine" in page


def test_more_than_eight_tags_are_refused(client):
    make_member("rowan")
    login(client, "rowan")
    many = ("baclofen, tizanidine, gabapentin, pregabalin, diazepam, clonazepam, dantrolene, "
            "cbd, yoga")
    response = ask(client, tags=many)
    assert response.status_code == 422
    assert "at most 8 tags" in response.get_data(as_text=True)


def test_nul_byte_is_refused_with_a_clear_message(client):
    make_member("rowan")
    login(client, "rowan")
    response = ask(client, body="before\x00after")
    assert response.status_code == 422
    assert "NUL character" in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused_and_the_text_shown_back(client):
    make_member("rowan")
    login(client, "rowan")
    response = client.post("/ask", data={"title": "A question about baclofen doses",
                                         "body": "Text I must not lose", "tags": "baclofen"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Text I must not lose" in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_suggest_button_fills_tags_from_the_text(client):
    make_member("rowan")
    login(client, "rowan")
    response = post_form(client, "/ask", {
        "title": "Zanaflex leaves me groggy", "body": "My legs jump at night too.",
        "tags": "", "action": "suggest"}, token_from="/ask")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'name="tags"[^>]*value="[^"]*tizanidine', page)
    assert "drowsiness" in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_member_shares_an_experience_report_with_its_details(client):
    make_member("priya")
    login(client, "priya")
    response = post_form(client, "/share", {
        "title": "Hydrotherapy loosened my legs", "body": "Warm water classes twice a week.",
        "tags": "stiffness", "treatment": "exercise", "effectiveness": "4",
        "side_effects": "fatigue, Sleepy", "duration_months": "8", "still_using": "yes",
        "dose": "two sessions a week", "action": "post"}, token_from="/share")
    assert response.status_code in (302, 303)
    post = db.session.get(Post, thread_id_from(response))
    assert post.kind == "experience"
    assert post.experience.effectiveness == 4
    assert post.experience.side_effect_names == ["drowsiness", "fatigue"]
    assert post.tag_slugs == ["exercise", "stiffness"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 of 5" in page and "8 months" in page and "two sessions a week" in page


def test_experience_without_rating_or_known_treatment_explains_both(client):
    make_member("priya")
    login(client, "priya")
    response = post_form(client, "/share", {
        "title": "Something that helped me", "body": "It helped.", "tags": "stiffness",
        "treatment": "", "effectiveness": "9", "action": "post"}, token_from="/share")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the treatment" in page
    assert "from 1 to 5" in page


def test_member_answers_and_the_thread_counts_it(client):
    asker = make_member("rowan")
    question = make_question(asker)
    make_member("ines")
    login(client, "ines")
    response = post_form(client, f"/threads/{question.id}/answers",
                         {"body": "Taking it earlier in the evening helped me."})
    assert response.status_code in (302, 303)
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert "Taking it earlier in the evening helped me." in page
    assert "1 answer" in page
    db.session.expire_all()
    assert db.session.get(Post, question.id).answer_count == 1


def test_empty_answer_is_refused_on_the_thread_page(client):
    question = make_question(make_member("rowan"))
    make_member("ines")
    login(client, "ines")
    response = post_form(client, f"/threads/{question.id}/answers", {"body": "  "})
    assert response.status_code == 422
    assert "The text is empty" in response.get_data(as_text=True)


def test_editing_keeps_the_previous_version(client):
    question = make_question(make_member("rowan"), body="First wording")
    login(client, "rowan")
    response = post_form(client, f"/posts/{question.id}/edit", {
        "title": question.title, "body": "Second wording", "tags": "baclofen"},
        token_from=f"/posts/{question.id}/edit")
    assert response.status_code in (302, 303)
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert "Second wording" in page and "edited" in page
    history = client.get(f"/posts/{question.id}/history").get_data(as_text=True)
    assert "First wording" in history
    assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 1


def test_member_cannot_edit_someone_elses_answer(client):
    question = make_question(make_member("rowan"))
    answer = make_answer(make_member("ines"), question, body="Original answer")
    login(client, "rowan")
    assert client.get(f"/posts/{answer.id}/edit").status_code == 403
    response = post_form(client, f"/posts/{answer.id}/edit", {"body": "Hijacked"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, answer.id).body == "Original answer"


def test_moderator_can_edit_someone_elses_post(client):
    question = make_question(make_member("rowan"))
    make_member("sam", role="moderator")
    login(client, "sam")
    response = post_form(client, f"/posts/{question.id}/edit", {
        "title": question.title, "body": "Tidied by a moderator", "tags": "baclofen"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Post, question.id).body == "Tidied by a moderator"


def test_deleting_an_answer_leaves_a_stub_in_the_thread(client):
    question = make_question(make_member("rowan"))
    answer = make_answer(make_member("ines"), question, body="Something I regret")
    login(client, "ines")
    confirm = client.get(f"/posts/{answer.id}/delete")
    assert "Yes, delete it" in confirm.get_data(as_text=True)
    response = post_form(client, f"/posts/{answer.id}/delete", {})
    assert response.status_code in (302, 303)
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert "Something I regret" not in page
    assert "removed by its author" in page
    db.session.expire_all()
    assert db.session.get(Post, question.id).answer_count == 0


def test_deleted_question_keeps_its_answers_visible(client):
    question = make_question(make_member("rowan"), title="A question I will delete")
    make_answer(make_member("ines"), question, body="An answer worth keeping")
    login(client, "rowan")
    post_form(client, f"/posts/{question.id}/delete", {})
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert "A question I will delete" not in page
    assert "An answer worth keeping" in page


def test_member_cannot_delete_someone_elses_post(client):
    question = make_question(make_member("rowan"))
    make_member("ines")
    login(client, "ines")
    assert post_form(client, f"/posts/{question.id}/delete", {}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, question.id).status == "published"


def test_asker_accepts_an_answer_and_it_comes_first(client):
    question = make_question(make_member("rowan"))
    helper = make_member("ines")
    make_answer(helper, question, body="First answer")
    second = make_answer(make_member("tomasz"), question, body="Second answer")
    login(client, "rowan")
    response = post_form(client, f"/posts/{second.id}/accept", {})
    assert response.status_code in (302, 303)
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert page.index("Second answer") < page.index("First answer")
    assert "Accepted answer" in page


def test_only_the_asker_can_accept(client):
    question = make_question(make_member("rowan"))
    answer = make_answer(make_member("ines"), question)
    login(client, "ines")
    assert post_form(client, f"/posts/{answer.id}/accept", {}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, question.id).accepted_answer_id is None


def test_helpful_mark_toggles_and_orders_answers(client):
    question = make_question(make_member("rowan"))
    make_answer(make_member("ines"), question, body="Older answer")
    newer = make_answer(make_member("tomasz"), question, body="Newer answer")
    make_member("priya")
    login(client, "priya")
    post_form(client, f"/posts/{newer.id}/helpful", {})
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert page.index("Newer answer") < page.index("Older answer")
    assert "1 found this helpful" in page
    post_form(client, f"/posts/{newer.id}/helpful", {})
    db.session.expire_all()
    assert db.session.get(Post, newer.id).helpful_count == 0


def test_member_cannot_mark_their_own_post_helpful(client):
    question = make_question(make_member("rowan"))
    answer = make_answer(make_member("ines"), question)
    login(client, "ines")
    assert post_form(client, f"/posts/{answer.id}/helpful", {}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, answer.id).helpful_count == 0


def test_experience_reports_can_be_marked_helpful_but_questions_cannot(client):
    report = make_experience(make_member("priya"))
    question = make_question(make_member("rowan"))
    make_member("ines")
    login(client, "ines")
    post_form(client, f"/posts/{report.id}/helpful", {})
    post_form(client, f"/posts/{question.id}/helpful", {})
    db.session.expire_all()
    assert db.session.get(Post, report.id).helpful_count == 1
    assert db.session.get(Post, question.id).helpful_count == 0


def test_markdown_is_rendered_safely(client):
    make_member("rowan")
    login(client, "rowan")
    response = ask(client, body="[click](javascript:alert(1)) <script>alert(2)</script> "
                                "[ok](https://example.org)")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(2)" not in page
    assert 'href="javascript:' not in page
    assert 'href="https://example.org" rel="nofollow ugc noopener"' in page


def test_unknown_thread_is_a_friendly_404(client):
    response = client.get("/threads/999")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.get_data(as_text=True)


def test_answer_url_redirects_to_its_place_in_the_thread(client):
    question = make_question(make_member("rowan"))
    answer = make_answer(make_member("ines"), question)
    response = client.get(f"/threads/{answer.id}")
    assert response.headers["Location"].endswith(f"/threads/{question.id}#post-{answer.id}")


def test_forms_carry_a_csrf_token(client):
    make_member("rowan")
    login(client, "rowan")
    for path in ("/ask", "/share", "/account/profile"):
        assert csrf_token(client, path)


def test_author_sees_their_removed_post_and_why_but_cannot_change_it(client):
    question = make_question(make_member("rowan"), title="Selling my spare baclofen")
    question.status = "removed"
    question.removal_reason = "Offering medicine to other members"
    db.session.commit()
    make_member("ines")
    login(client, "ines")
    assert client.get(f"/threads/{question.id}").status_code == 404
    post_form(client, "/logout", {}, token_from="/")
    login(client, "rowan")
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    assert "Offering medicine to other members" in page
    response = post_form(client, f"/posts/{question.id}/edit", {
        "title": "Giving away my spare baclofen", "body": "Edited", "tags": "baclofen"})
    assert response.status_code == 403
    db.session.expire_all()
    stored = db.session.get(Post, question.id)
    assert stored.status == "removed"
    assert stored.title == "Selling my spare baclofen"
    assert stored.body == "I started baclofen last week and feel drowsy."
