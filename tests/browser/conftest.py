"""Browser fixtures: the forum on a live local server, and Debian's chromium driven by Playwright.

One server and one browser for the whole session; each test gets a fresh browser context
(its own cookies and storage). A failing test leaves a screenshot in test-results/.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from forum.extensions import db
from tests.conftest import GENEROUS_LIMITS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
PASSWORD = "correct horse battery"
# Chrome reports a blocked inline script, style or handler on the console with this wording.
CSP_CONSOLE = re.compile(r"Content Security Policy|Refused to (execute|apply|load|connect)", re.I)
# Every page collects CSP violations as the browser reports them.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""

_names = count(1)


def unique(prefix: str) -> str:
    """Return a username no other browser test uses."""
    return f"{prefix}{next(_names)}"


@dataclass
class LiveServer:
    app: object
    url: str

    def run(self, function, *args, **kwargs):
        """Call `function` inside an app context (services, factories) and return its result."""
        with self.app.app_context():
            return function(*args, **kwargs)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'thaw.sqlite3'}",
        "SEARCH_INDEX_DIR": str(folder / "search-index"),
        "INSTANCE_PATH": str(folder / "instance"),
        "AUTO_SETUP": False,
        "SCHEMA_CHECK": False,
        "SESSION_COOKIE_SECURE": False,  # plain http on 127.0.0.1
        "POSTS_PER_PAGE": 200,  # lists show every hostile title on one page
        "SEARCH_BACKEND": "memory",  # the in-memory index: these tests are not about search
        **GENEROUS_LIMITS,  # every browser test comes from 127.0.0.1
    })
    with app.app_context():
        db.create_all()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need Playwright: pip install -e '.[test]'")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class Pages:
    """Open browser contexts for a test; screenshot every open page if the test fails."""

    def __init__(self, browser, live_server, request) -> None:
        self.browser = browser
        self.server = live_server
        self.request = request
        self.contexts = []

    def new(self, **options):
        """Return a new page in a context of its own (options go to new_context)."""
        context = self.browser.new_context(base_url=self.server.url, **options)
        context.add_init_script(CSP_LISTENER)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda message: message.type == "error"
                and page.console_errors.append(message.text))
        return page

    def close(self) -> None:
        failed = getattr(self.request.node, "rep_call", None)
        for number, context in enumerate(self.contexts):
            if failed is not None and failed.failed:
                RESULTS.mkdir(exist_ok=True)
                name = re.sub(r"[^\w.-]+", "_", self.request.node.nodeid)[-150:]
                for index, page in enumerate(context.pages):
                    page.screenshot(path=RESULTS / f"{name}-{number}-{index}.png",
                                    full_page=True)
            context.close()


@pytest.fixture
def pages(browser, live_server, request):
    opened = Pages(browser, live_server, request)
    yield opened
    opened.close()


@pytest.fixture
def page(pages):
    return pages.new()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form, the way a member does."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def csp_violations(page) -> list[str]:
    """Return the CSP violations this page reported, by event and on the console."""
    reported = page.evaluate("window.__cspViolations || []")
    return reported + [m for m in page.console_errors if CSP_CONSOLE.search(m)]
