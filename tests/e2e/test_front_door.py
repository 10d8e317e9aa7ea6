"""The front door on a phone: a Khmer phone's first page is in Khmer and leads to the request
form in two taps; the one language control switches the page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, csp_violations, serious_accessibility_violations

pytestmark = pytest.mark.e2e

KHMER_PHONE = {**PHONE, "locale": "km-KH"}
KHMER_HEADERS = {"Accept-Language": "km-KH,km;q=0.9"}


def _in_first_screen(page, locator):
    box = locator.bounding_box()
    viewport = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_a_khmer_phone_reaches_the_request_form_in_khmer_in_one_tap(browser, base_url):
    context = browser.new_context(**KHMER_PHONE, extra_http_headers=KHMER_HEADERS)
    page = context.new_page()
    page.goto(f"{base_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("h1")).to_have_text("តើយើងអាចជួយអ្វីដល់លោកអ្នកបាន?")
    request_button = page.get_by_role("link", name="ស្នើសុំការត្រួតពិនិត្យពិសេស")
    assert _in_first_screen(page, request_button), "the main action is on the first screen"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    request_button.tap()
    page.wait_for_url(f"{base_url}/check-request/?lang=km")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("h1")).to_have_text("ស្នើសុំការត្រួតពិនិត្យពិសេស")
    context.close()


@pytest.mark.parametrize("code", ["en", "es", "vi", "km", "hmn", "tl", "pa"])
def test_the_main_action_is_on_the_first_screen_in_every_language(phone, base_url, code):
    phone.goto(f"{base_url}/?lang={code}")
    expect(phone.locator("html")).to_have_attribute("lang", code)
    assert _in_first_screen(phone, phone.locator(".welcome-action").first), code
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), code


def test_the_language_control_switches_the_page_to_spanish(browser, base_url):
    context = browser.new_context(**KHMER_PHONE, extra_http_headers=KHMER_HEADERS)
    page = context.new_page()
    page.goto(f"{base_url}/")
    page.locator("select[name=lang]").select_option("es")
    page.locator("form.language-choice button").tap()
    page.wait_for_url(f"{base_url}/?lang=es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("¿Cómo podemos ayudarle?")
    page.get_by_role("link", name="Solicitar una revisión especial").tap()
    page.wait_for_url(f"{base_url}/check-request/?lang=es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # The same control on the form: back to Khmer.
    page.locator("select[name=lang]").select_option("km")
    page.locator("form.language-choice button").tap()
    page.wait_for_url(f"{base_url}/check-request/?lang=km")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    context.close()


def test_the_front_door_is_accessible_and_keeps_to_the_content_policy(phone, base_url):
    phone.goto(f"{base_url}/?lang=hmn")
    assert serious_accessibility_violations(phone) == []
    assert csp_violations(phone) == []
