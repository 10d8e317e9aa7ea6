"""Assignments as plain functions: the one state enum (open → accepted → done), who may see
and act on one, assigning, accepting, completing (with a linked record or an outcome) and
reassigning, the lists (Today's, the Senior CSO's), and the registration.

Each function that writes is one unit of work: the assignment and its audit row commit
together, or not at all.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, true

from cso_field import audit
from cso_field.assignments.models import Assignment
from cso_field.auth.models import User
from cso_field.database import lock_for_update, write_transaction
from cso_field.districts.models import District
from cso_field.districts.shifts import current_shift, on_shift_district_ids
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.records import registry
from cso_field.records.models import SoftDeleted
from cso_field.roles import FIELD_ROLES, SUPERVISORS, Role
from cso_field.timeutil import day_start_utc, utcnow

LIST_LIMIT = 25
TODAY_LIMIT = 10
RECENT_RECORDS = 10


class State(LabelledEnum):
    OPEN = "open", _l("Not accepted yet")
    ACCEPTED = "accepted", _l("Accepted")
    DONE = "done", _l("Completed")


class Priority(LabelledEnum):
    URGENT = "urgent", _l("Urgent")
    HIGH = "high", _l("High")
    NORMAL = "normal", _l("Normal")
    LOW = "low", _l("Low")


# Work that is no record: the kinds a Senior CSO picks besides the record types.
TASKS = {
    "deliver_message": _l("Deliver a message"),
    "transport_item": _l("Transport an item"),
    "school_event": _l("School event"),
    "translation": _l("Translation"),
    "other_task": _l("Other task"),
    "fingerprinting": _l("Fingerprinting appointment"),
}
TRANSLATION = "translation"
LIVE = (State.OPEN.value, State.ACCEPTED.value)


def _live():
    """Open or accepted: not completed (the indexes lead with completed_at for this)."""
    return Assignment.completed_at.is_(None)


class AssignmentError(Exception):
    """A change the rules refuse; `code` picks the message shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def kinds() -> list[tuple[str, str]]:
    """(kind, label) of every kind of work: each registered record type, then the tasks."""
    records = sorted(
        ((name, str(kind.label)) for name, kind in registry.RECORD_TYPES.items()),
        key=lambda pair: pair[1],
    )
    return records + [(name, str(label)) for name, label in TASKS.items()]


def kind_label(kind: str) -> str:
    if kind in registry.RECORD_TYPES:
        return str(registry.RECORD_TYPES[kind].label)
    return str(TASKS.get(kind, kind))


def priority_label(priority: str) -> str:
    try:
        return Priority(priority).label
    except ValueError:
        return priority


def is_overdue(assignment: Assignment, now: datetime | None = None) -> bool:
    return assignment.state != State.DONE and assignment.due_at < (now or utcnow())


# -- Who sees and acts on what ------------------------------------------------------------------


def visible_to(user: User):
    """A WHERE clause: what `user` may see. Supervisors see every assignment; anyone else
    their own and, while on shift in a district, that district's unclaimed work."""
    if user.role in SUPERVISORS:
        return true()
    return or_(
        Assignment.assignee_id == user.id,
        and_(
            Assignment.assignee_id.is_(None),
            Assignment.district_id.in_(on_shift_district_ids(user.id)),
        ),
    )


def may_see(user: User, assignment: Assignment) -> bool:
    if user.role in SUPERVISORS or assignment.assignee_id == user.id:
        return True
    return _on_shift_for(user, assignment)


def _on_shift_for(user: User, assignment: Assignment) -> bool:
    if assignment.assignee_id is not None or assignment.district_id is None:
        return False
    shift = current_shift(user.id)
    return shift is not None and shift.district_id == assignment.district_id


def may_work(user: User, assignment: Assignment) -> bool:
    """The assignee, or (for district work nobody has taken) whoever is on shift there."""
    return assignment.assignee_id == user.id or _on_shift_for(user, assignment)


