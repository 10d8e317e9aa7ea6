"""Neighborhood Watch as plain functions: sign-ups (online, rate-limited per address, and at a
canvassed door), groups and their block captain, turning a sign-up into a member, meetings,
and the groups with no meeting in the configured number of months; then the registration.

Each function that writes is one unit of work: the rows and their audit row commit together,
or not at all (except `add_canvass_signup`, which joins the canvass contact's unit of work).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from cso_field import audit, locks
from cso_field.auth.models import User
from cso_field.database import begin_write, lock_for_update, write_transaction
from cso_field.demo import register_demo
from cso_field.districts.services import locate
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.neighborhood_watch.models import (
    SignupSource,
    WatchGroup,
    WatchMeeting,
    WatchMember,
    WatchSignup,
)
from cso_field.records import registry
from cso_field.records.services import create_once, submission_hash, update_record
from cso_field.roles import SUPERVISORS
from cso_field.settings import get_setting, register_defaults, set_setting
from cso_field.timeutil import day_start_utc, department_today, utcnow

LIST_LIMIT = 25
RATE_WINDOW = timedelta(hours=1)
QUIET_MONTHS = "watch_quiet_months"
QUIET_MONTHS_RANGE = (1, 36)
# The sign-up made at a door takes a UUID derived from the door's own, so a resent door
# makes no second sign-up.
CANVASS_SIGNUP_NAMESPACE = uuid.UUID("6f1c1a52-6a3e-4f8e-9a55-2f1d8b0b7c11")

register_defaults({QUIET_MONTHS: 3})


class SignupState(LabelledEnum):
    WAITING = "waiting", _l("Waiting for a group")
    JOINED = "joined", _l("In a group")
    DISMISSED = "dismissed", _l("Set aside")


def signup_state(signup: WatchSignup) -> SignupState:
    if signup.member_id is not None:
        return SignupState.JOINED
    return SignupState.DISMISSED if signup.dismissed_at else SignupState.WAITING


class TooManySignups(Exception):
    """The address already sent its hourly share of online sign-ups."""


class WatchRuleError(Exception):
    """A change the rules refuse; `code` picks the message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Interest:
    """What a resident gives to join: the same fields online and at the door."""

    name: str
    phone: str | None
    email: str | None
    language: str
    willing_host: bool
    willing_captain: bool

    def fields(self) -> dict:
        return {
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "language": self.language,
            "willing_host": self.willing_host,
            "willing_captain": self.willing_captain,
        }


# -- Sign-ups ----------------------------------------------------------------------------------


def _stored_address(client_address: str | None) -> str | None:
    return (client_address or "")[:64] or None


def over_rate_limit(client_address: str | None) -> bool:
    """True when this address already sent its hourly share of online sign-ups. Exact only
    while the caller holds the address's lock (see sign_up_online)."""
    sent = db.session.scalar(
        select(func.count(WatchSignup.id)).where(
            WatchSignup.client_address == _stored_address(client_address),
            WatchSignup.created_at >= utcnow() - RATE_WINDOW,
            WatchSignup.source == SignupSource.ONLINE.value,
        )
    )
    return sent >= current_app.config["WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR"]


def _known(client_uuid: uuid.UUID) -> bool:
    return (
        db.session.scalar(select(WatchSignup.id).where(WatchSignup.client_uuid == client_uuid))
        is not None
    )


def sign_up_online(
    interest: Interest, address: str | None, *, client_uuid: uuid.UUID, client_address
) -> tuple[WatchSignup, bool]:
    """A resident's sign-up on the public page, once per client UUID; commits.

    Raises TooManySignups for a new sign-up over the address's hourly limit (counted while
    holding the address's lock, so parallel requests cannot pass it), SubmissionConflict for
    a UUID reused with other details."""
    content = {**interest.fields(), "address": address}
    digest = submission_hash({**content, "source": SignupSource.ONLINE.value})
    located = {}
    if not _known(client_uuid):
        if over_rate_limit(client_address):
            raise TooManySignups  # refused before the geocoder is asked
        located = locate({"address": address}) if address else {}
    with write_transaction():
        locks.hold(f"watch-signup:{_stored_address(client_address)}")
        if not _known(client_uuid) and over_rate_limit(client_address):
            raise TooManySignups
        signup, created = create_once(
            WatchSignup,
            client_uuid=client_uuid,
            digest=digest,
            author=None,
            source=SignupSource.ONLINE.value,
            client_address=_stored_address(client_address),
            **{**content, **located},
        )
        if created:
            audit.record(
                "watch_signup.create",
                object_type="watch_signup",
                object_id=signup.id,
                actor=None,
                detail=signup.reference,
            )
    return signup, created


