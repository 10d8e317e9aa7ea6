"""The staff screens: taking a report in one post, the steps and their countdowns, a juvenile's
record closed to others (and no name in their list), every view audited, posters in two
languages, found, searchers, and nothing kept offline."""

import io
import re
import uuid

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.missing_persons.models import MissingPerson, Poster
from cso_field.offline.services import KEEP_HEADER
from tests.missing_persons.helpers import take


def _form(**overrides) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "report_type": "runaway",
        "channel": "counter",
        "full_name": "Lucia Flores",
        "birth_date": "2016-03-04",
        "party_name": "Ana Flores",
        "party_phone": "209-555-0142",
        "guardian_name": "Ana Flores",
        "guardian_language": "es",
        "publish": ["name", "age"],
        "address": "Victory Park",
        "submit": "1",
        **overrides,
    }


@pytest.fixture
def cso(users):
    return users.cso(display_name="Casey Taker")


def test_a_report_of_a_child_opens_with_its_two_countdowns(client, login, cso):
    login(cso)
    response = client.post("/missing/new", data=_form())
    assert response.status_code == 303
    report = db.session.scalar(select(MissingPerson))
    page = client.get(response.location).get_data(as_text=True)
    assert "Lucia Flores" in page
    assert "Due in 29 min" in page or "Due in 30 min" in page  # the BOLO, red already
    assert "Due in 1 h 59 min" in page or "Due in 2 h 0 min" in page
    assert report.reported_at is not None
    today = client.get("/today").get_data(as_text=True)
    assert report.reference in today and "Lucia Flores" not in today  # no name on Today


def test_a_refused_report_keeps_what_was_typed(client, login, cso):
    login(cso)
    response = client.post("/missing/new", data=_form(full_name="", birth_date="2999-01-01"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the person" in page and "Enter a date of birth in the past." in page
    assert 'value="Ana Flores"' in page
    assert db.session.scalar(select(MissingPerson)) is None


def test_recording_the_mups_number_closes_the_step(client, login, cso):
    report = take(cso, years=10)
    login(cso)
    url = f"/missing/{report.id}/steps/doj_entry"
    assert client.post(url, data={"record_number": ""}).status_code == 422
    assert client.post(url, data={"record_number": "MUPS-7781"}).status_code == 303
    page = client.get(f"/missing/{report.id}").get_data(as_text=True)
    assert "MUPS-7781" in page
    assert client.post(url, data={"record_number": "again"}).status_code == 409


def test_another_cso_cannot_open_a_juvenile_record_nor_see_the_name(client, login, users, cso):
    child = take(cso, years=10, full_name="Secret Child")
    adult = take(cso, years=40, full_name="Open Adult")
    login(users.cso())
    assert client.get(f"/missing/{child.id}").status_code == 404
    assert client.get(f"/missing/{child.id}/steps").status_code == 404
    assert client.post(f"/missing/{child.id}/steps/bolo", data={}).status_code == 404
    listing = client.get("/missing/").get_data(as_text=True)
    assert child.reference in listing and "Secret Child" not in listing
    assert "Open Adult" in listing
    assert client.get(f"/missing/{adult.id}").status_code == 200


def test_every_view_is_audited_and_never_kept_offline(client, login, cso):
    report = take(cso, years=10)
    login(cso)
    response = client.get(f"/missing/{report.id}")
    assert "no-store" in response.headers["Cache-Control"]
    assert KEEP_HEADER not in response.headers
    client.get(f"/missing/{report.id}")
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "missing_person.view")
    ).all()
    assert [(v.actor_id, v.object_id) for v in views] == [(cso.id, str(report.id))] * 2


def test_a_senior_assigns_a_searcher_who_may_then_open_it(client, login, users, cso):
    report = take(cso, years=10)
    searcher = users.cso(display_name="Sam Searcher")
    senior_client = login(users.senior(), test_client=client.application.test_client())
    response = senior_client.post(f"/missing/{report.id}/searchers", data={"user": searcher.id})
    assert response.status_code == 303
    login(searcher)
    assert client.get(f"/missing/{report.id}").status_code == 200


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_poster_in_spanish_and_english_with_only_what_was_agreed(client, login, cso):
    report = take(cso, years=10, publish=["name"], description="Scar on the left hand")
    login(cso)
    response = client.post(
        f"/missing/{report.id}/posters", data={"language": "es", "contact_phone": "209-937-8377"}
    )
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "Persona desaparecida" in page and "Missing person" in page
    assert "Scar on the left hand" not in page  # the description was not agreed
    poster = db.session.scalar(select(Poster))
    pdf = client.get(f"/missing/posters/{poster.id}/pdf")
    text = _pdf_text(pdf.data)
    assert "Maria Child" in text and "209-937-8377" in text
    sent = client.post(
        f"/missing/posters/{poster.id}/distribution",
        data={"agency": "Lodi PD", "channel": "email"},
    )
    assert sent.status_code == 303
    assert "Lodi PD" in client.get(f"/missing/posters/{poster.id}").get_data(as_text=True)
    views = select(AuditEvent).where(AuditEvent.action == "missing_person.view")
    assert len(db.session.scalars(views).all()) == 4  # the page, the PDF, the post, the page


