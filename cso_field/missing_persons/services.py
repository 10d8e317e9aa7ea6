"""Missing persons: taking a report, its deadlines, found, who may open it, and registration.

Deadlines (California Penal Code, the defaults of the settings below, which an admin may
shorten or lengthen):
- PC 14211: a report of a person under 21, or at risk (PC 14215), is broadcast as a "Be On
  the Lookout" bulletin without delay, and sent to the Department of Justice (MUPS, through
  CLETS) within two hours of receiving the report.
- PC 14213: when the person is found, the DOJ entry is removed immediately and the reporting
  agency is told within 24 hours.
The app does not talk to CLETS: a step is closed by recording that it was done, by whom, when,
and the MUPS/CLETS record number.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import begin_write
from cso_field.demo import register_demo
from cso_field.districts.services import locate
from cso_field.districts.shifts import current_shift
from cso_field.extensions import db
from cso_field.missing_persons.models import (
    MissingPerson,
    Poster,
    Searcher,
    State,
    Step,
    StepKind,
    age,
    is_juvenile,
)
from cso_field.missing_persons.reports import register_reports
from cso_field.records import services as records
from cso_field.records.models import LOCATION_FIELD_LABELS
from cso_field.records.registry import (
    RecordType,
    TodayCard,
    register,
    register_template_globals,
    register_today_card,
)
from cso_field.roles import ALL_ROLES, SUPERVISORS, Role
from cso_field.settings import get_setting, register_defaults, set_setting
from cso_field.timeutil import utcnow

LIST_LIMIT = 25
TODAY_LIMIT = 10


@dataclass(frozen=True)
class Deadline:
    setting: str  # the settings key holding the minutes
    minutes: int  # the statutory default
    source: object  # lazy translated: where the default comes from


DEADLINES = {
    StepKind.BOLO: Deadline(
        "missing_persons.bolo_minutes",
        30,
        _l('PC 14211: a "Be On the Lookout" bulletin without delay (30 minutes here).'),
    ),
    StepKind.DOJ_ENTRY: Deadline(
        "missing_persons.doj_entry_minutes",
        120,
        _l("PC 14211: to the Department of Justice within two hours of the report."),
    ),
    StepKind.MUPS_REMOVAL: Deadline(
        "missing_persons.mups_removal_minutes",
        60,
        _l(
            "PC 14213: the found person reported to the Department of Justice immediately "
            "(60 minutes here)."
        ),
    ),
    StepKind.AGENCY_NOTICE: Deadline(
        "missing_persons.agency_notice_minutes",
        24 * 60,
        _l("PC 14213: the reporting agency told within 24 hours of the person being found."),
    ),
}
UNDER_AGE_SETTING = "missing_persons.under_age"  # PC 14211: under 21
WARNING_SETTING = "missing_persons.warning_minutes"  # a step turns red this long before due
register_defaults(
    {
        **{deadline.setting: deadline.minutes for deadline in DEADLINES.values()},
        UNDER_AGE_SETTING: 21,
        WARNING_SETTING: 30,
    }
)
# Steps closed with a MUPS/CLETS record number.
NUMBERED = frozenset({StepKind.DOJ_ENTRY, StepKind.MUPS_REMOVAL})


class MissingPersonError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# -- Age and deadlines --------------------------------------------------------------------------


def needs_entry(report: MissingPerson) -> bool:
    """PC 14211: under 21 or at risk (any PC 14215 indicator): the BOLO and the DOJ entry."""
    return age(report) < int(get_setting(UNDER_AGE_SETTING)) or bool(report.at_risk)


def due_after(kind: StepKind, start: datetime) -> datetime:
    return start + timedelta(minutes=int(get_setting(DEADLINES[kind].setting)))


def report_steps(report: MissingPerson) -> dict[StepKind, datetime]:
    """The steps a new report gets, each with its due time from the report time."""
    if not needs_entry(report):
        return {}
    return {
        kind: due_after(kind, report.reported_at) for kind in (StepKind.BOLO, StepKind.DOJ_ENTRY)
    }


def found_steps(report: MissingPerson) -> dict[StepKind, datetime]:
    """When found: the MUPS removal (if it was entered) and the notice to the reporting agency,
    due from the found time."""
    steps = {StepKind.AGENCY_NOTICE: due_after(StepKind.AGENCY_NOTICE, report.found_at)}
    if any(step.kind == StepKind.DOJ_ENTRY for step in report.steps):
        steps[StepKind.MUPS_REMOVAL] = due_after(StepKind.MUPS_REMOVAL, report.found_at)
    return steps


@dataclass(frozen=True)
class Countdown:
    step: Step
    minutes: int  # minutes left (negative: overdue)
    state: str  # "done", "overdue", "due_soon" (red) or "pending"


def countdown(step: Step, now: datetime | None = None) -> Countdown:
    now = now or utcnow()
    minutes = int((step.due_at - now).total_seconds() // 60)
    if step.done_at is not None:
        state = "done"
    elif minutes < 0:
        state = "overdue"
    elif minutes < int(get_setting(WARNING_SETTING)):
        state = "due_soon"
    else:
        state = "pending"
    return Countdown(step, minutes, state)


def duration(minutes: int) -> str:
    """A countdown's time, e.g. "1 h 20 min", in the viewer's language."""
    hours, rest = divmod(max(minutes, 0), 60)
    if hours:
        return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)
    return gettext("%(minutes)d min", minutes=rest)


def countdowns(report: MissingPerson, now: datetime | None = None) -> list[Countdown]:
    return [countdown(step, now) for step in report.steps]


# -- Who may open a report ----------------------------------------------------------------------


def is_searcher(user: User, report: MissingPerson) -> bool:
    return (
        db.session.scalar(
            select(Searcher.id).where(Searcher.report_id == report.id, Searcher.user_id == user.id)
        )
        is not None
    )


def can_open(user: User, report: MissingPerson | None) -> bool:
    """Anyone on staff opens an adult's report; a juvenile's only its taker, its assigned
    searchers, Senior CSOs and admins (WIC 827). Deleted reports: admins only."""
    if report is None or not user.is_authenticated:
        return False
    if report.deleted_at is not None:
        return user.role == Role.ADMIN
    if not is_juvenile(report) or user.role in SUPERVISORS:
        return True
    return report.created_by_id == user.id or is_searcher(user, report)


def shown_name(user: User, report: MissingPerson) -> str | None:
    """The person's name where this user may see it; None for a juvenile they may not."""
    if is_juvenile(report) and not can_open(user, report):
        return None
    return report.full_name


