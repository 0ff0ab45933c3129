"""Every page type, for every kind of visitor: axe-core finds nothing serious, the page reflows
at 320 px and at 200% zoom, targets are big enough, motion stops when asked, and the CSP holds."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from forum.services import members, posts
from tests.browser.conftest import PASSWORD, csp_violations, log_in, unique
from tests.factories import make_email_change_token, make_link_token

pytest.importorskip("axe_playwright_python.sync_playwright",
                    reason="accessibility tests need axe-playwright-python (the test extra)")


@dataclass(frozen=True)
class PageType:
    name: str
    path: str  # formatted with the ids of the content made for the test
    needs_login: bool = False
    only: tuple[str, ...] = ()  # the visitors who can see it, when not everyone


# One of each page type. New page types (search, moderation, insights) go here.
PAGE_TYPES = [
    PageType("home", "/"),
    PageType("thread list", "/threads"),
    PageType("tags index", "/tags"),
    PageType("tag page", "/tags/baclofen"),
    PageType("thread", "/threads/{question}"),
    PageType("experience thread", "/threads/{experience}"),
    PageType("post history", "/posts/{question}/history"),
    PageType("ask", "/ask", needs_login=True),
    PageType("share", "/share", needs_login=True),
    PageType("edit", "/posts/{question}/edit", needs_login=True),
    PageType("edit experience", "/posts/{experience}/edit", needs_login=True),
    PageType("delete confirmation", "/posts/{answer}/delete", needs_login=True),
    PageType("profile", "/members/{author}"),
    PageType("edit profile", "/account/profile", needs_login=True),
    PageType("login", "/login"),
    PageType("register", "/register", only=("anonymous",)),  # members are sent home
    PageType("forgot password", "/forgot-password"),
    PageType("check your email", "/check-your-email"),
    PageType("choose a new password", "/reset-password?token={reset_token}"),
    PageType("confirm email", "/confirm-email?token={confirm_token}"),
    PageType("link expired", "/reset-password?token=used-or-old"),
    PageType("error 404", "/no-such-page"),
    PageType("search results", "/search?q=baclofen"),
    PageType("search, nothing found", "/search?q=zzzzqqq"),
    PageType("report a post", "/posts/{answer}/report", needs_login=True),
    PageType("treatments compared", "/treatments"),
    PageType("treatment", "/treatments/baclofen"),
    PageType("treatments side by side", "/treatments/compare?t=baclofen&t=stretching"),
    PageType("symptom", "/symptoms/drowsiness"),
    PageType("review queue", "/moderation", only=("moderator",)),
    PageType("audit log", "/moderation/audit", only=("moderator",)),
    PageType("reading list (admin)", "/admin/articles", only=("admin",)),
    PageType("your account", "/account", needs_login=True),
    PageType("change email", "/account/email", needs_login=True),
    PageType("confirm a new email", "/account/email/confirm?token={email_token}"),
    PageType("change password", "/account/password", needs_login=True),
    PageType("your data", "/account/data", needs_login=True),
    PageType("delete account", "/account/delete", needs_login=True),
    PageType("privacy", "/privacy"),
    PageType("community rules", "/terms"),
]
# Who looks: a visitor, the author of the content (sees edit and delete), a moderator, and an
# admin (only on the pages no one else reaches).
VISITORS = ("anonymous", "author", "moderator", "admin")
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def content(live_server):
    """Make a member with a question, an experience report and an answer; return ids."""
    author, helper, moderator = unique("a11yauthor"), unique("a11yhelper"), unique("a11ymod")
    admin = unique("a11yadmin")

    def make():
        people = {}
        for name, role in ((author, "member"), (helper, "member"), (moderator, "moderator"),
                           (admin, "admin")):
            people[name] = members.register(username=name, email=f"{name}@example.org",
                                            password=PASSWORD, role=role)
        members.update_profile(actor=people[author], member=people[author],
                               bio="Diagnosed in 2015. I swim twice a week.",
                               treatments=["baclofen"])
        question = posts.create_thread(
            author=people[author], kind="question", title="Does baclofen make you sleepy?",
            body="I started **baclofen** last week. See [the MS Trust](https://mstrust.org.uk).",
            tags="baclofen, drowsiness")
        experience = posts.create_thread(
            author=people[author], kind="experience", title="Stretching helped my mornings",
            body="Ten minutes each morning.", tags="stiffness",
            experience=posts.ExperienceInput(treatment="stretching", effectiveness=4,
                                             side_effects="tiredness", duration_months=6,
                                             still_using=True, dose="Ten minutes a day"))
        answer = posts.create_answer(author=people[author], parent=question,
                                     body="Update: it wore off after two weeks.")
        posts.create_answer(author=people[helper], parent=question, body="Same for me.")
        posts.edit_post(actor=people[author], post=question, title=question.title,
                        body=question.body + " Edited.", tags="baclofen, drowsiness")
        return {"question": question.id, "experience": experience.id, "answer": answer.id,
                "author": author, "reset_token": make_link_token(people[author], "reset"),
                "confirm_token": make_link_token(people[helper], "confirm"),
                "email_token": make_email_change_token(people[author])}

    ids = live_server.run(make)
    return {"ids": ids, "logins": {"author": author, "moderator": moderator, "admin": admin}}


def visit(pages, content, visitor: str, **options):
    page = pages.new(**options)
    if visitor != "anonymous":
        log_in(page, content["logins"][visitor])
    return page


def paths_for(content, visitor: str) -> list[tuple[str, str]]:
    return [(kind.name, kind.path.format(**content["ids"])) for kind in PAGE_TYPES
            if (visitor != "anonymous" or not kind.needs_login)
            and (not kind.only or visitor in kind.only)
            and (visitor != "admin" or "admin" in kind.only)]


@pytest.mark.parametrize("visitor", VISITORS)
def test_axe_finds_no_serious_problems_and_the_csp_holds_on_every_page(pages, content, visitor):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = visit(pages, content, visitor)
    problems = []
    for name, path in paths_for(content, visitor):
        page.goto(path)
        assert page.url.endswith(path), f"{name}: landed on {page.url}"
        violations = axe.run(page).response["violations"]
        for violation in violations:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:5]
                problems.append(f"{name} ({path}): {violation['id']} [{violation['impact']}] "
                                f"{violation['help']} at {targets}")
        problems += [f"{name} ({path}): CSP violation {v}" for v in csp_violations(page)]
    assert problems == [], "\n".join(problems)


# Visible links, buttons and controls in the header, nav and main content, with their target
# boxes. A checkbox or radio button counts together with its label, which toggles it too.
# Exempt (WCAG 2.5.8 "inline"): a link that sits in a sentence, that is, its block
# (paragraph, list item, definition) holds other words besides the link text, and links in
# the body of a post, which is the member's running text.
TARGETS = """() => {
  const found = [];
  const controls = document.querySelectorAll(
    "header a, header button, main a, main button, main input, main select, main textarea");
  for (const el of controls) {
    if (el.type === "hidden") continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.bottom <= 0 && el.classList.contains("skip-link")) continue;  // shown on focus
    if (el.tagName === "A") {
      if (el.closest(".body, .preview")) continue;
      const block = el.parentElement.closest("p, li, dd, td");
      if (block && block.innerText.trim() !== el.innerText.trim()
          && style.display === "inline") continue;
    }
    if ((el.type === "checkbox" || el.type === "radio") && el.labels && el.labels.length) {
      const label = el.labels[0].getBoundingClientRect();
      const left = Math.min(box.left, label.left), top = Math.min(box.top, label.top);
      box = {width: Math.max(box.right, label.right) - left,
             height: Math.max(box.bottom, label.bottom) - top};
    }
    if (box.width < 44 || box.height < 44) {
      found.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || el.id).trim()
        .slice(0, 40)}" is ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return found;
}"""

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width, scale", [(320, 1), (640, 2)], ids=["320px", "200%-zoom"])
def test_pages_reflow_without_sideways_scrolling(pages, content, width, scale):
    page = visit(pages, content, "author", viewport={"width": width, "height": 800},
                 device_scale_factor=scale)
    overflowing = []
    for name, path in paths_for(content, "author"):
        page.goto(path)
        extra = page.evaluate(OVERFLOW)
        if extra > 0:
            overflowing.append(f"{name} ({path}) scrolls sideways by {extra}px")
    assert overflowing == [], "\n".join(overflowing)


MOTION = """() => {
  const moving = [];
  const seconds = (value) => value.split(",").map((v) => parseFloat(v) || 0);
  for (const el of document.querySelectorAll("*")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(el, pseudo);
      const transition = Math.max(...seconds(style.transitionDuration));
      const animation = style.animationName !== "none"
        ? Math.max(...seconds(style.animationDuration)) : 0;
      if (transition > 0 || animation > 0 || style.scrollBehavior === "smooth") {
        moving.push(`${el.tagName.toLowerCase()}${pseudo || ""}.${el.className}`);
      }
    }
  }
  return moving;
}"""


def test_targets_are_44_px_square_and_reduced_motion_stops_all_movement(pages, content):
    """As the author (who sees the most controls), with reduced motion asked for."""
    page = visit(pages, content, "author", reduced_motion="reduce")
    problems = []
    for name, path in paths_for(content, "author"):
        page.goto(path)
        problems += [f"{name} ({path}): {problem}" for problem in page.evaluate(TARGETS)]
        problems += [f"{name} ({path}): moves: {what}" for what in page.evaluate(MOTION)]
    assert problems == [], "\n".join(problems[:40])


def test_the_csp_blocks_an_injected_inline_script_and_the_check_notices(page):
    """The detector behind the CSP checks above: an inline script is refused and reported."""
    page.goto("/tags")
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.__ranInline = 1";
      document.body.appendChild(script);
    }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ranInline") is None
    assert any("script-src" in violation for violation in csp_violations(page))
