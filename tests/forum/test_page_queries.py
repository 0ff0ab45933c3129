"""Every page runs as many SQL statements for a big forum as for a small one (no N+1)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from forum.extensions import db
from forum.services import posts, review
from tests.factories import login, make_answer, make_member, make_question

# Screened as a dose report above the usual maximum: published, with a calm notice.
NOTICE_BODY = "Last year I was on 150 mg of baclofen a day and I was very sleepy."
# Screened as advice to take a dose above the maximum: held for a moderator.
HELD_BODY = "You should just take 150 mg of baclofen a day, the label is overcautious."

PAGES = {
    "home": "/",
    "tag": "/tags/spasms",
    "thread with many answers": "/threads/{thread}",
    "profile": "/members/{author}",
    "treatment": "/treatments/baclofen",
    "symptom": "/symptoms/spasms",
    "compare table": "/treatments",
    "compare side by side": "/treatments/compare?t=baclofen&t=tizanidine",
    "threads": "/threads",
}


class Forum:
    """A forum that grows: every member brings a question, a report, answers and a vote."""

    def __init__(self) -> None:
        self.author = make_member("prolific")
        self.reader = make_member("reader")
        self.thread = make_question(self.author, title="What helps with spasms at night?",
                                    tags="spasms, baclofen")

    def grow(self, members: int) -> None:
        for _ in range(members):
            member = make_member()
            question = make_question(member, title="Does baclofen help with spasms?",
                                     tags="spasms, baclofen")
            make_answer(self.author, question, body="It did for me, slowly.")
            for treatment in ("baclofen", "tizanidine"):
                posts.create_thread(
                    author=member, kind="experience", title=f"My year on {treatment}",
                    body="How it went.", tags="spasms, stiffness",
                    experience=posts.ExperienceInput(
                        treatment=treatment, effectiveness=3, side_effects="drowsiness, nausea",
                        duration_months=12, still_using=True))
            answer = make_answer(member, self.thread, body="Stretching before bed.")
            make_answer(member, self.thread, body=NOTICE_BODY)
            posts.toggle_helpful(actor=self.reader, post=answer)
            make_question(self.author, title="Another question of mine about spasms",
                          tags="spasms")


def statements(client, path: str) -> tuple[int, int]:
    """Count the statements a page runs on a first and a second visit."""
    executed: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        executed.append(statement)

    visits = []
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(2):  # the second visit finds the cached figures
            executed.clear()
            assert client.get(path).status_code == 200, path
            visits.append(len(executed))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return visits[0], visits[1]


def statements_per_page(client, forum: Forum) -> dict[str, tuple[int, int]]:
    """Count the statements each page runs on a first and a second visit."""
    return {name: statements(client, path.format(thread=forum.thread.id,
                                                 author=forum.author.username))
            for name, path in PAGES.items()}


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_pages_run_the_same_statements_however_many_posts_there_are(app, client, signed_in):
    forum = Forum()
    if signed_in:
        login(client, "reader")
    forum.grow(2)
    small = statements_per_page(client, forum)
    forum.grow(6)
    big = statements_per_page(client, forum)
    assert big == small
    assert all(first >= second for first, second in big.values())  # the cache never adds any


def test_an_author_sees_why_each_held_answer_waits_in_the_same_statements_however_many(
        app, client):
    forum = Forum()
    forum.grow(1)
    login(client, "prolific")
    path = f"/threads/{forum.thread.id}"

    def hold(count: int) -> None:
        for _ in range(count):
            assert make_answer(forum.author, forum.thread, body=HELD_BODY).status == "held"

    app.config["REPORTS_TO_HIDE"] = 1
    reported = make_answer(forum.author, forum.thread, body="It did for me, slowly.")
    review.report_post(reporter=forum.reader, post=reported, reason="spam")
    hold(1)
    few = statements(client, path)
    hold(5)
    many = statements(client, path)
    assert many == few
    page = client.get(path).get_data(as_text=True)
    assert page.count("Your post is waiting for a moderator") == 7
    assert page.count("Why it is waiting:") == 7
    assert page.count("Several members reported it") == 1
