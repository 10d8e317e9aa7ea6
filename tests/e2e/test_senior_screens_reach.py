"""The Senior CSO's review queue and District numbers on a 390x844 phone, in English and in
Spanish: the main action of each is on the first screen, above the bottom bar, with one
thumb; then the whole loop: a CSO's visit returned with a comment, resubmitted on the phone,
approved, and counted in the district's chart."""

import pytest
from playwright.sync_api import expect

from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.records import services as records
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import PASSWORD, UserFactory, make_check, visit

pytestmark = pytest.mark.e2e
BOX = {"min_latitude": 0, "max_latitude": 1, "min_longitude": 0, "max_longitude": 1}


def _reachable(page, selector: str) -> None:
    """On the first screen, inside the width, above the bottom bar, big enough for a thumb."""
    assert page.evaluate("window.scrollY") == 0
    viewport = page.viewport_size
    nav_top = page.locator(".app-nav").bounding_box()["y"]
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= nav_top, f"{selector} under the bar"
    assert box["height"] >= 44, f"{selector} too small for a thumb"


@pytest.mark.parametrize("language", ["en", "es"])
def test_review_queue_and_district_numbers_fit_the_first_screen(phone, live_server, language):
    base_url, app = live_server
    users = UserFactory(app)
    north = District(name="North", geometry="{}", **BOX)
    db.session.add(north)
    db.session.commit()
    visit(make_check(district_id=north.id), users.cso(display_name="Dana Reyes"), "suspicious")
    db.session.commit()
    senior = users.senior(locale=language)
    log_in(phone, base_url, senior.username, PASSWORD)

    phone.goto(f"{base_url}/records/review")
    _reachable(phone, "#review-oldest")
    phone.goto(f"{base_url}/numbers/")
    _reachable(phone, "#numbers-show")
    expect(phone.locator("svg.chart").first).to_be_visible()
    assert csp_violations(phone) == []


def test_return_resubmit_approve_and_the_chart_counts_it(browser, phone, live_server):
    base_url, app = live_server
    users = UserFactory(app)
    north = District(name="North", geometry="{}", **BOX)
    db.session.add(north)
    db.session.commit()
    cso = users.cso(display_name="Dana Reyes")
    made = visit(make_check(district_id=north.id), cso, "forced_entry")
    db.session.commit()
    senior = users.senior(display_name="Sam Ortiz")

    log_in(phone, base_url, senior.username, PASSWORD)
    phone.goto(f"{base_url}/records/review")
    phone.locator("#review-oldest").tap()
    phone.wait_for_url(f"{base_url}/checks/visits/{made.id}")
    phone.get_by_label("What needs to change").fill("Which door? Add it, please.")
    phone.get_by_role("button", name="Return for changes").tap()
    phone.wait_for_url(f"{base_url}/records/review")

    officer = browser.new_context(**PHONE)
    cso_page = officer.new_page()
    log_in(cso_page, base_url, cso.username, PASSWORD)
    cso_page.goto(f"{base_url}/checks/visits/{made.id}")
    expect(cso_page.get_by_role("note").get_by_text("Which door? Add it, please.")).to_be_visible()
    cso_page.get_by_role("button", name="Resubmit for review").tap()
    expect(cso_page.get_by_text(f"{made.reference} sent for review.")).to_be_visible()
    officer.close()

    phone.goto(f"{base_url}/records/review")
    phone.locator("#review-oldest").tap()
    phone.get_by_role("button", name="Approve").tap()
    expect(phone.get_by_text(f"{made.reference} approved.")).to_be_visible()
    phone.goto(f"{base_url}/numbers/?district={north.id}&period=week")
    row = phone.locator('tr[data-figure="check_visit"] td').first
    expect(row).to_have_text("1")
    db.session.expire_all()
    assert made.status == "approved"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_returned_visit_is_corrected_from_the_first_screen(phone, live_server, language):
    base_url, app = live_server
    users = UserFactory(app)
    cso = users.cso(locale=language)
    made = visit(make_check(), cso, "suspicious")
    with app.test_request_context():
        records.return_for_changes(made, users.senior(), "Which window was open?")
    db.session.commit()
    log_in(phone, base_url, cso.username, PASSWORD)

    phone.goto(f"{base_url}/checks/visits/{made.id}/edit")
    expect(phone.get_by_text("Which window was open?")).to_be_visible()
    _reachable(phone, "form.record-form button[type=submit]")
    phone.locator("textarea[name=notes]").fill("The back window, ajar.")
    phone.locator("form.record-form button[type=submit]").tap()
    phone.wait_for_url(f"{base_url}/checks/visits/{made.id}")
    db.session.expire_all()
    assert made.notes == "The back window, ajar." and made.status == "returned"
    assert csp_violations(phone) == []