def opened(report: MissingPerson, user: User) -> None:
    """Every view of a report is audited (and committed)."""
    audit.record(
        "missing_person.view",
        object_type="missing_person",
        object_id=report.id,
        actor=user,
        detail="juvenile" if is_juvenile(report) else None,
    )
    db.session.commit()


# -- Taking a report ----------------------------------------------------------------------------


def take_report(
    content: dict, *, client_uuid: uuid.UUID, author: User
) -> tuple[MissingPerson, bool]:
    """Save a report once per client UUID, with its deadline steps, and commit."""
    digest = records.submission_hash(content)
    content = {**content, "reported_at": content.get("reported_at") or utcnow()}
    place = (
        locate(content) if records.find_by_client_uuid(MissingPerson, client_uuid) is None else {}
    )
    begin_write()
    report, created = records.create_once(
        MissingPerson,
        client_uuid=client_uuid,
        digest=digest,
        author=author,
        **{**content, **place},
    )
    if not created:
        db.session.commit()
        return report, False
    for kind, due_at in report_steps(report).items():
        db.session.add(Step(report=report, kind=kind.value, due_at=due_at))
    records.add_version(
        report, author, "created", {"report_type": [None, report.report_type]}, first=True
    )
    audit.record("missing_person.create", object_type="missing_person", object_id=report.id)
    db.session.commit()
    return report, True


def close_step(
    report: MissingPerson,
    kind: StepKind,
    user: User,
    *,
    done_at: datetime,
    record_number: str | None,
    note: str | None,
) -> Step:
    """Record that a step was done (by whom, when, with its MUPS/CLETS number) and commit."""
    begin_write()
    step = db.session.scalar(
        select(Step).where(Step.report_id == report.id, Step.kind == kind.value)
    )
    if step is None:
        raise MissingPersonError("no_step")
    if step.done_at is not None:
        raise MissingPersonError("done")
    if kind in NUMBERED and not record_number:
        raise MissingPersonError("number")
    step.done_at, step.done_by_id = done_at, user.id
    step.record_number, step.note = record_number or None, note or None
    records.add_version(report, user, "step", {kind.value: [None, record_number or ""]})
    audit.record(
        "missing_person.step", object_type="missing_person", object_id=report.id, detail=kind.value
    )
    db.session.commit()
    return step


def mark_found(
    report: MissingPerson, user: User, *, found_at: datetime, place: str, notified: str
) -> None:
    """The person is found: the found steps start, posters are withdrawn; commit."""
    begin_write()
    if report.state != State.OPEN.value:
        raise MissingPersonError("found")
    report.state = State.FOUND.value
    report.found_at, report.found_place, report.found_notified = found_at, place, notified
    report.updated_at = utcnow()
    for kind, due_at in found_steps(report).items():
        db.session.add(Step(report=report, kind=kind.value, due_at=due_at))
    db.session.execute(  # a found person's posters come down
        update(Poster)
        .where(Poster.report_id == report.id, Poster.withdrawn_at.is_(None))
        .values(withdrawn_at=found_at)
    )
    records.add_version(report, user, "found", {"state": [State.OPEN.value, State.FOUND.value]})
    audit.record("missing_person.found", object_type="missing_person", object_id=report.id)
    db.session.commit()
    db.session.expire(report, ["steps"])


