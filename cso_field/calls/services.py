"""Calls and the office log as plain functions: the department's call types and their
factors, recording a handled call or an office visit (once per client UUID), the lists, and
the report per period (calls by type and district, CSO hours, sworn-officer hours saved);
then the registration.

Each function that writes is one unit of work: the row and its audit row commit together.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.calls.models import CallType, HandledCall, OfficeLogEntry
from cso_field.database import begin_write, write_transaction
from cso_field.demo import register_demo
from cso_field.districts.services import districts_for_filter, natural_key
from cso_field.exports.services import FORMULA_STARTS
from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES, LabelledEnum
from cso_field.records import registry
from cso_field.records.services import create_once, submission_hash
from cso_field.timeutil import day_start_utc, department_today

LIST_LIMIT = 25  # rows a page of a list
REPORT_DAYS_DEFAULT = 7  # the report opens on the last week, today included
REPORT_DAYS_MAX = 366 * 5
SWORN_MINUTES_RANGE = (1, 24 * 60)
CALL_MINUTES_RANGE = (1, 24 * 60)


class Disposition(LabelledEnum):
    RESOLVED = "resolved", _l("Resolved")
    INFORMATION = "information", _l("Information given")
    REPORT = "report", _l("Report taken")
    REFERRED = "referred", _l("Referred to another agency")
    SWORN = "sworn", _l("Handed to a sworn officer")


class Contact(LabelledEnum):
    PHONE = "phone", _l("Phone call")
    WALK_IN = "walk_in", _l("Walk-in")


class Outcome(LabelledEnum):
    HANDLED = "handled", _l("Handled")
    REFERRED = "referred", _l("Referred")


class CallTypeError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# -- Call types --------------------------------------------------------------------------------


def call_types() -> list[CallType]:
    """Every call type, the ones offered first, by name (a department keeps a few dozen)."""
    return list(db.session.scalars(select(CallType).order_by(CallType.retired, CallType.name)))


def type_choices() -> list[tuple[int, str]]:
    query = select(CallType.id, CallType.name).where(CallType.retired.is_(False))
    return [(row.id, row.name) for row in db.session.execute(query.order_by(CallType.name))]


def _name_taken(name: str, except_id: int | None = None) -> bool:
    query = select(CallType.id).where(func.lower(CallType.name) == name.lower())
    if except_id is not None:
        query = query.where(CallType.id != except_id)
    return db.session.scalar(query) is not None


def create_type(name: str, sworn_minutes: int, user: User) -> CallType:
    """A new call type with its factor; commits. CallTypeError("duplicate") for a name in use."""
    with write_transaction():
        if _name_taken(name):
            raise CallTypeError("duplicate")
        kind = CallType(name=name, sworn_minutes=sworn_minutes, retired=False)
        db.session.add(kind)
        db.session.flush()
        audit.record(
            "call_type.create",
            object_type="call_type",
            object_id=kind.id,
            detail=f"{name}: {sworn_minutes} min",
        )
    return kind


TYPE_FIELDS = ("name", "sworn_minutes", "retired")


def update_type(kind: CallType, fields: dict, user: User) -> list[str]:
    """Change a type's {name, sworn_minutes, retired}; commits. The names of the fields that
    changed (nothing written when none). CallTypeError("duplicate") for a name in use."""
    with write_transaction(kind):
        changed = [name for name in TYPE_FIELDS if getattr(kind, name) != fields[name]]
        if not changed:
            return changed
        if "name" in changed and _name_taken(fields["name"], kind.id):
            raise CallTypeError("duplicate")
        before = {name: getattr(kind, name) for name in changed}
        for name in changed:
            setattr(kind, name, fields[name])
        audit.record(
            "call_type.update",
            object_type="call_type",
            object_id=kind.id,
            detail="; ".join(f"{name}: {before[name]} -> {fields[name]}" for name in changed),
        )
    return changed


# -- Recording ---------------------------------------------------------------------------------


def _create(model, action: str, content: dict, client_uuid: uuid.UUID, author: User):
    digest = submission_hash(content)
    begin_write()
    try:
        record, created = create_once(
            model, client_uuid=client_uuid, digest=digest, author=author, **content
        )
        if created:
            audit.record(
                action, object_type=model.record_type, object_id=record.id, detail=record.reference
            )
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return record, created


def record_call(content: dict, client_uuid: uuid.UUID, author: User):
    """A handled call from {call_type_id, received_at, minutes, disposition, sworn_would_go,
    district_id}, once per client UUID; commits. (call, created); SubmissionConflict for a
    UUID reused with other content."""
    return _create(HandledCall, "handled_call.create", content, client_uuid, author)


def record_visit(content: dict, client_uuid: uuid.UUID, author: User):
    """An office log entry from {kind, received_at, reason, language, outcome, referred_to},
    once per client UUID; commits. (entry, created)."""
    return _create(OfficeLogEntry, "office_log_entry.create", content, client_uuid, author)


def _page(query, page: int) -> tuple[list, bool]:
    rows = list(db.session.scalars(query.offset((page - 1) * LIST_LIMIT).limit(LIST_LIMIT + 1)))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def list_calls(page: int = 1) -> tuple[list[HandledCall], bool]:
    """One page of handled calls, the last received first."""
    query = select(HandledCall).order_by(HandledCall.received_at.desc(), HandledCall.id.desc())
    return _page(query, page)


def list_visits(page: int = 1) -> tuple[list[OfficeLogEntry], bool]:
    """One page of the office log, the last first."""
    query = select(OfficeLogEntry).order_by(
        OfficeLogEntry.received_at.desc(), OfficeLogEntry.id.desc()
    )
    return _page(query, page)


def language_name(code: str) -> str:
    language = RESIDENT_LANGUAGES.get(code)
    return language.name if language else code


# -- The report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included

    @property
    def start(self) -> datetime:
        return day_start_utc(self.first)

    @property
    def end(self) -> datetime:
        return day_start_utc(self.last + timedelta(days=1))


def default_period(today: date | None = None) -> Period:
    last = today or department_today()
    return Period(last - timedelta(days=REPORT_DAYS_DEFAULT - 1), last)


@dataclass
class Line:
    """Calls of one type (and one district, in the detailed lines)."""

    type_name: str
    district: str
    calls: int = 0
    sworn_calls: int = 0  # calls a sworn officer would otherwise have gone to
    cso_minutes: int = 0
    saved_minutes: int = 0  # sworn_calls x the type's factor

    @property
    def cso_hours(self) -> float:
        return self.cso_minutes / 60

    @property
    def saved_hours(self) -> float:
        return self.saved_minutes / 60

    def add(self, other: "Line") -> None:
        self.calls += other.calls
        self.sworn_calls += other.sworn_calls
        self.cso_minutes += other.cso_minutes
        self.saved_minutes += other.saved_minutes


@dataclass
class Report:
    period: Period
    district_id: int | None
    lines: list[Line] = field(default_factory=list)  # by type and district
    by_type: list[Line] = field(default_factory=list)
    total: Line = field(default_factory=lambda: Line("", ""))
    visits: dict = field(default_factory=dict)  # {(Contact, Outcome): count}
    visit_languages: list = field(default_factory=list)  # [(language name, count)]


def calls_report(period: Period, district_id: int | None = None) -> Report:
    """The period's handled calls by type and district, with the CSO hours they took and the
    sworn-officer hours they saved: for each type, the calls a sworn officer would otherwise
    have gone to times the type's configured factor (sworn minutes per call). And the office
    log's count by contact and outcome, and by language."""
    sworn = func.sum(case((HandledCall.sworn_would_go.is_(True), 1), else_=0))
    query = (
        select(
            HandledCall.call_type_id,
            HandledCall.district_id,
            func.count(HandledCall.id),
            func.coalesce(func.sum(HandledCall.minutes), 0),
            func.coalesce(sworn, 0),
        )
        .where(HandledCall.received_at >= period.start, HandledCall.received_at < period.end)
        .group_by(HandledCall.call_type_id, HandledCall.district_id)
    )
    if district_id is not None:
        query = query.where(HandledCall.district_id == district_id)
    kinds = {kind.id: kind for kind in call_types()}
    districts = dict(districts_for_filter())
    report = Report(period, district_id)
    types: dict[int, Line] = {}
    for type_id, place, calls, minutes, sworn_calls in db.session.execute(query):
        kind = kinds[type_id]
        line = Line(
            kind.name,
            districts.get(place, "—"),
            calls,
            int(sworn_calls),
            int(minutes),
            int(sworn_calls) * kind.sworn_minutes,
        )
        report.lines.append(line)
        types.setdefault(type_id, Line(kind.name, "")).add(line)
        report.total.add(line)
    report.lines.sort(key=lambda line: (line.type_name.casefold(), natural_key(line.district)))
    report.by_type = sorted(types.values(), key=lambda line: (-line.calls, line.type_name))
    _add_visits(report, period)
    return report


