"""Fixtures of the community tests: open fingerprint slots, a booking form body."""

import uuid
from datetime import datetime, time, timedelta

import pytest
from flask_babel import to_utc

from cso_field.community import services
from cso_field.timeutil import department_today

BOOK = "/fingerprinting/"


def open_slots(senior, count=2, capacity=2, days=3, hour=9):
    """`count` slots `days` from today, 20 minutes apart, opened by `senior`."""
    first = to_utc(datetime.combine(department_today() + timedelta(days=days), time(hour)))
    plan = services.SlotPlan(first, count, 20, capacity, "Police station lobby")
    return services.open_slots(plan, senior)


def booking(slot, **overrides) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "slot": str(slot.id),
        "method": "live_scan",
        "purpose": "employment",
        "name": "Linh Tran",
        "phone": "209-555-0123",
        "email": "linh@example.com",
        "language": "vi",
        "submit": "1",
    }
    return {**data, **overrides}


@pytest.fixture
def senior(users):
    return users.senior(display_name="Sam Senior")


@pytest.fixture
def cso(users):
    return users.cso(display_name="Dana Reyes")


@pytest.fixture
def slots(app, senior):
    with app.test_request_context():
        return open_slots(senior)
