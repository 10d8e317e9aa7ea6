"""Issue 13 on a phone: with no signal, visits and a field note wait on the phone (IndexedDB),
the app answers a reload from its service worker, and when the network returns each record
reaches the server exactly once, photo intact; a failed answer, a replay and a refusal (422)
end right; and after logout the next officer on the same phone sees nothing of the first's."""

import hashlib
import io
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.photos.models import Photo
from cso_field.special_checks.models import CheckVisit
from cso_field.storage import get_storage
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import FAR, HERE, MIDDLE, NEAR, PASSWORD, UserFactory, make_check

pytestmark = pytest.mark.e2e
POSITION = {"latitude": HERE[0], "longitude": HERE[1], "accuracy": 12}
SAVED = "Saved on this phone — will send when there is signal."
WORKER_READY = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return Boolean(registration.active && navigator.serviceWorker.controller);
}"""
KEPT_PAGES = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith("cso-pages-")) continue;
    for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""
OUTBOX_ITEMS = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("cso-field", 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore("outbox", {keyPath: "uuid"});
  opening.onsuccess = () => {
    const all = opening.result.transaction("outbox").objectStore("outbox").getAll();
    all.onsuccess = () => resolve(all.result.map((item) => ({uuid: item.uuid, user: item.user,
      state: item.state, attempts: item.attempts})));
    all.onerror = () => reject(all.error);
  };
  opening.onerror = () => reject(opening.error);
})"""


def _photo() -> bytes:
    image = Image.effect_noise((640, 480), 60).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def located_context(browser):
    context = browser.new_context(**PHONE, geolocation=POSITION, permissions=["geolocation"])
    context.add_init_script(
        "window.__cspViolations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield context
    context.close()


@pytest.fixture
def phone(located_context):
    page = located_context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    return page


def _checks():
    return [
        make_check(address="2 Near St", latitude=NEAR[0], longitude=NEAR[1]),
        make_check(address="3 Middle St", latitude=MIDDLE[0], longitude=MIDDLE[1]),
        make_check(address="1 Far St", latitude=FAR[0], longitude=FAR[1]),
    ]


def _until(page, script, done, timeout=15.0):
    """Evaluate script until done(result) (wait_for_function would need 'unsafe-eval')."""
    deadline = time.monotonic() + timeout
    while True:
        result = page.evaluate(script)
        if done(result):
            return result
        assert time.monotonic() < deadline, f"still {result!r}"
        page.wait_for_timeout(100)


def _open_online(page, base_url, paths):
    """Log-in done: the worker controls the page, then each page is opened (and kept)."""
    _until(page, WORKER_READY, bool)
    for path in paths:
        page.goto(f"{base_url}{path}")
    wanted = {path.split("?")[0] for path in paths}
    _until(page, KEPT_PAGES, lambda urls: wanted <= set(urls))


def _waiting(page):
    return page.locator("[data-outbox-nav] [data-outbox-count]")


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _record_visit(page, base_url, check, outcome="All secure", photo=None):
    page.goto(f"{base_url}/checks/{check.id}")
    expect(page.locator(".offline-banner")).to_contain_text("Offline copy, last updated")
    if photo:
        page.get_by_text("Add notes or photos first (optional)").tap()
        page.get_by_label("Notes (optional)").fill("Back window open, closed it.")
        page.locator('input[type="file"][name="photos"]').set_input_files(
            {"name": "window.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
    page.get_by_role("button", name=outcome).tap()
    expect(page.locator("#notices")).to_contain_text(SAVED)


def _write_note(page, base_url, text):
    page.goto(f"{base_url}/notes/new")
    page.get_by_label("What did you observe?").fill(text)
    page.get_by_role("button", name="Use my location").tap()
    expect(page.get_by_text("accurate to ±12 m")).to_be_visible()
    page.get_by_role("button", name="Submit note").tap()
    expect(page.locator("#notices")).to_contain_text(SAVED)


def test_records_made_offline_wait_on_the_phone_and_arrive_once(phone, located_context, live_server):
    base_url, app = live_server
    cso = UserFactory(app).cso(display_name="Dana Reyes")
    checks = _checks()
    photo = _photo()
    page = phone
    log_in(page, base_url, cso.username, PASSWORD)
    _open_online(page, base_url, ["/checks/", *(f"/checks/{c.id}" for c in checks), "/notes/new"])

    located_context.set_offline(True)
    _record_visit(page, base_url, checks[0])
    _record_visit(page, base_url, checks[1], outcome="Door or window open", photo=photo)
    _record_visit(page, base_url, checks[2])
    _write_note(page, base_url, "Shopping carts dumped behind the library")
    expect(_waiting(page)).to_have_text("4")
    expect(page.locator("[data-net-state]")).to_have_text("Offline")

    page.reload()  # the app shell answers, not the browser's offline page
    expect(page.get_by_role("heading", name="New field note")).to_be_visible()
    expect(page.locator(".offline-banner")).to_contain_text("Offline copy, last updated")
    expect(_waiting(page)).to_have_text("4")
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("waiting", re.I)).tap()
    items = page.locator("[data-outbox-item]")
    expect(items).to_have_count(4)
    expect(items.first).to_contain_text("Visit: 2 Near St")
    expect(items.nth(1)).to_contain_text("Back window open")
    expect(items.last).to_contain_text("Shopping carts dumped")
    expect(items.first).to_contain_text("Waiting to send.")
    assert (_count(CheckVisit), _count(FieldNote)) == (0, 0)

    located_context.set_offline(False)
    expect(page.locator("#notices")).to_contain_text("4 sent.")
    expect(page.get_by_text("Nothing is waiting on this phone.")).to_be_visible()
    expect(page.locator("[data-outbox-nav]")).to_be_hidden()
    assert (_count(CheckVisit), _count(FieldNote)) == (3, 1)
    visits = db.session.scalars(select(CheckVisit).order_by(CheckVisit.id)).all()
    assert [v.check_id for v in visits] == [c.id for c in checks]
    assert [v.outcome for v in visits] == ["all_secure", "open_door_or_window", "all_secure"]
    assert all(v.created_by_id == cso.id for v in visits)
    stored = db.session.scalars(select(Photo)).one()
    original = get_storage().read(stored.original_key)
    assert hashlib.sha256(original).hexdigest() == hashlib.sha256(photo).hexdigest()
    note = db.session.scalars(select(FieldNote)).one()
    assert note.observation == "Shopping carts dumped behind the library"
    assert csp_violations(page) == []