def add_canvass_signup(contact, author: User, interest: Interest) -> WatchSignup:
    """The sign-up made in a canvassed door's interest section, inside that door's unit of
    work (the caller commits): it takes the door's place and district, and names the door
    (any registered record: its type, id and reference) as where it came from."""
    client_uuid = uuid.uuid5(CANVASS_SIGNUP_NAMESPACE, str(contact.client_uuid))
    content = {**interest.fields(), "source": SignupSource.CANVASS.value}
    signup = WatchSignup(
        client_uuid=client_uuid,
        submission_hash=submission_hash({**content, "contact": contact.id}),
        created_by_id=author.id,
        source_record_type=contact.record_type,
        source_record_id=contact.id,
        source_reference=contact.reference,
        latitude=contact.latitude,
        longitude=contact.longitude,
        accuracy_m=contact.accuracy_m,
        address=contact.address,
        district_id=contact.district_id,
        **content,
    )
    db.session.add(signup)
    db.session.flush()
    signup.reference = f"{WatchSignup.reference_prefix}-{signup.created_at:%Y}-{signup.id:06d}"
    audit.record(
        "watch_signup.create",
        object_type="watch_signup",
        object_id=signup.id,
        actor=author,
        detail=f"{signup.reference} ← {contact.reference}",
    )
    return signup


def signup_from(record) -> WatchSignup | None:
    """The sign-up a record (a canvassed door) made, if it made one."""
    return db.session.scalar(
        select(WatchSignup).where(
            WatchSignup.source_record_type == record.record_type,
            WatchSignup.source_record_id == record.id,
        )
    )


def source_url(signup: WatchSignup) -> str | None:
    """The page of the record the sign-up came from (None for an online sign-up, or a record
    that is gone)."""
    if signup.source_record_type is None or signup.source_record_id is None:
        return None
    record = registry.get_record(signup.source_record_type, signup.source_record_id)
    return registry.record_url(record) if record is not None else None


def waiting_signups(page: int = 1) -> tuple[list[WatchSignup], bool]:
    """Sign-ups not yet in a group nor set aside, oldest first."""
    query = (
        select(WatchSignup)
        .where(WatchSignup.member_id.is_(None), WatchSignup.dismissed_at.is_(None))
        .order_by(WatchSignup.created_at, WatchSignup.id)
        .offset((page - 1) * LIST_LIMIT)
        .limit(LIST_LIMIT + 1)
    )
    rows = list(db.session.scalars(query))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def waiting_count() -> int:
    return db.session.scalar(
        select(func.count(WatchSignup.id)).where(
            WatchSignup.member_id.is_(None), WatchSignup.dismissed_at.is_(None)
        )
    )


def _still_waiting(signup: WatchSignup) -> None:
    lock_for_update(signup)
    if signup.member_id is not None:
        raise WatchRuleError("joined")
    if signup.dismissed_at is not None:
        raise WatchRuleError("dismissed")


def add_to_group(signup: WatchSignup, group: WatchGroup, user: User, *, captain=False):
    """The sign-up becomes a member of `group` (its block captain if `captain`); commits.
    Raises WatchRuleError when the sign-up was already handled or the group is archived."""
    with write_transaction():
        _still_waiting(signup)
        if group.archived_at is not None:
            raise WatchRuleError("archived")
        member = WatchMember(
            group_id=group.id,
            name=signup.name,
            phone=signup.phone,
            email=signup.email,
            language=signup.language,
            address=signup.address,
            willing_host=signup.willing_host,
            added_by_id=user.id,
        )
        db.session.add(member)
        db.session.flush()
        signup.member_id, signup.handled_by_id = member.id, user.id
        if captain:
            _make_captain(member)
        audit.record(
            "watch_signup.join",
            object_type="watch_group",
            object_id=group.id,
            detail=f"{signup.reference} → {group.name}",
        )
    return member


