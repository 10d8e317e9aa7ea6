"""A visit in two taps on the first screen: on a 390x844 phone, in English and in Spanish, the
check's page shows its five outcome buttons without scrolling and above the bottom bar, with the
position as one compact line; references stay on one line and checkboxes are big enough to tap."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.special_checks.models import CheckVisit, VisitOutcome
from tests.e2e.conftest import PHONE, log_in
from tests.factories import HERE, PASSWORD, UserFactory, make_check

pytestmark = pytest.mark.e2e
POSITION = {"latitude": HERE[0], "longitude": HERE[1], "accuracy": 12}


@pytest.fixture
def located_phone(browser):
    context = browser.new_context(**PHONE, geolocation=POSITION, permissions=["geolocation"])
    page = context.new_page()
    yield page
    context.close()


def _box(page, selector):
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("language", ["en", "es"])
def test_all_five_outcomes_fit_the_first_screen(located_phone, live_server, language):
    base_url, app = live_server
    cso = UserFactory(app).cso(locale=language)
    check = make_check(address="1234 West Hammer Lane Apartment 12", requester_name="Ana Ruiz")
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.goto(f"{base_url}/checks/{check.id}")
    status = page.locator("[data-location-status]")
    expect(status).to_contain_text("12")
    # The position is one compact line, with no location buttons in the way of the outcomes.
    assert status.evaluate("el => el.getClientRects().length") == 1
    assert status.bounding_box()["height"] <= 40
    expect(page.locator("[data-location-button]")).to_be_hidden()
    expect(page.locator("[data-location-clear]")).to_be_hidden()

    viewport = page.viewport_size
    nav_top = _box(page, ".app-nav")["y"]
    assert nav_top < viewport["height"]
    buttons = page.locator("button.outcome-button")
    expect(buttons).to_have_count(len(VisitOutcome))
    assert page.evaluate("window.scrollY") == 0
    for index in range(len(VisitOutcome)):
        box = buttons.nth(index).bounding_box()
        label = buttons.nth(index).inner_text()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], label
        assert box["y"] >= 0, label
        assert box["y"] + box["height"] <= nav_top, f"{label!r} is under the bottom bar"

    # "change" brings the controls back for an officer who wants to redo the position.
    page.locator("[data-location-change]").tap()
    expect(page.locator("[data-location-button]")).to_be_visible()

    # A problem opens the visit's page, with what to do next.
    page.locator('button.outcome-button[value="forced_entry"]').tap()
    page.wait_for_url(f"{base_url}/checks/visits/*")
    recorded = db.session.scalars(select(CheckVisit)).one()
    assert (recorded.check_id, recorded.outcome, recorded.accuracy_m) == (
        check.id,
        "forced_entry",
        12,
    )


def test_references_stay_on_one_line_and_checkboxes_are_big(located_phone, live_server):
    base_url, app = live_server
    cso = UserFactory(app).cso()
    check = make_check()
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.goto(f"{base_url}/checks/{check.id}")
    reference = page.locator(".ref", has_text=check.reference).first
    expect(reference).to_be_visible()
    assert reference.evaluate("el => el.getClientRects().length") == 1
    line_height = reference.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
    assert reference.bounding_box()["height"] <= line_height + 1

    page.goto(f"{base_url}/checks/new")
    checkbox = page.locator('input[type="checkbox"]').first
    expect(checkbox).to_be_visible()
    box = checkbox.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    label = checkbox.locator("xpath=ancestor::label[1]")
    label_box = label.bounding_box()
    assert label_box["width"] > 200  # the long label wraps beside the box, not squashed


def test_the_photo_picker_is_a_big_button_that_names_the_chosen_files(located_phone, live_server):
    base_url, app = live_server
    cso = UserFactory(app).cso()
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.goto(f"{base_url}/notes/new")
    button = page.locator("label.file-button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    # The native control is out of sight but still takes the keyboard focus.
    page.get_by_label("Address").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "photos"
    outline = button.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"

    picture = {"mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n"}
    page.locator("#photos").set_input_files([{**picture, "name": "porch.png"}])
    expect(page.locator("#photos-chosen")).to_have_text("Chosen: porch.png")
    page.locator("#photos").set_input_files(
        [{**picture, "name": "porch.png"}, {**picture, "name": "gate.png"}]
    )
    expect(page.locator("#photos-chosen")).to_have_text("2 photos chosen: porch.png, gate.png")