def _add_visits(report: Report, period: Period) -> None:
    window = (OfficeLogEntry.received_at >= period.start, OfficeLogEntry.received_at < period.end)
    counted = select(OfficeLogEntry.kind, OfficeLogEntry.outcome, func.count(OfficeLogEntry.id))
    for kind, outcome, count in db.session.execute(
        counted.where(*window).group_by(OfficeLogEntry.kind, OfficeLogEntry.outcome)
    ):
        report.visits[(Contact(kind), Outcome(outcome))] = count
    spoken = select(OfficeLogEntry.language, func.count(OfficeLogEntry.id)).where(*window)
    languages = db.session.execute(spoken.group_by(OfficeLogEntry.language)).all()
    report.visit_languages = sorted(
        ((language_name(code), count) for code, count in languages), key=lambda pair: -pair[1]
    )


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal, for the CSV (the page formats by locale)."""
    return f"{minutes / 60:.1f}"


CSV_HEADER = (
    "call_type",
    "district",
    "calls",
    "calls_a_sworn_officer_would_have_taken",
    "cso_hours",
    "sworn_hours_saved",
)


def csv_rows(report: Report) -> list[list]:
    """The report's lines as CSV rows (header first, the total last)."""

    def safe(text: str) -> str:
        return "'" + text if text[:1] in FORMULA_STARTS else text

    rows = [list(CSV_HEADER)]
    for line in [*report.lines, report.total]:
        rows.append(
            [
                safe(line.type_name) if line is not report.total else "total",
                safe(line.district),
                line.calls,
                line.sworn_calls,
                hours(line.cso_minutes),
                hours(line.saved_minutes),
            ]
        )
    return rows


