"""The team as plain functions: spoken languages and how to reach each user, finding a
speaker on shift, the team board (who is on shift, their current work or post, their last
recorded place and time from their last record), and training sessions.

Each function that writes is one unit of work: its rows and audit row commit together.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from babel.dates import format_time
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, literal, select, union_all

from cso_field import audit
from cso_field.assignments import services as assignments
from cso_field.assignments.models import Assignment
from cso_field.auth.models import User
from cso_field.database import write_transaction
from cso_field.demo import register_demo
from cso_field.districts.shifts import OnShift, current_shift, on_shift
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.records import registry
from cso_field.records.models import Located, SoftDeleted, Tracked
from cso_field.roles import SUPERVISORS
from cso_field.team.models import Contact, SpokenLanguage, TrainingAttendee, TrainingSession
from cso_field.timeutil import utcnow

LIST_LIMIT = 50
# The last record counts on the board if made within this time.
LAST_RECORD_HOURS = 24


class Proficiency(LabelledEnum):
    NATIVE = "native", _l("Native or fluent")
    WORKING = "working", _l("Working (can translate)")
    BASIC = "basic", _l("Basic")


class TeamError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def proficiency_label(value: str) -> str:
    try:
        return Proficiency(value).label
    except ValueError:
        return value


def proficiency_labels() -> dict[str, str]:
    """{stored value: label}, translated once for a page of rows (the board)."""
    return {proficiency.value: proficiency.label for proficiency in Proficiency}


# -- Languages and contact ----------------------------------------------------------------------


def may_edit_profile(viewer: User, user: User) -> bool:
    return viewer.id == user.id or viewer.role in SUPERVISORS


def languages_of(user_ids: list[int]) -> dict[int, list[SpokenLanguage]]:
    found: dict[int, list[SpokenLanguage]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        for row in db.session.scalars(
            select(SpokenLanguage)
            .where(SpokenLanguage.user_id.in_(user_ids))
            .order_by(SpokenLanguage.user_id, SpokenLanguage.language)
        ):
            found[row.user_id].append(row)
    return found


def contacts_of(user_ids: list[int]) -> dict[int, Contact]:
    if not user_ids:
        return {}
    rows = db.session.scalars(select(Contact).where(Contact.user_id.in_(user_ids)))
    return {row.user_id: row for row in rows}


def save_profile(
    user: User, languages: dict[str, str], phone: str | None, call_sign: str | None, by: User
) -> None:
    """Replace the user's spoken languages ({code: proficiency}) and contact; commits."""
    if not may_edit_profile(by, user):
        raise TeamError("not_yours")
    if any(level not in Proficiency._value2member_map_ for level in languages.values()):
        raise TeamError("bad_proficiency")
    with write_transaction():
        db.session.execute(
            SpokenLanguage.__table__.delete().where(SpokenLanguage.user_id == user.id)
        )
        db.session.add_all(
            SpokenLanguage(user_id=user.id, language=code, proficiency=level)
            for code, level in sorted(languages.items())
        )
        contact = db.session.get(Contact, user.id) or Contact(user_id=user.id)
        contact.phone, contact.call_sign = phone or None, call_sign or None
        db.session.add(contact)
        audit.record(
            "team.profile",
            object_type="user",
            object_id=user.id,
            detail=", ".join(f"{code}:{level}" for code, level in sorted(languages.items())),
        )


@dataclass(frozen=True)
class Speaker:
    user: User
    proficiency: str
    contact: Contact | None
    district: str | None  # None: not on shift now
    on_shift: bool


def speakers(language: str, on_shift_only: bool) -> list[Speaker]:
    """Who speaks `language` (working or better first), on shift now first; how to reach them."""
    people = {row.user.id: row for row in on_shift()}
    query = (
        select(User, SpokenLanguage.proficiency)
        .join(SpokenLanguage, SpokenLanguage.user_id == User.id)
        .where(SpokenLanguage.language == language, User.is_active_account.is_(True))
        .order_by(User.display_name, User.id)
        .limit(LIST_LIMIT)
    )
    if on_shift_only:
        query = query.where(User.id.in_(list(people)))
    rows = db.session.execute(query).all()
    contacts = contacts_of([user.id for user, _level in rows])
    rank = {level.value: index for index, level in enumerate(Proficiency)}
    found = [
        Speaker(
            user,
            level,
            contacts.get(user.id),
            people[user.id].district.name
            if user.id in people and people[user.id].district
            else None,
            user.id in people,
        )
        for user, level in rows
    ]
    return sorted(found, key=lambda s: (not s.on_shift, rank.get(s.proficiency, 9)))


