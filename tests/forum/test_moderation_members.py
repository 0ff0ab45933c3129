"""What members see of moderation: held posts, notices, reviewed reading and reports."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Article, AuditEntry, Post, Report, ReviewItem
from forum.services import posts
from tests.factories import login, make_answer, make_member, make_question, post_form

UNSAFE_TITLE = "Is this too much baclofen?"
UNSAFE_BODY = "You should just take 150 mg of baclofen a day, the label is overcautious."
NOTICE_BODY = "Last year I was on 150 mg of baclofen a day and I was very sleepy."


def ask(client, body: str, title: str = UNSAFE_TITLE):
    return post_form(client, "/ask", {"title": title, "body": body, "tags": "baclofen",
                                      "action": "post"}, token_from="/ask")


def add_article(**fields) -> Article:
    values = {"title": "Baclofen explained", "publisher": "MS Trust",
              "url": "https://example.org/baclofen", "reviewed_by": "Dr A. Reviewer",
              "reviewed_on": None, "topics": "baclofen spasticity"}
    values.update(fields)
    article = Article(**values)
    db.session.add(article)
    db.session.commit()
    return article


def test_a_held_post_is_explained_to_its_author_at_once_and_invisible_to_others(app, client):
    make_member("writer")
    make_member("reader")
    login(client, "writer")
    response = ask(client, UNSAFE_BODY)
    assert response.status_code == 303
    post = db.session.scalar(select(Post).where(Post.title == UNSAFE_TITLE))
    assert post.status == "held"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your post is waiting for a moderator before others can see it" in page  # the flash
    assert "Your post is waiting for a moderator</h3>" in page  # the box
    assert "the usual maximum is 80-100 mg a day" in page  # the finding, in plain words
    assert "over_max_dose_advice" not in page  # never the rule id
    assert "usually within a day" in page and "editing checks it again" in page
    assert f"/posts/{post.id}/edit" in page

    other = app.test_client()
    assert other.get(f"/threads/{post.id}").status_code == 404
    login(other, "reader")
    assert other.get(f"/threads/{post.id}").status_code == 404
    assert UNSAFE_TITLE not in other.get("/").get_data(as_text=True)


def test_a_held_answer_is_announced_to_its_author_after_posting(app, client):
    asker = make_member("asker")
    make_member("helper")
    question = make_question(asker)
    login(client, "helper")
    response = post_form(client, f"/threads/{question.id}/answers", {"body": UNSAFE_BODY},
                         token_from=f"/threads/{question.id}")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your post is waiting for a moderator before others can see it" in page
    assert "Your post is waiting for a moderator</h3>" in page
    assert UNSAFE_BODY not in app.test_client().get(f"/threads/{question.id}") \
        .get_data(as_text=True)


def test_editing_a_held_post_screens_it_again_and_publishes_it_when_clean(app, client):
    make_member("writer")
    login(client, "writer")
    ask(client, UNSAFE_BODY)
    post = db.session.scalar(select(Post).where(Post.title == UNSAFE_TITLE))
    edit_url = f"/posts/{post.id}/edit"
    response = post_form(client, edit_url, {
        "title": UNSAFE_TITLE, "tags": "baclofen",
        "body": "My neuro has me on 20 mg of baclofen three times a day."}, token_from=edit_url)
    assert response.status_code == 303
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.status == "published"
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    assert item.state == "closed" and item.outcome == "edited"
    assert UNSAFE_TITLE in app.test_client().get(f"/threads/{post.id}").get_data(as_text=True)


def test_editing_a_held_post_that_is_still_unsafe_keeps_it_held(app, client):
    make_member("writer")
    login(client, "writer")
    ask(client, UNSAFE_BODY)
    post = db.session.scalar(select(Post).where(Post.title == UNSAFE_TITLE))
    edit_url = f"/posts/{post.id}/edit"
    response = post_form(client, edit_url, {"title": UNSAFE_TITLE, "tags": "baclofen",
                                             "body": UNSAFE_BODY + " Honestly."},
                         token_from=edit_url)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your post is waiting for a moderator before others can see it" in page
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "held"
    assert db.session.scalar(select(ReviewItem.state).where(ReviewItem.post_id == post.id)) \
        == "open"


def test_a_noticed_post_shows_the_calm_notice_with_the_drugs_article_first(app, client):
    add_article(title="Stretching for stiffness", url="https://example.org/stretch",
                topics="stiffness spasticity", reviewed_on=None)
    add_article(title="Baclofen explained", url="https://example.org/baclofen",
                topics="baclofen")
    add_article(title="Sleep and spasms", url="https://example.org/sleep",
                topics="spasticity sleep")
    writer = make_member("writer")
    post = posts.create_thread(author=writer, kind="question", title="High baclofen dose",
                               body=NOTICE_BODY, tags="spasticity, stiffness")
    assert post.status == "published" and post.has_notice
    page = client.get(f"/threads/{post.id}").get_data(as_text=True)
    assert "Doses are set with your prescriber." in page
    notice = page.split('class="dose-notice"')[1].split("</aside>")[0]
    assert "Baclofen explained" in notice
    reading = page.split('id="reading-heading"')[1].split("</aside>")[0]
    assert reading.index("Baclofen explained") < reading.index("Stretching for stiffness")


def test_threads_show_up_to_three_articles_by_tag_overlap_and_never_an_unknown_reviewer(
        app, client):
    from datetime import date

    add_article(title="One topic", url="https://example.org/1", topics="spasms",
                reviewed_by="Dr Known", reviewed_on=date(2024, 1, 5))
    add_article(title="Two topics", url="https://example.org/2", topics="spasms baclofen",
                reviewed_by=None, reviewed_on=date(2023, 1, 1))
    add_article(title="Also two", url="https://example.org/3", topics="spasms baclofen",
                reviewed_by="Dr Dated", reviewed_on=None)
    add_article(title="Also one", url="https://example.org/4", topics="baclofen")
    add_article(title="Retired one", url="https://example.org/5", topics="spasms baclofen",
                retired=True)
    add_article(title="Unrelated", url="https://example.org/6", topics="bladder")
    question = make_question(make_member(), tags="baclofen, spasms")
    page = client.get(f"/threads/{question.id}").get_data(as_text=True)
    reading = page.split('id="reading-heading"')[1].split("</aside>")[0]
    assert reading.count("<li>") == 3
    assert reading.index("Two topics") < reading.index("Also two") < reading.index("One topic")
    assert "Retired one" not in reading and "Unrelated" not in reading
    assert "reviewed by Dr Known on 5 January 2024" in reading
    assert "reviewed by" not in reading.split("Two topics")[1].split("</li>")[0]
    assert "Dr Dated" not in reading


def _report(client, post_id: int, reason: str = "unsafe_advice", note: str = ""):
    return post_form(client, f"/posts/{post_id}/report", {"reason": reason, "note": note},
                     token_from=f"/posts/{post_id}/report")


def test_a_report_puts_the_post_in_the_queue_but_leaves_it_up(app, client):
    author = make_member("author")
    make_member("worried")
    question = make_question(author)
    login(client, "worried")
    response = _report(client, question.id, "at_risk", "They sound very low.")
    assert response.status_code == 303
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, question.id).status == "published"
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == question.id))
    assert (item.source, item.state, item.severity) == ("reports", "open", 3)
    report = db.session.scalar(select(Report))
    assert (report.reason, report.note) == ("at_risk", "They sound very low.")


def test_three_different_members_hide_a_post_and_the_same_member_counts_once(app):
    app.config["REPORTS_TO_HIDE"] = 3
    author = make_member("author")
    question = make_question(author)
    answer = make_answer(author, question)
    clients = []
    for name in ("first", "second", "third"):
        make_member(name)
        client = app.test_client()
        login(client, name)
        clients.append(client)
    _report(clients[0], answer.id, "spam")
    again = _report(clients[0], answer.id, "abuse")
    assert "already reported" in clients[0].get(again.headers["Location"]) \
        .get_data(as_text=True)
    _report(clients[1], answer.id, "spam")
    db.session.expire_all()
    assert db.session.get(Post, answer.id).status == "published"
    assert db.session.scalar(select(ReviewItem.state).where(ReviewItem.post_id == answer.id)) \
        == "open"
    _report(clients[2], answer.id, "selling_or_sharing")
    db.session.expire_all()
    assert db.session.get(Post, answer.id).status == "held"
    assert db.session.get(Post, question.id).answer_count == 0
    assert len(db.session.scalars(select(Report)).all()) == 3
    items = db.session.scalars(select(ReviewItem).where(ReviewItem.post_id == answer.id)).all()
    assert [(i.source, i.state, i.severity) for i in items] == [("reports", "open", 3)]
    hide = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hide"))
    assert hide.post_id == answer.id and hide.actor_id is None
    thread = app.test_client().get(f"/threads/{question.id}").get_data(as_text=True)
    assert "Stretching before bed helps me." not in thread


def test_members_cannot_report_their_own_posts_and_reports_are_rate_limited(app, client):
    author = make_member("author")
    make_member("reporter")
    login(client, "author")
    own = make_question(author)
    assert _report(client, own.id).status_code == 403
    app.config["REPORT_LIMIT"] = "2 per day"
    reporter = app.test_client()
    login(reporter, "reporter")
    targets = [make_question(author, title=f"Question number {n} about baclofen")
               for n in range(3)]
    assert _report(reporter, targets[0].id).status_code == 303
    assert _report(reporter, targets[1].id).status_code == 303
    limited = _report(reporter, targets[2].id)
    assert limited.status_code == 429
    assert "Please take a short break" in limited.get_data(as_text=True)
    assert db.session.scalar(select(Report.id).where(Report.post_id == targets[2].id)) is None