# -- The chart ---------------------------------------------------------------------------------

CHART_ROOM = 250  # the longest bar, of a 320-wide picture (the value is written after it)
CHART_ROW = 46  # a type: its name, then its two bars
CHART_TYPES = 12  # the busiest types; the rest are in the table and the CSV


@dataclass(frozen=True)
class Bar:
    y: int
    label: str
    cso_width: int
    saved_width: int
    cso_hours: float
    saved_hours: float


def chart_bars(report: Report) -> list[Bar]:
    """Per call type, two bars: CSO hours spent and sworn-officer hours saved, on one scale."""
    shown = report.by_type[:CHART_TYPES]
    top = max((max(line.cso_minutes, line.saved_minutes) for line in shown), default=0) or 1
    room = CHART_ROOM
    return [
        Bar(
            index * CHART_ROW,
            line.type_name,
            round(room * line.cso_minutes / top),
            round(room * line.saved_minutes / top),
            line.cso_hours,
            line.saved_hours,
        )
        for index, line in enumerate(shown)
    ]


# -- The registration --------------------------------------------------------------------------


def register_calls() -> None:
    registry.register_template_globals(
        call_disposition=lambda value: Disposition(value).label,
        office_contact=lambda value: Contact(value).label,
        office_outcome=lambda value: Outcome(value).label,
        call_language=language_name,
    )
    register_demo("calls", "cso_field.calls.demo:load_demo_calls")
    audit.register_labels(
        {
            "call_type.create": _l("Call type added"),
            "call_type.update": _l("Call type changed"),
            "handled_call.create": _l("Handled call recorded"),
            "office_log_entry.create": _l("Office visit or phone call logged"),
        }
    )
    audit.register_object_label("call_type", _l("Call type"))
    audit.register_object_label("handled_call", _l("Handled call"))
    audit.register_object_label("office_log_entry", _l("Office log entry"))


register_calls()
