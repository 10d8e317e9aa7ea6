"""A district's needs assessment: door contacts by outcome, every survey's choice counts and
Neighborhood Watch sign-ups, in one district and period."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.neighborhood_watch.models import WatchSignup
from cso_field.surveys import results, services
from cso_field.surveys.models import SurveyResponse
from cso_field.timeutil import department_today, utcnow
from tests.factories import contact, door_survey, page, watch_signup

ANSWERS = {"people": ["2"], "feel_safe": ["no"], "why_unsafe": ["Dark"], "concerns": ["lighting"]}
BOX = {"min_latitude": 0, "max_latitude": 1, "min_longitude": 0, "max_longitude": 1}


@pytest.fixture
def districts(app):
    north, south = (
        District(name="North", geometry="{}", **BOX),
        District(name="South", geometry="{}", **BOX),
    )
    db.session.add_all([north, south])
    db.session.commit()
    return north, south


def _place(record, district) -> None:
    db.session.execute(
        update(type(record)).where(type(record).id == record.id).values(district_id=district.id)
    )
    db.session.commit()


@pytest.fixture
def doors(app, users, districts):
    north, south = districts
    cso = users.cso()
    with app.test_request_context():
        survey = door_survey(users.senior())
        canvass = services.start_canvass(survey, "Elm", cso, uuid.uuid4())[0]
    placed = [
        (contact(app, canvass, cso, "completed", form=ANSWERS), north),
        (contact(app, canvass, cso, "no_answer"), north),
        (contact(app, canvass, cso, "declined"), north),
        (
            contact(app, canvass, cso, "completed", form={**ANSWERS, "concerns": ["speeding"]}),
            south,
        ),
    ]
    for response, district in placed:
        _place(response, district)
    _place(watch_signup(client_address=None), north)
    watch_signup(client_address=None)  # not placed in any district
    return survey


def test_the_assessment_counts_only_the_district_and_the_period(app, doors, districts):
    north, _south = districts
    labels = {outcome.value: outcome.value for outcome in services.Outcome}
    needs = results.needs_assessment(results.Filters(north.id), "en", labels)
    assert needs.doors == 3 and needs.signups == 1
    assert {bar.label: bar.count for bar in needs.outcomes}["completed"] == 1
    ((version, completed, charts),) = needs.surveys
    assert version.survey_id == doors.id
    assert completed == 1
    concerns = next(chart for chart in charts if chart.question.name == "concerns")
    assert {bar.label: bar.count for bar in concerns.bars}["Street lighting"] == 1
    assert {bar.label: bar.count for bar in concerns.bars}["Speeding"] == 0
    everywhere = results.needs_assessment(results.Filters(), "en", labels)
    assert everywhere.doors == 4 and everywhere.signups == 2
    forty_days_ago = utcnow() - timedelta(days=40)  # day: the department's date of created_at
    db.session.execute(
        update(SurveyResponse).values(
            created_at=forty_days_ago, day=department_today() - timedelta(days=40)
        )
    )
    db.session.execute(update(WatchSignup).values(created_at=utcnow() - timedelta(days=40)))
    db.session.commit()
    recent = results.Filters(north.id, department_today() - timedelta(days=7), department_today())
    later = results.needs_assessment(recent, "en", labels)
    assert (later.doors, later.signups, later.surveys) == (0, 0, [])


def test_the_page_shows_charts_in_the_chosen_language(client, users, login, doors, districts):
    north, _south = districts
    login(users.senior(username="needs.senior"))
    text = page(client.get(f"/surveys/needs?district={north.id}&lang=es"))
    assert "3 door contacts" in text and "1 Neighborhood Watch sign-up" in text
    assert "Alumbrado público" in text and 'data-count="1"' in text
    assert client.get("/surveys/needs?district=abc&from=nonsense").status_code == 200


def test_csos_cannot_open_the_needs_assessment(client, users, login):
    login(users.cso())
    assert client.get("/surveys/needs").status_code == 403
