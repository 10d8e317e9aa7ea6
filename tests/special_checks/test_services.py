"""Special checks, the rules called directly: the one state a check is in, the date rules,
making a check once, the private link, and what the resident may still change."""

import json
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.districts.services import parse_geojson, replace_districts
from cso_field.extensions import db
from cso_field.mail import OutboxMessage
from cso_field.records.services import SubmissionConflict
from cso_field.special_checks import lists
from cso_field.special_checks.lists import starting_soon
from cso_field.special_checks.models import PositionSource, RequestSource, SpecialCheck
from cso_field.special_checks.services import (
    CheckRequestError,
    CheckState,
    DateProblem,
    cancel,
    change_end_date,
    create_check,
    date_problem,
    find_by_token,
    state_of,
)
from cso_field.special_checks.visits import record_visit, visit_summary
from cso_field.timeutil import department_today, utcnow
from tests.factories import HERE, make_check

TODAY = date(2026, 12, 2)
RULES = {"today": TODAY, "min_lead_days": 1, "max_length_days": 30}


def _content(**overrides) -> dict:
    today = department_today()
    return {
        "requester_name": "Ana Ruiz",
        "address": "425 N El Dorado St",
        "phone": "209-555-0123",
        "email": None,
        "language": "es",
        "start_date": today + timedelta(days=3),
        "end_date": today + timedelta(days=9),
        **overrides,
    }


def _online(client_uuid, **overrides):
    return create_check(
        client_uuid=client_uuid,
        content=_content(**overrides),
        source=RequestSource.ONLINE,
        client_address="203.0.113.9",
    )


@contextmanager
def app_request():
    with current_app.test_request_context():
        yield


def _downtown_district():
    square = [[-121.30, 37.95], [-121.28, 37.95], [-121.28, 37.97], [-121.30, 37.97]]
    feature = {
        "type": "Feature",
        "properties": {"name": "Downtown"},
        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
    }
    (district,) = replace_districts(
        parse_geojson(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    )
    db.session.commit()
    return district


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, CheckState.ACTIVE),
        ({"start_date": TODAY + timedelta(days=1)}, CheckState.UPCOMING),
        (
            {"start_date": TODAY - timedelta(days=9), "end_date": TODAY - timedelta(days=1)},
            CheckState.ENDED,
        ),
        ({"cancelled_at": utcnow()}, CheckState.CANCELLED),
        ({"cancelled_at": utcnow(), "deleted_at": utcnow()}, CheckState.DELETED),
    ],
)
def test_a_check_is_in_exactly_one_state(fields, state):
    values = {
        "start_date": TODAY - timedelta(days=1),
        "end_date": TODAY + timedelta(days=5),
        "cancelled_at": None,
        "deleted_at": None,
    }
    check = SpecialCheck(**{**values, **fields})
    assert state_of(check, TODAY) is state


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (TODAY + timedelta(days=1), TODAY + timedelta(days=30), None),
        (TODAY - timedelta(days=1), TODAY + timedelta(days=3), DateProblem.IN_PAST),
        (TODAY, TODAY + timedelta(days=3), DateProblem.TOO_SOON),
        (TODAY + timedelta(days=5), TODAY + timedelta(days=4), DateProblem.END_BEFORE_START),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=31), DateProblem.TOO_LONG),
    ],
)
def test_the_first_broken_date_rule_is_named(start, end, problem):
    assert date_problem(start, end, **RULES) is problem


def test_a_check_is_made_once_and_a_repeat_without_email_gets_a_new_link(request_context):
    key = uuid.uuid4()
    check, created, first_link = _online(key)
    again, created_again, second_link = _online(key)
    assert created and not created_again and again.id == check.id
    assert check.reference.startswith("SC-") and check.created_by_id is None
    assert first_link != second_link and find_by_token(first_link) is None
    assert find_by_token(second_link).id == check.id
    with pytest.raises(SubmissionConflict):
        _online(key, requester_name="Someone Else")


