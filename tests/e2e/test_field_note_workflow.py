"""Issue 3's whole loop on a phone: a located field note with two photos, Today, Search, edit,
History, and photos whose display copy is clean while the original is kept as evidence."""

import hashlib
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.photos.models import Photo
from cso_field.storage import get_storage
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e
WATERFRONT = {"latitude": 37.9538, "longitude": -121.2925, "accuracy": 18}
# Kept in sessionStorage: after the upload the page navigates to the new note.
PROGRESS_RECORDER = """
document.addEventListener("htmx:xhr:progress", (event) => {
  const loaded = event.detail.loaded;
  setTimeout(() => {  // after the page's own listener has updated the bar
    const bar = document.querySelector("progress.upload-progress");
    const seen = JSON.parse(sessionStorage.getItem("uploadProgress") || "[]");
    seen.push({loaded, visible: Boolean(bar && !bar.hidden && bar.value > 0)});
    sessionStorage.setItem("uploadProgress", JSON.stringify(seen));
  });
});
"""


def _photo_with_gps(colour: str) -> bytes:
    """A camera-like JPEG: noisy enough to take a moment to upload, with GPS in its EXIF."""
    image = Image.effect_noise((1600, 1200), 90).convert("RGB")
    image.paste(Image.new("RGB", (400, 300), colour), (0, 0))
    exif = Image.Exif()
    exif[0x0110] = "Phone camera"  # Model
    exif[0x8825] = {1: "N", 2: (37.0, 57.0, 13.0), 3: "W", 4: (121.0, 17.0, 33.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


@pytest.fixture
def located_phone(browser):
    context = browser.new_context(**PHONE, geolocation=WATERFRONT, permissions=["geolocation"])
    context.add_init_script(PROGRESS_RECORDER)
    context.add_init_script(
        "window.__cspViolations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__cspViolations.push(e.violatedDirective));"
    )
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    yield page
    context.close()


def test_cso_records_a_located_note_with_photos_then_edits_it(located_phone, live_server):
    base_url, app = live_server
    cso = UserFactory(app).cso(display_name="Dana Reyes")
    page = located_phone
    log_in(page, base_url, cso.username, PASSWORD)

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="New").tap()
    page.get_by_role("link", name="Field note").tap()
    page.get_by_label("What did you observe?").fill("Abandoned shopping carts by the waterfront")
    page.get_by_role("button", name="Use my location").tap()
    expect(page.get_by_text("accurate to ±18 m")).to_be_visible()
    originals = [_photo_with_gps("red"), _photo_with_gps("blue")]
    page.get_by_label("Photos").set_input_files(
        [
            {"name": "cart-1.jpg", "mimeType": "image/jpeg", "buffer": originals[0]},
            {"name": "cart-2.jpg", "mimeType": "image/jpeg", "buffer": originals[1]},
        ]
    )
    page.get_by_role("button", name="Submit note").tap()
    expect(
        page.get_by_role("heading", name=re.compile(r"Field note FN-\d{4}-\d{6}"))
    ).to_be_visible()
    progress = page.evaluate("JSON.parse(sessionStorage.getItem('uploadProgress') || '[]')")
    assert progress and any(step["visible"] and step["loaded"] > 0 for step in progress)

    note = db.session.scalars(select(FieldNote)).one()
    assert (round(note.latitude, 4), round(note.longitude, 4), note.accuracy_m) == (
        37.9538,
        -121.2925,
        18,
    )
    expect(page.locator(".photo-gallery img, figure img")).to_have_count(2)

    nav.get_by_role("link", name="Today").tap()
    expect(page.get_by_role("link", name=note.reference)).to_be_visible()
    nav.get_by_role("link", name="Search").tap()
    page.get_by_label("Address, reference number or words").fill("shopping carts")
    expect(page.locator("#search-results").get_by_text(note.reference)).to_be_visible()
    page.locator("#search-results").get_by_role("link").first.tap()

    page.get_by_role("link", name="Edit").tap()
    page.get_by_label("What did you observe?").fill("Abandoned shopping carts, about ten")
    page.get_by_role("button", name="Save changes").tap()
    history = page.locator(".history")
    expect(history.get_by_text("Edited")).to_be_visible()
    expect(history.get_by_text("about ten")).to_be_visible()
    assert csp_violations(page) == []

    storage = get_storage()
    photos = db.session.scalars(select(Photo).order_by(Photo.id)).all()
    assert len(photos) == 2
    for photo, original in zip(photos, originals, strict=True):
        stored = storage.read(photo.original_key)
        assert (
            hashlib.sha256(stored).hexdigest()
            == photo.sha256
            == hashlib.sha256(original).hexdigest()
        )
        response = page.request.get(f"{base_url}/photos/{photo.id}/display")
        assert response.status == 200
        display = Image.open(io.BytesIO(response.body()))
        assert not display.getexif() and "exif" not in display.info