def dismiss_signup(signup: WatchSignup, user: User) -> None:
    with write_transaction():
        _still_waiting(signup)
        signup.dismissed_at, signup.handled_by_id = utcnow(), user.id
        audit.record(
            "watch_signup.dismiss",
            object_type="watch_signup",
            object_id=signup.id,
            detail=signup.reference,
        )


# -- Groups ------------------------------------------------------------------------------------


def create_group(fields: dict, user: User) -> WatchGroup:
    """A new group from {name, area, district_id, language}; commits."""
    with write_transaction():
        group = WatchGroup(created_by_id=user.id, **fields)
        db.session.add(group)
        db.session.flush()
        audit.record(
            "watch_group.create", object_type="watch_group", object_id=group.id, detail=group.name
        )
    return group


GROUP_FIELDS = ("name", "area", "district_id", "language")


def update_group(group: WatchGroup, fields: dict, user: User) -> list[str]:
    """Change a group's {name, area, district_id, language}; commits. Returns the names of the
    fields that changed (nothing written when none). WatchRuleError("archived") for an
    archived group."""
    with write_transaction(group):
        if group.archived_at is not None:
            raise WatchRuleError("archived")
        changed = [name for name in GROUP_FIELDS if getattr(group, name) != fields[name]]
        if not changed:
            return changed
        before = {name: getattr(group, name) for name in changed}
        for name in changed:
            setattr(group, name, fields[name])
        audit.record(
            "watch_group.update",
            object_type="watch_group",
            object_id=group.id,
            detail="; ".join(f"{name}: {before[name]} -> {fields[name]}" for name in changed),
        )
    return changed


def archive_group(group: WatchGroup, user: User) -> bool:
    """The group leaves the active lists (groups, sign-ups' choices, no recent meeting);
    its members and meetings are kept. Commits; False when it already was archived."""
    return _set_archived(group, utcnow(), "watch_group.archive")


def restore_group(group: WatchGroup, user: User) -> bool:
    """An archived group back in the active lists; commits. False when it was not archived."""
    return _set_archived(group, None, "watch_group.restore")


def _set_archived(group: WatchGroup, when: datetime | None, action: str) -> bool:
    with write_transaction(group):
        if (group.archived_at is None) == (when is None):
            return False
        group.archived_at = when
        audit.record(action, object_type="watch_group", object_id=group.id, detail=group.name)
    return True


def archived_groups(page: int = 1) -> tuple[list[WatchGroup], bool]:
    """The archived groups, the last archived first."""
    query = (
        select(WatchGroup)
        .where(WatchGroup.archived_at.is_not(None))
        .order_by(WatchGroup.archived_at.desc(), WatchGroup.id.desc())
        .offset((page - 1) * LIST_LIMIT)
        .limit(LIST_LIMIT + 1)
    )
    rows = list(db.session.scalars(query))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def _make_captain(member: WatchMember) -> None:
    for other in db.session.scalars(
        select(WatchMember).where(WatchMember.group_id == member.group_id, WatchMember.is_captain)
    ):
        other.is_captain = False
    member.is_captain = True


def make_captain(member: WatchMember, user: User) -> bool:
    """`member` becomes the group's block captain (the one before is a member again); commits.
    False when it already was."""
    with write_transaction(member.group):
        if member.is_captain:
            return False
        _make_captain(member)
        audit.record(
            "watch_group.captain",
            object_type="watch_group",
            object_id=member.group_id,
            detail=f"member {member.id}",  # no name: the trail outlives retention
        )
    return True


def remove_member(member: WatchMember, user: User) -> bool:
    """`member` leaves the group (no longer its captain); commits. The row stays, for the
    counts, until retention empties it. False when it had already left."""
    with write_transaction(member.group):
        if member.left_at is not None:
            return False
        member.left_at, member.is_captain = utcnow(), False
        audit.record(
            "watch_group.member_removed",
            object_type="watch_group",
            object_id=member.group_id,
            detail=f"member {member.id}",
        )
    return True