def test_a_repeat_with_email_sends_the_confirmation_once(request_context):
    key = uuid.uuid4()
    _online(key, email="ana@example.com")
    _check, created, link = _online(key, email="ana@example.com")
    assert not created and link is None
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_an_ended_check_cannot_be_cancelled_or_moved_and_a_cancelled_one_stays_so(app):
    ended = make_check(end_date=department_today() - timedelta(days=1))
    with pytest.raises(CheckRequestError) as refused:
        cancel(ended)
    assert refused.value.problem is CheckState.ENDED
    active = make_check()
    assert cancel(active) is True and cancel(active) is False
    with pytest.raises(CheckRequestError) as refused:
        change_end_date(active, department_today() + timedelta(days=3))
    assert refused.value.problem is CheckState.CANCELLED


# -- Starting soon, and a position from the first visit ----------------------------------------


def test_starting_soon_lists_the_next_three_days_soonest_first(app):
    today = department_today()
    in_three = make_check(address="3 Days Rd", start_date=today + timedelta(days=3))
    tomorrow = make_check(address="1 Day Rd", start_date=today + timedelta(days=1))
    make_check(address="5 Days Rd", start_date=today + timedelta(days=5))
    make_check(address="Active Rd")
    make_check(
        address="Ended Rd",
        start_date=today - timedelta(days=9),
        end_date=today - timedelta(days=1),
    )
    make_check(address="Cancelled Rd", start_date=today + timedelta(days=2), cancelled_at=utcnow())
    assert [row.id for row in starting_soon(today)] == [tomorrow.id, in_three.id]


def test_starting_soon_shows_at_most_its_limit(app, monkeypatch):
    monkeypatch.setattr(lists, "STARTING_SOON_LIMIT", 2)
    today = department_today()
    for _ in range(3):
        make_check(start_date=today + timedelta(days=2))
    assert len(starting_soon(today)) == 2


def _visit_at(check, user, lat, lon, accuracy=8.0):
    with app_request():
        made, _created = record_visit(
            check,
            user,
            outcome="all_secure",
            notes=None,
            position=(lat, lon, accuracy),
            client_uuid=uuid.uuid4(),
            uploads=[],
        )
    return made


def test_the_first_visit_with_a_position_places_an_unplaced_check(app, users):
    downtown = _downtown_district()
    officer = users.cso()
    check = make_check(address="9 Nowhere Rd", latitude=None, longitude=None)
    _visit_at(check, officer, None, None)  # no GPS fix: nothing to place it with
    db.session.refresh(check)
    assert not check.has_location and check.position_source is None

    first_fix = _visit_at(check, officer, 37.9601, -121.2902, 12.0)
    assert first_fix.district_id == downtown.id  # the visit is in the district it placed
    db.session.refresh(check)
    assert (check.latitude, check.longitude, check.accuracy_m) == (37.9601, -121.2902, 12.0)
    assert check.district_id == downtown.id
    assert check.position_source == PositionSource.VISIT and check.placed_from_visit
    placed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "special_check.placed_from_visit")
    ).one()
    assert placed.object_id == str(check.id)

    _visit_at(check, officer, 37.9700, -121.3000)  # a later visit elsewhere moves nothing
    db.session.refresh(check)
    assert (check.latitude, check.longitude) == (37.9601, -121.2902)
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "special_check.placed_from_visit"
            )
        )
        == 1
    )


def test_a_visit_does_not_move_a_check_placed_from_its_address(app, users):
    check = make_check(position_source=PositionSource.ADDRESS.value)
    _visit_at(check, users.cso(), 37.9700, -121.3000)
    db.session.refresh(check)
    assert (check.latitude, check.longitude) == HERE
    assert check.position_source == PositionSource.ADDRESS and not check.placed_from_visit


def test_a_visit_summary_says_what_was_found_and_where(app, users):
    check = make_check(address="12 Oak St")
    made = _visit_at(check, users.cso(), None, None)
    with app_request():
        assert visit_summary(made) == "All secure at 12 Oak St"


def test_a_check_whose_address_is_geocoded_is_placed_from_its_address(request_context, monkeypatch):
    monkeypatch.setattr("cso_field.districts.services.forward", lambda address: HERE)
    placed, _created, _token = _online(uuid.uuid4())
    assert (placed.latitude, placed.longitude) == HERE
    assert placed.position_source == PositionSource.ADDRESS and not placed.placed_from_visit

    monkeypatch.setattr("cso_field.districts.services.forward", lambda address: None)
    unplaced, _created, _token = _online(uuid.uuid4(), address="9 Nowhere Rd")
    assert not unplaced.has_location and unplaced.position_source is None
