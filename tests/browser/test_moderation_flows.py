"""Moderation in a real browser: an author learns why a post waits; a moderator clears it."""

from __future__ import annotations

import re

from forum.services import members
from tests.browser.conftest import PASSWORD, csp_violations, log_in, unique


def make_member(live_server, prefix: str, role: str = "member") -> str:
    name = unique(prefix)
    live_server.run(members.register, username=name, email=f"{name}@example.org",
                    password=PASSWORD, role=role)
    return name


def test_held_post_is_explained_to_its_author_and_approved_from_the_queue(pages, live_server):
    author = make_member(live_server, "heldauthor")
    moderator = make_member(live_server, "queuemod", role="moderator")

    writing = pages.new()
    log_in(writing, author)
    writing.goto("/ask")
    title = f"Spare tizanidine for anyone {unique('t')}"
    writing.get_by_label("Your question, in one line").fill(title)
    writing.get_by_label("Details").fill(
        "I have loads of spare tizanidine, happy to post some to anyone who needs it.")
    writing.get_by_label(re.compile("^Tags")).fill("tizanidine")
    writing.get_by_role("button", name="Post my question").click()
    writing.wait_for_url(re.compile(r"/threads/\d+"))
    thread_url = writing.url
    box = writing.locator(".held-box")
    assert "waiting for a moderator" in box.inner_text()
    assert "Why it is waiting" in box.inner_text()
    assert csp_violations(writing) == []

    visitor = pages.new()
    visitor.goto(thread_url)
    assert "We couldn’t find that page" in visitor.content()

    queue = pages.new()
    log_in(queue, moderator)
    queue.goto("/moderation")
    item = queue.locator("article, section, li").filter(has_text=title).first
    assert "sharing" in item.inner_text().lower() or "medicine" in item.inner_text().lower()
    item.get_by_role("button", name=re.compile("^Approve")).click()
    queue.wait_for_load_state()
    queue.goto("/moderation")
    assert title not in queue.locator("main").inner_text()  # handled: off the queue

    visitor.goto(thread_url)
    assert visitor.get_by_role("heading", level=1).inner_text() == title
    queue.goto("/moderation/audit")
    assert "approve" in queue.locator("main").inner_text().lower()


def test_member_reports_a_post_from_the_thread_page(pages, live_server):
    author = make_member(live_server, "reported")
    reporter = make_member(live_server, "reporter")
    writing = pages.new()
    log_in(writing, author)
    writing.goto("/ask")
    writing.get_by_label("Your question, in one line").fill("Best shoes for a dropped foot?")
    writing.get_by_label("Details").fill("Looking for shoes that fit over a splint.")
    writing.get_by_label(re.compile("^Tags")).fill("drop-foot")
    writing.get_by_role("button", name="Post my question").click()
    writing.wait_for_url(re.compile(r"/threads/\d+"))

    page = pages.new()
    log_in(page, reporter)
    page.goto(writing.url)
    page.locator("details.report summary").first.click()
    page.get_by_label("Spam").first.check()
    page.get_by_role("button", name="Send the report").first.click()
    page.wait_for_load_state()
    assert "The moderators will look at this post." in page.locator(".flashes").inner_text()
