"""Members doing real things in a real browser: joining, asking, answering, editing, drafts."""

from __future__ import annotations

import re

from forum.services import members, posts
from tests.browser.conftest import PASSWORD, csp_violations, log_in, unique
from tests.factories import mail_link, outbox


def make_member(live_server, prefix: str) -> str:
    name = unique(prefix)
    live_server.run(members.register, username=name, email=f"{name}@example.org",
                    password=PASSWORD)
    return name


def make_question(live_server, username: str, title: str) -> int:
    def create():
        author = members.get_member(username)
        return posts.create_thread(author=author, kind="question", title=title,
                                   body="I started baclofen last week.", tags="baclofen").id
    return live_server.run(create)


def test_newcomer_joins_and_asks_a_tagged_question_with_suggested_tags(page, live_server):
    name = unique("newcomer")
    page.goto("/register")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Password").fill("my legs are stiff today")
    page.get_by_label("I agree that Thaw stores the health information").check()
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    [mail] = [m for m in outbox(live_server.app) if m["To"] == f"{name}@example.org"]
    page.goto(mail_link(mail))
    page.get_by_role("button", name="Confirm my email").click()
    page.get_by_text(f"Welcome to Thaw, {name}").wait_for()
    log_in(page, name, "my legs are stiff today")

    page.get_by_role("link", name="Ask a question").first.click()
    page.get_by_label("Your question, in one line").fill("Does baclofen help night spasms?")
    page.get_by_label("Details").fill("My night spasms wake me up; I take baclofen at 10pm.")
    suggestion = page.locator(".tag-suggestions button[data-tag='baclofen']")
    suggestion.wait_for()  # the script asks the server while the member types
    suggestion.click()
    tags = page.get_by_label(re.compile("^Tags"))
    assert "baclofen" in tags.input_value()
    page.get_by_role("button", name="Post my question").click()
    page.wait_for_url(re.compile(r"/threads/\d+"))
    assert page.get_by_role("heading", level=1).inner_text() == "Does baclofen help night spasms?"
    assert page.locator("ul.tags a[href='/tags/baclofen']").count() == 1
    assert csp_violations(page) == []


def test_suggest_button_fills_tags_without_javascript(pages, live_server):
    name = make_member(live_server, "nojs")
    page = pages.new(java_script_enabled=False)
    log_in(page, name)
    page.goto("/ask")
    page.get_by_label("Your question, in one line").fill("Tizanidine and clonus in the mornings")
    page.get_by_label("Details").fill("Clonus in my ankles every morning since tizanidine.")
    page.get_by_role("button", name="Suggest tags from my text").click()
    page.get_by_text("We added tags suggested by your text").wait_for()
    value = page.get_by_label(re.compile("^Tags")).input_value()
    assert "tizanidine" in value and "clonus" in value
    # The member's text is still there after the round trip.
    assert "Clonus in my ankles" in page.get_by_label("Details").input_value()


def test_member_answers_asker_marks_helpful_and_accepts(pages, live_server):
    asker = make_member(live_server, "asker")
    helper = make_member(live_server, "helper")
    thread = make_question(live_server, asker, "How do you cope with the MS hug?")

    answering = pages.new()
    log_in(answering, helper)
    answering.goto(f"/threads/{thread}")
    answer_box = answering.get_by_role("textbox", name="Your answer")
    answer_box.fill("A warm compress and slow breathing help me.")
    answering.get_by_role("button", name="Post my answer").click()
    answering.wait_for_url(re.compile(rf"/threads/{thread}#post-\d+"))
    assert answering.get_by_text("A warm compress and slow breathing help me.").is_visible()

    asking = pages.new()
    log_in(asking, asker)
    asking.goto(f"/threads/{thread}")
    asking.get_by_role("button", name="Helpful").click()
    asking.get_by_text("Marked as helpful. Thank you.").wait_for()
    assert asking.get_by_role("button", name="Helpful ✓").get_attribute("aria-pressed") == "true"
    assert asking.get_by_text("1 found this helpful").is_visible()
    asking.get_by_role("button", name="Accept this answer").click()
    asking.get_by_text("Answer accepted.").wait_for()
    assert asking.locator("article.accepted .accepted-mark").inner_text() == "Accepted answer"
    assert asking.get_by_role("button", name="Take back acceptance").is_visible()


def test_member_edits_then_deletes_their_question(page, live_server):
    name = make_member(live_server, "editor")
    thread = make_question(live_server, name, "Baclofen timing and sleep quality")
    log_in(page, name)
    page.goto(f"/threads/{thread}")
    page.locator(f"#post-{thread}").get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Details").fill("Update: taking it an hour earlier helped.")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Your changes are saved.").wait_for()
    assert page.get_by_text("Update: taking it an hour earlier helped.").is_visible()
    post = page.locator(f"#post-{thread}")
    assert post.get_by_role("link", name="edited", exact=True).is_visible()

    post.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("heading", name="Delete this post?").wait_for()
    page.get_by_role("button", name="Yes, delete it").click()
    page.get_by_text("The post is deleted.").wait_for()
    assert page.get_by_text("This post was removed by its author.").is_visible()
    assert page.get_by_text("Update: taking it an hour earlier helped.").count() == 0


def test_a_draft_survives_a_reload(page, live_server):
    name = make_member(live_server, "drafter")
    log_in(page, name)
    page.goto("/ask")
    page.get_by_label("Your question, in one line").press_sequentially("Stiff hands in the cold")
    page.get_by_label("Details").press_sequentially("Typing this slowly, my hands are stiff.")
    page.reload()
    assert page.get_by_label("Your question, in one line").input_value() \
        == "Stiff hands in the cold"
    assert page.get_by_label("Details").input_value() == "Typing this slowly, my hands are stiff."
    assert page.get_by_text("We restored the text you had not sent yet.").is_visible()
    page.get_by_role("button", name="Discard the draft").click()
    page.reload()
    assert page.get_by_label("Details").input_value() == ""
