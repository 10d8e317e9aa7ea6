"""Calls and the office log as plain functions: the report's sworn-officer hours come from
each call type's configured factor, and recording is once per client UUID."""

import uuid
from datetime import datetime, timedelta

import pytest

from cso_field.calls import services
from cso_field.calls.models import HandledCall
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.records.services import SubmissionConflict
from cso_field.timeutil import department_today, utcnow

BOX = {"min_latitude": 0, "max_latitude": 1, "min_longitude": 0, "max_longitude": 1}


def _call(kind, author, *, minutes=10, sworn=True, district=None, at=None):
    content = {
        "call_type_id": kind.id,
        "received_at": at or utcnow() - timedelta(hours=1),
        "minutes": minutes,
        "disposition": "resolved",
        "sworn_would_go": sworn,
        "district_id": district,
    }
    return services.record_call(content, uuid.uuid4(), author)[0]


def test_sworn_hours_saved_are_the_calls_a_sworn_officer_would_have_taken_times_the_factor(
    app, users
):
    admin, cso = users.admin(), users.cso()
    tow = services.create_type("Abandoned vehicle", 60, admin)
    report_type = services.create_type("Cold burglary report", 90, admin)
    north = District(name="North", geometry="{}", **BOX)
    db.session.add(north)
    db.session.commit()
    _call(tow, cso, minutes=4, district=north.id)
    _call(tow, cso, minutes=20, district=north.id)
    _call(tow, cso, minutes=6, sworn=False)  # no sworn officer would have gone: saves nothing
    _call(report_type, cso, minutes=30, district=north.id)
    _call(report_type, cso, minutes=30, at=utcnow() - timedelta(days=30))  # outside the week

    report = services.calls_report(services.default_period())

    assert report.total.calls == 4
    assert report.total.sworn_calls == 3
    assert report.total.cso_minutes == 4 + 20 + 6 + 30
    # 2 tows x 60 min + 1 burglary report x 90 min = 210 min = 3.5 h
    assert report.total.saved_minutes == 210 and report.total.saved_hours == 3.5
    lines = {(line.type_name, line.district): line for line in report.lines}
    assert lines[("Abandoned vehicle", "North")].calls == 2
    assert lines[("Abandoned vehicle", "—")].saved_minutes == 0
    assert lines[("Cold burglary report", "North")].saved_minutes == 90

    # The department changes its factor: the report follows the configured figure.
    services.update_type(tow, {"name": tow.name, "sworn_minutes": 45, "retired": False}, admin)
    assert services.calls_report(services.default_period()).total.saved_minutes == 2 * 45 + 90
    only_north = services.calls_report(services.default_period(), north.id)
    assert only_north.total.calls == 3


def test_the_csv_holds_each_line_and_the_total_in_hours(app, users):
    kind = services.create_type("=Found property", 45, users.admin())
    _call(kind, users.cso(), minutes=15)
    rows = services.csv_rows(services.calls_report(services.default_period()))
    assert rows[0] == list(services.CSV_HEADER)
    assert rows[1] == ["'=Found property", "—", 1, 1, "0.2", "0.8"]  # no formula in a sheet
    assert rows[-1][0] == "total" and rows[-1][-1] == "0.8"


def test_a_call_is_recorded_once_per_client_uuid(app, users):
    cso = users.cso()
    kind = services.create_type("Parking complaint", 40, users.admin())
    content = {
        "call_type_id": kind.id,
        "received_at": datetime(2026, 5, 1, 17, 0),
        "minutes": 4,
        "disposition": "information",
        "sworn_would_go": True,
        "district_id": None,
    }
    key = uuid.uuid4()
    first, created = services.record_call(content, key, cso)
    again, created_again = services.record_call(content, key, cso)
    assert created and not created_again and again.id == first.id
    assert first.reference.startswith("HC-")
    with pytest.raises(SubmissionConflict):
        services.record_call({**content, "minutes": 5}, key, cso)
    assert db.session.query(HandledCall).count() == 1


def test_call_type_names_are_unique_and_retired_types_are_not_offered(app, users):
    admin = users.admin()
    kind = services.create_type("Found property", 45, admin)
    with pytest.raises(services.CallTypeError):
        services.create_type("found property", 30, admin)
    assert services.type_choices() == [(kind.id, "Found property")]
    services.update_type(kind, {"name": kind.name, "sworn_minutes": 45, "retired": True}, admin)
    assert services.type_choices() == []
    assert services.default_period().last == department_today()
