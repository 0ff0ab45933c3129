"""Every XSS vector, typed into every place that shows member text, then opened in chromium.

The browser context bypasses the CSP on purpose: this tests the escaping and the sanitiser on
their own (the CSP is a second wall, tested in test_accessibility.py). Each payload that could
run calls alert() and sets window.__xss; neither may happen, and no javascript: URL or event
handler may reach the DOM.
"""

from __future__ import annotations

import re

import pytest

from forum.services import members, posts
from tests.browser.conftest import PASSWORD, log_in, unique
from tests.security.hostile import load_vectors

VECTORS = load_vectors()

# Everything in the DOM that could run script, including what the page's own templates never
# use (so a vector that smuggled one in is caught even if it would not fire on load).
DANGER = """() => {
  const problems = [];
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc",
                         "background", "poster"];
  const active = /^(javascript:|vbscript:|data:text\\/html|data:image\\/svg)/;
  for (const el of document.querySelectorAll("*")) {
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (name.startsWith("on")) problems.push(`<${el.localName} ${name}>`);
      if (urlAttributes.includes(name) && active.test(value)) {
        problems.push(`<${el.localName} ${name}="${attribute.value.slice(0, 50)}">`);
      }
    }
  }
  const strays = "script:not([src='/static/thaw.js']), iframe, object, embed, svg, math, img, " +
    "style, base, meta[http-equiv], template, video, audio, marquee, isindex";
  for (const el of document.querySelectorAll(strays)) problems.push(`<${el.localName}>`);
  if (window.__xss !== undefined) problems.push("a payload set window.__xss");
  return problems;
}"""


def single_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def attacker(pages, live_server):
    """A logged-in member whose browser ignores the CSP, with dialogs recorded."""
    name = unique("mallory")
    live_server.run(members.register, username=name, email=f"{name}@example.org",
                    password=PASSWORD)
    page = pages.new(bypass_csp=True)
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, name)
    page.username = name
    html = page.request.get("/ask").text()
    page.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return page


def send(page, path: str, form: dict) -> str:
    """Post a real form with the page's cookies; return where the forum redirected."""
    response = page.request.post(path, form={"csrf_token": page.token, **form},
                                 max_redirects=0)
    assert response.status in (302, 303), f"{path} refused: {response.status}\n" + \
        "\n".join(re.findall(r'class="field-error"[^>]*>([^<]+)', response.text()))
    return response.headers["location"]


def inspect(page, where: str) -> list[str]:
    found = [f"{where}: {problem}" for problem in page.evaluate(DANGER)]
    found += [f"{where}: a dialog opened: {message}" for message in page.dialogs]
    page.dialogs.clear()
    return found


def test_no_vector_runs_anywhere_member_text_is_shown(attacker, live_server):
    page = attacker
    helper = unique("helper")

    def question_to_answer():
        author = members.register(username=helper, email=f"{helper}@example.org",
                                  password=PASSWORD)
        return posts.create_thread(author=author, kind="question", title="Answer me, please",
                                   body="Anything helps.", tags="baclofen").id

    answered = live_server.run(question_to_answer)
    threads = {}
    for vector in VECTORS:
        location = send(page, "/share", {
            "title": single_line(f"XSS {vector.id} {vector.text}")[:200],
            "body": vector.text,
            "treatment": "baclofen",
            "effectiveness": "3",
            "side_effects": single_line(vector.text)[:80].replace(",", " "),
            "dose": single_line(vector.text)[:200],
            "tags": "night-spasms",
        })
        threads[vector.id] = int(re.search(r"/threads/(\d+)", location).group(1))
    # Answers go through the same renderer as the bodies above: a quarter of the vectors show
    # that the answers' place on the page escapes them too, and keep the test quick.
    for vector in VECTORS[::4]:
        send(page, f"/threads/{answered}/answers", {"body": vector.text})

    problems = []
    for vector in VECTORS:
        page.goto(f"/threads/{threads[vector.id]}")
        problems += inspect(page, f"thread of vector {vector.id} ({vector.description})")
    for vector in VECTORS[::6]:  # the edit form puts the same fields into inputs
        page.goto(f"/posts/{threads[vector.id]}/edit")
        problems += inspect(page, f"edit form of vector {vector.id} ({vector.description})")
    for path in ("/", "/threads?kind=experience", "/tags/night-spasms", f"/threads/{answered}",
                 f"/members/{page.username}"):
        page.goto(path)
        problems += inspect(page, path)

    # Bios, as long as a bio may be.
    bio, bios = "", []
    for vector in VECTORS:
        if len(bio) + len(vector.text) > 1990:
            bios.append(bio)
            bio = ""
        bio += vector.text + "\n"
    bios.append(bio)
    for number, text in enumerate(bios):
        send(page, "/account/profile", {"bio": text})
        page.goto(f"/members/{page.username}")
        problems += inspect(page, f"profile with bio part {number}")

    # A question edited with every vector at once: the thread, and its history.
    location = send(page, "/ask", {"title": "Everything at once, for the history page",
                                   "body": "First version.", "tags": "baclofen",
                                   "action": "post"})
    whole = int(re.search(r"/threads/(\d+)", location).group(1))
    everything = "\n\n".join(vector.text for vector in VECTORS)
    send(page, f"/posts/{whole}/edit", {"title": "Everything at once, edited",
                                        "body": everything, "tags": "baclofen"})
    send(page, f"/posts/{whole}/edit", {"title": "Everything at once, edited again",
                                        "body": "Third version.", "tags": "baclofen"})
    for path in (f"/threads/{whole}", f"/posts/{whole}/history"):
        page.goto(path)
        problems += inspect(page, path)
    assert problems == [], "\n".join(problems)


def test_no_vector_runs_when_a_form_is_shown_again_with_errors(attacker):
    page = attacker
    problems = []
    # Unknown tags come back in the error message, and the title and body in the form.
    for start in range(0, len(VECTORS), 10):
        batch = VECTORS[start:start + 10]
        page.goto("/ask")
        page.get_by_label("Your question, in one line").fill(single_line(batch[0].text))
        page.get_by_label("Details").fill("\n\n".join(vector.text for vector in batch))
        page.get_by_label(re.compile("^Tags")).fill(", ".join(single_line(v.text) for v in batch))
        page.get_by_role("button", name="Post my question").click()
        page.locator("#error-summary").wait_for()
        problems += inspect(page, f"ask form refused, vectors {batch[0].id}-{batch[-1].id}")
    # A form sent with a stale CSRF token: the error page shows the text back.
    page.goto("/ask")
    page.locator("form.compose input[name=csrf_token]").evaluate("field => field.value = 'stale'")
    page.get_by_label("Your question, in one line").fill(single_line(VECTORS[0].text))
    page.get_by_label("Details").fill("\n\n".join(vector.text for vector in VECTORS))
    page.get_by_role("button", name="Post my question").click()
    page.get_by_role("heading", name="Something in that request was not right").wait_for()
    problems += inspect(page, "CSRF error page with the text kept")
    assert problems == [], "\n".join(problems)