# -- Writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What the Senior CSO gives: the form's cleaned values."""

    kind: str
    description: str
    address: str | None
    priority: str
    due_at: datetime  # naive UTC
    assignee_id: int | None
    district_id: int | None
    language: str | None = None


def _check_target(assignee_id: int | None, district_id: int | None) -> None:
    if (assignee_id is None) == (district_id is None):
        raise AssignmentError("one_target")
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not assignee.is_active_account or assignee.role not in FIELD_ROLES:
            raise AssignmentError("not_field")
    if district_id is not None and db.session.get(District, district_id) is None:
        raise AssignmentError("no_district")


def _check_work(work: Work) -> None:
    if work.kind not in registry.RECORD_TYPES and work.kind not in TASKS:
        raise AssignmentError("unknown_kind")
    if work.kind == TRANSLATION and not work.language:
        raise AssignmentError("translation_language")
    _check_target(work.assignee_id, work.district_id)


def assign(work: Work, by: User) -> Assignment:
    """A Senior CSO gives work to a CSO or to whoever is on shift in a district; commits."""
    if by.role not in SUPERVISORS:
        raise AssignmentError("not_supervisor")
    _check_work(work)
    with write_transaction():
        assignment = Assignment(
            kind=work.kind,
            description=work.description.strip(),
            address=(work.address or "").strip() or None,
            priority=work.priority,
            due_at=work.due_at,
            language=work.language if work.kind == TRANSLATION else None,
            assignee_id=work.assignee_id,
            district_id=work.district_id,
            state=State.OPEN.value,
            created_by_id=by.id,
        )
        db.session.add(assignment)
        db.session.flush()
        audit.record(
            "assignment.create",
            object_type="assignment",
            object_id=assignment.id,
            detail=_target_detail(assignment),
        )
    return assignment


def _target_detail(assignment: Assignment) -> str:
    if assignment.assignee_id is not None:
        return f"{assignment.kind} to user {assignment.assignee_id}"
    return f"{assignment.kind} to district {assignment.district_id}"


def accept(assignment: Assignment, user: User) -> Assignment:
    """The CSO takes the work: district work becomes theirs. Commits."""
    lock_for_update(assignment)
    try:
        if not may_work(user, assignment):
            raise AssignmentError("not_yours")
        if assignment.state != State.OPEN:
            raise AssignmentError("not_open")
        assignment.state = State.ACCEPTED.value
        assignment.assignee_id = user.id
        assignment.accepted_at = utcnow()
        audit.record("assignment.accept", object_type="assignment", object_id=assignment.id)
    except AssignmentError:
        db.session.rollback()
        raise
    db.session.commit()
    return assignment


def recent_records(kind: str, user: User) -> list:
    """The user's newest live records of the assignment's kind, to link as its result."""
    registered = registry.RECORD_TYPES.get(kind)
    if registered is None:
        return []
    model = registered.model
    query = select(model).where(model.created_by_id == user.id)
    if issubclass(model, SoftDeleted):
        query = query.where(model.deleted_at.is_(None))
    query = query.order_by(model.created_at.desc()).limit(RECENT_RECORDS)
    return list(db.session.scalars(query))


def linked_record(assignment: Assignment):
    """The record the work produced, if one was linked and the type is still registered."""
    if assignment.record_type is None or assignment.record_id is None:
        return None
    return registry.get_record(assignment.record_type, assignment.record_id)


def _linked_record(assignment: Assignment, record_id: int | None, user: User):
    if record_id is None:
        return None
    record = registry.get_record(assignment.kind, record_id)
    if record is None or record.created_by_id != user.id or getattr(record, "deleted_at", None):
        raise AssignmentError("not_your_record")
    return record


