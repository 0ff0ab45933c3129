"""A member who cannot use a mouse: log in, ask and answer with Tab, Shift+Tab, Enter and Space."""

from __future__ import annotations

import re

from forum.services import members
from tests.browser.conftest import PASSWORD, unique

# Where focus is and whether it can be seen: an outline or a ring (box-shadow) that is drawn.
FOCUS = """() => {
  const el = document.activeElement;
  const all = Array.from(document.querySelectorAll("*"));
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  return {
    index: all.indexOf(el),
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute("aria-label") || el.labels?.[0]?.innerText || el.innerText
           || el.value || el.id || "").trim().slice(0, 60),
    visible: outline || ring,
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0,
  };
}"""


def press(page, key: str) -> dict:
    """Press a key and describe the element that has focus afterwards."""
    page.keyboard.press(key)
    return page.evaluate(FOCUS)


def tab_to(page, name: str, *, limit: int = 40, backwards: bool = False) -> list[dict]:
    """Tab (or Shift+Tab) until the element named `name` has focus; return every stop."""
    stops = []
    for _ in range(limit):
        focus = press(page, "Shift+Tab" if backwards else "Tab")
        stops.append(focus)
        assert focus["visible"], f"no visible focus indicator on {focus}"
        assert focus["onScreen"], f"focus went to something off screen: {focus}"
        if focus["name"].startswith(name):
            return stops
    raise AssertionError(f"{name!r} never got focus; stops: {[s['name'] for s in stops]}")


def assert_in_document_order(stops: list[dict], backwards: bool = False) -> None:
    indexes = [stop["index"] for stop in stops]
    expected = sorted(indexes, reverse=backwards)
    assert indexes == expected, f"focus jumped around: {[s['name'] for s in stops]}"


def test_keyboard_only_member_logs_in_asks_and_answers(page, live_server):
    name = unique("keys")
    live_server.run(members.register, username=name, email=f"{name}@example.org",
                    password=PASSWORD)
    page.goto("/login")

    skip = press(page, "Tab")
    assert skip["name"] == "Skip to main content" and skip["visible"]
    page.keyboard.press("Enter")  # the skip link moves focus to the main content
    stops = tab_to(page, "Username")
    assert len(stops) == 1, "the first stop after skipping should be the first field"
    page.keyboard.type(name)
    assert press(page, "Tab")["name"] == "Password"
    page.keyboard.type(PASSWORD)
    remember = press(page, "Tab")
    assert remember["tag"] == "input" and remember["visible"]
    page.keyboard.press("Space")
    assert page.get_by_label("Keep me logged in on this device").is_checked()
    back = press(page, "Shift+Tab")
    assert back["name"] == "Password", "Shift+Tab goes back to the previous field"
    press(page, "Tab")
    assert press(page, "Tab")["name"] == "Log in"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))

    # Through the header to "Ask a question", in order, every stop visible.
    stops = tab_to(page, "Ask a question")
    assert_in_document_order(stops)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ask$"))
    stops = tab_to(page, "Your question")
    assert_in_document_order(stops)
    page.keyboard.type("Does anyone else get clonus on stairs?")
    assert press(page, "Tab")["name"] == "Details"
    page.keyboard.type("My ankle bounces on every step; I take tizanidine.")
    assert press(page, "Tab")["name"].startswith("Tags")
    page.keyboard.type("clonus")
    stops = tab_to(page, "Post my question")
    assert_in_document_order(stops)
    # And back again with Shift+Tab, to the tags field, in reverse order.
    back = tab_to(page, "Tags", backwards=True)
    assert_in_document_order(back, backwards=True)
    tab_to(page, "Post my question")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/threads/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() \
        == "Does anyone else get clonus on stairs?"

    # Answer the thread: the answer box comes after the thread's own controls.
    stops = tab_to(page, "Your answer", limit=60)
    assert_in_document_order(stops)
    page.keyboard.type("Holding the rail and pausing on each step helps me.")
    assert press(page, "Tab")["name"] == "Post my answer"
    page.keyboard.press("Space")  # buttons work with Space as well as Enter
    page.wait_for_url(re.compile(r"#post-\d+$"))
    assert page.get_by_text("Holding the rail and pausing on each step helps me.").is_visible()
