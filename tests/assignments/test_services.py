"""Assignments as plain functions: giving work, who sees and works it (their own, or their
district's while on shift there), accept, complete with a linked record or an outcome,
reassign, overdue, and Today's list."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from cso_field.assignments import services
from cso_field.assignments.services import AssignmentError, State, Work
from cso_field.audit.models import AuditEvent
from cso_field.districts.shifts import end_shift, start_shift
from cso_field.extensions import db
from cso_field.records.registry import OVERDUE_WORK
from cso_field.timeutil import department_today, utcnow
from tests.factories import make_check, visit


def work(kind="deliver_message", assignee=None, district=None, hours=2, **extra) -> Work:
    return Work(
        kind=kind,
        description="Deliver the letter",
        address="1 Main St",
        priority=extra.pop("priority", "normal"),
        due_at=utcnow() + timedelta(hours=hours),
        assignee_id=assignee.id if assignee else None,
        district_id=district.id if district else None,
        **extra,
    )


def actions(object_id) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "assignment", AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        )
    )


def test_kinds_are_the_registered_record_types_and_the_free_tasks(ctx):
    kinds = dict(services.kinds())
    assert "check_visit" in kinds and "field_note" in kinds
    assert {"deliver_message", "transport_item", "school_event", "translation"} <= set(kinds)
    assert services.kind_label("check_visit") == "Check visit"


def test_only_a_supervisor_assigns_and_the_target_must_be_one_person_or_district(
    users, districts, ctx
):
    senior, cso = users.senior(), users.cso()
    with pytest.raises(AssignmentError) as refused:
        services.assign(work(assignee=cso), cso)
    assert refused.value.code == "not_supervisor"
    for bad in (work(), work(assignee=cso, district=districts["North"])):
        with pytest.raises(AssignmentError) as refused:
            services.assign(bad, senior)
        assert refused.value.code == "one_target"
    with pytest.raises(AssignmentError) as refused:
        services.assign(work(assignee=users.admin()), senior)
    assert refused.value.code == "not_field"
    with pytest.raises(AssignmentError) as refused:
        services.assign(work(kind="translation", assignee=cso), senior)
    assert refused.value.code == "translation_language"
    with pytest.raises(AssignmentError):
        services.assign(work(kind="no_such_kind", assignee=cso), senior)
    assert db.session.scalar(select(services.Assignment.id)) is None


def test_the_assignee_accepts_and_completes_with_the_visit_they_made(users, districts, ctx):
    senior, cso, other = users.senior(), users.cso(), users.cso()
    made = services.assign(work(kind="check_visit", assignee=cso), senior)
    assert made.state == State.OPEN
    with pytest.raises(AssignmentError) as refused:
        services.accept(made, other)
    assert refused.value.code == "not_yours"
    with pytest.raises(AssignmentError) as refused:
        services.complete(made, cso, record_id=None, outcome="Done")
    assert refused.value.code == "not_accepted"
    services.accept(made, cso)
    check = make_check()
    theirs, mine = visit(check, other), visit(check, cso)
    assert [record.id for record in services.recent_records("check_visit", cso)] == [mine.id]
    with pytest.raises(AssignmentError) as refused:  # someone else's visit is not a result
        services.complete(made, cso, record_id=theirs.id, outcome=None)
    assert refused.value.code == "not_your_record"
    with pytest.raises(AssignmentError) as refused:
        services.complete(made, cso, record_id=None, outcome="  ")
    assert refused.value.code == "no_result"
    services.complete(made, cso, record_id=mine.id, outcome=None)
    assert (made.state, made.record_type, made.record_id) == ("done", "check_visit", mine.id)
    assert services.linked_record(made).id == mine.id
    assert actions(made.id) == ["assignment.create", "assignment.accept", "assignment.complete"]


def test_district_work_goes_to_whoever_is_on_shift_there(users, districts, ctx):
    senior = users.senior()
    north_cso, south_cso, off_duty = users.cso(), users.cso(), users.cso()
    start_shift(north_cso, districts["North"], north_cso)
    start_shift(south_cso, districts["South"], south_cso)
    made = services.assign(work(district=districts["North"]), senior)
    assert services.may_see(north_cso, made) and services.may_work(north_cso, made)
    assert not services.may_see(south_cso, made) and not services.may_see(off_duty, made)
    assert [a.id for a in services.for_today(north_cso)] == [made.id]
    assert services.for_today(south_cso) == [] and services.for_today(off_duty) == []
    with pytest.raises(AssignmentError):
        services.accept(made, south_cso)
    services.accept(made, north_cso)
    assert made.assignee_id == north_cso.id  # taken: now the officer's own
    end_shift(north_cso, north_cso)
    assert services.may_see(north_cso, made)  # their own stays theirs after the shift


def test_a_shift_ends_the_district_work_it_showed(users, districts, ctx):
    senior, cso = users.senior(), users.cso()
    start_shift(cso, districts["South"], cso)
    made = services.assign(work(district=districts["South"]), senior)
    assert services.for_today(cso)
    end_shift(cso, cso)
    assert services.for_today(cso) == [] and not services.may_see(cso, made)


def test_overdue_and_counts_for_the_senior(users, districts, ctx):
    senior, cso = users.senior(), users.cso()
    late = services.assign(work(assignee=cso, hours=-1), senior)
    soon = services.assign(work(assignee=cso, hours=3), senior)
    services.accept(soon, cso)
    assert services.is_overdue(late) and not services.is_overdue(soon)
    counts = services.team_counts()
    assert (counts.live, counts.overdue, counts.unaccepted) == (2, 1, 1)
    rows, more = services.listing(senior, "overdue", 1)
    assert [row.id for row in rows] == [late.id] and not more
    assert [row.id for row in services.listing(senior, "unaccepted", 1)[0]] == [late.id]
    assert [row.id for row in services.for_today(cso)] == [late.id, soon.id]  # soonest due


def test_overdue_work_is_counted_in_district_numbers(users, districts, ctx):
    north, south = districts["North"], districts["South"]
    senior = users.senior()
    services.assign(work(district=north, hours=-1), senior)
    services.assign(work(district=north, hours=3), senior)
    services.assign(work(district=south, hours=-1), senior)
    today = department_today()
    first, last = today - timedelta(days=2), today + timedelta(days=1)
    assert services.overdue_totals(north.id, first, last) == {(OVERDUE_WORK, ""): (1, 0)}
    assert services.overdue_totals(None, first, last) == {(OVERDUE_WORK, ""): (2, 0)}
    assert services.overdue_totals(None, first - timedelta(days=9), first - timedelta(days=3)) == {
        (OVERDUE_WORK, ""): (0, 0)
    }


def test_reassigning_starts_the_work_again_and_is_audited(users, districts, ctx):
    senior, first, second = users.senior(), users.cso(), users.cso()
    made = services.assign(work(assignee=first), senior)
    services.accept(made, first)
    with pytest.raises(AssignmentError) as refused:
        services.reassign(made, first, assignee_id=second.id, district_id=None)
    assert refused.value.code == "not_supervisor"
    with pytest.raises(AssignmentError) as refused:
        services.reassign(made, senior, assignee_id=first.id, district_id=None)
    assert refused.value.code == "same_target"
    services.reassign(made, senior, assignee_id=second.id, district_id=None)
    assert (made.assignee_id, made.state, made.accepted_at) == (second.id, "open", None)
    assert not services.may_see(first, made)
    assert actions(made.id)[-1] == "assignment.reassign"
    services.accept(made, second)
    services.complete(made, second, record_id=None, outcome="Delivered")
    with pytest.raises(AssignmentError) as refused:
        services.reassign(made, senior, assignee_id=first.id, district_id=None)
    assert refused.value.code == "done"


def test_todays_list_is_one_bounded_query(users, districts, ctx):
    senior, cso = users.senior(), users.cso()
    start_shift(cso, districts["North"], cso)
    for hours in range(services.TODAY_LIMIT + 3):
        services.assign(work(assignee=cso, hours=hours + 1), senior)
    statements = []
    assert cso.role == "cso"  # loaded, as the request's user is
    engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        shown = services.for_today(cso)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(shown) == services.TODAY_LIMIT
    assert len(statements) == 1
