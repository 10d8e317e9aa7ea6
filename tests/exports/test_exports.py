"""Exports with redaction: every registered list exports under each profile; a public records
export of generated data holds no phone number, email address or coordinate anywhere in the
file (CSV and XLSX, read whole); CSOs never get the internal profile; every export is audited
with its profile and filters; the list's district filter carries into the file."""

import csv
import io
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.auth.models import UserSession
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.records.registry import EXPORT_SOURCES, RECORD_TYPES
from cso_field.surveys.services import start_canvass
from cso_field.timeutil import utcnow
from tests.factories import (
    blight_case,
    codebook_entry,
    contact,
    door_survey,
    make_check,
    post_note,
    visit,
    watch_signup,
)

PHONE = re.compile(r"(?<!\d)\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
COORDINATE = re.compile(r"-?\b1?\d{1,2}\.\d{4,}")
BOX = {"min_latitude": 0, "max_latitude": 1, "min_longitude": 0, "max_longitude": 1}
WORDS = "Neighbour Ana (209) 555-0142, ana.ruiz@example.org, saw a van at 37.95811,-121.29012"


@pytest.fixture
def generated(app, client, users, login):
    """Records of every exported kind, full of phone numbers, emails and exact positions."""
    officer = users.cso(username="gen.cso")
    north = District(name="North", geometry="{}", **BOX)
    db.session.add(north)
    db.session.commit()
    for number in range(3):
        check = make_check(
            phone=f"209-555-01{number:02d}",
            email=f"resident{number}@example.com",
            emergency_contact_phone="+1 (209) 555-0199",
            emergency_contact_email="sister@example.net",
            instructions=WORDS,
            latitude=37.9581234 + number / 1000,
            longitude=-121.2901234,
            district_id=north.id if number else None,
        )
        visit(check, officer, outcome="suspicious", notes=WORDS)
    login(officer, test_client=client)
    post_note(client, observation=WORDS, lat="37.9581234", lon="-121.2901234")
    with app.test_request_context():
        canvass = start_canvass(door_survey(officer), "Elm block", officer, uuid.uuid4())[0]
        watch_signup(phone="209 555 0123", email="watcher@example.com")
    contact(app, canvass, officer, outcome="declined", address="7 Elm St")
    db.session.commit()
    return north


def _text_of(response, kind: str) -> str:
    if kind == "csv":
        return response.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        return "\n".join(book.read(name).decode() for name in book.namelist())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_public_records_exports_hold_no_phone_email_or_coordinate(
    app, client, users, login, generated, kind
):
    assert {"special_checks", "check_visits", "field_notes", "watch_signups"} <= set(EXPORT_SOURCES)
    senior = login(users.senior(), test_client=app.test_client())
    for name in EXPORT_SOURCES:
        response = senior.get(f"/exports/{name}/public.{kind}")
        assert response.status_code == 200, name
        text = _text_of(response, kind)
        assert "reference" in text, name
        for pattern in (PHONE, EMAIL, COORDINATE):
            assert not pattern.search(text), (name, pattern.pattern, pattern.search(text))
    checks = senior.get(f"/exports/special_checks/public.{kind}")
    assert "[redacted]" in _text_of(checks, kind)  # the instructions kept, contacts blotted


def test_the_internal_export_keeps_every_field(app, client, users, login, generated):
    senior = login(users.senior(totp=True), test_client=app.test_client())
    rows = list(
        csv.DictReader(
            io.StringIO(
                senior.get("/exports/special_checks/internal.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert len(rows) == 3
    assert {row["phone"] for row in rows} == {"209-555-0100", "209-555-0101", "209-555-0102"}
    assert rows[0]["instructions"] == WORDS and rows[0]["latitude"].startswith("37.958")
    agency = senior.get("/exports/special_checks/agency.csv").get_data(as_text=True)
    assert "209-555-0100" in agency  # another agency gets contacts, not juvenile identities


def test_the_internal_export_asks_for_the_second_factor_again(app, users, login, generated):
    without_factor = login(users.senior(), test_client=app.test_client())
    response = without_factor.get("/exports/special_checks/internal.csv")
    assert response.status_code == 303 and response.location == "/account/second-factor"
    enrolled = users.senior(totp=True)
    senior = login(enrolled, test_client=app.test_client())
    session = db.session.scalars(
        select(UserSession).where(UserSession.user_id == enrolled.id)
    ).one()
    session.second_factor_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    response = senior.get("/exports/special_checks/internal.csv")
    assert response.status_code == 303 and response.location.startswith("/account/confirm")
    held = select(AuditEvent).where(AuditEvent.action == "second_factor.step_up")
    assert len(db.session.scalars(held).all()) == 2
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.create"))


def test_a_cso_cannot_export_with_the_internal_profile(app, client, users, login, generated):
    cso = login(users.cso(), test_client=app.test_client())
    assert cso.get("/exports/special_checks/internal.csv").status_code == 403
    assert cso.get("/exports/special_checks/internal.xlsx").status_code == 403
    refused = cso.get("/exports/special_checks?profile=internal&format=csv")
    assert refused.status_code == 403
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.refused"))
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.create"))
    public = cso.get("/exports/special_checks/public.csv")
    assert public.status_code == 200 and "209-555" not in public.get_data(as_text=True)
    form = cso.get("/checks/").get_data(as_text=True)
    assert 'value="public"' in form and 'value="internal"' not in form


def test_exports_carry_the_list_filters_and_are_audited(app, client, users, login, generated):
    north = generated
    senior = login(users.senior(), test_client=app.test_client())
    response = senior.get(f"/exports/special_checks?profile=agency&format=csv&district={north.id}")
    assert response.status_code == 303
    assert f"district={north.id}" in response.headers["Location"]
    body = senior.get(response.headers["Location"]).get_data(as_text=True)
    assert body.count("North") == 2 and "209-555-0100" not in body  # the third is outside
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.create")).one()
    assert event.object_id == "special_checks"
    assert "profile=agency" in event.detail and "format=csv" in event.detail
    assert f'"district": {north.id}' in event.detail


def _export(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_list_s_own_filters_carry_into_its_export(app, client, users, login, generated):
    officer = users.cso()
    secure = visit(make_check(), officer, outcome="all_secure")
    with app.test_request_context():
        section = codebook_entry("8.24.040")
        case = blight_case(officer, [section])
    senior = login(users.senior(), test_client=app.test_client())
    form = senior.get("/checks/").get_data(as_text=True)
    assert 'name="outcome"' in form and 'value="all_secure"' in form
    body = _export(senior, "/exports/check_visits?profile=agency&format=csv&outcome=all_secure")
    assert secure.reference in body and body.count("suspicious") == 0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.create")).one()
    assert '"outcome": "all_secure"' in event.detail
    # A drill-down's filter is in its address: its export form carries it, and the state.
    drill = senior.get(f"/citations/overview/violation/{section.id}").get_data(as_text=True)
    assert f'name="violation" value="{section.id}"' in drill
    assert '<option value="open" selected>' in drill
    carried = f"/exports/blight_cases?profile=agency&format=csv&violation={section.id}"
    assert case.reference in _export(senior, f"{carried}&state=open")
    assert case.reference not in _export(senior, f"{carried}&state=closed")
    assert case.reference not in _export(senior, f"{carried}&status=approved")  # a draft


def test_bad_export_requests_are_refused_cleanly(app, client, users, login):
    senior = login(users.senior(), test_client=app.test_client())
    assert senior.get("/exports/nothing/public.csv").status_code == 404
    assert senior.get("/exports/special_checks?profile=everything&format=csv").status_code == 400
    assert senior.get("/exports/special_checks/everything.csv").status_code == 404


def test_every_field_of_every_export_declares_its_personal_kind():
    """Contact details and positions are marked wherever they are exported."""
    for source in EXPORT_SOURCES.values():
        for item in source.fields:
            if item.name in ("phone", "email", "latitude", "longitude") or "phone" in item.name:
                assert item.personal is not None, (source.name, item.name)
    assert set(RECORD_TYPES)  # the registry is filled by the app
