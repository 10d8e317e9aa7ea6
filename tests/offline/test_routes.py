"""The installable app's routes: manifest, service worker, the offline pages, the outbox's
session, and the headers that tell the service worker who is logged in and what it may keep."""

import io
import json
import re
from urllib.parse import urlsplit

from PIL import Image

from cso_field.offline import services
from tests.factories import make_check

BUDGET = 100 * 1024


def _config(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="offline-config">(.*?)</script>', page)
    assert found, "the page carries the outbox's settings"
    return json.loads(found.group(1))


def test_the_manifest_installs_the_app_at_today(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert (manifest["start_url"], manifest["display"], manifest["scope"]) == (
        "/today",
        "standalone",
        "/",
    )
    assert manifest["name"] == "CSO Field" and manifest["theme_color"] == "#0b4f9c"
    pngs = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert {icon["sizes"] for icon in pngs} == {"192x192", "512x512"}
    assert any(icon["purpose"] == "maskable" for icon in pngs)
    for icon in pngs:
        image = client.get(icon["src"])
        assert image.status_code == 200
        width = int(icon["sizes"].split("x")[0])
        assert Image.open(io.BytesIO(image.data)).size == (width, width)


def test_every_page_links_the_manifest(client, users, login):
    assert 'rel="manifest" href="/manifest.webmanifest"' in client.get("/login").text
    login(users.cso())
    assert 'rel="manifest" href="/manifest.webmanifest"' in client.get("/today").text


def test_the_service_worker_is_served_at_the_root_with_its_precache(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-store"  # a deploy is seen at once
    script = response.text
    version = re.search(r'const VERSION = "([0-9a-f]{16})";', script).group(1)
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert "/offline" in precache
    assert any(url.startswith("/static/js/outbox.js?v=") for url in precache)
    assert any(url.startswith("/static/js/checks.js?v=") for url in precache)  # registered
    assert not any("leaflet" in url for url in precache)  # the map's library loads on the map
    for url in precache:
        assert client.get(url).status_code == 200, url
    assert client.get("/sw.js").text.count(version) == 1  # the same build, the same version


def test_the_precache_stays_within_its_budget(app):
    with app.test_request_context():
        raw, packed = services.precache_size()
        offline_page = len(client_get(app, "/offline"))
    assert packed + offline_page <= BUDGET, (raw, packed)


def client_get(app, url):
    return app.test_client().get(url).data


def test_a_changed_static_file_changes_the_build_version(app, monkeypatch):
    with app.test_request_context():
        before = services.build_version()
        app.extensions["offline_versions"].clear()
        app.extensions["static_versions"]["js/outbox.js"] = "changed000"
        after = services.build_version()
    assert before != after


def test_the_offline_page_never_shows_who_is_logged_in(client, users, login):
    login(users.cso(display_name="Dana Reyes"))
    page = client.get("/offline")
    assert page.status_code == 200
    assert "No connection" in page.text
    assert "Dana Reyes" not in page.text
    assert "csrf" not in page.text.lower() and "offline-config" not in page.text


def test_pages_say_whose_they_are_and_which_the_phone_may_keep(client, users, login, app):
    assert services.USER_HEADER not in client.get("/login").headers  # nobody logged in
    first, second = users.cso(), users.cso()
    login(first)
    today = client.get("/today")
    key = today.headers[services.USER_HEADER]
    assert today.headers[services.KEEP_HEADER] == "keep"
    assert str(first.id) != key and len(key) == 24
    check = make_check()
    for url in ("/checks/", f"/checks/{check.id}", "/notes/new", "/new", "/offline/outbox"):
        response = client.get(url)
        assert response.headers.get(services.KEEP_HEADER) == "keep", url
        assert response.headers[services.USER_HEADER] == key, url
    for url in ("/notes/", "/search/", "/menu", "/records/mine"):
        assert services.KEEP_HEADER not in client.get(url).headers, url
    fragment = client.get("/checks/?page=2", headers={"HX-Request": "true"})
    assert services.KEEP_HEADER not in fragment.headers
    assert _config(today.text)["user"] == key

    other = app.test_client()
    login(second, test_client=other)
    assert other.get("/today").headers[services.USER_HEADER] != key


def test_the_session_gives_the_officers_key_and_a_fresh_token(client, users, login):
    anonymous = client.get("/offline/session", headers={"HX-Request": "true"})
    assert anonymous.status_code == 401  # the outbox asks the officer to log in again
    assert urlsplit(anonymous.headers["HX-Redirect"]).path == "/login"
    login(users.cso())
    today = client.get("/today")
    state = client.get("/offline/session").get_json()
    assert state["user"] == today.headers[services.USER_HEADER]
    assert state["csrf_token"]


def test_forms_join_the_outbox_with_one_attribute(client, users, login):
    login(users.cso())
    check = make_check(address="2 Near St")
    visit_form = client.get(f"/checks/{check.id}").text
    assert re.search(r'<form id="visit-form"[^>]*data-outbox="Visit: 2 Near St"', visit_form)
    assert re.search(
        r'<form id="field-note-form"[^>]*data-outbox="Field note"', client.get("/notes/new").text
    )
    config = _config(client.get("/today").text)
    assert config["strings"]["saved"] == "Saved on this phone — will send when there is signal."
    assert config["strings"]["waiting_other"] == "{num} waiting"
    assert (config["sw"], config["logout"]) == ("/sw.js", "/logout")


def test_pages_carry_only_the_strings_for_keeping_the_rest_come_with_the_session(
    client, users, login
):
    login(users.cso())
    every_page = _config(client.get("/notes/new").text)["strings"]
    outbox_page = _config(client.get("/offline/outbox").text)["strings"]
    session = client.get("/offline/session").get_json()["strings"]
    assert {"saved", "refused", "online", "offline", "waiting_one"} <= set(every_page)
    assert not {"sent_one", "state_rejected", "logout_keep", "offline_copy"} & set(every_page)
    # The outbox page, kept on every officer's phone, has them all, for offline use.
    assert set(outbox_page) == set(every_page) | set(session)
    assert session["sent_other"] == "{num} sent."


def test_the_outbox_speaks_the_officers_language(client, users, login):
    login(users.cso(locale="es"))
    page = client.get("/offline/outbox").text
    config = _config(page)
    assert config["strings"]["saved"] != "Saved on this phone — will send when there is signal."
    assert "Waiting on this phone" not in page


def test_the_outbox_page_needs_a_login(client):
    response = client.get("/offline/outbox")
    assert response.status_code == 302 and response.location.startswith("/login")
