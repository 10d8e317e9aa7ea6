"""Issue 18 in Chromium with a phone profile: a Senior CSO creates a committee with a goal and
two actions (one overdue, on Today); a CSO records a call handled in 4 minutes and an
office walk-in in Spanish, each with its main button on the first screen at 390x844 (in
English and in Spanish), and the Senior CSO's calls report counts the sworn-officer time saved.
"""

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.betterment.models import CommitteeAction
from cso_field.calls.models import HandledCall, OfficeLogEntry
from cso_field.calls.services import create_type, record_call
from cso_field.extensions import db
from cso_field.timeutil import department_today, utcnow
from tests.e2e.conftest import csp_violations, log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _reachable(page, selector: str) -> None:
    """On the first screen, inside the width, above the bottom bar, big enough for a thumb."""
    assert page.evaluate("window.scrollY") == 0
    nav_top = page.locator(".app-nav").bounding_box()["y"]
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= nav_top, f"{selector} under the bar"
    assert box["height"] >= 44, f"{selector} too small for a thumb"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_call_and_a_spanish_walk_in_are_recorded_on_the_phone(phone, live_server, language):
    base_url, app = live_server
    users = UserFactory(app)
    create_type("Abandoned vehicle", 60, users.admin())
    log_in(phone, base_url, users.cso(locale=language).username, PASSWORD)

    phone.goto(f"{base_url}/calls/new")
    _reachable(phone, "#call-submit")
    phone.select_option("#call_type", label="Abandoned vehicle")
    phone.fill("#minutes", "4")
    phone.select_option("#disposition", "resolved")
    phone.locator("#call-submit").tap()
    expect(phone.locator(".record-list")).to_contain_text("Abandoned vehicle")
    call = db.session.scalars(select(HandledCall)).one()
    assert (call.minutes, call.sworn_would_go) == (4, True)

    phone.goto(f"{base_url}/calls/log/new")
    _reachable(phone, "#visit-submit")
    phone.select_option("#kind", "walk_in")
    phone.fill("#reason", "Pregunta sobre un vehículo remolcado")
    phone.select_option("#language", "es")
    phone.locator("#visit-submit").tap()
    expect(phone.locator(".record-list")).to_contain_text("Español")
    entry = db.session.scalars(select(OfficeLogEntry)).one()
    assert (entry.kind, entry.language, entry.outcome) == ("walk_in", "es", "handled")
    assert csp_violations(phone) == []


def test_the_senior_cso_reads_the_hours_saved_on_the_report(phone, live_server):
    base_url, app = live_server
    users = UserFactory(app)
    kind = create_type("Cold burglary report", 90, users.admin())
    content = {
        "call_type_id": kind.id,
        "received_at": utcnow() - timedelta(hours=1),
        "minutes": 30,
        "disposition": "report",
        "sworn_would_go": True,
        "district_id": None,
    }
    record_call(content, uuid.uuid4(), users.cso())
    log_in(phone, base_url, users.senior().username, PASSWORD)
    phone.goto(f"{base_url}/calls/report")
    _reachable(phone, "#report-show")
    expect(phone.locator("#sworn-hours")).to_have_text("1.5")
    expect(phone.locator("svg.calls-chart")).to_be_visible()
    assert csp_violations(phone) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_senior_cso_creates_a_committee_with_a_goal_and_two_actions(phone, live_server, language):
    base_url, app = live_server
    senior = UserFactory(app).senior(locale=language)
    log_in(phone, base_url, senior.username, PASSWORD)

    phone.goto(f"{base_url}/betterment/new")
    _reachable(phone, "#committee-submit")
    phone.fill("#name", "Southside Betterment Committee")
    phone.fill("#area", "8th to 10th St")
    phone.check("input[name=languages][value=es]")
    phone.locator("#committee-submit").tap()
    expect(phone.locator("h1")).to_have_text("Southside Betterment Committee")

    phone.select_option("#problem", "lighting")
    phone.fill("#goal", "Light every block by spring")
    phone.locator("#goal-submit").tap()
    for what, days in (("Report outages", -1), ("Ask for two poles", 14)):
        phone.fill("#what", what)
        phone.fill("#owner", "Public Works")
        phone.fill("#due_on", (department_today() + timedelta(days=days)).isoformat())
        phone.locator("#action-submit").tap()
        expect(phone.locator(".goal")).to_contain_text(what)
    expect(phone.locator("#committee-progress")).to_contain_text("0")
    assert len(db.session.scalars(select(CommitteeAction)).all()) == 2
    phone.goto(f"{base_url}/today")
    expect(phone.locator(".betterment-today")).to_be_visible()  # one action is overdue
    assert csp_violations(phone) == []