def complete(
    assignment: Assignment, user: User, *, record_id: int | None, outcome: str | None
) -> Assignment:
    """The CSO completes the work with the record it produced or the outcome; commits."""
    lock_for_update(assignment)
    try:
        if assignment.assignee_id != user.id:
            raise AssignmentError("not_yours")
        if assignment.state != State.ACCEPTED:
            raise AssignmentError("not_accepted")
        record = _linked_record(assignment, record_id, user)
        outcome = (outcome or "").strip() or None
        if record is None and outcome is None:
            raise AssignmentError("no_result")
        assignment.state = State.DONE.value
        assignment.completed_at = utcnow()
        assignment.outcome = outcome
        if record is not None:
            assignment.record_type, assignment.record_id = assignment.kind, record.id
        audit.record(
            "assignment.complete",
            object_type="assignment",
            object_id=assignment.id,
            detail=getattr(record, "reference", None),
        )
    except AssignmentError:
        db.session.rollback()
        raise
    db.session.commit()
    return assignment


def reassign(
    assignment: Assignment, by: User, *, assignee_id: int | None, district_id: int | None
) -> Assignment:
    """A Senior CSO gives unfinished work to someone else (or a district): it starts again
    as not accepted. Commits."""
    if by.role not in SUPERVISORS:
        raise AssignmentError("not_supervisor")
    lock_for_update(assignment)
    try:
        if assignment.state == State.DONE:
            raise AssignmentError("done")
        _check_target(assignee_id, district_id)
        if (assignee_id, district_id) == (assignment.assignee_id, assignment.district_id):
            raise AssignmentError("same_target")
        assignment.assignee_id, assignment.district_id = assignee_id, district_id
        assignment.state, assignment.accepted_at = State.OPEN.value, None
        audit.record(
            "assignment.reassign",
            object_type="assignment",
            object_id=assignment.id,
            detail=_target_detail(assignment),
        )
    except AssignmentError:
        db.session.rollback()
        raise
    db.session.commit()
    return assignment


# -- Lists --------------------------------------------------------------------------------------


def _live_first():
    """Open and accepted work soonest due first, then completed work newest first."""
    return (
        case((Assignment.state == State.DONE.value, 1), else_=0),
        case((Assignment.state == State.DONE.value, None), else_=Assignment.due_at),
        Assignment.completed_at.desc(),
        Assignment.id.desc(),
    )


def for_today(user: User) -> list[Assignment]:
    """The officer's open and accepted work, soonest due first: one indexed query."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(visible_to(user), _live())
            .order_by(Assignment.due_at)
            .limit(TODAY_LIMIT)
        )
    )


@dataclass(frozen=True)
class TeamCounts:
    overdue: int
    unaccepted: int
    live: int


def team_counts(now: datetime | None = None) -> TeamCounts:
    """For the Senior CSO's Today card: live work, overdue and not accepted (one query)."""
    now = now or utcnow()
    row = db.session.execute(
        select(
            func.count(Assignment.id),
            func.count(case((Assignment.due_at < now, 1))),
            func.count(case((Assignment.state == State.OPEN.value, 1))),
        ).where(_live())
    ).one()
    return TeamCounts(overdue=row[1], unaccepted=row[2], live=row[0])


FILTERS = {
    "live": _l("Open"),
    "overdue": _l("Overdue"),
    "unaccepted": _l("Not accepted"),
    "done": _l("Completed"),
}


def listing(user: User, show: str, page: int) -> tuple[list[Assignment], bool]:
    """A page of what the user may see, filtered; (rows, more)."""
    query = select(Assignment).where(visible_to(user))
    if show == "done":
        query = query.where(Assignment.state == State.DONE.value).order_by(
            Assignment.completed_at.desc(), Assignment.id.desc()
        )
    else:
        states = (State.OPEN.value,) if show == "unaccepted" else LIVE
        query = query.where(Assignment.state.in_(states)).order_by(Assignment.due_at, Assignment.id)
        if show == "overdue":
            query = query.where(Assignment.due_at < utcnow())
    rows = db.session.scalars(query.offset((page - 1) * LIST_LIMIT).limit(LIST_LIMIT + 1)).all()
    return list(rows[:LIST_LIMIT]), len(rows) > LIST_LIMIT