# -- The team board -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LastRecord:
    record_type: str
    record_id: int
    reference: str | None
    created_at: datetime
    latitude: float | None
    longitude: float | None
    address: str | None

    @property
    def label(self) -> str:
        registered = registry.RECORD_TYPES.get(self.record_type)
        return str(registered.label) if registered else self.record_type


@dataclass
class BoardRow:
    person: OnShift
    languages: list[SpokenLanguage] = field(default_factory=list)
    contact: Contact | None = None
    assignment: Assignment | None = None
    duty: registry.Duty | None = None
    last: LastRecord | None = None


def _located_types() -> list[tuple[str, type]]:
    return [
        (name, kind.model)
        for name, kind in sorted(registry.RECORD_TYPES.items())
        if issubclass(kind.model, Located) and issubclass(kind.model, Tracked)
    ]


_NEWEST_TIMES: dict[tuple, object] = {}


def _newest_times_statement():
    """One SELECT over every registered located record type: each given author's newest
    record time since a time, per type, read from the types' author indexes alone. Built
    once per set of registered types (bound parameters `user_ids` and `since`)."""
    types = tuple(_located_types())
    if types not in _NEWEST_TIMES:
        user_ids, since = bindparam("user_ids", expanding=True), bindparam("since")
        parts = [
            select(
                literal(name).label("record_type"),
                model.created_by_id.label("user_id"),
                func.max(model.created_at).label("created_at"),
            )
            .where(model.created_by_id.in_(user_ids), model.created_at >= since)
            .group_by(model.created_by_id)
            for name, model in types
        ]
        _NEWEST_TIMES[types] = union_all(*parts) if parts else None
    return _NEWEST_TIMES[types]


def last_records(user_ids: list[int], now: datetime | None = None) -> dict[int, LastRecord]:
    """{user id: their newest located record of the last LAST_RECORD_HOURS}, whatever its
    type: the newest time per type and author from the author indexes (one statement), then
    the winning records themselves, one query per type that won."""
    statement = _newest_times_statement()
    if not user_ids or statement is None:
        return {}
    since = (now or utcnow()) - timedelta(hours=LAST_RECORD_HOURS)
    newest: dict[int, tuple[datetime, str]] = {}
    for kind, user_id, at in db.session.execute(statement, {"user_ids": user_ids, "since": since}):
        if user_id not in newest or at > newest[user_id][0]:
            newest[user_id] = (at, kind)
    wanted: dict[str, dict[tuple[int, datetime], int]] = {}
    for user_id, (at, kind) in newest.items():
        wanted.setdefault(kind, {})[(user_id, at)] = user_id
    found: dict[int, LastRecord] = {}
    for kind, pairs in wanted.items():
        found.update(_records_at(kind, pairs))
    return found


_RECORDS_AT: dict[str, object] = {}


def _records_at_statement(kind: str):
    """The records of one type made by some authors at some times (bound `user_ids` and
    `times`), built once per type."""
    if kind not in _RECORDS_AT:
        model = registry.RECORD_TYPES[kind].model
        deleted = [model.deleted_at] if issubclass(model, SoftDeleted) else []
        _RECORDS_AT[kind] = select(
            model.id,
            model.reference,
            model.created_by_id,
            model.created_at,
            model.latitude,
            model.longitude,
            model.address,
            *deleted,
        ).where(
            model.created_by_id.in_(bindparam("user_ids", expanding=True)),
            model.created_at.in_(bindparam("times", expanding=True)),
        )
    return _RECORDS_AT[kind]


def _records_at(kind: str, pairs: dict[tuple[int, datetime], int]) -> dict[int, LastRecord]:
    rows = db.session.execute(
        _records_at_statement(kind),
        {
            "user_ids": sorted({user_id for user_id, _at in pairs}),
            "times": sorted({at for _user_id, at in pairs}),
        },
    ).all()
    return {
        row.created_by_id: LastRecord(
            kind, row.id, row.reference, row.created_at, row.latitude, row.longitude, row.address
        )
        for row in rows
        if (row.created_by_id, row.created_at) in pairs and getattr(row, "deleted_at", None) is None
    }


