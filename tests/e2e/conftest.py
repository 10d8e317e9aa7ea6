"""Browser tests: Playwright driving a real Chromium with a phone profile, against a live server.

Debian's /usr/bin/chromium is used when present (CHROMIUM_PATH overrides). When no browser
can start, the tests are skipped locally but fail under CI (CI=true), so CI cannot pass
without them.
"""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

AXE_SCRIPT = Path(__file__).with_name("vendor") / "axe-4.14.1.min.js"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "screen": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"
    ),
    "locale": "en-US",
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long expect(...) waits for a page to get there (Playwright's default is 5 s): with
# pytest-xdist the live server shares 2 cores with the other workers' tests, and a photo
# upload can take longer than that.
expect.set_options(timeout=15_000)
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _executable() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def browser():
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=_executable(), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    except PlaywrightError as error:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI, but Chromium did not start: {error}")
        pytest.skip(f"no Chromium to drive: {error}")


@pytest.fixture
def live_server(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join()


@pytest.fixture
def base_url(live_server):
    return live_server[0]


@pytest.fixture
def phone(browser):
    """A page in a phone-sized touch context that records CSP violations and console errors."""
    context = browser.new_context(**PHONE)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    yield page
    context.close()


def csp_violations(page) -> list[str]:
    recorded = page.evaluate("window.__cspViolations || []")
    console = [text for text in page.console_messages_seen if "Content Security Policy" in text]
    return recorded + console


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical findings for the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join())}))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def log_in(page, base_url, username, password, code=None):
    """Sign in; `code` (the authenticator's code, as text) answers the second step when the
    user has one."""
    page.goto(f"{base_url}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").tap()
    if code is not None:
        page.wait_for_url(f"{base_url}/login/verify")
        page.get_by_label("Code", exact=True).fill(code)
        page.get_by_role("button", name="Sign in", exact=True).tap()
    page.wait_for_url(f"{base_url}/today")