def save_settings(values: dict, by: User) -> dict:
    """Store the admin's deadlines and commit; returns {key: [old, new]} of what changed."""
    begin_write()
    changed = {
        key: [get_setting(key), value] for key, value in values.items() if get_setting(key) != value
    }
    for key, (_old, new) in changed.items():
        set_setting(key, new)
    if changed:
        audit.record(
            "settings.update",
            object_type="setting",
            actor=by,
            detail=", ".join(f"{key}: {old} -> {new}" for key, (old, new) in changed.items()),
        )
    db.session.commit()
    return changed


def assign_searcher(report: MissingPerson, searcher: User, by: User) -> bool:
    """Assign a CSO to the search (they may open the record); False if already assigned."""
    begin_write()
    if is_searcher(searcher, report):
        db.session.rollback()
        return False
    db.session.add(Searcher(report_id=report.id, user_id=searcher.id, assigned_by_id=by.id))
    audit.record(
        "missing_person.searcher",
        object_type="missing_person",
        object_id=report.id,
        detail=searcher.username,
    )
    db.session.commit()
    return True


def searchers(report: MissingPerson) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Searcher, Searcher.user_id == User.id)
            .where(Searcher.report_id == report.id)
            .order_by(User.display_name)
        )
    )


def searcher_choices() -> list[tuple[int, str]]:
    query = select(User).where(User.role.in_([Role.CSO.value, Role.SENIOR_CSO.value]))
    users = db.session.scalars(query.order_by(User.display_name).limit(200))
    return [(user.id, user.display_name) for user in users]


# -- Lists --------------------------------------------------------------------------------------


def list_reports(state: str, page: int) -> tuple[list[MissingPerson], bool]:
    """A page of reports in a state, the most recent report first."""
    query = records.live(select(MissingPerson), MissingPerson).where(MissingPerson.state == state)
    query = query.order_by(MissingPerson.reported_at.desc())
    rows = list(db.session.scalars(query.offset((page - 1) * LIST_LIMIT).limit(LIST_LIMIT + 1)))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def open_steps_for(user: User, now: datetime | None = None) -> list[Countdown]:
    """The open steps on this user's Today: of the reports they took; every report's for a
    Senior CSO on shift. Soonest due first."""
    query = (
        select(Step)
        .join(MissingPerson, MissingPerson.id == Step.report_id)
        .where(Step.done_at.is_(None), MissingPerson.deleted_at.is_(None))
    )
    on_shift_senior = user.role == Role.SENIOR_CSO and current_shift(user.id, now) is not None
    if not on_shift_senior:
        query = query.where(MissingPerson.created_by_id == user.id)
    steps = db.session.scalars(query.order_by(Step.due_at).limit(TODAY_LIMIT))
    return [countdown(step, now) for step in steps]


def overdue_steps(now: datetime | None = None) -> list[Step]:
    """Every open step past its due time, the longest overdue first (the daily command)."""
    now = now or utcnow()
    query = (
        select(Step)
        .join(MissingPerson, MissingPerson.id == Step.report_id)
        .where(Step.done_at.is_(None), Step.due_at < now, MissingPerson.deleted_at.is_(None))
        .order_by(Step.due_at)
    )
    return list(db.session.scalars(query))


def _today_card() -> dict:
    from flask_login import current_user

    return {"countdowns": open_steps_for(current_user)}


def _summary(report: MissingPerson) -> str:
    """No name: the summary shows in My records and History, which others may read."""
    return str(report.report_type_enum.label)


MISSING_PERSONS = register(
    RecordType(
        name="missing_person",
        model=MissingPerson,
        label=_l("Missing person report"),
        view_endpoint="missing_persons.view",
        list_endpoint="missing_persons.index",
        new_endpoint="missing_persons.new",
        description=_l("Take a missing person report: deadlines start at once."),
        summary=_summary,
        fields={
            "report_type": _l("Report type"),
            "state": _l("State"),
            **{kind.value: kind.lazy_label for kind in StepKind},
            **LOCATION_FIELD_LABELS,
        },
        may_delete=lambda user, report: user.role == Role.ADMIN,
    )
)
register_template_globals(countdown_duration=duration)
register_demo("missing_persons", "cso_field.missing_persons.demo:load_demo")

register_reports()
register_today_card(TodayCard("missing_persons/_today_card.html", _today_card, ALL_ROLES, order=0))
audit.register_labels(
    {
        "missing_person.create": _l("Missing person report taken"),
        "missing_person.view": _l("Missing person report opened"),
        "missing_person.step": _l("Missing person step recorded"),
        "missing_person.found": _l("Missing person found"),
        "missing_person.searcher": _l("Searcher assigned"),
        "missing_person.poster": _l("Missing person poster made"),
        "missing_person.distribution": _l("Missing person poster sent"),
        "missing_person.area": _l("Search area assigned"),
        "missing_person.notification": _l("Parent notification recorded"),
        "missing_person.search_log": _l("Search logged"),
    }
)


def report_url(report: MissingPerson) -> str:
    return url_for("missing_persons.view", record_id=report.id)
