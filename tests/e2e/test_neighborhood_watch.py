"""Neighborhood Watch on a phone: a CSO records a Completed door where the resident, in
Spanish, answers the survey and fills in the Neighborhood Watch interest section; the Senior
CSO sees the sign-up on Today and adds it to a group as its block captain. Then a resident
signs up on the public page in Vietnamese."""

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.neighborhood_watch.models import WatchMember, WatchSignup
from cso_field.neighborhood_watch.services import archive_group, sign_up_online
from cso_field.surveys.services import start_canvass
from tests.e2e.conftest import csp_violations, log_in, serious_accessibility_violations
from tests.factories import (
    PASSWORD,
    UserFactory,
    door_survey,
    interest,
    resident_text,
    watch_group,
)

pytestmark = pytest.mark.e2e


def test_a_door_signs_up_and_the_senior_cso_adds_it_to_a_group(phone, live_server):
    base_url, app = live_server
    factory = UserFactory(app)
    senior, cso = factory.senior(), factory.cso()
    with app.test_request_context():
        canvass = start_canvass(door_survey(senior), "Oak St", cso, uuid.uuid4())[0]
    group = watch_group(senior, name="Oak Street Watch")
    page = phone

    log_in(page, base_url, cso.username, PASSWORD)
    page.goto(f"{base_url}/canvass/{canvass.id}")
    page.get_by_label("Address").fill("12 Oak St")
    page.get_by_role("button", name="Completed").tap()
    page.get_by_role("button", name="Español").tap()
    page.get_by_role("spinbutton").fill("3")
    page.get_by_role("radio", name="Sí", exact=True).check()
    interest = page.locator("details.watch-interest")
    interest.locator("summary").tap()
    say = lambda text: resident_text(app, "es", text)  # noqa: E731
    page.get_by_label(say("Yes, I would like to join Neighborhood Watch")).check()
    page.get_by_label(say("Your name")).fill("Ana Ruiz")
    page.get_by_role("button", name="Enviar respuestas").tap()
    # No phone nor email: refused in Spanish, what was typed is kept.
    expect(
        page.get_by_text(say("Give a phone number or an email address, so we can reach you.")).first
    ).to_be_visible()
    expect(page.get_by_label(say("Your name"))).to_have_value("Ana Ruiz")
    page.get_by_label(say("Phone")).fill("209-555-0199")
    page.get_by_label(say("I would be a block captain")).check()
    page.get_by_role("button", name="Enviar respuestas").tap()
    expect(page.get_by_text("1 door visited")).to_be_visible()
    assert csp_violations(page) == []
    signup = db.session.scalar(select(WatchSignup))
    assert (signup.name, signup.language, signup.willing_captain) == ("Ana Ruiz", "es", True)
    page.context.clear_cookies()

    log_in(page, base_url, senior.username, PASSWORD)
    page.get_by_role("link", name="1 sign-up waiting for a group").tap()
    row = page.locator(f"#signup-{signup.id}")
    expect(row.get_by_text("would be block captain")).to_be_visible()
    row.get_by_label("Group").select_option(label="Oak Street Watch — Elm St")
    row.get_by_label("Make them the block captain").check()
    add = row.get_by_role("button", name="Add to group")
    expect(add).to_be_in_viewport()
    add.tap()
    expect(page.get_by_role("heading", name="Oak Street Watch")).to_be_visible()
    expect(page.get_by_text("Block captain:")).to_contain_text("Ana Ruiz")
    assert serious_accessibility_violations(page) == []
    member = db.session.scalar(select(WatchMember))
    assert member.group_id == group.id and member.is_captain


def test_a_resident_signs_up_in_vietnamese(phone, live_server):
    base_url, app = live_server
    page = phone
    say = lambda text: resident_text(app, "vi", text)  # noqa: E731
    page.goto(f"{base_url}/neighborhood-watch/?lang=vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_label(say("Your name")).fill("Trần Thị Lan")
    page.get_by_label(say("Email")).fill("lan@example.com")
    page.get_by_label(say("I can host a meeting at my home")).check()
    send = page.get_by_role("button", name=say("Sign up"))
    send.tap()
    expect(page.get_by_role("heading", name=say("Thank you for signing up"))).to_be_visible()
    assert serious_accessibility_violations(page) == []
    signup = db.session.scalar(select(WatchSignup))
    assert signup.language == "vi" and signup.email == "lan@example.com" and signup.willing_host


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_group_and_sign_up_screens_main_actions_are_within_a_thumbs_reach(
    phone, live_server, language
):
    """Changing a group, restoring an archived one and a sign-up's page, on a 390x844
    phone: the main action above the bottom bar without scrolling."""
    base_url, app = live_server
    senior = UserFactory(app).senior(locale=language)
    group = watch_group(senior, name="Hunter Street Watch", area="N Hunter St, 100-300 blocks")
    archived = watch_group(senior, name="Pacific Avenue Watch")
    with app.test_request_context():
        archive_group(archived, senior)
        signup = sign_up_online(
            interest(name="Lucía Ramírez", language="es"),
            "415 S Lincoln St",
            client_uuid=uuid.uuid4(),
            client_address=None,
        )[0]
    labels = {
        "en": ("Save changes", "Restore", "Add to a group"),
        "es": ("Guardar cambios", "Restaurar", "Añadir a un grupo"),
    }[language]
    page = phone
    log_in(page, base_url, senior.username, PASSWORD)

    def reachable(locator):
        expect(locator).to_be_in_viewport()
        box, bar = locator.bounding_box(), page.locator(".app-nav").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= bar["y"], "under the bottom bar"
        assert page.evaluate("window.scrollY") == 0

    page.goto(f"{base_url}/watch/{group.id}/edit")
    reachable(page.get_by_role("button", name=labels[0]).first)
    page.goto(f"{base_url}/watch/archived")
    reachable(page.get_by_role("button", name=labels[1]).first)
    page.goto(f"{base_url}/watch/signups/{signup.id}")
    reachable(page.get_by_role("link", name=labels[2]))
    assert serious_accessibility_violations(page) == []
    page.goto(f"{base_url}/watch/archived")
    page.get_by_role("button", name=labels[1]).first.tap()
    expect(page.get_by_role("heading", name="Pacific Avenue Watch")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(type(archived), archived.id).archived_at is None
