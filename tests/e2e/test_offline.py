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
from cso_field.special_checks.models import CheckVisit, SpecialCheck
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
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
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


OUTBOX_STATE = "() => document.documentElement.dataset.outboxState || null"


def _settled(page, items=None):
    """Wait until the page's outbox has started and ended every round it began (its
    data-outbox-state is "idle"), and, if given, holds that many items: no sleeping."""
    _until(
        page,
        f"async () => [({OUTBOX_STATE})(), (await ({OUTBOX_ITEMS})()).length]",
        lambda state: state[0] == "idle" and (items is None or state[1] == items),
    )


def _clear_notices(page):
    page.evaluate("() => document.getElementById('notices').replaceChildren()")


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


def test_records_made_offline_wait_on_the_phone_and_arrive_once(
    phone, located_context, live_server
):
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
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("waiting", re.I)
    ).tap()
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


class AnswerLostOnce:
    """The first visit submission is stored by the app, but its answer becomes a 500."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.failed = 0

    def __call__(self, environ, start_response):
        visit_post = environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(
            "/visits"
        )
        if not visit_post or self.failed:
            return self.wsgi_app(environ, start_response)
        self.failed += 1
        body = b"".join(self.wsgi_app(environ, lambda status, headers, exc_info=None: None))
        assert body is not None
        start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
        return [b"Internal Server Error"]


def test_a_server_that_answers_500_then_accepts_ends_with_one_record(phone, live_server):
    base_url, app = live_server
    cso = UserFactory(app).cso()
    check = _checks()[0]
    fault = AnswerLostOnce(app.wsgi_app)
    app.wsgi_app = fault
    page = phone
    log_in(page, base_url, cso.username, PASSWORD)
    _open_online(page, base_url, [f"/checks/{check.id}"])

    page.get_by_role("button", name="All secure").tap()
    expect(page.locator("#notices")).to_contain_text(SAVED)
    assert fault.failed == 1
    assert _count(CheckVisit) == 1  # stored, though the phone never heard so
    expect(page.locator("#notices")).to_contain_text("1 sent.")  # after its back-off
    expect(page.locator("[data-outbox-nav]")).to_be_hidden()
    assert _count(CheckVisit) == 1


def test_a_replayed_submission_ends_with_one_record(phone, located_context, live_server):
    base_url, app = live_server
    cso = UserFactory(app).cso()
    check = _checks()[0]
    page = phone
    log_in(page, base_url, cso.username, PASSWORD)
    _open_online(page, base_url, [f"/checks/{check.id}", "/offline/outbox"])

    located_context.set_offline(True)
    _record_visit(page, base_url, check)
    page.goto(f"{base_url}/offline/outbox")
    expect(page.locator("[data-outbox-item]")).to_have_count(1)
    page.evaluate(KEEP_A_COPY)
    located_context.set_offline(False)
    expect(page.locator("#notices")).to_contain_text("1 sent.")
    assert _count(CheckVisit) == 1

    # The phone lost the server's confirmation and sends the same submission again. The
    # round "Send now" starts must end (the item removed) before the page is left: leaving
    # cuts a send short and leaves the item for the next page.
    _settled(page)
    page.evaluate(PUT_THE_COPY_BACK)
    _clear_notices(page)
    page.get_by_role("button", name="Send now").tap()
    _settled(page, items=0)
    expect(page.locator("#notices")).to_contain_text("1 sent.")
    expect(page.locator("[data-outbox-item]")).to_have_count(0)
    assert _count(CheckVisit) == 1
    # And once more, sent by the app as it starts. Today starts with nothing waiting; once
    # it has started, the copy is the next page's to send.
    page.goto(f"{base_url}/today")
    _settled(page, items=0)
    expect(page.locator("[data-net-state]")).to_have_text("Online")
    page.evaluate(PUT_THE_COPY_BACK)
    page.goto(f"{base_url}/offline/outbox")
    _settled(page, items=0)
    expect(page.locator("#notices")).to_contain_text("1 sent.")
    expect(page.get_by_text("Nothing is waiting on this phone.")).to_be_visible()
    assert page.evaluate(OUTBOX_ITEMS) == []
    assert _count(CheckVisit) == 1


KEEP_A_COPY = """() => new Promise((resolve) => {
  indexedDB.open("cso-field", 1).onsuccess = (event) => {
    const all = event.target.result.transaction("outbox").objectStore("outbox").getAll();
    all.onsuccess = () => {
      sessionStorage.setItem("copy", JSON.stringify(all.result[0]));
      resolve();
    };
  };
})"""
PUT_THE_COPY_BACK = """() => new Promise((resolve) => {
  indexedDB.open("cso-field", 1).onsuccess = (event) => {
    const transaction = event.target.result.transaction("outbox", "readwrite");
    transaction.objectStore("outbox").put(JSON.parse(sessionStorage.getItem("copy")));
    transaction.oncomplete = () => resolve();
  };
})"""


def _note_refused_by_the_server(page, base_url, located_context):
    """A note queued offline with nothing written: the server answers 422 once online."""
    _open_online(page, base_url, ["/notes/new", "/offline/outbox"])
    located_context.set_offline(True)
    page.goto(f"{base_url}/notes/new")
    page.get_by_role("button", name="Use my location").tap()
    expect(page.get_by_text("accurate to ±12 m")).to_be_visible()
    page.get_by_role("button", name="Submit note").tap()
    expect(page.locator("#notices")).to_contain_text(SAVED)
    page.goto(f"{base_url}/offline/outbox")
    located_context.set_offline(False)
    item = page.locator("[data-outbox-item]")
    expect(item).to_contain_text("Not accepted by the server. Open it to correct it.")
    expect(item).to_contain_text("Write what you observed.")
    return item


def test_a_refused_item_comes_back_into_its_form_with_the_servers_messages(
    phone, located_context, live_server
):
    base_url, app = live_server
    cso = UserFactory(app).cso()
    page = phone
    log_in(page, base_url, cso.username, PASSWORD)
    item = _note_refused_by_the_server(page, base_url, located_context)
    assert _count(FieldNote) == 0

    item.get_by_role("link", name="Open").tap()
    form = page.locator("#field-note-form")
    expect(form.locator(".error-summary")).to_contain_text("Write what you observed.")
    expect(page.get_by_text("accurate to ±12 m")).to_be_visible()  # what was sent is back
    page.get_by_label("What did you observe?").fill("Graffiti on the underpass, fresh")
    page.get_by_role("button", name="Submit note").tap()
    expect(page.get_by_role("heading", name=re.compile(r"Field note FN-"))).to_be_visible()
    expect(page.locator("[data-outbox-nav]")).to_be_hidden()
    assert page.evaluate(OUTBOX_ITEMS) == []
    note = db.session.scalars(select(FieldNote)).one()
    assert note.observation == "Graffiti on the underpass, fresh"
    assert csp_violations(page) == []


def test_after_logout_the_next_officer_sees_nothing_of_the_first(
    phone, located_context, live_server
):
    base_url, app = live_server
    users = UserFactory(app)
    first, second = users.cso(display_name="Dana Reyes"), users.cso(display_name="Sam Ortiz")
    check = _checks()[0]
    page = phone
    log_in(page, base_url, first.username, PASSWORD)
    _open_online(page, base_url, ["/today", f"/checks/{check.id}"])
    _note_refused_by_the_server(page, base_url, located_context)

    # Logging out with an unsent item warns; keeping it keeps the officer logged in.
    page.goto(f"{base_url}/menu")
    page.get_by_role("button", name="Log out").tap()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("1 record has not been sent yet.")
    dialog.get_by_role("button", name="Keep them and stay logged in").tap()
    expect(page).to_have_url(f"{base_url}/menu")
    assert len(page.evaluate(OUTBOX_ITEMS)) == 1
    page.get_by_role("button", name="Log out").tap()
    page.get_by_role("dialog").get_by_role("button", name="Delete them and log out").tap()
    page.wait_for_url(f"{base_url}/login")
    assert page.evaluate(OUTBOX_ITEMS) == []
    assert page.evaluate(KEPT_PAGES) == []

    # Logged out and offline: the offline page, never the first officer's kept Today.
    located_context.set_offline(True)
    page.goto(f"{base_url}/today")
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Dana Reyes")
    located_context.set_offline(False)

    log_in(page, base_url, second.username, PASSWORD)
    _until(page, KEPT_PAGES, lambda urls: "/offline/outbox" in urls)
    located_context.set_offline(True)
    page.goto(f"{base_url}/checks/{check.id}")  # kept for the first officer, not this one
    expect(page.locator("#notices")).to_contain_text("that page is not saved on this phone")
    expect(page.locator("body")).not_to_contain_text("Dana Reyes")
    expect(page.get_by_text("Nothing is waiting on this phone.")).to_be_visible()
    assert page.evaluate(OUTBOX_ITEMS) == []


def test_a_form_for_sensitive_records_is_never_kept_on_the_phone(
    phone, located_context, live_server
):
    base_url, app = live_server
    cso = UserFactory(app).cso()
    page = phone
    log_in(page, base_url, cso.username, PASSWORD)
    _open_online(page, base_url, ["/notes/new"])
    # The marking a form for juvenile or missing-person records will carry.
    page.evaluate(
        """() => { const form = document.getElementById("field-note-form");
                   delete form.dataset.outbox; form.dataset.outboxRefuse = ""; }"""
    )
    located_context.set_offline(True)
    page.get_by_label("What did you observe?").fill("Juvenile found at the park")
    page.get_by_role("button", name="Submit note").tap()
    expect(page.locator("#notices")).to_contain_text("never kept on the phone")
    expect(page.get_by_label("What did you observe?")).to_have_value("Juvenile found at the park")
    assert page.evaluate(OUTBOX_ITEMS) == []
    expect(page.locator("[data-outbox-nav]")).to_be_hidden()


STAFF_CHECK = {
    "source": "phone",
    "kind": "business",
    "requester_name": "Ana Ruiz",
    "phone": "209-555-0123",
    "address": "425 N El Dorado St",
}


def _fill_staff_check(page, description):
    form = page.locator("#check-form")
    for name, value in STAFF_CHECK.items():
        field = form.locator(f'[name="{name}"]')
        if field.evaluate("(element) => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    today = page.evaluate("() => new Date().toLocaleDateString('en-CA')")
    form.locator('[name="start_date"]').fill(today)
    form.locator('[name="end_date"]').fill(today)
    form.locator('[name="description"]').fill(description)


def test_a_plain_form_is_kept_offline_and_a_refusal_reopens_it_with_its_messages(
    phone, located_context, live_server
):
    """The staff "new special check" form posts without htmx; its 422 is a whole page."""
    base_url, app = live_server
    cso = UserFactory(app).cso()
    page = phone
    log_in(page, base_url, cso.username, PASSWORD)
    _open_online(page, base_url, ["/checks/new", "/offline/outbox"])

    located_context.set_offline(True)
    page.goto(f"{base_url}/checks/new")
    _fill_staff_check(page, "")  # refused by the server once sent
    page.locator("#check-form").locator("button[type=submit]").tap()
    expect(page.locator("#notices")).to_contain_text(SAVED)
    _fill_staff_check(page, "Back door found open twice at night.")
    page.locator("#check-form").locator("button[type=submit]").tap()
    expect(page.locator("#notices")).to_contain_text(SAVED)
    expect(_waiting(page)).to_have_text("2")
    assert _count(SpecialCheck) == 0

    page.goto(f"{base_url}/offline/outbox")
    located_context.set_offline(False)
    _settled(page, items=1)
    assert _count(SpecialCheck) == 1
    item = page.locator("[data-outbox-item]")
    expect(item).to_contain_text("Describe what the officers should look for.")
    item.get_by_role("link", name="Open").tap()
    form = page.locator("#check-form")
    expect(form.locator(".error-summary")).to_contain_text("Describe what the officers")
    expect(form.locator('[name="requester_name"]')).to_have_value("Ana Ruiz")
    form.locator('[name="description"]').fill("Side gate left open.")
    form.locator("button[type=submit]").tap()
    expect(page.get_by_role("heading", name=re.compile("425 N El Dorado St"))).to_be_visible()
    _settled(page, items=0)
    assert _count(SpecialCheck) == 2
    assert csp_violations(page) == []
