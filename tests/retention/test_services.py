"""Retention: the clock moved past each period empties exactly the personal fields and photos
of records past it, never a held record's, and leaves the district numbers as they were."""

import io
import uuid
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.neighborhood_watch.models import WatchSignup
from cso_field.neighborhood_watch.services import dismiss_signup
from cso_field.photos.models import Photo
from cso_field.photos.services import save_photos
from cso_field.records import services as records
from cso_field.records.models import RecordVersion, Status
from cso_field.retention import services as retention
from cso_field.retention.models import RetentionHold
from cso_field.retention.registry import RULES, rules
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from cso_field.special_checks.retention import CONTACT_FIELDS
from cso_field.surveys.models import SurveyResponse
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts.models import TrafficIncident
from tests.factories import make_check, make_incident, png, watch_signup

DAY = timedelta(days=1)


@pytest.fixture
def store(app, photo_store):
    photo_store.use(app)
    return photo_store


def note_with_photo(author) -> FieldNote:
    def attach(note):
        save_photos([FileStorage(io.BytesIO(png()), "photo.png")], note, author)

    with current_app.test_request_context():
        note, _created = records.create_record(
            FieldNote,
            client_uuid=uuid.uuid4(),
            content={"observation": "Couch on the sidewalk", "address": "1 Main St"},
            author=author,
            digest="0" * 64,
            status=Status.SUBMITTED,
            attach=attach,
        )
        db.session.commit()
    return note


def full_check(**fields) -> SpecialCheck:
    personal = {
        "phone": "209-555-0123",
        "email": "ana@example.org",
        "emergency_contact_name": "Luis Ruiz",
        "emergency_contact_phone": "209-555-0124",
        "pets": "A cat",
        "instructions": "Side gate sticks.",
        "client_address": "203.0.113.9",
        "manage_token_hash": uuid.uuid4().hex,
    }
    return make_check(**{**personal, **fields})


def district_numbers() -> list:
    """What the district numbers are made of: records by type, district and state."""
    queries = [
        select(SpecialCheck.district_id, SpecialCheck.kind, func.count()).group_by(
            SpecialCheck.district_id, SpecialCheck.kind
        ),
        select(FieldNote.district_id, FieldNote.status, func.count()).group_by(
            FieldNote.district_id, FieldNote.status
        ),
        select(WatchSignup.district_id, WatchSignup.source, func.count()).group_by(
            WatchSignup.district_id, WatchSignup.source
        ),
        select(CheckVisit.outcome, func.count()).group_by(CheckVisit.outcome),
        select(SurveyResponse.outcome, func.count()).group_by(SurveyResponse.outcome),
        select(TrafficIncident.kind, func.count()).group_by(TrafficIncident.kind),
    ]
    return [sorted(db.session.execute(query).all(), key=str) for query in queries]


def test_the_clock_past_each_period_forgets_exactly_the_personal_data(app, users, store):
    officer, admin = users.cso(), users.admin()
    today = department_today()
    check = full_check(end_date=today)
    held = full_check(end_date=today)
    recent = full_check(end_date=today + 400 * DAY, start_date=today)
    note = note_with_photo(officer)
    photo = db.session.scalar(select(Photo).where(Photo.record_id == note.id))
    photo_keys = {photo.original_key, photo.display_key, photo.thumbnail_key}
    signup = watch_signup(name="Mai Vang", phone="209-555-0199")
    dismiss_signup(signup, users.senior())
    incident = make_incident(officer, requested_by="Miracle Mile Merchants, J. Smith")
    incident.closed_at = utcnow()
    db.session.commit()
    retention.place_hold(held.reference, "Appeal pending", admin)
    numbers = district_numbers()
    assert photo_keys <= set(store.stored_keys())

    # A day before each period ends: nothing goes.
    before = retention.run(now=utcnow() + 364 * DAY)
    assert before.forgotten == []

    # Past the special checks' and sign-ups' year: their contact details go, not the rest.
    year = retention.run(now=utcnow() + 366 * DAY)
    assert {(item.rule, item.record_id) for item in year.forgotten} == {
        ("special_check.contact", check.id),
        ("watch_signup.contact", signup.id),
    }
    db.session.expire_all()
    assert check.requester_name == "" and check.address == "425 N El Dorado St"
    assert all(getattr(check, name) in (None, "") for name in CONTACT_FIELDS)
    assert (check.start_date, check.end_date, check.district_id) == (
        check.start_date,
        today,
        check.district_id,
    )
    assert held.phone == "209-555-0123" and held.requester_name == "Ana Ruiz"  # held: kept
    assert recent.phone == "209-555-0123"  # not past its period
    assert (signup.name, signup.phone, signup.email) == ("", None, None)
    assert signup.dismissed_at is not None
    assert photo_keys <= set(store.stored_keys())  # the note's photos: two years
    assert incident.requested_by is not None

    # Past two years: the note's photos (files and rows) and the incident's requester.
    two_years = retention.run(now=utcnow() + 731 * DAY)
    assert {(item.rule, item.record_id, item.photos) for item in two_years.forgotten} == {
        ("field_note.photos", note.id, 1),
        ("traffic_incident.requester", incident.id, 0),
    }
    db.session.expire_all()
    assert not photo_keys & set(store.stored_keys())
    assert db.session.scalar(select(func.count(Photo.id))) == 0
    assert note.observation == "Couch on the sidewalk" and note.deleted_at is None
    assert incident.requested_by is None and incident.name
    assert held.phone == "209-555-0123"

    # Each record is an audit row naming the fields and photos; each run one more.
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("retention.%")).order_by(AuditEvent.id)
    ).all()
    forgets = {
        (row.object_type, row.object_id): row.detail
        for row in rows
        if row.action == "retention.forget"
    }
    assert forgets[("special_check", str(check.id))].startswith(
        "special_check.contact: fields requester_name, phone, email, emergency_contact_name"
    )
    assert forgets[("field_note", str(note.id))] == "field_note.photos: fields -; photos 1"
    assert [row.detail for row in rows if row.action == "retention.run"] == [
        "special_check.contact: 1, watch_signup.contact: 1",
        "field_note.photos: 1, traffic_incident.requester: 1",
    ]
    assert district_numbers() == numbers
    # Years later only the check that ended later goes; run again: nothing is left.
    later = retention.run(now=utcnow() + 3000 * DAY)
    assert [item.record_id for item in later.forgotten] == [recent.id]
    assert retention.run(now=utcnow() + 3000 * DAY).forgotten == []


