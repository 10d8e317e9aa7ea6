"""Issue 4's whole loop: a resident asks in Spanish, a CSO working in English visits, and the
resident gets the log back in Spanish — through a real SMTP server and a geocoder stub."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cso_field.extensions import db
from cso_field.settings import set_setting
from cso_field.timeutil import department_today
from tests.e2e.conftest import PHONE, log_in
from tests.factories import FAR, MIDDLE, PASSWORD, UserFactory, make_check
from tests.geocoder_stub import NominatimStub, Place

pytestmark = pytest.mark.e2e
ADDRESS = "2110 Pacific Ave"
HOME = Place(37.9801, -121.3094, "2110 Pacific Avenue, Stockton, CA 95204", road="Pacific Avenue")
NEARBY = {"latitude": 37.9797, "longitude": -121.3094, "accuracy": 10}


@pytest.fixture
def geocoder():
    stub = NominatimStub(places={ADDRESS.lower(): HOME}).start()
    yield stub
    stub.stop()


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_spanish_request_english_visit_spanish_summary(browser, live_server, smtp_server, geocoder):
    base_url, app = live_server
    smtp_server.configure(app)
    app.config.update(
        GEOCODER="nominatim",
        GEOCODER_URL=geocoder.url,
        GEOCODER_MIN_DELAY_SECONDS=0,
    )
    set_setting("check_min_lead_days", 0)  # an admin allows checks that start today
    db.session.commit()
    today = department_today()

    resident = browser.new_context(
        **{**PHONE, "locale": "es-US"}, extra_http_headers={"Accept-Language": "es-US,es;q=0.9"}
    )
    page = resident.new_page()
    page.goto(f"{base_url}/login")
    page.locator("a[href^='/check-request']").first.tap()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("#requester_name").fill("María López")
    page.locator("#email").fill("maria@example.org")
    page.locator("#address").fill(ADDRESS)
    page.locator("#start_date").fill(today.isoformat())
    page.locator("#end_date").fill((today + timedelta(days=3)).isoformat())
    page.locator(".more-details > summary").tap()  # the optional details are folded
    page.locator("#pets").fill("Un gato adentro")
    page.locator("button[type=submit][name=submit]").tap()
    receipt = page.locator("main")
    expect(receipt).to_contain_text("SC-")
    reference = page.locator("main").inner_text().split("SC-", 1)[1][:14]
    reference = "SC-" + reference.split()[0].strip(".,:")
    resident.close()

    assert "1 sent" in _run(app, "mail", "send")
    confirmation = smtp_server.messages[-1]
    assert confirmation["To"] == "maria@example.org"
    assert confirmation["Content-Language"] == "es"
    assert reference in confirmation.get_content()

    make_check(address="1 Far St", latitude=FAR[0], longitude=FAR[1])
    make_check(address="3 Middle St", latitude=MIDDLE[0], longitude=MIDDLE[1])
    officer = browser.new_context(**PHONE, geolocation=NEARBY, permissions=["geolocation"])
    cso_page = officer.new_page()
    cso = UserFactory(app).cso(locale="en")
    log_in(cso_page, base_url, cso.username, PASSWORD)
    cso_page.get_by_role("link", name="Today's checks").tap()
    first = cso_page.locator(".check-row").first
    expect(first).to_contain_text(ADDRESS)
    first.get_by_role("link", name=ADDRESS).tap()
    expect(cso_page.get_by_text("Un gato adentro")).to_be_visible()
    expect(cso_page.get_by_text("Position ±10 m")).to_be_visible()
    cso_page.get_by_role("button", name="All secure").tap()
    expect(cso_page.get_by_text("all secure, recorded")).to_be_visible()
    officer.close()

    after_the_end = (today + timedelta(days=4)).isoformat()
    _run(app, "special-checks", "queue-summaries", "--today", after_the_end)
    assert "1 sent" in _run(app, "mail", "send")
    summary = smtp_server.messages[-1]
    assert summary["To"] == "maria@example.org" and summary["Content-Language"] == "es"
    assert reference in summary["Subject"]
    body = summary.get_content()
    assert "1 visita" in body or "una visita" in body
    assert "Todo en orden" in body  # the visit's outcome, in Spanish
