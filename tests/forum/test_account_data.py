"""A member's own data: downloading all of it, and deleting the account either way."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import (
    AccountToken,
    AuditEntry,
    EmailChange,
    Experience,
    HeldUsername,
    Member,
    Post,
    PostRevision,
    Report,
    ReviewItem,
    Vote,
    utcnow,
)
from forum.services import members, posts, review
from tests.factories import (
    PASSWORD,
    count,
    login,
    make_answer,
    make_experience,
    make_link_token,
    make_member,
    make_question,
    post_form,
    register,
)

HELD_SECRET = "my neurologist Dr Quill said privately"


def ids(*rows) -> list[int]:
    return [row.id for row in rows]


# Downloading -----------------------------------------------------------------------------

@pytest.fixture
def busy_member(app):
    """rowan posts, edits, answers, shares a report, marks helpful and reports; priya too."""
    rowan, priya = make_member("rowan"), make_member("priya")
    theirs = make_question(priya, title="Tizanidine and low blood pressure?",
                           body="Priya's own question text.", tags="tizanidine")
    held = make_question(priya, title="Held back from everyone", body=HELD_SECRET,
                         tags="baclofen")
    held.status = "held"
    db.session.commit()
    question = make_question(rowan, title="Does cold water help spasms?",
                             body="First words about cold showers.", tags="spasms")
    posts.edit_post(actor=rowan, post=question, title=question.title,
                    body="Second words about cold showers.", tags="spasms")
    answer = make_answer(rowan, theirs, body="My answer: lie down slowly.")
    report = make_experience(rowan, treatment="baclofen", effectiveness=3,
                             body="Baclofen took a fortnight to work for me.")
    helpful = make_answer(priya, question, body="Priya's answer: cool, not cold.")
    posts.toggle_helpful(actor=rowan, post=helpful)
    review.report_post(reporter=rowan, post=theirs, reason="spam", note="Looks like an advert")
    return {"rowan": rowan, "priya": priya, "question": question.id, "answer": answer.id,
            "experience": report.id, "helpful": helpful.id, "theirs": theirs.id,
            "held": held.id}


def section(export: dict, name: str) -> list[dict]:
    [found] = [s["items"] for s in export["sections"] if s["name"] == name]
    return found


def test_the_download_holds_everything_the_member_did(app, client, busy_member):
    login(client, "rowan")
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    export = json.loads(response.get_data(as_text=True))

    [profile] = section(export, "profile")
    assert profile["username"] == "rowan" and profile["email"] == "rowan@example.org"
    written = {item["id"]: item for item in section(export, "posts")}
    assert set(written) == {busy_member["question"], busy_member["answer"]}
    question = written[busy_member["question"]]
    assert question["body"] == "Second words about cold showers."
    assert [v["body"] for v in question["earlier_versions"]] == [
        "First words about cold showers."]
    assert written[busy_member["answer"]]["thread_title"] == "Tizanidine and low blood pressure?"
    [report] = section(export, "experience_reports")
    assert report["id"] == busy_member["experience"]
    assert report["experience"]["dose"] == "10 mg three times a day"
    assert report["experience"]["effectiveness"] == 3
    assert [v["post_id"] for v in section(export, "helpful_marks")] == [busy_member["helpful"]]
    [made] = section(export, "reports")
    assert made["post_id"] == busy_member["theirs"] and made["note"] == "Looks like an advert"


def test_the_download_holds_nothing_private_of_other_members(app, client, busy_member):
    login(client, "rowan")
    text = client.get("/account/data.json").get_data(as_text=True)
    page = client.get("/account/data").get_data(as_text=True)
    for shown in (text, page):
        assert "priya@example.org" not in shown
        assert HELD_SECRET not in shown and "Held back from everyone" not in shown
        assert "Priya's own question text." not in shown  # others' words are not theirs
        assert "Priya's answer" not in shown
    assert "Second words about cold showers." in page and "First words about" in page
    assert "Looks like an advert" in page and "10 mg three times a day" in page


def test_a_member_who_deleted_a_post_still_finds_it_in_the_download(app, client, busy_member):
    post = db.session.get(Post, busy_member["answer"])
    posts.delete_post(actor=post.author, post=post)
    login(client, "rowan")
    export = client.get("/account/data.json").get_json()
    [item] = [p for p in section(export, "posts") if p["id"] == busy_member["answer"]]
    assert item["status"] == "deleted" and item["body"] == "My answer: lie down slowly."


# Deleting --------------------------------------------------------------------------------

def delete_account(client, choice: str | None, password: str = PASSWORD):
    data = {"password": password}
    if choice:
        data["posts"] = choice
    return post_form(client, "/account/delete", data, token_from="/account/delete")


def baclofen_members(client) -> int:
    return client.get("/api/v1/treatments/baclofen/summary").get_json()["members"]


@pytest.fixture
def leaving(app, busy_member):
    """rowan's threads have others' answers, rowan is in the audit log, and has open links."""
    moderator = make_member("sam_keeper", role="moderator")
    rowan = busy_member["rowan"]
    db.session.add(AuditEntry(actor_id=moderator.id, action="remove", member_id=rowan.id,
                              post_id=busy_member["experience"],
                              reason="Rowan posted a dose; asked ROWAN to rephrase"))
    db.session.add(AuditEntry(actor_id=rowan.id, action="dismiss", reason="Not spam"))
    db.session.add(EmailChange(member_id=rowan.id, new_email="rowan.new@example.org",
                               token_hash="f" * 64, expires_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    make_link_token(rowan, "reset")
    for number in range(5):  # enough members for the baclofen figures to show
        make_experience(make_member(f"reporter{number}"), treatment="baclofen")
    return {**busy_member, "moderator": moderator.id}


@pytest.mark.parametrize("choice", ["remove", "keep"])
def test_a_deleted_member_is_gone_and_the_threads_still_read(app, client, leaving, choice):
    rowan_id = leaving["rowan"].id
    login(client, "rowan")
    assert client.get("/account/delete").status_code == 200
    before = baclofen_members(client)
    response = delete_account(client, choice)
    assert response.status_code == 303 and response.location == "/"
    db.session.rollback()

    # The account, its email, votes, reports, links and pending changes are gone.
    assert db.session.get(Member, rowan_id) is None
    assert members.find_member("rowan") is None
    for model, column in ((Vote, Vote.member_id), (Report, Report.reporter_id),
                          (AccountToken, AccountToken.member_id),
                          (EmailChange, EmailChange.member_id)):
        assert db.session.scalars(select(model).where(column == rowan_id)).all() == []
    assert client.get("/account").status_code == 302  # this browser is logged out
    assert login(app.test_client(), "rowan").status_code == 401

    # Their helpful mark no longer counts; their report no longer figures in the insights.
    assert db.session.get(Post, leaving["helpful"]).helpful_count == 0
    assert baclofen_members(client) == before - 1

    # Every thread still renders, with the others' answers.
    for thread in (leaving["question"], leaving["theirs"], leaving["experience"]):
        page = client.get(f"/threads/{thread}")
        assert page.status_code == 200
        assert "rowan" not in page.get_data(as_text=True).lower()
    question_page = client.get(f"/threads/{leaving['question']}").get_data(as_text=True)
    assert "answer: cool, not cold." in question_page

    # The audit log keeps the action, not the person.
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    former = members.find_member("former member")
    assert [e.action for e in entries] == ["remove", "dismiss"]
    assert entries[0].actor_id == leaving["moderator"] and entries[0].member_id == former.id
    assert entries[0].reason == "former member posted a dose; asked former member to rephrase"
    assert entries[1].actor_id == former.id

    mine = db.session.scalars(select(Post).where(Post.id.in_(
        [leaving["question"], leaving["answer"], leaving["experience"]]))).all()
    assert {post.author_id for post in mine} == {former.id}
    if choice == "remove":
        assert {post.status for post in mine} == {"deleted"}
        assert {post.body for post in mine} == {""}
        assert "was removed by its author" in question_page
        assert "cold showers" not in question_page
        assert count(PostRevision) == 0
        assert db.session.get(Experience, leaving["experience"]) is None
        theirs = db.session.get(Post, leaving["theirs"])
        assert theirs.answer_count == 0  # rowan's answer there no longer counts
    else:
        assert {post.status for post in mine} == {"published"}
        assert "Second words about cold showers." in question_page
        assert "former member" in question_page
        assert count(PostRevision) == 1
        assert db.session.get(Experience, leaving["experience"]).dose
    assert client.get("/members/former%20member").status_code == 404
    found = client.get("/api/v1/search?q=cold+showers").get_json()["results"]
    assert (leaving["question"] in [hit["id"] for hit in found]) is (choice == "keep")


def test_the_email_joins_again_at_once_and_the_username_waits(app, client, leaving):
    login(client, "rowan")
    assert delete_account(client, "keep").status_code == 303
    assert count(HeldUsername) == 1
    assert db.session.scalar(select(HeldUsername.name_hash)) != "rowan"  # a hash, not the name
    taken = register(app.test_client(), username="Rowan", email="rowan2@example.org")
    assert taken.status_code == 422 and "That username is taken" in taken.get_data(as_text=True)
    again = register(app.test_client(), username="rowan_again", email="rowan@example.org")
    assert again.status_code == 303
    assert members.find_member("rowan_again").email == "rowan@example.org"

    db.session.execute(HeldUsername.__table__.update().values(
        held_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert register(app.test_client(), username="rowan",
                    email="rowan3@example.org").status_code == 303


def test_deleting_asks_for_the_password_and_a_choice(app, client, leaving):
    login(client, "rowan")
    wrong = delete_account(client, "remove", password="not my password")
    assert wrong.status_code == 422
    assert "That is not your current password." in wrong.get_data(as_text=True)
    unchosen = delete_account(client, None)
    assert unchosen.status_code == 422
    assert "Choose what happens to your posts." in unchosen.get_data(as_text=True)
    assert members.find_member("rowan") is not None
    assert client.get("/account").status_code == 200


def test_the_delete_page_explains_both_choices(app, client, leaving):
    login(client, "rowan")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Remove my posts" in page and "former member" in page
    assert 'type="radio"' in page and 'type="password"' in page
    assert "/account/data" in page  # a last chance to download first


def test_a_kept_post_waiting_for_review_stays_in_the_queue_as_by_former_member(app, client,
                                                                                leaving):
    held = make_question(leaving["rowan"], title="Waiting for a moderator", tags="baclofen")
    db.session.add(ReviewItem(post_id=held.id, source="reports", severity=2))
    held.status = "held"
    db.session.commit()
    login(client, "rowan")
    assert delete_account(client, "keep").status_code == 303
    moderator = app.test_client()
    login(moderator, "sam_keeper")
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert "Waiting for a moderator" in queue and "former member" in queue
    assert "/members/former" not in queue and "rowan" not in queue.lower()