def board_district(viewer: User) -> tuple[bool, int | None]:
    """(may see the board, the one district a CSO's board is limited to)."""
    if viewer.role in SUPERVISORS:
        return True, None
    shift = current_shift(viewer.id)
    if shift is None or shift.district_id is None:
        return False, None
    return True, shift.district_id


BOARD_PAGE = 20


def board(viewer: User, page: int = 1) -> tuple[list[BoardRow] | None, bool]:
    """A page of who is on shift (a CSO: in their own district only), the latest to start
    first, each with languages, contact, current assignment or post, and last recorded place
    and time; (None, False) if a CSO is not on shift in a district. (rows, more)."""
    allowed, district_id = board_district(viewer)
    if not allowed:
        return None, False
    people = on_shift(district_id, BOARD_PAGE + 1, (page - 1) * BOARD_PAGE)
    more, people = len(people) > BOARD_PAGE, people[:BOARD_PAGE]
    return _board_rows(people), more


def _board_rows(people: list[OnShift]) -> list[BoardRow]:
    ids = [row.user.id for row in people]
    languages = languages_of(ids)
    contacts = contacts_of(ids)
    current = assignments.current_for(ids)
    duties = registry.current_duties(ids)
    last = last_records(ids)
    return [
        BoardRow(
            row,
            languages.get(row.user.id, []),
            contacts.get(row.user.id),
            current.get(row.user.id),
            duties.get(row.user.id),
            last.get(row.user.id),
        )
        for row in people
    ]


# -- Training sessions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    topic: str
    held_at: datetime
    trainer: str
    place: str | None
    notes: str | None


def record_session(session: Session, attendee_ids: list[int], by: User) -> TrainingSession:
    if by.role not in SUPERVISORS:
        raise TeamError("not_supervisor")
    with write_transaction():
        made = TrainingSession(
            topic=session.topic.strip(),
            held_at=session.held_at,
            trainer=session.trainer.strip(),
            place=(session.place or "").strip() or None,
            notes=(session.notes or "").strip() or None,
            created_by_id=by.id,
        )
        made.attendees = [
            TrainingAttendee(user_id=user_id) for user_id in sorted(set(attendee_ids))
        ]
        db.session.add(made)
        db.session.flush()
        audit.record(
            "training.session",
            object_type="training_session",
            object_id=made.id,
            detail=f"{made.topic[:120]} ({len(made.attendees)})",
        )
    return made


def sessions(page: int) -> tuple[list[TrainingSession], bool]:
    """Training sessions, newest first, a page at a time."""
    rows = db.session.scalars(
        select(TrainingSession)
        .order_by(TrainingSession.held_at.desc(), TrainingSession.id.desc())
        .offset((page - 1) * LIST_LIMIT)
        .limit(LIST_LIMIT + 1)
    ).all()
    return list(rows[:LIST_LIMIT]), len(rows) > LIST_LIMIT


def user_names(user_ids) -> dict[int, str]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    return dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    )


def active_staff() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_active_account.is_(True))
            .order_by(User.display_name, User.id)
            .limit(200)
        )
    )


# Short times as formatted, by (locale, zone, minute): kept for the process (the text follows
# from these alone), bounded: emptied when full.
_SHORT_TIMES: dict[tuple, str] = {}
_SHORT_TIMES_KEPT = 4096


def short_times():
    """A formatter of times as the board shows them ("3:05 PM"), in the department's zone and
    the officer's language: Babel's locale and zone looked up once, each minute formatted
    once per process rather than through Flask-Babel for every row."""
    locale, zone = get_locale(), get_timezone()
    zone_name = str(zone)

    def short(moment: datetime) -> str:
        minute = moment.replace(second=0, microsecond=0)
        key = (locale, zone_name, minute)
        text = _SHORT_TIMES.get(key)
        if text is None:
            if len(_SHORT_TIMES) >= _SHORT_TIMES_KEPT:
                _SHORT_TIMES.clear()
            local = minute.replace(tzinfo=UTC).astimezone(zone)
            text = _SHORT_TIMES[key] = format_time(local, "short", locale=locale)
        return text

    return short


def register_team() -> None:
    register_demo("workspace", "cso_field.team.demo:load_demo_workspace")
    registry.register_template_globals(
        proficiency_label=proficiency_label, proficiency_labels=proficiency_labels
    )
    audit.register_labels(
        {
            "team.profile": _l("Languages and contact changed"),
            "training.session": _l("Training session recorded"),
        }
    )
    audit.register_object_label("training_session", _l("Training session"))


register_team()
