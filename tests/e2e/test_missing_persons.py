"""Issue 15's Done-when flow on a phone: a CSO takes the report of a 10-year-old in minutes,
sees the BOLO and the DOJ entry counting down (on the report and on Today), records the MUPS
number, prints a Spanish/English poster whose PDF holds the child's name and the contact
number; another CSO cannot open the juvenile record. And the report form's main action is on
the first screen at 390x844, in English and in Spanish."""

import io
import time
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.missing_persons.models import MissingPerson
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import PASSWORD, UserFactory
from tests.missing_persons.helpers import take

pytestmark = pytest.mark.e2e


def _reachable(page, selector: str) -> None:
    """On the first screen, inside the width, above the bottom bar, big enough for a thumb."""
    assert page.evaluate("window.scrollY") == 0
    nav_top = page.locator(".app-nav").bounding_box()["y"]
    box = page.locator(selector).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"], selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= nav_top, f"{selector} under the bar"
    assert box["height"] >= 44, f"{selector} too small for a thumb"


def test_a_child_reported_the_deadlines_the_mups_number_a_poster_and_no_one_else(
    browser, phone, live_server
):
    base_url, app = live_server
    users = UserFactory(app)
    taker = users.cso(username="dana.reyes", display_name="Dana Reyes")
    other = users.cso(username="nico.other", display_name="Nico Other")
    page = phone
    log_in(page, base_url, taker.username, PASSWORD)
    started = time.monotonic()

    page.goto(f"{base_url}/missing/new")
    page.get_by_label("Report type (CLETS)").select_option("lost")
    page.get_by_label("Full name").fill("Sofia Marquez")
    born = date.today().replace(year=date.today().year - 10, month=1, day=2)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("No pattern of running away or disappearing").check()
    page.get_by_label("Address").fill("Louis Park, Stockton")
    page.locator("#last-seen-map").tap(position={"x": 150, "y": 100})  # the place on the map
    page.get_by_label("Reporting party", exact=True).fill("Elena Marquez")
    page.get_by_label("Reporting party's phone").fill("209-555-0150")
    page.get_by_label("Parent or guardian (for a child)", exact=True).fill("Elena Marquez")
    page.get_by_label("Parent or guardian's language").select_option("es")
    page.get_by_label("Name", exact=True).check()
    page.get_by_label("Age", exact=True).check()
    page.get_by_role("button", name="Take the report").tap()
    expect(page.get_by_text("taken.")).to_be_visible()
    assert time.monotonic() - started < 300  # in 5 minutes

    steps = page.locator("#steps")
    expect(steps.locator("#step-bolo [data-countdown]")).to_contain_text("Due in")
    expect(steps.locator("#step-doj_entry [data-countdown]")).to_contain_text("Due in 1 h")
    report = db.session.scalar(select(MissingPerson))
    assert report.latitude is not None  # placed by the tap on the map
    page.goto(f"{base_url}/today")
    expect(page.locator("#missing-due")).to_contain_text(report.reference)
    expect(page.locator("#missing-due")).not_to_contain_text("Sofia")

    page.goto(f"{base_url}/missing/{report.id}")
    page.locator("#step-doj_entry").get_by_label("MUPS/CLETS record number").fill("M26-1010")
    page.locator("#close-doj_entry").tap()
    expect(page.locator("#step-doj_entry")).to_contain_text("M26-1010")

    page.get_by_label("Second language").select_option("es")
    page.get_by_label("Contact number on the poster").fill("209-937-8377")
    page.get_by_role("button", name="Make the poster").tap()
    expect(page.get_by_role("heading", name="Persona desaparecida")).to_be_visible()
    pdf = page.request.get(base_url + page.locator("#poster-pdf").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Sofia Marquez" in text and "209-937-8377" in text and "Edad: 10" in text
    assert csp_violations(page) == []

    stranger = browser.new_context(**PHONE).new_page()
    log_in(stranger, base_url, other.username, PASSWORD)
    response = stranger.goto(f"{base_url}/missing/{report.id}")
    assert response.status == 404
    stranger.goto(f"{base_url}/missing/")
    expect(stranger.locator(".record-list")).to_contain_text(report.reference)
    expect(stranger.locator(".record-list")).not_to_contain_text("Sofia")
    stranger.context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_report_forms_main_action_is_on_the_first_screen(phone, live_server, language):
    base_url, app = live_server
    cso = UserFactory(app).cso(locale=language)
    log_in(phone, base_url, cso.username, PASSWORD)
    phone.goto(f"{base_url}/missing/new")
    _reachable(phone, "#take-report")
    phone.goto(f"{base_url}/missing/")
    _reachable(phone, "#new-missing")
    with app.test_request_context():
        report = take(cso, years=9)
    phone.goto(f"{base_url}/missing/{report.id}")
    _reachable(phone, "#close-bolo")  # the first deadline's step, done in one tap
