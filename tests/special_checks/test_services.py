"""Special checks, the rules called directly: the one state a check is in, the date rules,
making a check once, the private link, and what the resident may still change."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cso_field.extensions import db
from cso_field.mail import OutboxMessage
from cso_field.records.services import SubmissionConflict
from cso_field.special_checks.models import RequestSource, SpecialCheck
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
from cso_field.timeutil import department_today, utcnow
from tests.factories import make_check

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
