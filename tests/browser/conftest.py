"""Browser tests: the app served on loopback against the test database, driven by Debian's
Chromium through Playwright.

Chromium is never downloaded: `make browser-deps` installs the OS package. Without it these
tests are skipped locally; in CI (CI=true) a missing Chromium fails them. On failure, the
screenshots taken along the way and a final one are written to test-artifacts/.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served by a real HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM}: run `make browser-deps`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message} (CI must run the browser tests)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


class Screenshots:
    """Screenshots of each page of a journey, written out only if the test fails."""

    def __init__(self, page):
        self.page = page
        self.taken: list[tuple[str, bytes]] = []

    def capture(self, label: str) -> None:
        self.taken.append((label, self.page.screenshot(full_page=True)))

    def save(self, test_name: str) -> Path:
        folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        folder.mkdir(parents=True, exist_ok=True)
        for number, (label, data) in enumerate(self.taken, start=1):
            (folder / f"{number:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', label)}.png").write_bytes(data)
        try:
            self.page.screenshot(path=str(folder / "failure.png"), full_page=True)
            (folder / "failure.html").write_text(self.page.content())
        except Exception as exc:  # the page may have crashed: keep what we have
            (folder / "failure.txt").write_text(f"no final screenshot: {exc}")
        return folder


@pytest.fixture
def page(request, app, chromium, live_server):
    """A fresh browser tab on the live server, with CSRF protection on as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    context = chromium.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.screenshots = Screenshots(tab)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = tab.screenshots.save(request.node.nodeid)
        print(f"screenshots saved to {folder}")
    context.close()
    app.config["WTF_CSRF_ENABLED"] = False


def sign_in_with_browser(page, user, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.screenshots.capture("sign-in")
    page.get_by_role("button", name="Sign in").click()