def test_found_starts_the_removal_steps_and_withdraws_the_posters(client, login, cso):
    report = take(cso, years=10)
    login(cso)
    client.post(f"/missing/{report.id}/posters", data={"language": "km", "contact_phone": "1"})
    assert client.post(f"/missing/{report.id}/found", data={}).status_code == 422
    response = client.post(
        f"/missing/{report.id}/found",
        data={"found_place": "Library", "found_notified": "Mother, by phone"},
    )
    assert response.status_code == 303
    page = client.get(f"/missing/{report.id}").get_data(as_text=True)
    assert "Notice to the reporting agency" in page and "MUPS removal" in page
    assert re.search(r"Withdrawn", page)


def test_exports_carry_no_juvenile_identity_outside_the_internal_profile(client, login, cso):
    take(cso, years=10, full_name="Kid Hidden", party_name="Parent Hidden")
    take(cso, years=40, full_name="Grown Shown", report_type="voluntary_adult")
    login(cso)
    public = client.get("/exports/missing_persons/public.csv").get_data(as_text=True)
    agency = client.get("/exports/missing_persons/agency.csv").get_data(as_text=True)
    for text in (public, agency):
        assert "Kid Hidden" not in text and "Parent Hidden" not in text
        assert "juvenile_name" not in text and text.count("MP-") == 2
    assert "Grown Shown" in agency and "Grown Shown" not in public


def test_an_admin_sets_the_deadlines_with_their_sources_named(client, login, users, cso):
    login(users.admin())
    page = client.get("/missing/settings").get_data(as_text=True)
    assert "PC 14211: to the Department of Justice within two hours" in page
    assert 'value="120"' in page
    data = {
        "bolo": "20",
        "doj_entry": "90",
        "mups_removal": "60",
        "agency_notice": "1440",
        "under_age": "21",
        "warning": "30",
    }
    assert client.post("/missing/settings", data={**data, "doj_entry": "0"}).status_code == 422
    assert client.post("/missing/settings", data=data).status_code == 303
    report = take(cso, years=10)
    assert {s.kind: s.due_at - report.reported_at for s in report.steps}[
        "doj_entry"
    ].seconds == 90 * 60


def test_a_senior_gives_an_area_and_the_searcher_logs_it_on_the_board(client, login, users, cso):
    report = take(cso, years=10)
    searcher = users.cso(display_name="Sam Searcher")
    senior = login(users.senior(), test_client=client.application.test_client())
    url = f"/missing/{report.id}/areas"
    area = {"name": "Oak Park", "radius_m": "300", "assignee": str(searcher.id)}
    assert senior.post(url, data=area).status_code == 422  # no point tapped on the map
    assert (
        senior.post(url, data={**area, "latitude": "37.97", "longitude": "-121.3"}).status_code
        == 303
    )
    login(searcher)  # an area makes them a searcher: they may open the child's record
    board = client.get(f"/missing/{report.id}/board").get_data(as_text=True)
    assert 'data-label="Oak Park"' in board and 'data-radius="300"' in board
    log = {"started_at": "2026-06-01 10:30", "places_checked": "Playground, creek path"}
    area_id = board.split('<option value="')[2].split('"')[0]
    response = client.post(f"/missing/{report.id}/logs", data={**log, "area": area_id})
    assert response.status_code == 303
    feed = client.get(f"/missing/{report.id}/board/feed").get_data(as_text=True)
    assert "Playground, creek path" in feed and "Sam Searcher" in feed
    bad = client.post(f"/missing/{report.id}/logs", data={"places_checked": "Kept text"})
    assert bad.status_code == 422 and "Kept text" in bad.get_data(as_text=True)


def test_a_parent_letter_in_the_parents_language_for_a_juvenile_only(client, login, cso):
    child = take(cso, years=11, guardian_language="es")
    adult = take(cso, years=30)
    login(cso)
    page = client.get(f"/missing/{child.id}").get_data(as_text=True)
    assert '<option selected value="es">' in page  # the guardian's language first
    data = {
        "language": "es",
        "contact_phone": "209-555-0111",
        "delivery": "hand",
        "outcome": "delivered",
        "follow_up_on": "2000-01-01",
    }
    url = f"/missing/{child.id}/notifications"
    assert client.post(url, data=data).status_code == 422  # follow-up in the past
    response = client.post(url, data={**data, "follow_up_on": ""})
    assert response.status_code == 303
    letter = client.get(response.location).get_data(as_text=True)
    assert "Estimado padre, madre o tutor:" in letter and "Dear parent or guardian," in letter
    assert "Maria Child" in letter and "209-555-0111" in letter
    pdf = client.get(response.location + "/pdf")
    assert "Llame al 209-555-0111" in _pdf_text(pdf.data) or "209-555-0111" in _pdf_text(pdf.data)
    refused = client.post(f"/missing/{adult.id}/notifications", data={**data, "follow_up_on": ""})
    assert refused.status_code == 303
    assert "for juveniles only" in client.get(refused.location).get_data(as_text=True)


def test_my_records_and_the_audit_trail_name_the_report_never_the_child(client, login, users, cso):
    report = take(cso, years=10, full_name="Quiet Child")
    login(cso)
    mine = client.get("/records/mine").get_data(as_text=True)
    assert report.reference in mine and "Quiet Child" not in mine
    client.get(f"/missing/{report.id}")
    senior = login(users.senior(), test_client=client.application.test_client())
    trail = senior.get("/audit/").get_data(as_text=True)
    assert report.reference in trail and "Quiet Child" not in trail
