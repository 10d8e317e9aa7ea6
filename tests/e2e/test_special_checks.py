"""Special checks on a phone: the nearest check first, two taps to record "All secure", and the
map, whose list stays usable when the map tiles cannot load."""

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from cso_field.extensions import db
from cso_field.special_checks.models import CheckVisit
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import FAR, HERE, MIDDLE, NEAR, PASSWORD, UserFactory, make_check

pytestmark = pytest.mark.e2e
POSITION = {"latitude": HERE[0], "longitude": HERE[1], "accuracy": 12}
UNREACHABLE_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@pytest.fixture
def located_phone(browser):
    context = browser.new_context(**PHONE, geolocation=POSITION, permissions=["geolocation"])
    context.add_init_script(
        "window.__cspViolations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    yield page
    context.close()


@pytest.fixture
def map_server(make_app):
    """A live server whose map tiles point at a port where nothing listens."""
    app = make_app(WTF_CSRF_ENABLED=True, MAP_TILE_URL=UNREACHABLE_TILES)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join()


def _three_checks():
    make_check(address="1 Far St", latitude=FAR[0], longitude=FAR[1])
    make_check(address="3 Middle St", latitude=MIDDLE[0], longitude=MIDDLE[1])
    return make_check(address="2 Near St", latitude=NEAR[0], longitude=NEAR[1])


def test_cso_records_all_secure_at_the_nearest_check_in_two_taps(located_phone, live_server):
    base_url, app = live_server
    cso = UserFactory(app).cso()
    near = _three_checks()
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.get_by_role("link", name="Today's checks").tap()
    first = page.locator(".check-row").first
    expect(first).to_contain_text("2 Near St")
    expect(first).to_contain_text("500 m away")
    expect(page.get_by_text("Nearest to you first.")).to_be_visible()

    first.get_by_role("link", name="2 Near St").tap()
    expect(page.get_by_text("Position ±12 m")).to_be_visible()
    page.get_by_role("button", name="All secure").tap()
    page.wait_for_url(f"{base_url}/checks/")
    expect(page.get_by_text("2 Near St: all secure, recorded.")).to_be_visible()
    near_row = page.locator(".check-row", has_text="2 Near St")
    expect(near_row.get_by_text("Visited today")).to_be_visible()

    recorded = db.session.scalars(select(CheckVisit)).one()
    assert (recorded.check_id, recorded.outcome, recorded.created_by_id) == (
        near.id,
        "all_secure",
        cso.id,
    )
    assert (round(recorded.latitude, 4), round(recorded.longitude, 4)) == HERE
    assert recorded.accuracy_m == 12
    assert csp_violations(page) == []


def test_the_map_shows_every_check_and_the_list_survives_missing_tiles(located_phone, map_server):
    base_url, app = map_server
    cso = UserFactory(app).cso()
    _three_checks()
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.goto(f"{base_url}/checks/map")
    expect(page.locator("#check-map .leaflet-marker-icon")).to_have_count(3)
    expect(page.get_by_text("The map background could not be loaded.")).to_be_visible()
    rows = page.locator(".check-row")
    expect(rows).to_have_count(3)
    expect(rows.get_by_role("link", name="2 Near St")).to_be_visible()

    page.locator("#check-map .leaflet-marker-icon[title='2 Near St']").tap()
    page.locator(".leaflet-popup").get_by_role("link", name="2 Near St").tap()
    expect(page.get_by_role("heading", name="2 Near St")).to_be_visible()
    assert csp_violations(page) == []


def test_load_more_on_the_map_page_puts_the_new_rows_on_the_map(located_phone, map_server):
    base_url, app = map_server
    cso = UserFactory(app).cso()
    for number in range(1, 24):  # a page of 20, then 3 more
        make_check(address=f"{number} Row St", latitude=HERE[0] + number * 0.001)
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.goto(f"{base_url}/checks/map")
    markers = page.locator("#check-map .leaflet-marker-icon")
    expect(markers).to_have_count(20)
    page.get_by_role("link", name="Load more").tap()
    expect(page.locator(".check-row")).to_have_count(23)
    expect(markers).to_have_count(23)
    expect(page.locator("#check-map .leaflet-marker-icon[title='23 Row St']")).to_have_count(1)
    assert csp_violations(page) == []
