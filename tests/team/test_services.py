"""The team as plain functions: shifts, languages and contact, finding a speaker on shift, the
board (current work or post, last record from any registered type), training sessions and
certifications (the check features make, expiring ones)."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from cso_field.assignments import services as assignments
from cso_field.audit.models import AuditEvent
from cso_field.certifications import services as certifications
from cso_field.districts.shifts import ShiftError, current_shift, end_shift, on_shift, start_shift
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.records import services as records
from cso_field.records.models import Status
from cso_field.team import services
from cso_field.team.services import TeamError
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts import services as traffic
from tests.factories import make_check, make_incident, make_post, visit


def _note(author, address="5 Oak St", hours_ago=0):
    note, _created = records.create_record(
        FieldNote,
        client_uuid=uuid.uuid4(),
        content={
            "observation": "Graffiti",
            "address": address,
            "latitude": 37.97,
            "longitude": -121.29,
        },
        author=author,
        digest="0" * 64,
        status=Status.SUBMITTED,
        attach=lambda note: None,
    )
    note.created_at = utcnow() - timedelta(hours=hours_ago)
    db.session.commit()
    return note


def test_shifts_start_end_and_only_supervisors_act_for_others(users, districts, ctx):
    cso, other, senior = users.cso(), users.cso(), users.senior()
    with pytest.raises(ShiftError):
        start_shift(other, districts["North"], cso)
    with pytest.raises(ShiftError) as refused:
        start_shift(users.admin(), districts["North"], senior)
    assert refused.value.code == "not_field"
    start_shift(cso, districts["North"], cso)
    start_shift(cso, districts["South"], senior)  # moved: the first shift ends
    assert current_shift(cso.id).district_id == districts["South"].id
    assert [row.user.id for row in on_shift()] == [cso.id]
    assert end_shift(cso, cso) and current_shift(cso.id) is None
    assert not end_shift(cso, cso)
    shifts = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("shift.%")).order_by(AuditEvent.id)
    )
    assert list(shifts) == ["shift.start", "shift.start", "shift.end"]


def test_a_forgotten_shift_stops_counting(users, districts, ctx):
    cso = users.cso()
    shift = start_shift(cso, districts["North"], cso)
    shift.started_at = utcnow() - timedelta(hours=15)
    db.session.commit()
    assert current_shift(cso.id) is None and on_shift() == []


def test_profile_and_finding_a_khmer_speaker_on_shift(users, districts, ctx):
    senior, sokha, mai, away = users.senior(), users.cso(), users.cso(), users.cso()
    services.save_profile(sokha, {"km": "native", "en": "native"}, "209-555-0144", "CSO 35", sokha)
    services.save_profile(mai, {"km": "basic"}, None, None, senior)
    services.save_profile(away, {"km": "native"}, "209-555-0199", None, senior)
    with pytest.raises(TeamError):
        services.save_profile(mai, {"km": "native"}, None, None, sokha)  # not theirs
    with pytest.raises(TeamError):
        services.save_profile(mai, {"km": "superb"}, None, None, mai)
    start_shift(sokha, districts["South"], sokha)
    start_shift(mai, districts["North"], mai)
    found = services.speakers("km", on_shift_only=True)
    assert [s.user.id for s in found] == [sokha.id, mai.id]  # the better speaker first
    assert found[0].contact.phone == "209-555-0144" and found[0].district == "South"
    everyone = services.speakers("km", on_shift_only=False)
    assert {s.user.id for s in everyone} == {sokha.id, mai.id, away.id}
    assert not everyone[-1].on_shift
    assert services.speakers("pa", on_shift_only=False) == []


def test_the_board_shows_work_post_last_record_and_languages(users, districts, ctx):
    senior, cso, other = users.senior(), users.cso(), users.cso()
    start_shift(cso, districts["North"], cso)
    start_shift(other, districts["South"], other)
    services.save_profile(cso, {"es": "working"}, None, "CSO 14", cso)
    work = assignments.assign(
        assignments.Work(
            "deliver_message", "Letter", None, "normal", utcnow() + timedelta(hours=1), cso.id, None
        ),
        senior,
    )
    _note(cso, "Old address", hours_ago=3)
    newest = visit(make_check(address="9 Elm St"), cso)
    _note(other, "Old news", hours_ago=30)  # older than the board looks back
    incident = make_incident(senior)
    post = make_post(incident, name="Main & 1st")
    traffic.go_on_post(traffic.assign(post, incident.periods[0], other.id), other)

    rows = {row.person.user.id: row for row in services.board(senior)[0]}
    mine = rows[cso.id]
    assert mine.assignment.id == work.id
    assert (mine.last.record_type, mine.last.record_id) == ("check_visit", newest.id)
    assert [spoken.language for spoken in mine.languages] == ["es"]
    assert mine.contact.call_sign == "CSO 14"
    assert rows[other.id].last is None
    assert rows[other.id].duty.text.startswith("Main & 1st")


def test_a_csos_board_is_their_own_district_only(users, districts, ctx):
    cso, north, south = users.cso(), users.cso(), users.cso()
    assert services.board(cso) == (None, False)  # not on shift: nothing to see
    start_shift(cso, districts["North"], cso)
    start_shift(north, districts["North"], north)
    start_shift(south, districts["South"], south)
    assert {row.person.user.id for row in services.board(cso)[0]} == {cso.id, north.id}


def test_training_sessions_are_recorded_by_supervisors(users, ctx):
    senior, cso = users.senior(), users.cso()
    session = services.Session("Fingerprinting", utcnow(), "Sgt. Lee", "Room 2", None)
    with pytest.raises(TeamError):
        services.record_session(session, [cso.id], cso)
    made = services.record_session(session, [cso.id, cso.id, senior.id], senior)
    assert sorted(a.user_id for a in made.attendees) == sorted([cso.id, senior.id])
    rows, more = services.sessions(1)
    assert [row.id for row in rows] == [made.id] and not more


def test_certifications_hold_expire_and_are_listed_when_expiring(users, ctx):
    admin, senior, cso = users.admin(), users.senior(), users.cso()
    with pytest.raises(certifications.CertificationError):
        certifications.create_type("Fingerprinting", senior)
    kind = certifications.create_type("Fingerprinting", admin)
    assert kind.code == "fingerprinting"
    with pytest.raises(certifications.CertificationError) as refused:
        certifications.create_type("fingerprinting ", admin)
    assert refused.value.code == "type_exists"
    today = department_today()
    assert not certifications.holds(cso, "fingerprinting")
    with pytest.raises(certifications.CertificationError):
        certifications.record(cso, kind, earned_on=today, expires_on=None, note=None, by=cso)
    certifications.record(
        cso,
        kind,
        earned_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=5),
        note=None,
        by=senior,
    )
    assert certifications.holds(cso, "fingerprinting")
    assert not certifications.holds(cso, "fingerprinting", today + timedelta(days=6))
    soon = certifications.expiring()
    assert [(item.user.id, item.certification.type.code) for item in soon] == [
        (cso.id, "fingerprinting")
    ]
    certifications.record(  # renewed: no longer listed
        cso, kind, earned_on=today, expires_on=today + timedelta(days=700), note=None, by=senior
    )
    assert certifications.expiring() == []


def test_the_board_comes_a_page_at_a_time(users, districts, ctx, monkeypatch):
    monkeypatch.setattr(services, "BOARD_PAGE", 2)
    senior = users.senior()
    people = [users.cso() for _ in range(3)]
    for person in people:
        start_shift(person, districts["North"], person)
    first, more = services.board(senior)
    second, no_more = services.board(senior, 2)
    assert len(first) == 2 and more and len(second) == 1 and not no_more
    shown = {row.person.user.id for row in first + second}
    assert shown == {person.id for person in people}
