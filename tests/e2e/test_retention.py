"""The Retention screen on a phone: at 390x844, in English and Spanish, the admin changes a
period and taps Save with one thumb, without scrolling (the button stays above the bottom bar
while the periods scroll), then places a hold further down."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.retention.models import RetentionHold
from cso_field.retention.registry import RULES
from cso_field.retention.services import period_days
from tests.e2e.conftest import csp_violations, log_in, serious_accessibility_violations
from tests.factories import PASSWORD, UserFactory, make_check

pytestmark = pytest.mark.e2e

WORDS = {
    "en": ("Special checks: the requester's and emergency contact's details", "Save periods"),
    "es": (
        "Vigilancias especiales: datos del solicitante y del contacto de emergencia",
        "Guardar plazos",
    ),
}


def in_first_screen(page, locator) -> bool:
    box = locator.bounding_box()
    nav = page.locator(".app-nav").bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= nav["y"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_admin_sets_a_period_and_a_hold_on_a_phone(phone, live_server, language):
    base_url, app = live_server
    admin = UserFactory(app).admin(locale=language)
    check = make_check()
    page = phone
    log_in(page, base_url, admin.username, PASSWORD)
    page.goto(f"{base_url}/admin/retention")
    label, save = WORDS[language]
    save_button = page.get_by_role("button", name=save)
    assert in_first_screen(page, save_button), "Save must be reachable without scrolling"
    page.get_by_label(label).fill("400")
    assert in_first_screen(page, save_button)
    box = save_button.bounding_box()
    assert box["height"] >= 44  # a thumb's target
    save_button.tap()
    expect(page.locator(".notice").first).to_be_visible()
    assert period_days(RULES["special_check.contact"]) == 400
    assert serious_accessibility_violations(page) == []

    page.locator("#reference").fill(check.reference)
    page.locator("#reason").fill("Appeal pending")
    page.locator("#holds button[type=submit]").last.tap()
    expect(page.locator("#holds").get_by_text(check.reference)).to_be_visible()
    assert csp_violations(page) == []
    hold = db.session.scalar(select(RetentionHold))
    assert (hold.record_id, hold.reason) == (check.id, "Appeal pending")
