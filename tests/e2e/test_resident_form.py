"""The resident's request form on a phone: what the date picker and a failed submit do."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cso_field.timeutil import department_today
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e


def test_a_failed_request_puts_the_phone_on_the_error_summary(browser, live_server):
    base_url, _app = live_server
    resident = browser.new_context(
        **{**PHONE, "locale": "es-US"}, extra_http_headers={"Accept-Language": "es-US,es;q=0.9"}
    )
    page = resident.new_page()
    page.goto(f"{base_url}/check-request/?lang=es")
    assert page.locator("#start_date").get_attribute("min")
    page.locator("#requester_name").fill("María López")
    page.locator("button[type=submit][name=submit]").tap()
    summary = page.locator(".error-summary").first
    expect(summary).to_be_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    expect(page.locator("#requester_name")).to_have_value("María López")
    resident.close()


def test_the_form_opens_with_the_required_fields_and_folds_the_optional_ones(browser, live_server):
    base_url, _app = live_server
    resident = browser.new_context(**{**PHONE, "locale": "es-US"})
    page = resident.new_page()
    page.goto(f"{base_url}/check-request/?lang=es")
    # The first required field is on the first screen, under the one-line language choice.
    name = page.locator("#requester_name").bounding_box()
    assert name["y"] + name["height"] <= 844
    expect(page.locator("#pets")).to_be_hidden()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4 * 844  # was about five screens with everything open
    summary = page.locator("details.more-details > summary")
    assert summary.bounding_box()["height"] >= 44
    summary.tap()
    expect(page.locator("#pets")).to_be_visible()
    resident.close()


def test_picking_the_first_day_bounds_the_last_day(browser, live_server):
    base_url, _app = live_server
    resident = browser.new_context(**{**PHONE, "locale": "es-US"})
    page = resident.new_page()
    page.goto(f"{base_url}/check-request/?lang=es")
    page.locator("#start_date").fill("2031-03-10")
    page.locator("#start_date").dispatch_event("change")
    expect(page.locator("#end_date")).to_have_attribute("min", "2031-03-10")
    expect(page.locator("#end_date")).to_have_attribute("max", "2031-04-08")  # 30 days
    resident.close()


def test_the_receipts_private_link_opens_the_manage_page_on_the_same_server(browser, live_server):
    base_url, _app = live_server
    first_day = department_today() + timedelta(days=7)
    resident = browser.new_context(**{**PHONE, "locale": "es-US"})
    page = resident.new_page()
    page.goto(f"{base_url}/check-request/?lang=es")
    page.locator("#requester_name").fill("Rosa Díaz")
    page.locator("#address").fill("1400 N Pershing Ave")
    page.locator("#phone").fill("209-555-0143")
    page.locator("#start_date").fill(first_day.isoformat())
    page.locator("#end_date").fill((first_day + timedelta(days=3)).isoformat())
    page.locator("button[type=submit][name=submit]").tap()
    private_link = page.locator("main a[href*='/manage']").first  # no email: shown on the receipt
    assert private_link.get_attribute("href").startswith(base_url)
    private_link.tap()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main")).to_contain_text("Rosa Díaz")
    expect(page.locator("main")).to_contain_text("1400 N Pershing Ave")
    expect(page.locator("main input[type=date]").first).to_be_visible()  # the last day can change
    resident.close()
