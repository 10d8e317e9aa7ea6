"""HTML and script typed into the real forms come back as text on a phone: nothing runs, no
dialog opens, the Content-Security-Policy reports nothing, and the officer reads what was typed."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from cso_field.extensions import db
from cso_field.special_checks.models import SpecialCheck
from cso_field.timeutil import department_today
from tests.e2e.conftest import CSP_LISTENER, PHONE, csp_violations, log_in
from tests.factories import IMG, PASSWORD, SCRIPT, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def phones(browser):
    """Phone-sized pages, one per person, each recording CSP violations and dialogs."""
    contexts = []

    def open_phone():
        context = browser.new_context(**PHONE)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        page.console_messages_seen = []
        page.dialogs_seen = []
        page.on("console", lambda message: page.console_messages_seen.append(message.text))

        def on_dialog(dialog):
            page.dialogs_seen.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield open_phone
    for context in contexts:
        context.close()


def assert_nothing_ran(page):
    assert csp_violations(page) == []
    assert page.dialogs_seen == []
    assert page.locator("img[src=x]").count() == 0


def assert_shown_as_text(page, payload):
    expect(page.get_by_text(payload, exact=False).first).to_be_visible()
    assert_nothing_ran(page)


def test_payloads_in_a_note_a_check_request_and_a_name_stay_text(live_server, phones):
    base_url, app = live_server
    factory = UserFactory(app)
    admin = factory.admin()
    cso = factory.cso()

    # An admin gives the CSO a name that is markup.
    admin_page = phones()
    log_in(admin_page, base_url, admin.username, PASSWORD)
    admin_page.goto(f"{base_url}/accounts/{cso.id}/edit")
    admin_page.locator("#display_name").fill(IMG)
    admin_page.locator("button[type=submit].button-primary").tap()
    admin_page.wait_for_url(f"{base_url}/accounts/")
    assert_shown_as_text(admin_page, IMG)

    # A resident asks for a check with a script in the instructions.
    resident = phones()
    today = department_today()
    resident.goto(f"{base_url}/check-request/?lang=es")
    resident.locator("#requester_name").fill(IMG)
    resident.locator("#phone").fill("209-555-0123")
    resident.locator("#address").fill("425 N El Dorado St")
    resident.locator("#start_date").fill((today + timedelta(days=7)).isoformat())
    resident.locator("#end_date").fill((today + timedelta(days=10)).isoformat())
    resident.locator(".more-details > summary").tap()  # the optional details are folded
    resident.locator("#instructions").fill(SCRIPT)
    resident.locator("button[type=submit][name=submit]").tap()
    expect(resident.locator("main")).to_contain_text("SC-")
    assert_nothing_ran(resident)

    # The CSO writes a note whose observation is a script.
    officer = phones()
    log_in(officer, base_url, cso.username, PASSWORD)
    officer.goto(f"{base_url}/notes/new")
    officer.get_by_label("What did you observe?").fill(SCRIPT)
    officer.locator("#address").fill("1 Main St")
    officer.get_by_role("button", name="Submit note").tap()
    officer.wait_for_url(f"{base_url}/notes/*")
    assert_shown_as_text(officer, SCRIPT)
    assert_shown_as_text(officer, IMG)  # the author's name

    db.session.rollback()  # see what the server committed
    check_id = db.session.scalar(select(func.max(SpecialCheck.id)))
    for path, payload in [
        (f"/checks/{check_id}", SCRIPT),
        (f"/checks/{check_id}", IMG),
        ("/notes/", SCRIPT),
        ("/search/?q=alert", SCRIPT),
    ]:
        officer.goto(f"{base_url}{path}")
        assert_shown_as_text(officer, payload)