def test_a_dry_run_lists_what_would_go_and_changes_nothing(app, users, store):
    check = full_check(end_date=department_today())
    report = retention.run(dry_run=True, now=utcnow() + 400 * DAY)
    assert [(item.rule, item.reference) for item in report.forgotten] == [
        ("special_check.contact", check.reference)
    ]
    assert "phone" in report.forgotten[0].fields
    db.session.expire_all()
    assert check.phone == "209-555-0123"
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action.like("retention.%"))
        )
        == 0
    )


def test_released_hold_lets_retention_forget(app, users, store):
    admin = users.admin()
    check = full_check(end_date=department_today())
    hold = retention.place_hold(check.reference.lower(), "Request from counsel", admin)
    assert retention.run(now=utcnow() + 400 * DAY).forgotten == []
    assert retention.release_hold(hold, admin) is True
    assert retention.release_hold(hold, admin) is False  # once
    assert [item.record_id for item in retention.run(now=utcnow() + 400 * DAY).forgotten] == [
        check.id
    ]


def test_versions_lose_the_personal_values_but_keep_what_changed(app, users, store):
    check = full_check(end_date=department_today())
    db.session.add(
        RecordVersion(
            record_type="special_check",
            record_id=check.id,
            version=2,
            action="update",
            changed_by_id=users.cso().id,
            changes={"phone": ["209-555-0000", "209-555-0123"], "end_date": ["a", "b"]},
        )
    )
    db.session.commit()
    retention.run(now=utcnow() + 400 * DAY)
    version = db.session.scalar(select(RecordVersion).where(RecordVersion.record_id == check.id))
    assert version.changes == {"phone": [None, None], "end_date": ["a", "b"]}


def test_an_admin_period_moves_the_cutoff(app, users, store):
    check = full_check(end_date=department_today())
    retention.save_periods({"special_check.contact": 30})
    assert [item.record_id for item in retention.run(now=utcnow() + 31 * DAY).forgotten] == [
        check.id
    ]


def test_every_rule_names_real_columns_and_its_query_runs(app):
    assert {rule.record_type for rule in rules()} >= {
        "special_check",
        "field_note",
        "blight_case",
        "traffic_incident",
        "survey_response",
        "watch_signup",
        "watch_member",
    }
    for rule in rules():
        for name in rule.personal_fields:
            assert name in rule.model.__table__.c, (rule.name, name)
        assert rule.default_days >= rule.min_days
        with app.test_request_context():
            assert str(rule.reason) and str(rule.label)
        db.session.execute(retention.due_query(rule, utcnow() + 10_000 * DAY)).all()
    assert RULES["blight_case.party"].default_days == 5 * 365


def test_a_hold_needs_a_real_reference(app, users):
    with pytest.raises(retention.RetentionError):
        retention.place_hold("SC-2026-999999", "Appeal", users.admin())
    assert db.session.scalar(select(func.count(RetentionHold.id))) == 0