def member_counts(groups: list[WatchGroup]) -> dict[int, int]:
    """{group id: current members} of a page of groups, in one query."""
    rows = db.session.execute(
        select(WatchMember.group_id, func.count(WatchMember.id))
        .where(WatchMember.group_id.in_([group.id for group in groups]))
        .where(WatchMember.left_at.is_(None))
        .group_by(WatchMember.group_id)
    )
    return dict(rows.all())


def live_groups(page: int = 1) -> tuple[list[WatchGroup], bool]:
    query = (
        select(WatchGroup)
        .where(WatchGroup.archived_at.is_(None))
        .order_by(WatchGroup.name, WatchGroup.id)
        .offset((page - 1) * LIST_LIMIT)
        .limit(LIST_LIMIT + 1)
    )
    rows = list(db.session.scalars(query))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def group_choices() -> list[tuple[int, str]]:
    """Every live group as (id, "name — area"), for the sign-up screen's choice."""
    rows = db.session.execute(
        select(WatchGroup.id, WatchGroup.name, WatchGroup.area)
        .where(WatchGroup.archived_at.is_(None))
        .order_by(WatchGroup.name, WatchGroup.id)
    )
    return [(group_id, f"{name} — {area}") for group_id, name, area in rows]


def captain_of(group: WatchGroup) -> WatchMember | None:
    return next((member for member in group.members if member.is_captain), None)


# -- Meetings ----------------------------------------------------------------------------------


def record_meeting(group: WatchGroup, user: User, fields: dict, client_uuid: uuid.UUID):
    """A meeting of `group` from {held_on, place, topics, attendance, materials, follow_ups},
    once per client UUID; commits. (meeting, created); SubmissionConflict for a reused UUID."""
    digest = submission_hash({**fields, "group_id": group.id})
    begin_write()
    try:
        meeting, created = create_once(
            WatchMeeting,
            client_uuid=client_uuid,
            digest=digest,
            author=user,
            group_id=group.id,
            **fields,
        )
        if created:
            audit.record(
                "watch_meeting.create",
                object_type="watch_group",
                object_id=group.id,
                detail=f"{meeting.reference} {meeting.held_on.isoformat()}",
            )
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return meeting, created


class MeetingLocked(Exception):
    """The meeting was approved meanwhile: its record no longer changes."""


def edit_meeting(meeting: WatchMeeting, user: User, fields: dict) -> dict:
    """Its author corrects a meeting not yet approved (e.g. returned with a comment), with a
    version and an audit row; commits. Returns {field: [old, new]} of what changed."""
    with write_transaction(meeting):
        if not registry.can_edit(user, meeting):
            raise MeetingLocked
        return update_record(meeting, user, fields)


def meetings_of(group: WatchGroup, limit: int = 20) -> list[WatchMeeting]:
    return list(
        db.session.scalars(
            select(WatchMeeting)
            .where(WatchMeeting.group_id == group.id)
            .order_by(WatchMeeting.held_on.desc(), WatchMeeting.id.desc())
            .limit(limit)
        )
    )


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def quiet_months() -> int:
    return int(get_setting(QUIET_MONTHS))


def save_quiet_months(months: int) -> bool:
    with write_transaction():
        if months == quiet_months():
            return False
        audit.record(
            "settings.update",
            object_type="setting",
            detail=f"{QUIET_MONTHS}: {quiet_months()} -> {months}",
        )
        set_setting(QUIET_MONTHS, months)
    return True


def _quiet(today: date | None, *columns) -> Select:
    """`columns` of the live groups with no meeting in the configured number of months (a
    group younger than that with no meeting yet is not quiet), and their last meeting day."""
    cutoff = months_before(today or department_today(), quiet_months())
    last = (
        select(WatchMeeting.group_id, func.max(WatchMeeting.held_on).label("last_held"))
        .group_by(WatchMeeting.group_id)
        .subquery()
    )
    return (
        select(*columns, last.c.last_held)
        .select_from(WatchGroup)
        .outerjoin(last, last.c.group_id == WatchGroup.id)
        .where(
            WatchGroup.archived_at.is_(None),
            or_(
                last.c.last_held < cutoff,
                (last.c.last_held.is_(None)) & (WatchGroup.created_at < day_start_utc(cutoff)),
            ),
        )
    )


