"""Issue 17's loop in Chromium on phones: a resident on a Vietnamese phone books a
fingerprinting appointment and gets a Vietnamese receipt whose private link works; a CSO finds
the booking on the calendar and records the prints taken. And the outcome form, the
appointment page's main action, fits a 390x844 screen in English and Spanish."""

import uuid
from datetime import datetime, time, timedelta

import pytest
from flask_babel import to_utc
from playwright.sync_api import expect

from cso_field.community import services
from cso_field.timeutil import department_today
from tests.e2e.conftest import PHONE, log_in
from tests.factories import PASSWORD, UserFactory, resident_text

pytestmark = pytest.mark.e2e


def _slot(app, senior, days=1):
    day = department_today() + timedelta(days=days)
    with app.test_request_context():
        first = to_utc(datetime.combine(day, time(10)))
        return services.open_slots(services.SlotPlan(first, 1, 20, 2, "Lobby"), senior)[0], day


def test_vietnamese_booking_receipt_link_and_the_csos_calendar(browser, live_server):
    base_url, app = live_server
    users = UserFactory(app)
    senior, cso = users.senior(), users.cso(locale="en", display_name="Dana Reyes")
    _slot_row, day = _slot(app, senior)

    resident = browser.new_context(
        **{**PHONE, "locale": "vi-VN"}, extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"}
    )
    page = resident.new_page()
    page.goto(f"{base_url}/")  # the front door, in the phone's language
    page.locator("a[href^='/fingerprinting']").first.tap()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.locator("#slot").select_option(index=1)
    page.locator("#method").select_option("live_scan")
    page.locator("#purpose").select_option("employment")
    page.locator("#name").fill("Trần Thị Linh")
    page.locator("#phone").fill("209-555-0142")
    page.locator("button[type=submit][name=submit]").tap()
    expect(page.locator("h1")).to_have_text(
        resident_text(app, "vi", "Your fingerprinting appointment is booked")
    )
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("main")).to_contain_text("FP-")
    page.locator("a[href*='/fingerprinting/manage/']").tap()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("main")).to_contain_text(
        resident_text(app, "vi", "Your appointment is booked.")
    )
    resident.close()

    officer = browser.new_context(**PHONE)
    cso_page = officer.new_page()
    log_in(cso_page, base_url, cso.username, PASSWORD)
    cso_page.get_by_role("link", name="Community calendar").first.tap()
    cso_page.get_by_role("link", name="Week").tap()
    if services.week_start(day) != services.week_start(department_today()):
        cso_page.get_by_role("link", name="Later").tap()
    cso_page.get_by_role("link", name="Trần Thị Linh").tap()
    cso_page.get_by_label("What happened").select_option("taken")
    cso_page.get_by_label("Prints taken (cards or scans)").fill("1")
    cso_page.get_by_role("button", name="Record the outcome").tap()
    expect(cso_page.locator(".badge")).to_have_text("Prints taken")
    officer.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_outcome_form_fits_the_first_screen(phone, live_server, language):
    base_url, app = live_server
    users = UserFactory(app)
    senior, cso = users.senior(), users.cso(locale=language)
    slot, _day = _slot(app, senior)
    with app.test_request_context():
        content = {"slot_id": slot.id, "method": "ink_card", "purpose": "license",
                   "name": "Ana Ruiz", "phone": "209-555-0101", "email": None,
                   "language": "es"}  # fmt: skip
        appointment, _created, _token = services.book(
            client_uuid=uuid.uuid4(), content=content, client_address=None
        )
    log_in(phone, base_url, cso.username, PASSWORD)
    phone.goto(f"{base_url}/community/appointments/{appointment.id}")
    button = phone.locator("form.main-action button[type=submit]")
    expect(button).to_be_visible()
    box, nav_top = button.bounding_box(), phone.locator(".app-nav").bounding_box()["y"]
    assert phone.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= nav_top
