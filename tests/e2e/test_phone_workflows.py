"""A CSO and a Senior CSO on a phone: log in, switch language, search the audit trail, log out."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from cso_field.auth.models import UserSession
from cso_field.extensions import db
from cso_field.timeutil import utcnow
from tests.e2e.conftest import csp_violations, log_in, serious_accessibility_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_server):
    factory = UserFactory(live_server[1])
    return {"cso": factory.cso(display_name="Dana Reyes"), "senior": factory.senior()}


def test_cso_logs_in_switches_to_spanish_and_logs_out(phone, base_url, people):
    page = phone
    page.goto(base_url)  # the residents' front door; staff sign in from its foot
    page.get_by_role("link", name="Staff sign in").tap()
    expect(page).to_have_url(f"{base_url}/login")
    log_in(page, base_url, people["cso"].username, PASSWORD)
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    expect(page.get_by_text("This is your first login")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Menu").tap()
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Save language").tap()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Menú", level=1)).to_be_visible()
    page.get_by_role("link", name="Hoy").tap()
    expect(page.get_by_role("heading", name="Hoy", level=1)).to_be_visible()

    page.get_by_role("link", name="Menú").tap()
    page.get_by_role("button", name="Cerrar sesión").tap()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.go_back()
    expect(page.get_by_role("heading", name="Menú")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/login"))
    assert csp_violations(page) == []


def test_bottom_bar_targets_are_big_enough_for_a_thumb(phone, base_url, people):
    log_in(phone, base_url, people["cso"].username, PASSWORD)
    nav = phone.get_by_role("navigation", name="Main")
    box = nav.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(844, abs=1)  # sits at the bottom
    for link in nav.get_by_role("link").all():
        size = link.bounding_box()
        assert size["height"] >= 48 and size["width"] >= 48
    for button in phone.get_by_role("button").all():
        if button.is_visible():
            assert button.bounding_box()["height"] >= 48


def test_senior_searches_the_audit_trail_as_they_type(phone, base_url, people):
    page = phone
    log_in(page, base_url, people["senior"].username, PASSWORD)
    page.goto(f"{base_url}/audit/")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Person, action or record").fill(people["cso"].username)
    expect(page.get_by_text("No audit entries match")).to_be_visible()
    page.get_by_label("Person, action or record").fill(people["senior"].username)
    expect(page.locator("#audit-results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=" + re.escape(people["senior"].username)))
    assert page.evaluate("window.__sameDocument") is True  # swapped in, not reloaded
    assert csp_violations(page) == []


def test_expired_session_during_an_htmx_search_goes_to_the_login_page(
    phone, base_url, people, live_server
):
    page = phone
    log_in(page, base_url, people["senior"].username, PASSWORD)
    page.goto(f"{base_url}/audit/")
    db.session.execute(update(UserSession).values(ended_at=utcnow(), end_reason="test"))
    db.session.commit()
    page.get_by_label("Person, action or record").fill("anything")
    expect(page).to_have_url(re.compile(r"/login\?next=/audit/"))
    expect(page.get_by_role("heading", name="Log in")).to_have_count(1)
    expect(page.locator("#audit-results")).to_have_count(0)


def test_no_serious_accessibility_problems_on_main_pages(phone, base_url, people):
    page = phone
    page.goto(f"{base_url}/login")
    problems = {"login": serious_accessibility_violations(page)}
    log_in(page, base_url, people["senior"].username, PASSWORD)
    problems["today"] = serious_accessibility_violations(page)
    page.goto(f"{base_url}/audit/")
    problems["audit"] = serious_accessibility_violations(page)
    page.emulate_media(color_scheme="dark")
    problems["audit dark"] = serious_accessibility_violations(page)
    assert problems == {"login": [], "today": [], "audit": [], "audit dark": []}
    assert csp_violations(page) == []
