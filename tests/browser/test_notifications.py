"""Members hear back, in a real browser: answers, acceptance, removal with a reason, appeals,
the bell and the list by keyboard, and help shown at once to a member who may be in crisis."""

from __future__ import annotations

import re
import time
from email import message_from_bytes, policy
from pathlib import Path

from forum.services import members
from tests.browser.conftest import PASSWORD, csp_violations, log_in, unique


def make_member(live_server, prefix: str, role: str = "member") -> str:
    name = unique(prefix)
    live_server.run(members.register, username=name, email=f"{name}@example.org",
                    password=PASSWORD, role=role)
    return name


def mails_to(live_server, name: str, *, wait: float = 5.0) -> list:
    """Return the mail sent to a member, waiting up to a few seconds for it to arrive."""
    folder = Path(live_server.app.instance_path) / "outbox"
    deadline = time.monotonic() + wait
    while True:
        found = [message_from_bytes(path.read_bytes(), policy=policy.default)
                 for path in sorted(folder.glob("*.eml"))] if folder.exists() else []
        found = [mail for mail in found if mail["To"] == f"{name}@example.org"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def ask(page, title: str, body: str) -> str:
    page.goto("/ask")
    page.get_by_label("Your question, in one line").fill(title)
    page.get_by_label("Details").fill(body)
    page.get_by_label(re.compile("^Tags")).fill("stiffness")
    page.get_by_role("button", name="Post my question").click()
    page.wait_for_url(re.compile(r"/threads/\d+"))
    return page.url


def bell(page) -> str:
    return page.locator("a.bell").inner_text()


def test_asker_answerer_moderator_and_appeal_all_hear_back(pages, live_server):
    asker, answerer = make_member(live_server, "asker"), make_member(live_server, "answerer")
    moderator = make_member(live_server, "hearmod", role="moderator")
    a, b, mod = pages.new(), pages.new(), pages.new()
    log_in(a, asker)
    log_in(b, answerer)
    log_in(mod, moderator)

    title = f"How do you get through nights {unique('n')}"
    thread_url = ask(a, title, "My legs keep jumping at night. What helps you sleep?")

    b.goto(thread_url)
    b.get_by_role("textbox", name="Your answer").fill("Stretching my calves helps me.")
    b.get_by_role("button", name="Post my answer").click()
    b.wait_for_url(re.compile(r"/threads/\d+"))

    a.goto("/")
    assert "(1 unread)" in bell(a)
    [mail] = mails_to(live_server, asker)
    assert "answered your question" in mail.get_content()
    assert mail["List-Unsubscribe"]
    a.locator("a.bell").click()
    item = a.locator(".notification").first
    assert f"{answerer} answered your question" in item.inner_text()

    a.goto(thread_url)
    a.get_by_role("button", name="Accept this answer").click()
    b.goto("/notifications")
    assert f"{asker} accepted your answer" in b.locator("main").inner_text()

    # A moderator removes the answer (reported), with a reason; its author is told it.
    mod.goto(thread_url)
    report = mod.locator("article.post-answer details.report").first
    report.locator("summary").click()
    report.get_by_label("Spam").check()
    report.get_by_role("button", name="Send the report").click()
    mod.goto("/moderation")
    entry = mod.locator("li.review-item").filter(has_text=title).first
    entry.get_by_label(re.compile("Reason for removing")).fill("Please keep answers on topic")
    entry.get_by_role("button", name="Remove").click()
    b.goto("/notifications")
    assert "Please keep answers on topic" in b.locator("main").inner_text()

    # The author appeals from the post; the appeal is in the queue with its label; outcome.
    b.goto(thread_url)
    b.get_by_role("link", name="Appeal this decision").click()
    b.get_by_label(re.compile("Why should a moderator")).fill("It answers the question.")
    b.get_by_role("button", name="Send the appeal").click()
    mod.goto("/moderation")
    entry = mod.locator("li.review-item").filter(has_text="Appeal").first
    assert "Originally removed by" in entry.inner_text()
    entry.get_by_role("button", name=re.compile("^Approve")).click()
    b.goto("/notifications")
    assert "Your appeal was successful" in b.locator("main").inner_text()


def test_the_bell_and_the_list_work_by_keyboard(pages, live_server):
    asker, answerer = make_member(live_server, "kbasker"), make_member(live_server, "kbanswer")
    a, b = pages.new(), pages.new()
    log_in(a, asker)
    log_in(b, answerer)
    thread_url = ask(a, f"Keyboard question {unique('k')}", "Does anyone use a night splint?")
    b.goto(thread_url)
    b.get_by_role("textbox", name="Your answer").fill("I do, and it helps.")
    b.get_by_role("button", name="Post my answer").click()
    a.goto("/")
    for _ in range(30):
        a.keyboard.press("Tab")
        if a.evaluate("document.activeElement.classList.contains('bell')"):
            break
    assert a.evaluate("document.activeElement.classList.contains('bell')")
    a.keyboard.press("Enter")
    a.wait_for_url(re.compile(r"/notifications$"))
    a.get_by_role("button", name="Mark all as read").focus()
    a.keyboard.press("Enter")
    a.get_by_text("Nothing unread").wait_for()
    assert "unread" not in bell(a)


def test_a_member_in_crisis_sees_help_first_and_the_queue_shows_the_item_first(
        pages, live_server):
    author = make_member(live_server, "crisisauthor")
    moderator = make_member(live_server, "crisismod", role="moderator")
    writer, mod = pages.new(locale="en-GB"), pages.new()
    log_in(writer, author)
    log_in(mod, moderator)
    title = f"I can't do this any more {unique('c')}"
    writer.goto("/ask")
    writer.get_by_label("Your question, in one line").fill(title)
    writer.get_by_label("Details").fill(
        "The spasms never stop. Honestly I want to end it all, I have pills saved.")
    writer.get_by_label(re.compile("^Tags")).fill("spasms")
    writer.get_by_role("button", name="Post my question").click()
    box = writer.locator(".crisis-box")
    assert "116 123" in box.inner_text()
    first = writer.locator("main > *").first
    assert "crisis-box" in (first.get_attribute("class") or "") or \
        first.locator(".crisis-box").count() == 1
    mod.goto("/moderation")
    top = mod.locator("li.review-item").first
    assert title in top.inner_text()
    assert "Member may be in crisis" in top.inner_text()


def _threads_titled(live_server, title: str) -> int:
    def count() -> int:
        from sqlalchemy import func, select

        from forum.extensions import db
        from forum.models import Post
        return db.session.scalar(select(func.count()).select_from(Post)
                                 .where(Post.title == title))
    return live_server.run(count)


def test_reloading_the_help_reads_the_thread_and_never_posts_again(pages, live_server):
    author = make_member(live_server, "reloadauthor")
    writer = pages.new(locale="en-GB")
    log_in(writer, author)
    title = f"Nothing helps any more {unique('r')}"
    writer.goto("/ask")
    writer.get_by_label("Your question, in one line").fill(title)
    writer.get_by_label("Details").fill(
        "Lately I keep thinking about ending my life, the spasms wear me down.")
    writer.get_by_label(re.compile("^Tags")).fill("spasms")
    writer.get_by_role("button", name="Post my question").click()
    writer.locator(".crisis-box").wait_for()
    writer.wait_for_url(re.compile(r"/threads/\d+$"))  # the history holds the thread, not /ask
    thread_url = writer.url
    writer.reload()
    assert writer.url == thread_url
    assert "116 123" in writer.locator("main > *").first.inner_text()
    assert _threads_titled(live_server, title) == 1
    # An answer with the same help: after the reload its box is empty, no draft comes back.
    writer.get_by_role("textbox", name="Your answer").fill(
        "Since the relapse I honestly want to kill myself most nights.")
    writer.get_by_role("button", name="Post my answer").click()
    writer.locator(".crisis-box").wait_for()
    writer.wait_for_url(thread_url)
    writer.reload()
    assert writer.get_by_role("textbox", name="Your answer").input_value() == ""
    assert writer.locator(".draft-note").count() == 0
    assert csp_violations(writer) == []
