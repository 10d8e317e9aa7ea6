"""The rules of traffic posts as plain functions: periods, On post / Relieved and handover,
overlaps, equipment and closing, the board's token, selective enforcement."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts import board, enforcement, services
from cso_field.traffic_posts.models import (
    ActivityEntry,
    EnforcementSession,
    OperationalPeriod,
    PostAssignment,
)
from cso_field.traffic_posts.services import Problem, TrafficError
from tests.factories import make_incident, make_post


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def refused(problem: Problem, action, *args, **kwargs):
    with pytest.raises(TrafficError) as raised:
        action(*args, **kwargs)
    assert raised.value.problem is problem
    assert raised.value.message  # a sentence, not a code
    db.session.rollback()


def test_an_incident_gets_its_first_period_and_an_audit_row(parade, senior):
    assert len(parade.periods) == 1
    assert parade.periods[0].starts_at == parade.starts_at
    assert parade.reference.startswith("TI-")
    assert parade.in_charge_id == senior.id
    assert services.state_of(parade) is services.IncidentState.OPEN
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "traffic_incident.create")
    )


def test_a_collision_without_an_end_gets_a_four_hour_period(request_context, cso):
    collision = make_incident(cso, kind="collision", expected_end_at=None)
    period = collision.periods[0]
    assert period.ends_at - period.starts_at == services.FIRST_PERIOD


def test_a_period_ending_before_it_starts_is_refused_and_nothing_changes(parade, senior):
    start = utcnow()
    before = count(OperationalPeriod), parade.board_version
    refused(
        Problem.END_BEFORE_START, services.add_period, parade, start, start - timedelta(hours=1)
    )
    refused(Problem.END_BEFORE_START, services.add_period, parade, start, start)
    assert (count(OperationalPeriod), parade.board_version) == before
    with pytest.raises(TrafficError):
        make_incident(senior, expected_end_at=utcnow() - timedelta(days=1))


def test_on_post_and_relieved_record_time_and_position(parade, post, cso):
    assignment = services.assign(post, parade.periods[0], cso.id)
    services.go_on_post(assignment, cso, position=(37.95, -121.29, 9.0))
    assert assignment.on_post and assignment.on_post_latitude == 37.95
    assert assignment.on_post_accuracy_m == 9.0
    services.relieve(assignment, cso, position=(37.96, -121.28, None))
    assert assignment.relieved_at >= assignment.on_post_at
    assert (assignment.relieved_latitude, assignment.relieved_longitude) == (37.96, -121.28)
    assert not assignment.on_post


def test_relieving_someone_not_on_post_is_refused_and_nothing_changes(parade, post, cso):
    assignment = services.assign(post, parade.periods[0], cso.id)
    version = parade.board_version
    refused(Problem.NOT_ON_POST, services.relieve, assignment, cso)
    db.session.refresh(assignment)
    assert assignment.relieved_at is None and parade.board_version == version


def test_overlapping_on_post_times_for_one_cso_are_refused(parade, post, cso, senior):
    second = make_post(parade, name="Weber & El Dorado")
    first = services.assign(post, parade.periods[0], cso.id)
    other = services.assign(second, parade.periods[0], cso.id)
    services.go_on_post(first, cso)
    refused(Problem.OVERLAP, services.go_on_post, other, cso)
    db.session.refresh(other)
    assert other.on_post_at is None
    # Back-dated into a stint that ended later: also an overlap.
    services.relieve(first, cso)
    refused(Problem.OVERLAP, services.go_on_post, other, cso, at=first.on_post_at)
    # After the relief it is fine.
    services.go_on_post(other, cso)
    assert other.on_post


def test_a_relief_before_the_time_on_post_or_in_the_future_is_refused(parade, post, cso):
    assignment = services.assign(post, parade.periods[0], cso.id)
    services.go_on_post(assignment, cso)
    earlier = assignment.on_post_at - timedelta(minutes=5)
    refused(Problem.RELIEVED_BEFORE_ON_POST, services.relieve, assignment, cso, at=earlier)
    later = utcnow() + timedelta(hours=1)
    refused(Problem.IN_FUTURE, services.relieve, assignment, cso, at=later)
    db.session.refresh(assignment)
    assert assignment.on_post


def test_only_the_assigned_cso_or_the_person_in_charge_acts(parade, post, cso, cso2, senior):
    assignment = services.assign(post, parade.periods[0], cso.id)
    refused(Problem.NOT_YOURS, services.go_on_post, assignment, cso2)
    services.go_on_post(assignment, senior)  # in charge (and a Senior CSO)
    assert assignment.on_post


def test_handover_relieves_one_and_puts_the_other_on_post(parade, post, cso, cso2):
    assignment = services.assign(post, parade.periods[0], cso.id)
    services.go_on_post(assignment, cso)
    refused(Problem.HANDOVER_TO_SELF, services.hand_over, assignment, cso, cso.id)
    relief = services.hand_over(assignment, cso, cso2.id)
    db.session.refresh(assignment)
    assert assignment.relieved_at is not None and assignment.handed_over_to_id == cso2.id
    assert relief.user_id == cso2.id and relief.on_post and relief.post_id == post.id


def test_handover_to_someone_on_post_elsewhere_changes_nothing(parade, post, cso, cso2):
    second = make_post(parade, name="Hunter Square")
    mine = services.assign(post, parade.periods[0], cso.id)
    theirs = services.assign(second, parade.periods[0], cso2.id)
    services.go_on_post(mine, cso)
    services.go_on_post(theirs, cso2)
    refused(Problem.OVERLAP, services.hand_over, mine, cso, cso2.id)
    db.session.refresh(mine)
    assert mine.on_post and count(PostAssignment) == 2


def test_going_on_post_again_after_a_relief_is_a_new_stint(parade, post, cso):
    assignment = services.assign(post, parade.periods[0], cso.id)
    services.go_on_post(assignment, cso)
    services.relieve(assignment, cso)
    again = services.go_on_post(assignment, cso)
    assert again.id != assignment.id and again.on_post
    refused(Problem.ALREADY_ON_POST, services.go_on_post, again, cso)


def test_a_second_identical_assignment_is_refused(parade, post, cso):
    services.assign(post, parade.periods[0], cso.id)
    refused(Problem.ALREADY_ASSIGNED, services.assign, post, parade.periods[0], cso.id)
    assert count(PostAssignment) == 1


def test_closing_with_equipment_out_warns_and_closes_only_when_confirmed(parade, post, cso):
    services.set_equipment(post, "cones", 10, 7)
    refused(Problem.RECOVERED_MORE, services.set_equipment, post, "flares", 2, 3)
    assignment = services.assign(post, parade.periods[0], cso.id)
    services.go_on_post(assignment, cso)
    refused(Problem.NOT_RECOVERED, services.close, parade)
    assert parade.closed_at is None
    outstanding = services.close(parade, close_anyway=True)
    assert [(row.item, row.outstanding) for row in outstanding] == [("cones", 3)]
    db.session.refresh(assignment)
    assert parade.closed_at is not None and assignment.relieved_at is not None
    refused(Problem.CLOSED, services.add_entry, parade, cso, "too late")


def test_closing_with_everything_recovered_needs_no_confirmation(parade, post):
    services.set_equipment(post, "barricades", 4, 4)
    assert services.close(parade) == []
    assert services.state_of(parade) is services.IncidentState.CLOSED


def test_every_board_change_changes_the_token(parade, post, cso):
    token = board.board_token(parade)
    services.add_entry(parade, cso, "southbound lane reopened", post_id=post.id)
    assert board.board_token(parade) != token
    # The minute changes it too (the "for how long").
    assert board.board_token(parade, utcnow() + timedelta(minutes=1)) != board.board_token(parade)


def test_the_board_shows_who_is_on_post_and_who_is_not(parade, post, cso, cso2):
    empty = make_post(parade, name="Hunter Square")
    on = services.assign(post, parade.periods[0], cso.id)
    services.assign(empty, parade.periods[0], cso2.id)
    services.go_on_post(on, cso)
    services.add_entry(parade, cso, "crowd gathering at the corner")
    shown = board.board(parade)
    rows = {row.post.name: row for row in shown.rows}
    assert rows[post.name].on_post == [(cso.id, 0)]  # on post for 0 minutes so far
    assert rows["Hunter Square"].waiting == [cso2.id]
    assert shown.not_on_post == [(cso2.id, None)]
    assert shown.unstaffed == 1
    assert [entry.text for entry in shown.entries] == ["crowd gathering at the corner"]


def test_an_entry_for_a_post_of_another_incident_is_kept_without_the_post(parade, cso, senior):
    other = make_post(make_incident(senior, name="Other"))
    entry = services.add_entry(parade, cso, "lane reopened", post_id=other.id)
    assert entry.post_id is None and count(ActivityEntry) == 1


def test_ics214_lists_everyone_with_their_times_and_the_log(parade, post, cso, cso2):
    second = make_post(parade, name="Hunter Square", role="crowd_control")
    first = services.assign(post, parade.periods[0], cso.id)
    other = services.assign(second, parade.periods[0], cso2.id)
    services.go_on_post(first, cso)
    services.go_on_post(other, cso2)
    services.add_entry(parade, cso, "southbound lane reopened", post_id=post.id)
    services.relieve(first, cso)
    form = board.ics214(parade, parade.periods[0])
    assert [r.name for r in form["resources"]] == ["Dana Reyes", "Lee Park"]
    assert form["resources"][0].relieved_at is not None
    activities = [line.activity for line in form["log"]]
    assert "southbound lane reopened" in activities
    assert activities.count("On post") == 2 and activities.count("Relieved") == 1


def test_each_period_s_log_holds_the_entries_of_its_stretch_and_the_gaps_after_it(parade, cso):
    now = utcnow().replace(microsecond=0)
    hours = lambda n: now - timedelta(hours=n)  # noqa: E731
    early = services.add_period(parade, hours(10), hours(8))
    later = services.add_period(parade, hours(6), hours(5))
    for text, at in (("before all", 12), ("in early", 9), ("gap 1", 7), ("in later", 5.5)):
        services.add_entry(parade, cso, text, at=hours(at))
    services.add_entry(parade, cso, "gap 2", at=hours(3))
    services.add_entry(parade, cso, "in the first period", at=now)
    every = board.activity_log(parade)
    logs = {p.id: [line.activity for line in board.activity_log(parade, p)] for p in parade.periods}
    for period in parade.periods:  # the same lines as the whole log's, for every period
        assert logs[period.id] == [line.activity for line in every if line.period_id == period.id]
    assert logs[early.id] == ["before all", "in early", "gap 1"]
    assert logs[later.id] == ["in later", "gap 2"]


def test_the_csv_log_neutralises_formulas(parade, cso):
    services.add_entry(parade, cso, '=HYPERLINK("http://x")')
    lines = list(board.csv_lines(parade))
    assert lines[0].startswith("time,operational_period,post,person,activity")
    assert "'=HYPERLINK" in lines[1]


def _session(**overrides):
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    return {
        "officer_name": "Officer Chan",
        "badge_number": "4417",
        "started_at": start,
        "ended_at": start + timedelta(minutes=90),
        "contacts": 5,
        "warnings": 3,
        "referrals": 1,
        "notes": None,
        **overrides,
    }


@pytest.fixture
def problem(request_context, senior):
    made, _created = enforcement.designate(
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
    return made


def test_a_session_without_the_badge_number_is_refused_and_nothing_is_kept(problem, cso):
    for content, problem_code in (
        (_session(badge_number=" "), Problem.BADGE_REQUIRED),
        (_session(officer_name=""), Problem.OFFICER_REQUIRED),
        (_session(ended_at=_session()["started_at"]), Problem.END_BEFORE_START),
    ):
        refused(
            problem_code,
            enforcement.record_session,
            problem,
            client_uuid=uuid.uuid4(),
            content=content,
            author=cso,
        )
    assert count(EnforcementSession) == 0


def test_the_problem_summary_adds_up_its_sessions(problem, cso):
    for content in (_session(), _session(contacts=2, warnings=0, referrals=0)):
        enforcement.record_session(problem, client_uuid=uuid.uuid4(), content=content, author=cso)
    summary = enforcement.summary(problem)
    assert (summary.sessions, summary.contacts, summary.warnings, summary.referrals) == (2, 7, 3, 1)
    assert summary.minutes == 180


def test_a_problem_designated_until_yesterday_is_refused(request_context, senior):
    with pytest.raises(TrafficError) as raised:
        enforcement.designate(
            client_uuid=uuid.uuid4(),
            content={"title": "Old", "until": department_today() - timedelta(days=1)},
            author=senior,
        )
    assert raised.value.problem is Problem.UNTIL_IN_PAST


def _at_local(day, hour, minute=0):
    """A department-local time on `day`, as the naive UTC stored."""
    from datetime import datetime, time

    from flask_babel import to_utc

    return to_utc(datetime.combine(day, time(hour, minute)))


def _session_at(problem, author, start, minutes=60, **counts):
    counts = {"contacts": 0, "warnings": 0, "referrals": 0, **counts}
    content = _session(started_at=start, ended_at=start + timedelta(minutes=minutes), **counts)
    enforcement.record_session(problem, client_uuid=uuid.uuid4(), content=content, author=author)


def test_the_summary_per_week_follows_the_departments_weeks(problem, senior, cso):
    from datetime import date

    today = date(2026, 11, 18)  # a Wednesday; its week starts on Monday 16 November
    _session_at(problem, cso, _at_local(date(2026, 11, 16), 9), 90, contacts=4, warnings=2)
    _session_at(problem, cso, _at_local(date(2026, 11, 17), 14), 30, contacts=1, referrals=1)
    # Sunday 23:30 in Stockton is Monday in UTC: it still belongs to the week before.
    _session_at(problem, cso, _at_local(date(2026, 11, 15), 23, 30), 20, contacts=2)
    _session_at(problem, cso, _at_local(date(2026, 8, 3), 9), contacts=9)  # 15 weeks ago
    other = _problem(senior, "Blocked hydrants")
    _session_at(other, cso, _at_local(date(2026, 11, 16), 10), contacts=7)

    weeks = enforcement.over_time(problem, enforcement.Grain.WEEK, today)

    assert len(weeks) == enforcement.PERIODS_SHOWN
    assert weeks[-1].start == date(2026, 11, 16) and weeks[0].start == date(2026, 8, 31)
    this_week, last_week = weeks[-1].totals, weeks[-2].totals
    assert (this_week.sessions, this_week.contacts, this_week.warnings) == (2, 5, 2)
    assert (this_week.referrals, this_week.minutes) == (1, 120)
    assert (last_week.sessions, last_week.contacts, last_week.minutes) == (1, 2, 20)
    assert sum(week.totals.sessions for week in weeks) == 3  # August's is older than 12 weeks


def test_the_summary_per_month_and_its_chart(problem, cso):
    from datetime import date

    today = date(2026, 11, 18)
    _session_at(problem, cso, _at_local(date(2026, 11, 2), 9), 60, contacts=6)
    _session_at(problem, cso, _at_local(date(2026, 10, 31), 22), 45, contacts=3)
    _session_at(problem, cso, _at_local(date(2025, 11, 30), 9), contacts=8)  # 12 months back

    months = enforcement.over_time(problem, enforcement.Grain.MONTH, today)

    assert [m.start for m in months[-2:]] == [date(2026, 10, 1), date(2026, 11, 1)]
    assert months[0].start == date(2025, 12, 1)
    assert [m.totals.contacts for m in months[-2:]] == [3, 6]
    assert months[-2].totals.minutes == 45
    bars = enforcement.chart_bars(months, enforcement.Measure.CONTACTS)
    assert bars[-1].width == 1 and bars[-2].width == 0.5 and bars[0].width == 0
    hours = enforcement.chart_bars(months, enforcement.Measure.MINUTES)
    assert hours[-2].value == "0.8"  # 45 minutes, in hours


def _problem(author, title):
    made, _created = enforcement.designate(
        client_uuid=uuid.uuid4(),
        content={"title": title, "until": department_today() + timedelta(days=10)},
        author=author,
    )
    return made


def test_an_admin_without_a_field_role_is_neither_assigned_nor_handed_a_post(
    parade, post, cso, users
):
    admin = users.admin()
    refused(Problem.NOT_FIELD_STAFF, services.assign, post, parade.periods[0], admin.id)
    assignment = services.assign(post, parade.periods[0], cso.id)
    services.go_on_post(assignment, cso)
    refused(Problem.NOT_FIELD_STAFF, services.hand_over, assignment, cso, admin.id)
    db.session.refresh(assignment)
    assert assignment.on_post and count(PostAssignment) == 1
