"""Issue 16's Done-when flow on a phone with touch: a CSO picks up two items from their
holder, both sign with a finger, delivers them to the laboratory, the receiver signs, the trip
closes, and the custody PDF lists every transfer with both signature images and their SHA-256.
And the custody screens' main buttons are within thumb reach at 390x844, in English and Spanish."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from cso_field.custody import services
from cso_field.custody.demo import LAB
from cso_field.custody.models import CustodyItem, CustodyTransfer
from cso_field.extensions import db
from cso_field.timeutil import utcnow
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _items_held_by(partner, count=2, kind="evidence") -> list[str]:
    numbers = []
    for number in range(count):
        item, _created = services.create_item(
            {
                "kind": kind,
                "description": f"Knife number {number + 1} in a sealed bag",
                "case_number": "26-004512",
                "seal_number": f"S-10{number}",
                "condition": "Sealed bag, intact",
                "collected_at": utcnow() - timedelta(hours=2),
                "collected_place": "E Main St",
                "source_name": None,
            },
            client_uuid=uuid.uuid4(),
            author=partner,
            uploads=[],
        )
        numbers.append(item.reference)
    return numbers


def _sign_with_a_finger(page, canvas, seed: int) -> None:
    """A stroke of touch points across the pad, as a finger draws it (Chromium's own touch
    input, turned into pointer events by the browser)."""
    canvas.evaluate("pad => pad.scrollIntoView({block: 'center'})")  # clear of the sticky bar
    box = canvas.bounding_box()
    middle, step_x = box["y"] + box["height"] / 2, (box["width"] - 40) / 12
    points = [
        (box["x"] + 20 + step * step_x, middle + (((step * seed) % 5) - 2) * box["height"] / 8)
        for step in range(13)
    ]
    cdp = page.context.new_cdp_session(page)
    for kind, (x, y) in [("touchStart", points[0])] + [("touchMove", p) for p in points[1:]]:
        touch = {"x": x, "y": y, "id": seed}
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [touch]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    # Chromium's gesture detector takes the next touch within about a second of a stroke as
    # part of it (no click): a person's hand takes that long to move to the next field too.
    page.wait_for_timeout(1000)


def _sign_both(page, giver_name: str, receiver_name: str, seeds: tuple[int, int]) -> None:
    pads = page.locator("canvas[data-signature-canvas]")
    _sign_with_a_finger(page, pads.nth(0), seeds[0])
    _sign_with_a_finger(page, pads.nth(1), seeds[1])
    page.get_by_label("Giver signs as").fill(giver_name)
    page.get_by_label("Receiver signs as").fill(receiver_name)
    expect(page.locator("input[name=giver_signature]")).to_have_value(re.compile("^data:image/png"))
    expect(page.locator("input[name=receiver_signature]")).to_have_value(
        re.compile("^data:image/png")
    )


def test_a_cso_picks_up_two_items_delivers_them_and_the_pdf_shows_every_signature(
    phone, live_server
):
    base_url, app = live_server
    users = UserFactory(app)
    with app.test_request_context():
        cso = users.cso(username="dana.reyes", display_name="Dana Reyes")
        partner = users.cso(username="sam.ortiz", display_name="Sam Ortiz")
        numbers = _items_held_by(partner)
    page = phone
    log_in(page, base_url, cso.username, PASSWORD)

    page.goto(f"{base_url}/custody/transports/new")
    page.get_by_label("Item numbers").fill("\n".join(numbers))
    page.get_by_label("Vehicle").fill("CSO-14")
    page.get_by_label("Destination agency").fill(LAB.name)
    page.get_by_label("Destination address").fill(LAB.address)
    page.get_by_role("button", name="Start the trip").tap()
    expect(page.get_by_role("heading", name=re.compile("^Trip TR-"))).to_be_visible()

    # Pick-up: the holder (Sam Ortiz) hands both over; the CSO types the numbers; both sign.
    page.get_by_role("link", name="Pick up items").tap()
    expect(page.get_by_label("From: name")).to_have_value("Sam Ortiz")
    expect(page.get_by_label("To: name")).to_have_value("Dana Reyes")
    page.get_by_label("Item numbers").fill(" ".join(numbers))
    page.get_by_label("Place", exact=True).fill("Stockton PD, 22 E Market St")
    page.get_by_label("Seal intact and its number checked").check()
    _sign_both(page, "Sam Ortiz", "Dana Reyes", (3, 7))
    page.get_by_role("button", name="Sign and hand over").tap()
    expect(page.get_by_text("2 item(s) handed over to Dana Reyes.")).to_be_visible()

    # Drop-off at the laboratory: the receiver signs for both on the CSO's phone.
    page.get_by_role("link", name="Deliver items").tap()
    expect(page.get_by_label("To: name")).to_have_value(LAB.name)
    page.get_by_label("Item numbers").fill(" ".join(numbers))
    page.get_by_label("Seal intact and its number checked").check()
    _sign_both(page, "Dana Reyes", "Alex Kim, evidence technician", (4, 6))
    page.get_by_role("button", name="Sign and hand over").tap()
    expect(page.get_by_text(f"2 item(s) handed over to {LAB.name}.")).to_be_visible()
    page.get_by_role("button", name="Close the trip").tap()
    expect(page.get_by_text(re.compile(r"Trip TR-\S+ closed\."))).to_be_visible()

    db.session.rollback()  # see what the server wrote
    item = db.session.scalar(select(CustodyItem).where(CustodyItem.reference == numbers[0]))
    transfers = db.session.scalars(
        select(CustodyTransfer).where(CustodyTransfer.item_id == item.id)
    ).all()
    assert [row.to_name for row in transfers] == ["Dana Reyes", LAB.name]
    page.goto(f"{base_url}/custody/{item.id}")
    pdf_link = page.get_by_role("link", name="PDF")
    response = page.request.get(base_url + pdf_link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = re.sub(r"\s+", "", " ".join(p.extract_text() for p in reader.pages))
    for row in transfers:
        assert row.giver_signature_sha256 in text and row.receiver_signature_sha256 in text
    assert "AlexKim,evidencetechnician" in text and "SamOrtiz" in text
    hashes = {
        h for row in transfers for h in (row.giver_signature_sha256, row.receiver_signature_sha256)
    }
    assert len(hashes) == 4 and sum(len(p.images) for p in reader.pages) == 4
    assert csp_violations(page) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_custody_screens_main_buttons_are_within_thumb_reach(browser, live_server, language):
    base_url, app = live_server
    with app.test_request_context():
        cso = UserFactory(app).cso(locale=language)
        (number,) = _items_held_by(cso, count=1)
        (sample,) = _items_held_by(cso, count=1, kind="lab_sample")
        sample_id = db.session.scalar(select(CustodyItem.id).where(CustodyItem.reference == sample))
        supply = services.add_supply(
            {
                "name": "Test kits",
                "unit_name": "kits",
                "location": "Office",
                "on_hand": 3,
                "reorder_level": 5,
            },
            cso,
        )
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, base_url, cso.username, PASSWORD)
    for path, selector in (
        ("/custody/new", "#custody-item-form button[type=submit]"),
        (f"/custody/handover?items={number}", "#handover-form button[type=submit]"),
        ("/custody/transports/new", "#transport-form button[type=submit]"),
        ("/custody/", ".page-head .button-primary"),
        (f"/custody/{sample_id}/mail", "#mail-form button[type=submit]"),
        ("/custody/seizures/new", "#seizure-form button[type=submit]"),
        (f"/custody/supplies/{supply.id}", "#movement-form button[type=submit]"),
        (f"/custody/{sample_id}", ".record-actions .button-primary"),
    ):
        page.goto(base_url + path)
        nav_top = page.locator(".app-nav").bounding_box()["y"]
        box = page.locator(selector).bounding_box()
        assert page.evaluate("window.scrollY") == 0, path
        assert box["y"] >= 0 and box["y"] + box["height"] <= nav_top, path
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"], path
    context.close()
