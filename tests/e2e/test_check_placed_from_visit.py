"""A check whose address could not be placed gets its first visit's GPS fix: after "All secure"
it leaves the map's "Not on the map" list and its marker says where the position came from."""

import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from cso_field.timeutil import department_today
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import HERE, PASSWORD, UserFactory, make_check

pytestmark = pytest.mark.e2e
UNREACHABLE_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@pytest.fixture
def map_server(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, MAP_TILE_URL=UNREACHABLE_TILES)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join()


@pytest.fixture
def located_phone(browser):
    position = {"latitude": HERE[0], "longitude": HERE[1], "accuracy": 12}
    context = browser.new_context(**PHONE, geolocation=position, permissions=["geolocation"])
    context.add_init_script(
        "window.__cspViolations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    yield page
    context.close()


def test_a_visit_places_an_unplaced_check_on_the_map(located_phone, map_server):
    base_url, app = map_server
    cso = UserFactory(app).cso()
    check = make_check(address="9 Nowhere Rd", latitude=None, longitude=None)
    make_check(address="4 Upcoming Ln", start_date=department_today() + timedelta(days=2))
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.goto(f"{base_url}/checks/")
    expect(page.get_by_role("heading", name="Starting soon")).to_be_visible()
    expect(page.locator("#starting-soon")).to_contain_text("4 Upcoming Ln")

    page.goto(f"{base_url}/checks/map")
    expect(page.locator("#check-map .leaflet-marker-icon")).to_have_count(0)
    expect(page.get_by_role("heading", name="Not on the map (no position yet)")).to_be_visible()

    page.goto(f"{base_url}/checks/{check.id}")
    expect(page.get_by_text("Position ±12 m")).to_be_visible()
    page.get_by_role("button", name="All secure").tap()
    page.wait_for_url(f"{base_url}/checks/")

    page.goto(f"{base_url}/checks/map")
    expect(page.get_by_text("Not on the map (no position yet)")).to_have_count(0)
    page.locator("#check-map .leaflet-marker-icon[title='9 Nowhere Rd']").tap()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text("Position from a visit")
    popup.get_by_role("link", name="9 Nowhere Rd").tap()
    expect(page.get_by_text("Position from a visit")).to_be_visible()
    assert csp_violations(page) == []
