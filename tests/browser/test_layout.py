"""The layout on a phone and on a desktop, with the demo community loaded as a first visit sees it.

Home, a thread, search results, a treatment page and the review queue at 390 px and 1280 px:
no sideways scrolling, the header's Search button on one line, no control cut off, axe finds
nothing serious, and on a phone the header's links fold behind a Menu button.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from forum.extensions import db
from forum.models import Post
from tests.browser.conftest import CSP_LISTENER, RESULTS, csp_violations, log_in
from tests.conftest import GENEROUS_LIMITS

WIDTHS = {"phone": 390, "desktop": 1280}

# The one-line checks: a Range over the button's own text has one client rect per line box.
SEARCH_BUTTON_LINES = """() => {
  const button = document.querySelector(".site-search button");
  const range = document.createRange();
  range.selectNodeContents(button);
  const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  return {lines: lines.size, text: button.innerText};
}"""

# Controls a member uses, visible, and either outside the viewport or cut off inside their
# own box (text wider than the button, a field narrower than its label needs).
CLIPPED = """() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll(
      "header a, header button, header input, main a, main button, main input, main select, "
      + "main textarea, main summary")) {
    if (el.type === "hidden") continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (el.classList.contains("skip-link")) continue;  // off screen until focused
    const name = (el.innerText || el.name || el.id || el.tagName).trim().slice(0, 40);
    if (box.left < -1 || box.right > width + 1) {
      found.push(`${name}: from ${Math.round(box.left)} to ${Math.round(box.right)}px`);
    } else if (el.tagName === "BUTTON" && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${name}: text ${el.scrollWidth}px in a ${el.clientWidth}px button`);
    }
  }
  return found;
}"""

SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The forum with the demo community loaded, on a server of its own."""
    folder = tmp_path_factory.mktemp("layout")
    app = create_app({
        "SECRET_KEY": "layout-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'thaw.sqlite3'}",
        "SEARCH_INDEX_DIR": str(folder / "search-index"),
        "INSTANCE_PATH": str(folder / "instance"),
        "AUTO_SETUP": False,
        "SCHEMA_CHECK": False,
        "SESSION_COOKIE_SECURE": False,
        "SEARCH_BACKEND": "memory",
        **GENEROUS_LIMITS,
    })
    with app.app_context():
        from forum.services import demo

        db.create_all()
        demo.load_demo(quiet=True)
        thread = db.session.scalar(select(Post.id).where(
            Post.is_demo.is_(True), Post.kind == "question",
            Post.accepted_answer_id.is_not(None)).order_by(Post.answer_count.desc()))
        passwords = dict(line.split(" ", 1) for line in (
            Path(app.instance_path) / demo.ACCOUNTS_FILE).read_text().splitlines()
            if not line.startswith("#"))
        password = passwords[demo.MODERATOR]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    runner = threading.Thread(target=server.serve_forever, daemon=True)
    runner.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "thread": thread,
           "moderator": (demo.MODERATOR, password),
           "member": ("demo_rowan", passwords["demo_rowan"])}
    server.shutdown()
    runner.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def open_page(browser, demo_server, request):
    contexts = []

    def new(width: int, *, moderator: bool = False, member: bool = False):
        context = browser.new_context(base_url=demo_server["url"],
                                      viewport={"width": width, "height": 800})
        context.add_init_script(CSP_LISTENER)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        if moderator or member:
            log_in(page, *demo_server["moderator" if moderator else "member"])
        return page

    yield new
    failed = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts):
        if failed is not None and failed.failed:
            RESULTS.mkdir(exist_ok=True)
            for index, page in enumerate(context.pages):
                page.screenshot(path=RESULTS / f"layout-{request.node.name}-{number}-{index}.png",
                                full_page=True)
        context.close()


def pages_to_check(demo_server) -> list[tuple[str, str]]:
    return [("home", "/"), ("thread", f"/threads/{demo_server['thread']}"),
            ("search results", "/search?q=baclofen+night"),
            ("treatment", "/treatments/baclofen"), ("review queue", "/moderation")]


@pytest.mark.parametrize("device", WIDTHS)
def test_pages_fit_the_screen_with_the_search_button_on_one_line(open_page, demo_server,
                                                                  device):
    page = open_page(WIDTHS[device], moderator=True)
    problems = []
    for name, path in pages_to_check(demo_server):
        page.goto(path)
        assert page.url.endswith(path), f"{name}: landed on {page.url}"
        sideways = page.evaluate(SIDEWAYS)
        if sideways > 0:
            problems.append(f"{name}: scrolls sideways by {sideways}px")
        button = page.evaluate(SEARCH_BUTTON_LINES)
        if button["lines"] != 1 or button["text"] != "Search":
            problems.append(f"{name}: the Search button takes {button['lines']} lines "
                            f"({button['text']!r})")
        problems += [f"{name}: {clip}" for clip in page.evaluate(CLIPPED)]
    assert problems == [], "\n".join(problems)


def test_the_demo_pages_show_what_the_forum_is_for(open_page, demo_server):
    page = open_page(WIDTHS["desktop"], moderator=True)
    page.goto("/treatments/baclofen")
    assert page.locator("svg.bars").count() >= 1  # the rating chart, not "too few members"
    page.goto("/moderation")
    assert page.locator(".review-item").count() >= 4
    page.goto(f"/threads/{demo_server['thread']}")
    assert page.get_by_text("Accepted answer").count() == 1


@pytest.mark.parametrize("width", [320, 360, 768, 1024, 1920])
def test_search_button_never_wraps_at_any_width(open_page, width):
    page = open_page(width)
    page.goto("/")
    assert page.evaluate(SEARCH_BUTTON_LINES)["lines"] == 1
    assert page.evaluate(SIDEWAYS) <= 0


def test_on_a_phone_the_links_fold_behind_a_menu_button(open_page):
    page = open_page(WIDTHS["phone"])
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    ask = page.locator("#site-nav").get_by_role("link", name="Ask a question")
    assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
    assert not ask.is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true" and ask.is_visible()
    page.keyboard.press("Escape")
    assert not ask.is_visible()
    assert page.evaluate("document.activeElement.innerText") == "Menu"


def test_on_a_desktop_the_links_show_without_a_menu_button(open_page):
    page = open_page(WIDTHS["desktop"])
    page.goto("/")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.locator("#site-nav").get_by_role("link", name="Ask a question").is_visible()


def test_without_javascript_the_phone_header_shows_every_link(browser, demo_server):
    context = browser.new_context(base_url=demo_server["url"], java_script_enabled=False,
                                  viewport={"width": WIDTHS["phone"], "height": 800})
    try:
        page = context.new_page()
        page.goto("/")
        assert page.locator("#site-nav").get_by_role("link", name="Ask a question").is_visible()
        assert not page.get_by_role("button", name="Menu").is_visible()
        assert page.evaluate(SIDEWAYS) <= 0
    finally:
        context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_axe_finds_nothing_serious_on_the_demo_pages(open_page, demo_server, device):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="needs axe-playwright-python (the test extra)")
    axe = axe_module.Axe()
    page = open_page(WIDTHS[device], moderator=True)
    problems = []
    for name, path in pages_to_check(demo_server):
        page.goto(path)
        if device == "phone":
            page.get_by_role("button", name="Menu").click()  # the open menu is checked too
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:5]
                problems.append(f"{name}: {violation['id']} {violation['help']} at {targets}")
        problems += [f"{name}: CSP violation {v}" for v in csp_violations(page)]
    assert problems == [], "\n".join(problems)


def offered_threads(page, title: str) -> list[tuple[str, str]]:
    """Return the (title, answer count) of the threads search offers for a title, in order."""
    threads = page.request.get("/api/v1/similar", params={"title": title}).json()["threads"]
    return [(thread["title"], f"{thread['answers']} answer") for thread in threads]


def shown_threads(page) -> list[tuple[str, str]]:
    """Return the (title, start of the answer count) of each listed similar thread."""
    items = page.locator(".similar-list li")
    shown = []
    for index in range(items.count()):
        item = items.nth(index)
        count = re.search(r"\d+ answer", item.locator(".meta").inner_text())
        shown.append((item.get_by_role("link").inner_text(), count.group(0) if count else ""))
    return shown


@pytest.mark.parametrize("device", WIDTHS)
def test_similar_questions_appear_as_the_title_is_typed_and_the_member_can_still_post(
        open_page, device):
    page = open_page(WIDTHS[device], member=True)
    page.goto("/ask")
    assert not page.get_by_role("button", name="Check for similar questions").is_visible()
    page.get_by_label("Your question").press_sequentially("Tizanidine makes me groggy")
    similar = page.locator(".similar-list li")
    similar.first.wait_for()
    # The list is the search's own answer, in its order, each with its answer count.
    offered = offered_threads(page, "Tizanidine makes me groggy")
    assert offered and len(offered) <= 5
    assert shown_threads(page) == offered
    assert "tizanidine" in page.locator(".similar").inner_text().lower()
    assert page.evaluate(SIDEWAYS) <= 0 and page.evaluate(CLIPPED) == []
    page.get_by_label("Details").fill("Mornings are a write-off since I started it.")
    page.get_by_label("Tags", exact=False).first.fill("tizanidine, drowsiness")
    page.get_by_role("button", name="Post my question").click()
    page.wait_for_url(re.compile(r"/threads/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Tizanidine makes me groggy"


def test_without_javascript_the_check_button_shows_similar_questions(browser, demo_server):
    context = browser.new_context(base_url=demo_server["url"], java_script_enabled=False,
                                  viewport={"width": WIDTHS["phone"], "height": 800})
    try:
        page = context.new_page()
        log_in(page, *demo_server["member"])
        page.goto("/ask")
        page.get_by_label("Your question").fill("Botox for my calf: what to ask?")
        page.get_by_role("button", name="Check for similar questions").click()
        offered = offered_threads(page, "Botox for my calf: what to ask?")
        assert offered and len(offered) <= 5
        assert shown_threads(page) == offered
        assert page.get_by_label("Your question").input_value() == (
            "Botox for my calf: what to ask?")
    finally:
        context.close()