def quiet_groups(
    limit: int = 50, today: date | None = None
) -> list[tuple[WatchGroup, date | None]]:
    """(group, last meeting day or None): the quiet groups, the longest quiet first."""
    query = _quiet(today, WatchGroup)
    last_held = query.selected_columns.last_held
    query = query.order_by(last_held.is_not(None), last_held, WatchGroup.name).limit(limit)
    return [(group, last_held) for group, last_held in db.session.execute(query)]


def quiet_count(today: date | None = None) -> int:
    return db.session.scalar(
        select(func.count()).select_from(_quiet(today, WatchGroup.id).subquery())
    )


# -- Needs assessment --------------------------------------------------------------------------


def signup_count(district_id: int | None, start: datetime | None, end: datetime | None) -> int:
    """Sign-ups placed in the district (every district for None) made in [start, end)."""
    query = select(func.count(WatchSignup.id))
    if district_id is not None:
        query = query.where(WatchSignup.district_id == district_id)
    if start is not None:
        query = query.where(WatchSignup.created_at >= start)
    if end is not None:
        query = query.where(WatchSignup.created_at < end)
    return db.session.scalar(query)


# -- The registration --------------------------------------------------------------------------


def _today_card() -> dict:
    return {"waiting": waiting_count(), "quiet": quiet_count()}


MEETING_FIELDS = {
    "held_on": _l("Date"),
    "place": _l("Place"),
    "topics": _l("Topics"),
    "attendance": _l("People present"),
    "materials": _l("Materials handed out"),
    "follow_ups": _l("Follow-ups"),
    "status": _l("Status"),
}

WATCH_MEETINGS = registry.RecordType(
    name=WatchMeeting.record_type,
    model=WatchMeeting,
    label=_l("Neighborhood Watch meeting"),
    view_endpoint="neighborhood_watch.meeting",
    list_endpoint="neighborhood_watch.index",
    new_endpoint=None,  # recorded from its group's page
    description=_l("A Neighborhood Watch group's meeting: topics, attendance, follow-ups."),
    fields=MEETING_FIELDS,
    summary=lambda meeting: f"{meeting.place} · {meeting.topics}"[:120],
    url=lambda meeting: url_for("neighborhood_watch.meeting", meeting_id=meeting.id),
    may_delete=lambda user, meeting: False,  # kept: a group's meetings are its history
)


def register_neighborhood_watch() -> None:
    registry.register(WATCH_MEETINGS)
    from cso_field.neighborhood_watch.retention import register_retention

    register_retention()
    from cso_field.neighborhood_watch.reports import register_reports

    register_reports()
    register_demo("neighborhood_watch", "cso_field.neighborhood_watch.demo:load_demo_watch")
    registry.register_today_card(
        registry.TodayCard("neighborhood_watch/_today_card.html", _today_card, SUPERVISORS)
    )
    registry.register_template_globals(watch_signup_state=signup_state)
    audit.register_labels(
        {
            "watch_signup.create": _l("Neighborhood Watch sign-up"),
            "watch_signup.join": _l("Sign-up added to a Neighborhood Watch group"),
            "watch_signup.dismiss": _l("Neighborhood Watch sign-up set aside"),
            "watch_group.create": _l("Neighborhood Watch group created"),
            "watch_group.captain": _l("Block captain chosen"),
            "watch_group.member_removed": _l("Neighborhood Watch member removed"),
            "watch_group.update": _l("Neighborhood Watch group changed"),
            "watch_group.archive": _l("Neighborhood Watch group archived"),
            "watch_group.restore": _l("Neighborhood Watch group restored"),
            "watch_meeting.create": _l("Neighborhood Watch meeting recorded"),
        }
    )
    audit.register_object_label("watch_group", _l("Neighborhood Watch group"))
    audit.register_object_label("watch_signup", _l("Neighborhood Watch sign-up"))


register_neighborhood_watch()
