"""The forms an officer fills in the field join the outbox, and the pages they work from are
kept on the phone: each such form carries data-outbox, an id and its client UUID; a replay of a
submission as the outbox sends it (HX-Request, a fresh CSRF token) answers with the page to go
to and makes one record; a refusal (422) answers with a page that holds the form, re-rendered
with its messages, for the officer to reopen from the outbox."""

import html
import re
import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from cso_field.citations.models import BlightCase
from cso_field.extensions import db
from cso_field.offline import services
from cso_field.special_checks.models import SpecialCheck
from cso_field.surveys import services as surveys
from cso_field.surveys.models import SurveyResponse
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts import enforcement
from cso_field.traffic_posts.models import EnforcementSession
from tests.factories import (
    STOCKTON,
    codebook_entry,
    days_from_today,
    door_survey,
    make_incident,
    spanish_request,
)


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _outbox_form(page: str, form_id: str) -> str:
    found = re.search(rf'<form id="{form_id}"[^>]*>', page)
    assert found, form_id
    assert "data-outbox=" in found.group(0)
    return found.group(0)


def _replayed(client, url: str, data: dict, model) -> None:
    """Sent twice as the outbox sends it: each answer moves on, one record is made."""
    before = _count(model)
    for _time in range(2):
        answer = client.post(url, data=data, headers={"HX-Request": "true"})
        assert answer.status_code == 200 and answer.headers["HX-Redirect"], answer.text[:300]
    assert _count(model) == before + 1


def _refused(client, url: str, data: dict, form_id: str, message: str) -> None:
    answer = client.post(url, data=data, headers={"HX-Request": "true"})
    assert answer.status_code == 422
    assert re.search(rf'<form id="{form_id}"', answer.text)
    assert message in html.unescape(answer.text)


@pytest.fixture
def officer(app, users, login):
    senior = users.senior(username="senior.field")
    cso = users.cso(username="cso.field")
    login(cso)
    return senior, cso


def test_a_canvass_door_outcome_joins_the_outbox(app, client, officer):
    senior, cso = officer
    with app.test_request_context():
        canvass, _created = surveys.start_canvass(door_survey(senior), "Oak St", cso, uuid.uuid4())
    page = client.get(f"/canvass/{canvass.id}")
    assert page.headers.get(services.KEEP_HEADER) == "keep"
    assert client.get("/canvass/").headers.get(services.KEEP_HEADER) == "keep"
    assert 'data-outbox="Door: Oak St"' in _outbox_form(page.text, "contact-form")
    url = f"/canvass/{canvass.id}/contacts"
    door = {"client_uuid": str(uuid.uuid4()), "outcome": "come_back", "address": "9 Oak St"}
    _replayed(client, url, {**door, **STOCKTON}, SurveyResponse)
    _refused(
        client,
        url,
        {**door, "client_uuid": str(uuid.uuid4()), "outcome": "x"},
        "contact-form",
        "9 Oak St",
    )


def test_an_enforcement_session_joins_the_outbox(app, client, officer):
    senior, _cso = officer
    with app.test_request_context():
        problem, _created = enforcement.designate(
            client_uuid=uuid.uuid4(),
            content={
                "title": "Speeding on Pacific Ave",
                "description": None,
                "until": department_today() + timedelta(days=10),
                "address": "Pacific Ave",
                "latitude": None,
                "longitude": None,
                "accuracy_m": None,
            },
            author=senior,
        )
    page = client.get(f"/traffic/problems/{problem.id}")
    assert page.headers.get(services.KEEP_HEADER) == "keep"
    assert client.get("/traffic/problems/").headers.get(services.KEEP_HEADER) == "keep"
    form = _outbox_form(page.text, "session-form")
    assert 'data-outbox="Enforcement session: Speeding on Pacific Ave"' in form
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    start = (utcnow() - timedelta(hours=2)).replace(tzinfo=UTC).astimezone(zone)
    session = {
        "client_uuid": str(uuid.uuid4()),
        "officer_name": "Officer Chan",
        "badge_number": "4417",
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "contacts": "4",
        "warnings": "2",
        "referrals": "1",
    }
    url = f"/traffic/problems/{problem.id}/sessions"
    _refused(
        client,
        url,
        {**session, "badge_number": ""},
        "session-form",
        "Enter the sworn officer's badge number.",
    )
    _replayed(client, url, session, EnforcementSession)


def test_an_incidents_board_is_kept_for_reading(app, client, officer):
    senior, _cso = officer
    with app.test_request_context():
        incident = make_incident(senior)
    assert client.get("/traffic/").headers.get(services.KEEP_HEADER) == "keep"
    assert client.get(f"/traffic/{incident.id}").headers.get(services.KEEP_HEADER) == "keep"


def test_a_blight_observation_joins_the_outbox(app, client, officer):
    with app.test_request_context():
        violation = codebook_entry("8.24.040")
    page = client.get("/citations/new")
    assert page.headers.get(services.KEEP_HEADER) == "keep"
    assert 'data-outbox="Blight observation"' in _outbox_form(page.text, "case-form")
    observation = {
        "client_uuid": str(uuid.uuid4()),
        "address": "145 N El Dorado St",
        "observation": "Couch and mattress on the lawn",
        "violations": str(violation.id),
        "party_kind": "owner",
        "party_name": "Ana Ruiz",
        "mailing_address": "PO Box 1, Stockton",
        "language": "es",
        **STOCKTON,
    }
    _refused(
        client,
        "/citations/new",
        {**observation, "violations": ""},
        "case-form",
        "Couch and mattress on the lawn",
    )
    _replayed(client, "/citations/new", observation, BlightCase)


def test_the_staff_new_special_check_joins_the_outbox_its_422_holds_the_form(client, officer):
    page = client.get("/checks/new")
    assert page.headers.get(services.KEEP_HEADER) == "keep"
    assert 'data-outbox="New special check"' in _outbox_form(page.text, "check-form")
    data = spanish_request(
        kind="business",
        source="phone",
        description="Back door of the store found open twice at night.",
        start_date=days_from_today(0),
        email="",
        language="en",
    )
    # The error summary is inside the form, so the reopened form shows it.
    answer = client.post(
        "/checks/new", data={**data, "description": ""}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 422
    form = answer.text[answer.text.index('<form id="check-form"') :]
    form = form[: form.index("</form>")]
    assert "error-summary" in form and "Describe what the officers should look for." in form
    _replayed(client, "/checks/new", data, SpecialCheck)
