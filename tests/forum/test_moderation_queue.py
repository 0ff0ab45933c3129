"""The review queue: who reaches it, what it shows, every action, the race and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Member, Post, PostRevision, ReviewItem, utcnow
from forum.services import posts
from tests.factories import login, make_answer, make_member, make_question, post_form

UNSAFE_BODY = "You should just take 150 mg of baclofen a day, the label is overcautious."


def held_question(author: Member, body: str = UNSAFE_BODY) -> Post:
    return posts.create_thread(author=author, kind="question", title="Is this too much?",
                               body=body, tags="baclofen")


def open_item(post: Post) -> ReviewItem:
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id,
                                                      ReviewItem.state == "open"))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def mod(app):
    make_member("mod", role="moderator")
    client = app.test_client()
    login(client, "mod")
    return client


def act(client, item: ReviewItem, action: str, **data):
    return post_form(client, f"/moderation/items/{item.id}/{action}", data,
                     token_from="/moderation")


def test_only_moderators_and_admins_reach_the_queue_and_the_audit_log(app):
    make_member("member")
    make_member("boss", role="admin")
    for path in ("/moderation", "/moderation/audit"):
        visitor = app.test_client().get(path)
        assert visitor.status_code in (302, 303) and "/login" in visitor.headers["Location"]
    member = app.test_client()
    login(member, "member")
    assert member.get("/moderation").status_code == 403
    assert member.get("/moderation/audit").status_code == 403
    assert "Review queue" not in member.get("/").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "boss")
    response = admin.get("/moderation")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert admin.get("/moderation/audit").headers["Cache-Control"] == "no-store"
    assert "Review queue" in admin.get("/").get_data(as_text=True)


def test_the_queue_shows_the_post_with_evidence_marked_most_severe_and_oldest_first(app, mod):
    author = make_member("author")
    make_member("reporter")
    reported = make_question(author, title="Evening <script>alert(1)</script> routine")
    held = held_question(author)
    older = held_question(author, body="Honestly just quit the tizanidine cold turkey, "
                                       "no need to taper.")
    db.session.get(ReviewItem, open_item(older).id).created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    reporter_client = app.test_client()
    login(reporter_client, "reporter")
    report = post_form(reporter_client, f"/posts/{reported.id}/report",
                       {"reason": "spam", "note": "Looks like an advert <b>"},
                       token_from=f"/posts/{reported.id}/report")
    assert report.status_code == 303
    page = mod.get("/moderation").get_data(as_text=True)
    positions = [page.index(f'id="item-{open_item(p).id}"') for p in (older, held, reported)]
    assert positions == sorted(positions)
    assert "<mark>150 mg</mark>" in page
    assert "label is overcautious" in page
    assert "the usual maximum is 80-100 mg a day" in page
    assert "Waiting more than 24 hours" in page
    assert page.count("Waiting more than 24 hours") == 1
    assert "Looks like an advert &lt;b&gt;" in page and "<script>alert(1)" not in page
    assert "Evening &lt;script&gt;alert(1)&lt;/script&gt; routine" in page
    assert "Spam</strong> from reporter" in page
    assert "2 earlier posts held or reported" in page


def test_approving_publishes_the_post_and_writes_the_audit_log(app, mod):
    post = held_question(make_member("author"))
    item = open_item(post)
    response = act(mod, item, "approve")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "published"
    item = db.session.get(ReviewItem, item.id)
    assert (item.state, item.outcome) == ("closed", "approved")
    assert item.handled_by_id == db.session.scalar(select(Member.id).where(
        Member.username == "mod"))
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.post_id) == ("approve", post.id)
    assert "Is this too much?" in app.test_client().get(f"/threads/{post.id}") \
        .get_data(as_text=True)


def test_edit_and_approve_keeps_the_authors_version_and_is_not_held_again(app, mod):
    post = held_question(make_member("author"))
    item = open_item(post)
    url = f"/moderation/items/{item.id}/edit"
    page = mod.get(url).get_data(as_text=True)
    assert "label is overcautious" in page
    # Still over the maximum: a moderator's approval stands all the same.
    new_body = "You should take 150 mg of baclofen a day only if your neurologist says so."
    response = post_form(mod, url, {"title": "Is this too much?", "tags": "baclofen",
                                    "body": new_body, "reason": "Softened the advice"},
                         token_from=url)
    assert response.status_code == 303
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.status == "published" and post.body == new_body
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert revision.body == UNSAFE_BODY
    assert db.session.scalar(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.state == "open")) == 0
    assert audit_actions() == ["edit_approve"]
    # The held version stays in the history for moderators, never for the public.
    assert "label is overcautious" in mod.get(f"/posts/{post.id}/history").get_data(as_text=True)
    history = app.test_client().get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "label is overcautious" not in history


def test_removing_tells_the_author_the_reason_on_the_thread_and_their_profile(app, mod):
    author = make_member("author")
    question = make_question(author)
    answer = posts.create_answer(author=author, parent=question, body=UNSAFE_BODY)
    item = open_item(answer)
    refused = act(mod, item, "remove", reason="")
    assert refused.status_code == 303
    assert "The reason is empty" in mod.get(refused.headers["Location"]).get_data(as_text=True)
    assert db.session.get(ReviewItem, item.id).state == "open"
    act(mod, item, "remove", reason="Dose advice above the safe maximum")
    db.session.expire_all()
    answer = db.session.get(Post, answer.id)
    assert answer.status == "removed"
    assert answer.removal_reason == "Dose advice above the safe maximum"
    assert audit_actions() == ["remove"]
    own = app.test_client()
    login(own, "author")
    thread = own.get(f"/threads/{question.id}").get_data(as_text=True)
    assert "was removed by a moderator. Reason: Dose advice above the safe maximum" in thread
    profile = own.get("/members/author").get_data(as_text=True)
    assert "Removed by a moderator. Reason: Dose advice above the safe maximum" in profile
    assert UNSAFE_BODY not in app.test_client().get(f"/threads/{question.id}") \
        .get_data(as_text=True)


def test_dismissing_a_report_leaves_the_post_as_it_is(app, mod):
    author = make_member("author")
    make_member("reporter")
    question = make_question(author)
    reporter = app.test_client()
    login(reporter, "reporter")
    post_form(reporter, f"/posts/{question.id}/report", {"reason": "other"},
              token_from=f"/posts/{question.id}/report")
    item = open_item(question)
    act(mod, item, "dismiss", reason="Nothing wrong here")
    db.session.expire_all()
    assert db.session.get(Post, question.id).status == "published"
    item = db.session.get(ReviewItem, item.id)
    assert (item.state, item.outcome, item.reason) == ("closed", "dismissed",
                                                       "Nothing wrong here")
    assert audit_actions() == ["dismiss"]


def test_suspending_the_author_stops_them_posting_and_writes_the_audit_log(app, mod):
    author = make_member("author")
    post = held_question(author)
    item = open_item(post)
    act(mod, item, "suspend", days="3", reason="Selling medicine")
    db.session.expire_all()
    author = db.session.get(Member, author.id)
    assert author.is_suspended()
    assert timedelta(days=2, hours=23) < author.suspended_until - utcnow() <= timedelta(days=3)
    assert author.suspension_reason == "Selling medicine"
    assert db.session.get(ReviewItem, item.id).state == "open"  # the post still needs a decision
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.member_id) == ("suspend", author.id)
    assert "3 days" in entry.reason and "Selling medicine" in entry.reason
    refused = act(mod, item, "suspend", days="5", reason="Selling medicine")
    assert "Choose 1, 3, 7 or 30 days" in mod.get(refused.headers["Location"]) \
        .get_data(as_text=True)


def test_of_two_moderators_acting_on_one_item_the_second_is_told_and_changes_nothing(app, mod):
    make_member("mod2", role="moderator")
    second = app.test_client()
    login(second, "mod2")
    post = held_question(make_member("author"))
    item = open_item(post)
    token = second.get("/moderation").get_data(as_text=True)  # both have the queue open
    assert f'id="item-{item.id}"' in token
    assert act(mod, item, "approve").status_code == 303
    before = (db.session.scalar(select(func.count()).select_from(AuditEntry)),)
    response = act(second, item, "remove", reason="Too late")
    assert response.status_code == 303
    page = second.get(response.headers["Location"]).get_data(as_text=True)
    assert "This item was already handled by mod (approved), so nothing was changed." in page
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "published"
    item = db.session.get(ReviewItem, item.id)
    assert (item.outcome, item.reason) == ("approved", "")
    assert (db.session.scalar(select(func.count()).select_from(AuditEntry)),) == before
    edit = post_form(second, f"/moderation/items/{item.id}/edit",
                     {"title": "Is this too much?", "body": "Changed", "tags": "baclofen"},
                     token_from="/moderation")
    assert edit.status_code == 303
    assert "already handled" in second.get(edit.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == UNSAFE_BODY


def test_the_conditional_update_lets_only_one_claim_win(app):
    from forum.services import review

    first = make_member("mod1", role="moderator")
    second = make_member("mod2", role="moderator")
    item_id = open_item(held_question(make_member("author"))).id
    review.approve(actor=first, item_id=item_id)
    with pytest.raises(review.AlreadyHandled):
        review.remove(actor=second, item_id=item_id, reason="Racing")
    assert audit_actions() == ["approve"]


def test_the_audit_log_filters_by_action_moderator_and_member(app, mod):
    make_member("mod2", role="moderator")
    other_mod = app.test_client()
    login(other_mod, "mod2")
    alice, bob = make_member("alice"), make_member("bob")
    act(mod, open_item(held_question(alice)), "approve")
    act(other_mod, open_item(held_question(bob)), "remove", reason="Unsafe for bob's readers")
    act(mod, open_item(held_question(bob)), "remove", reason="Second unsafe post")
    everything = mod.get("/moderation/audit").get_data(as_text=True)
    assert everything.count("<tr>") == 4  # the header and three actions
    removals = mod.get("/moderation/audit?action=remove").get_data(as_text=True)
    assert removals.count("<tr>") == 3 and "Second unsafe post" in removals
    by_mod2 = mod.get("/moderation/audit?moderator=mod2").get_data(as_text=True)
    assert by_mod2.count("<tr>") == 2 and "Unsafe for bob&#39;s readers" in by_mod2
    about_alice = mod.get("/moderation/audit?member=alice").get_data(as_text=True)
    assert about_alice.count("<tr>") == 2 and ">approve<" in about_alice
    nobody = mod.get("/moderation/audit?member=nobody-here").get_data(as_text=True)
    assert "No actions match." in nobody


def test_every_status_change_reaches_the_search_index(app, mod):
    from forum.services import indexing

    author = make_member("author")
    question = make_question(author)
    make_answer(author, question)
    approved = posts.create_answer(author=author, parent=question, body=UNSAFE_BODY)
    removed = held_question(author)
    assert "|held" in indexing.get_index().versions()[approved.id]
    act(mod, open_item(approved), "approve")
    act(mod, open_item(removed), "remove", reason="Unsafe")
    versions = indexing.get_index().versions()
    assert "|published" in versions[approved.id]
    assert removed.id not in versions
    assert indexing.check().ok


def test_the_queue_searches_held_posts_which_members_cannot_find(app, mod, client):
    held = held_question(make_member("author"))
    queue = mod.get("/moderation").get_data(as_text=True)
    assert 'name="held" value="1"' in queue and 'action="/search"' in queue
    found = mod.get("/search?q=too+much&held=1").get_data(as_text=True)
    assert f'href="/posts/{held.id}"' in found and "held for review" in found
    assert f'href="/posts/{held.id}"' not in client.get("/search?q=too+much&held=1").get_data(
        as_text=True)
