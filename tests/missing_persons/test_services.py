"""Every deadline computed from the report time (or the found time), steps turning red and
overdue, who may open a juvenile's record, and the Today countdowns."""

from datetime import timedelta

from cso_field.districts.shifts import start_shift
from cso_field.extensions import db
from cso_field.missing_persons import services
from cso_field.missing_persons.models import Poster, StepKind
from cso_field.settings import set_setting
from tests.missing_persons.helpers import REPORTED, take


def _due(report) -> dict:
    return {step.kind: step.due_at for step in report.steps}


def test_under_21_gets_the_bolo_and_the_two_hour_doj_entry(app, users):
    report = take(users.cso(), years=19)
    assert _due(report) == {
        "bolo": REPORTED + timedelta(minutes=30),
        "doj_entry": REPORTED + timedelta(hours=2),
    }


def test_an_at_risk_adult_gets_them_too_and_a_safe_adult_none(app, users):
    cso = users.cso()
    at_risk = take(cso, years=70, at_risk=["impaired"], report_type="dependent_adult")
    assert _due(at_risk)["doj_entry"] == REPORTED + timedelta(hours=2)
    assert _due(take(cso, years=40, report_type="voluntary_adult")) == {}
    # 21 exactly is an adult for PC 14211
    assert _due(take(cso, years=21)) == {}


def test_deadlines_follow_the_settings(app, users):
    set_setting("missing_persons.doj_entry_minutes", 60)
    db.session.commit()
    assert _due(take(users.cso(), years=8))["doj_entry"] == REPORTED + timedelta(hours=1)


def test_a_step_turns_red_before_it_is_due_then_overdue(app, users):
    report = take(users.cso(), years=10)
    doj = next(step for step in report.steps if step.kind == "doj_entry")
    assert services.countdown(doj, REPORTED + timedelta(minutes=10)).state == "pending"
    soon = services.countdown(doj, REPORTED + timedelta(minutes=95))
    assert (soon.state, soon.minutes) == ("due_soon", 25)
    late = services.countdown(doj, REPORTED + timedelta(minutes=121))
    assert late.state == "overdue" and late.minutes < 0
    assert [s.kind for s in services.overdue_steps(REPORTED + timedelta(minutes=121))] == [
        "bolo",
        "doj_entry",
    ]


def test_a_step_is_closed_with_its_number_and_the_found_steps_start(app, users):
    cso = users.cso()
    report = take(cso, years=10)
    entered = REPORTED + timedelta(minutes=50)
    services.close_step(
        report, StepKind.DOJ_ENTRY, cso, done_at=entered, record_number="M123", note=None
    )
    found_at = REPORTED + timedelta(days=1)
    db.session.add(
        Poster(report_id=report.id, language="es", contact_phone="1", created_by_id=cso.id)
    )
    db.session.commit()
    services.mark_found(report, cso, found_at=found_at, place="Library", notified="Mother")
    db.session.refresh(report)
    due = _due(report)
    assert due["mups_removal"] == found_at + timedelta(hours=1)
    assert due["agency_notice"] == found_at + timedelta(hours=24)
    doj = next(step for step in report.steps if step.kind == "doj_entry")
    assert (doj.done_at, doj.done_by_id, doj.record_number) == (entered, cso.id, "M123")
    assert db.session.query(Poster).one().withdrawn_at == found_at


def test_a_doj_entry_needs_its_record_number(app, users):
    cso = users.cso()
    report = take(cso, years=10)
    try:
        services.close_step(
            report, StepKind.DOJ_ENTRY, cso, done_at=REPORTED, record_number="", note=None
        )
    except services.MissingPersonError as error:
        assert error.code == "number"
    else:
        raise AssertionError("closed without a number")


def test_a_juvenile_record_opens_only_for_those_with_a_need_to_know(app, users):
    taker, other, searcher = users.cso(), users.cso(), users.cso()
    senior, admin = users.senior(), users.admin()
    child = take(taker, years=10)
    adult = take(taker, years=30)
    services.assign_searcher(child, searcher, senior)
    assert [services.can_open(u, child) for u in (taker, searcher, senior, admin)] == [True] * 4
    assert not services.can_open(other, child)
    assert services.shown_name(other, child) is None
    assert services.can_open(other, adult) and services.shown_name(other, adult) == "Maria Child"


def test_today_shows_the_takers_steps_and_every_step_to_a_senior_on_shift(app, users):
    taker, other, senior = users.cso(), users.cso(), users.senior()
    take(taker, years=10)
    assert [c.step.kind for c in services.open_steps_for(taker)] == ["bolo", "doj_entry"]
    assert services.open_steps_for(other) == []
    assert services.open_steps_for(senior) == []  # not on shift
    start_shift(senior, None, senior)
    assert len(services.open_steps_for(senior)) == 2


def test_the_daily_command_lists_overdue_steps_without_names(app, users):
    report = take(users.cso(), years=10, full_name="Hidden Name")
    result = app.test_cli_runner().invoke(args=["missing-persons", "overdue"])
    assert result.exit_code == 1  # REPORTED is in the past: both steps are overdue
    assert f"{report.reference}\tbolo" in result.output and "doj_entry" in result.output
    assert "Hidden Name" not in result.output and "2 overdue steps." in result.output
