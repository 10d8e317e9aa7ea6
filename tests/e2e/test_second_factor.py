"""The second factor on a phone in Chromium: a passkey registered and used through a virtual
WebAuthn authenticator (Chrome DevTools Protocol), an authenticator app enrolled from the
page's key with codes computed here, and a recovery code that works once."""

import re
import threading
import time

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.e2e.conftest import csp_violations
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(make_app):
    """A live server at http://localhost:PORT, which is also its PUBLIC_BASE_URL: WebAuthn's
    relying party is a host name (never an IP address), and the origin must match."""
    app = make_app(WTF_CSRF_ENABLED=True, SECOND_FACTOR_ROLES=["senior_cso", "admin"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://localhost:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield base_url, UserFactory(app)
    server.shutdown()
    thread.join()


def virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, added["authenticatorId"]


def password_step(page, base_url, user):
    page.goto(f"{base_url}/login")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").tap()


def log_out(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Menu").tap()
    page.get_by_role("button", name="Log out").tap()
    expect(page).to_have_url(re.compile(r"/login$"))


def assert_in_view(page, locator):
    box = locator.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844


def test_a_passkey_is_registered_at_enrolment_and_signs_in(phone, site):
    base_url, users = site
    page, senior = phone, users.senior()
    cdp, authenticator = virtual_authenticator(page)
    password_step(page, base_url, senior)
    expect(page).to_have_url(f"{base_url}/login/enrol")
    add = page.get_by_role("button", name="Add a passkey")
    assert_in_view(page, add)  # the main action, one thumb, no scrolling
    add.tap()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    page.get_by_role("link", name="I have kept them. Continue").tap()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1  # the passkey lives on the (virtual) phone
    log_out(page)

    requests = []
    page.on("request", lambda request: requests.append(f"{request.method} {request.url}"))
    password_step(page, base_url, senior)
    expect(page).to_have_url(f"{base_url}/login/verify")
    sign_in = page.get_by_role("button", name="Sign in with passkey")
    assert_in_view(page, sign_in)
    started = time.perf_counter()
    sign_in.tap()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    elapsed = time.perf_counter() - started
    pages = [r for r in requests if "/static/" not in r]
    print(f"passkey sign-in: {elapsed * 1000:.0f} ms in the browser; requests: {pages}")
    assert [r.split(base_url)[1] for r in pages] == [
        "/login",
        "/login",
        "/login/verify",
        "/login/passkey/options",
        "/login/passkey",
        "/today",
    ]
    assert csp_violations(page) == []


def test_an_authenticator_app_is_enrolled_and_a_recovery_code_works_once(phone, site):
    base_url, users = site
    page, admin = phone, users.admin()
    password_step(page, base_url, admin)
    expect(page).to_have_url(f"{base_url}/login/enrol")
    expect(page.locator("figure.qr-code svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").tap()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them. Continue").tap()
    log_out(page)

    password_step(page, base_url, admin)
    code_field = page.get_by_label("Code", exact=True)
    assert_in_view(page, page.get_by_role("button", name="Sign in", exact=True))
    code_field.fill(totp_code(secret, 1))  # the enrolment's code is never accepted again
    page.get_by_role("button", name="Sign in", exact=True).tap()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    log_out(page)

    for attempt in range(2):
        password_step(page, base_url, admin)
        page.get_by_label("Code", exact=True).fill(codes[0])
        page.get_by_role("button", name="Sign in", exact=True).tap()
        if attempt == 0:
            expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
            log_out(page)
    expect(page.get_by_role("alert")).to_contain_text("That code or passkey was not accepted")
    expect(page).to_have_url(re.compile(r"/login/verify$"))
    assert csp_violations(page) == []


def test_the_second_step_in_spanish_fits_one_thumb(phone, site):
    base_url, users = site
    page, admin = phone, users.admin(locale="es", totp=True)
    page.context.add_cookies([{"name": "lang", "value": "es", "url": base_url}])
    page.goto(f"{base_url}/login")
    page.get_by_label("Nombre de usuario").fill(admin.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").tap()
    expect(page).to_have_url(f"{base_url}/login/verify")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    button = page.get_by_role("button", name="Iniciar sesión", exact=True)
    assert_in_view(page, button)
    page.get_by_label("Código", exact=True).fill(totp_code(admin))
    button.tap()
    expect(page.get_by_role("heading", name="Hoy", level=1)).to_be_visible()
