"""Neighborhood Watch's rules as plain functions: sign-ups once per UUID and within the
hourly limit, turning a sign-up into a member and block captain, meetings, and the groups
with no meeting in the configured number of months."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.neighborhood_watch import services
from cso_field.neighborhood_watch.models import WatchGroup, WatchMember, WatchSignup
from cso_field.records.services import SubmissionConflict
from cso_field.timeutil import department_today, utcnow
from tests.factories import interest, watch_group, watch_signup

MEETING = {
    "place": "7 Elm St",
    "topics": "Package thefts",
    "attendance": 8,
    "materials": "Guides",
    "follow_ups": None,
}


def _meeting(group, user, days_ago, **fields):
    values = {**MEETING, "held_on": department_today() - timedelta(days=days_ago), **fields}
    return services.record_meeting(group, user, values, uuid.uuid4())[0]


def test_an_online_sign_up_is_made_once_per_client_uuid(app):
    key = uuid.uuid4()
    first, created = services.sign_up_online(
        interest(), "7 Elm St", client_uuid=key, client_address="203.0.113.9"
    )
    again, created_again = services.sign_up_online(
        interest(), "7 Elm St", client_uuid=key, client_address="203.0.113.9"
    )
    assert created and not created_again and again.id == first.id
    assert first.reference.startswith("NW-") and first.source == "online"
    assert services.signup_state(first) is services.SignupState.WAITING
    with pytest.raises(SubmissionConflict):
        services.sign_up_online(
            interest(name="Someone Else"), "7 Elm St", client_uuid=key, client_address="x"
        )
    assert db.session.scalar(select(func.count(WatchSignup.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "watch_signup.create")
        )
        == 1
    )


def test_online_sign_ups_are_limited_per_address_and_hour(make_app):
    app = make_app(WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR=2)
    with app.app_context():
        watch_signup(client_address="198.51.100.1")
        watch_signup(client_address="198.51.100.1")
        with pytest.raises(services.TooManySignups):
            watch_signup(client_address="198.51.100.1")
        watch_signup(client_address="198.51.100.2")  # another address is not held up
        old = db.session.scalars(select(WatchSignup)).first()
        old.created_at = utcnow() - timedelta(hours=2)
        db.session.commit()
        watch_signup(client_address="198.51.100.1")  # an hour later, one more
        assert db.session.scalar(select(func.count(WatchSignup.id))) == 4


def test_a_sign_up_joins_a_group_once_and_can_be_its_block_captain(app, users):
    senior = users.senior()
    group = watch_group(senior)
    first, second = watch_signup(name="Mai Nguyen"), watch_signup(name="Ana Ruiz")
    member = services.add_to_group(first, group, senior, captain=True)
    assert member.is_captain and member.name == "Mai Nguyen" and member.language == "vi"
    assert services.signup_state(first) is services.SignupState.JOINED
    with pytest.raises(services.WatchRuleError) as refused:
        services.add_to_group(first, group, senior)
    assert refused.value.code == "joined"
    other = services.add_to_group(second, group, senior, captain=True)
    db.session.refresh(member)
    assert other.is_captain and not member.is_captain  # one block captain a group
    assert services.make_captain(member, senior) is True
    assert services.make_captain(member, senior) is False
    db.session.refresh(other)
    assert services.captain_of(group).id == member.id and not other.is_captain
    assert db.session.scalar(select(func.count(WatchMember.id))) == 2


def test_a_sign_up_set_aside_joins_no_group_and_leaves_the_waiting_list(app, users):
    senior = users.senior()
    group, signup = watch_group(senior), watch_signup()
    assert services.waiting_count() == 1
    services.dismiss_signup(signup, senior)
    assert services.signup_state(signup) is services.SignupState.DISMISSED
    assert services.waiting_count() == 0 and services.waiting_signups()[0] == []
    with pytest.raises(services.WatchRuleError):
        services.add_to_group(signup, group, senior)


def test_a_meeting_is_recorded_once_per_client_uuid(app, users):
    cso = users.cso()
    group = watch_group(users.senior())
    key = uuid.uuid4()
    values = {**MEETING, "held_on": department_today()}
    meeting, created = services.record_meeting(group, cso, values, key)
    again, created_again = services.record_meeting(group, cso, values, key)
    assert created and not created_again and again.id == meeting.id
    with pytest.raises(SubmissionConflict):
        services.record_meeting(group, cso, {**values, "attendance": 9}, key)
    assert [m.id for m in services.meetings_of(group)] == [meeting.id]


def test_months_before_keeps_the_day_or_takes_the_months_last(app):
    assert services.months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert services.months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
    assert services.months_before(date(2026, 3, 10), 14) == date(2025, 1, 10)


def test_quiet_groups_are_those_with_no_meeting_in_the_set_number_of_months(app, users):
    senior, cso = users.senior(), users.cso()
    met_lately, met_long_ago, never_met, new_group = (
        watch_group(senior, name=name) for name in ("A recent", "B long ago", "C never", "D new")
    )
    _meeting(met_lately, cso, 20)
    _meeting(met_long_ago, cso, 400)
    _meeting(met_long_ago, cso, 130)
    long_ago = utcnow() - timedelta(days=365)
    for group in (met_lately, met_long_ago, never_met):
        group.created_at = long_ago
    db.session.commit()
    quiet = services.quiet_groups()  # the default: 3 months
    assert [(group.name, last) for group, last in quiet] == [
        ("C never", None),
        ("B long ago", department_today() - timedelta(days=130)),
    ]
    assert services.save_quiet_months(6) is True and services.save_quiet_months(6) is False
    assert [group.name for group, _last in services.quiet_groups()] == ["C never"]
    assert new_group.name not in [group.name for group, _last in services.quiet_groups()]
    assert (
        db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "settings.update"))
        == "watch_quiet_months: 3 -> 6"
    )


def test_groups_list_by_name_and_archived_groups_are_left_out(app, users):
    senior = users.senior()
    watch_group(senior, name="B group")
    watch_group(senior, name="A group")
    closed = watch_group(senior, name="C group")
    closed.archived_at = utcnow()
    db.session.commit()
    assert [group.name for group in services.live_groups()[0]] == ["A group", "B group"]
    assert [name for _id, name in services.group_choices()] == [
        "A group — Elm St",
        "B group — Elm St",
    ]
    assert db.session.scalar(select(func.count(WatchGroup.id))) == 3