def current_for(user_ids: list[int]) -> dict[int, Assignment]:
    """{user id: the accepted (else open) work due soonest} for a page of officers."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(Assignment).where(Assignment.assignee_id.in_(user_ids), _live())
    )
    current: dict[int, Assignment] = {}
    for row in sorted(
        rows, key=lambda row: row.due_at, reverse=True
    ):  # latest due first: the soonest, accepted preferred, wins
        held = current.get(row.assignee_id)
        if held is None or row.state == State.ACCEPTED or held.state != State.ACCEPTED:
            current[row.assignee_id] = row
    return current


def names(assignments: list[Assignment]) -> dict:
    """{("user", id) or ("district", id): name} for the people and districts on a page."""
    user_ids = {a.assignee_id for a in assignments if a.assignee_id} | {
        a.created_by_id for a in assignments
    }
    district_ids = {a.district_id for a in assignments if a.district_id}
    found = {}
    if user_ids:
        for user_id, name in db.session.execute(
            select(User.id, User.display_name).where(User.id.in_(user_ids))
        ):
            found[("user", user_id)] = name
    if district_ids:
        for district_id, name in db.session.execute(
            select(District.id, District.name).where(District.id.in_(district_ids))
        ):
            found[("district", district_id)] = name
    return found


def field_staff() -> list[tuple[int, str]]:
    """(id, name) of the active CSOs and Senior CSOs, by name: who work can go to."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.is_active_account.is_(True), User.role.in_([r.value for r in FIELD_ROLES]))
        .order_by(User.display_name, User.id)
    ).all()
    return [(row.id, row.display_name) for row in rows]


# -- The registration ---------------------------------------------------------------------------


def _today_card() -> dict:
    from flask_login import current_user

    now = utcnow()
    if current_user.role in SUPERVISORS:
        return {"team": team_counts(now), "mine": None, "now": now, "attention": False}
    mine = for_today(current_user)
    attention = any(a.state == State.OPEN or a.due_at < now for a in mine)
    return {"team": None, "mine": mine, "now": now, "attention": attention}


def overdue_totals(district_id: int | None, first: date, last: date) -> dict:
    """District numbers' overdue work: work due in the period that ran late (still not done
    after its due time, or done after it), by the district it was given to."""
    late = or_(
        and_(_live(), Assignment.due_at < utcnow()), Assignment.completed_at > Assignment.due_at
    )
    query = select(func.count()).where(
        Assignment.due_at >= day_start_utc(first),
        Assignment.due_at < day_start_utc(last + timedelta(days=1)),
        late,
    )
    if district_id is not None:
        query = query.where(Assignment.district_id == district_id)
    return {(registry.OVERDUE_WORK, ""): (db.session.scalar(query), 0)}


def register_assignments() -> None:
    registry.register_district_figures(
        registry.DistrictFigures(
            name="assignments",
            figures=(registry.Figure(registry.OVERDUE_WORK, _l("Overdue work")),),
            totals=overdue_totals,
            order=90,
        )
    )
    registry.register_today_card(
        registry.TodayCard(
            "assignments/_today_card.html",
            _today_card,
            frozenset({Role.CSO, Role.SENIOR_CSO}),
        )
    )
    registry.register_template_globals(
        assignment_kind_label=kind_label,
        assignment_overdue=is_overdue,
        assignment_priority_label=priority_label,
    )
    audit.register_labels(
        {
            "assignment.create": _l("Work assigned"),
            "assignment.accept": _l("Assignment accepted"),
            "assignment.complete": _l("Assignment completed"),
            "assignment.reassign": _l("Assignment reassigned"),
        }
    )
    audit.register_object_label("assignment", _l("Assignment"))


register_assignments()
