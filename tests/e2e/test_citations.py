"""Issue 12's Done-when flow on a phone: a trained CSO observes blight with a photo, warns,
records a failed reinspection, cites a Spanish-reading owner and opens the Spanish/English
citation PDF with the right fine and deadlines; an untrained CSO cannot issue."""

import io
from datetime import timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from cso_field.citations.models import BlightCase
from cso_field.extensions import db
from cso_field.timeutil import department_today
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import PASSWORD, UserFactory, codebook_entry, png, train

pytestmark = pytest.mark.e2e


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= PHONE["viewport"]["height"]


def test_trained_cso_cites_a_spanish_owner_and_an_untrained_cso_cannot(browser, phone, live_server):
    base_url, app = live_server
    users = UserFactory(app)
    with app.test_request_context():
        users.admin(username="admin.e2e")
        officer = users.cso(username="dana.reyes", display_name="Dana Reyes")
        train(officer)
        codebook_entry("8.24.040")
        untrained = users.cso(username="new.cso", display_name="Nico New")
    page = phone
    log_in(page, base_url, officer.username, PASSWORD)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="New").tap()
    page.get_by_role("link", name="Blight case").tap()
    page.get_by_label("Address", exact=True).fill("145 N El Dorado St, Stockton, CA")
    page.get_by_label("What did you observe?").fill("Weeds waist high across the front yard")
    page.get_by_label("8.24.040 Overgrown vegetation 8.24.040").check()
    page.get_by_label("Responsible party's name").fill("Rosa Martínez")
    page.get_by_label("Mailing address").fill("PO Box 12, Stockton, CA 95202")
    page.get_by_label("Language of the notices").select_option("es")
    page.get_by_label("Photos").set_input_files(
        [{"name": "yard.png", "mimeType": "image/png", "buffer": png((320, 240))}]
    )
    page.get_by_role("button", name="Save observation").tap()
    expect(page.get_by_role("heading", name="Blight case")).to_be_visible()

    warn_button = page.get_by_role("button", name="Issue the warning notice")
    assert _in_view(page, warn_button)
    warn_button.tap()
    expect(page.get_by_text("Warning notice issued.")).to_be_visible()
    page.get_by_label("Were the violations corrected?").select_option("not_corrected")
    page.get_by_role("button", name="Record the reinspection").tap()
    expect(page.get_by_text("Reinspection recorded.")).to_be_visible()
    cite_button = page.get_by_role("button", name="Issue the citation")
    assert _in_view(page, cite_button)
    cite_button.tap()
    expect(page.get_by_text("Administrative citation issued.")).to_be_visible()
    expect(page.get_by_text("Fine: $100.00")).to_be_visible()

    pdf_link = page.locator("ul.link-list > li", has_text="-C1").get_by_role("link", name="PDF")
    response = page.request.get(base_url + pdf_link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.body())).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())  # lines joined
    assert "Citación administrativa" in text and "Administrative citation" in text
    assert "$100.00" in text and "Rosa Martínez" in text
    pay_by = department_today() + timedelta(days=30)
    assert format_date(pay_by, "long", locale="es_US") in text
    assert format_date(pay_by, "long", locale="en_US") in text
    hearing_by = department_today() + timedelta(days=15)
    assert format_date(hearing_by, "long", locale="en_US") in text
    assert csp_violations(page) == []

    # An untrained CSO records an observation but cannot issue, not even by posting directly.
    db.session.rollback()  # see what the server wrote
    case = db.session.scalars(select(BlightCase)).one()
    case.state, case.warned_on, case.correction_due = "observed", None, None
    db.session.commit()
    other_context = browser.new_context(**PHONE)
    other = other_context.new_page()
    log_in(other, base_url, untrained.username, PASSWORD)
    other.goto(f"{base_url}/citations/{case.id}")
    expect(other.get_by_text("Only staff whose citation training is recorded")).to_be_visible()
    expect(other.get_by_role("button", name="Issue the warning notice")).to_have_count(0)
    token = other.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    refused = other.request.post(
        f"{base_url}/citations/{case.id}/warning", form={"csrf_token": token}
    )
    assert refused.status == 403
    db.session.rollback()
    assert db.session.get(BlightCase, case.id).state == "observed"
    other_context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_issuing_officer_corrects_a_citation_on_a_phone(phone, live_server, language):
    from cso_field.citations.models import Notice
    from cso_field.citations.services import cite, reinspect, warn
    from tests.factories import blight_case

    base_url, app = live_server
    users = UserFactory(app)
    with app.test_request_context():
        users.admin(username="admin.e2e")
        officer = users.cso(username="dana.reyes", display_name="Dana Reyes", locale=language)
        train(officer)
        violation = codebook_entry("8.24.040")
        earlier = department_today() - timedelta(days=20)
        case = blight_case(officer, [violation], today=earlier)
        warn(case, officer, today=earlier)
        reinspect(case, officer, corrected=False, notes=None, uploads=[])
        cite(case, officer, violation_ids=[violation.id])
    page = phone
    log_in(page, base_url, officer.username, PASSWORD)

    page.goto(f"{base_url}/citations/{case.id}/correction")
    submit = page.locator("main form button[type=submit]")
    nav_top = page.locator(".app-nav").bounding_box()["y"]
    box = submit.bounding_box()
    assert page.evaluate("window.scrollY") == 0 and box["y"] + box["height"] <= nav_top
    page.locator("#reason").fill("Surname misspelt")
    page.locator("#party_name").fill("Rosa María Martínez")
    submit.tap()
    expect(page.locator("ul.link-list > li", has_text="-C2")).to_contain_text("Surname misspelt")
    expect(page.locator("ul.link-list > li", has_text="-C1")).to_be_visible()  # kept

    # A step's error comes back inside its form (htmx), the page and what was typed kept.
    page.locator("#action").select_option("paid")
    page.locator("#on").fill((department_today() + timedelta(days=3)).isoformat())
    page.locator("#note").fill("Check 1041")
    url = page.url
    page.locator("#step-form button[type=submit]").tap()
    expect(page.locator("#step-form p.error")).to_be_visible()
    assert page.url == url and page.locator("#note").input_value() == "Check 1041"
    assert csp_violations(page) == []
    db.session.rollback()
    newest = db.session.scalars(select(Notice).order_by(Notice.id.desc())).first()
    assert newest.snapshot["party"]["name"] == "Rosa María Martínez" and newest.version == 2
