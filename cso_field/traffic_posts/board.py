"""What the screens and forms read: the incident list, the live board (and the token its poll
sends, so an unchanged board costs a 204), a CSO's posts for Today, the ICS 214 and ICS 204 of
an operational period, and the activity log as CSV rows.

Each reads a bounded number of rows with a fixed number of queries, whatever the incident's
size: posts, the period's assignments, the newest entries, then the names in one query.
"""

import csv
import heapq
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from flask import current_app
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, literal, null, or_, select
from sqlalchemy.orm import joinedload

from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.records.services import load_users, loaded_user
from cso_field.timeutil import utcnow
from cso_field.traffic_posts.models import (
    ActivityEntry,
    OperationalPeriod,
    PostAssignment,
    PostEquipment,
    TrafficIncident,
    TrafficPost,
)
from cso_field.traffic_posts.rules import current_period, role_label

INCIDENTS_SHOWN = 25
LATEST_ENTRIES = 5
MY_POSTS_SHOWN = 3
# The board's posts: with the newest entries and the periods, the incident's page stays within
# DESIGN.md's 50 rows a screen.
POSTS_SHOWN = 40
ASSIGNMENTS_SHOWN = 25  # rows a page of the manage page's assignments; "Load more" for more


def incidents(page: int = 1) -> tuple[list[TrafficIncident], bool]:
    """Open and planned incidents, soonest first, then the most recently closed."""
    offset = (page - 1) * INCIDENTS_SHOWN
    rows = list(
        db.session.scalars(
            select(TrafficIncident)
            .where(TrafficIncident.closed_at.is_(None), TrafficIncident.deleted_at.is_(None))
            .order_by(TrafficIncident.starts_at, TrafficIncident.id)
            .offset(offset)
            .limit(INCIDENTS_SHOWN + 1)
        )
    )
    load_users(incident.in_charge_id for incident in rows)
    return rows[:INCIDENTS_SHOWN], len(rows) > INCIDENTS_SHOWN


def recently_closed(limit: int = 5) -> list[TrafficIncident]:
    return list(
        db.session.scalars(
            select(TrafficIncident)
            .where(TrafficIncident.closed_at.is_not(None), TrafficIncident.deleted_at.is_(None))
            .order_by(TrafficIncident.closed_at.desc())
            .limit(limit)
        )
    )


# -- The live board ---------------------------------------------------------------------------


def board_token(incident: TrafficIncident, now: datetime | None = None) -> str:
    """Changes with every write the board shows, and every minute (the "for how long")."""
    minute = int((now or utcnow()).timestamp() // 60)
    return f"{incident.board_version}-{minute}"


@dataclass
class PostRow:
    post: object  # (id, name, role)
    on_post: list = field(default_factory=list)  # (user_id, on_post_at, minutes)
    waiting: list = field(default_factory=list)  # user ids assigned, not on post yet


@dataclass
class Board:
    incident: TrafficIncident
    period: OperationalPeriod | None
    rows: list[PostRow]
    not_on_post: list  # (user_id, relieved_at or None): assigned, not on a post now
    entries: list[ActivityEntry]
    token: str
    now: datetime
    more_posts: bool = False

    @property
    def unstaffed(self) -> int:
        return sum(1 for row in self.rows if not row.on_post)


def _assignments_of(period: OperationalPeriod):
    return (
        select(PostAssignment)
        .where(
            PostAssignment.incident_id == period.incident_id,
            PostAssignment.period_id == period.id,
        )
        .order_by(PostAssignment.on_post_at, PostAssignment.id)
    )


def period_assignments(period: OperationalPeriod | None) -> list[PostAssignment]:
    if period is None:
        return []
    return list(db.session.scalars(_assignments_of(period)))


def assignment_page(
    period: OperationalPeriod | None, page: int = 1
) -> tuple[list[PostAssignment], bool]:
    """(page `page` of the period's assignments in period_assignments' order, each with its
    post and its officer's name loaded; whether more follow): the manage page's list."""
    if period is None:
        return [], False
    rows = list(
        db.session.scalars(
            _assignments_of(period)
            .offset((page - 1) * ASSIGNMENTS_SHOWN)
            .limit(ASSIGNMENTS_SHOWN + 1)
            .options(joinedload(PostAssignment.post))
        )
    )
    load_users(assignment.user_id for assignment in rows)
    return rows[:ASSIGNMENTS_SHOWN], len(rows) > ASSIGNMENTS_SHOWN


def board(incident: TrafficIncident) -> Board:
    """The board: plain rows (no ORM objects per post or person), as cheap to render as the
    poll needs it to be."""
    now = utcnow()
    period = current_period(incident, now)
    posts = db.session.execute(
        select(TrafficPost.id, TrafficPost.name, TrafficPost.role)
        .where(TrafficPost.incident_id == incident.id)
        .order_by(TrafficPost.id)
        .limit(POSTS_SHOWN + 1)
    ).all()
    rows = {post.id: PostRow(post) for post in posts[:POSTS_SHOWN]}
    assignments = _assignment_rows(period)
    on_post_users = {a.user_id for a in assignments if a.relieved_at is None and a.on_post_at}
    not_on_post = {}
    for a in assignments:
        row = rows.get(a.post_id)
        if a.on_post_at is not None and a.relieved_at is None:
            if row:
                row.on_post.append((a.user_id, minutes_since(a.on_post_at, now)))
        elif a.on_post_at is None and row:
            row.waiting.append(a.user_id)
        if a.user_id not in on_post_users:
            not_on_post[a.user_id] = (a.user_id, a.relieved_at)
    entries = latest_entries(incident)
    load_users([a.user_id for a in assignments] + [entry.user_id for entry in entries])
    return Board(
        incident=incident,
        period=period,
        rows=list(rows.values()),
        not_on_post=list(not_on_post.values()),
        entries=entries,
        token=board_token(incident, now),
        now=now,
        more_posts=len(posts) > POSTS_SHOWN,
    )


def _assignment_rows(period: OperationalPeriod | None) -> list:
    if period is None:
        return []
    return db.session.execute(
        select(
            PostAssignment.post_id,
            PostAssignment.user_id,
            PostAssignment.on_post_at,
            PostAssignment.relieved_at,
        )
        .where(
            PostAssignment.incident_id == period.incident_id,
            PostAssignment.period_id == period.id,
        )
        .order_by(PostAssignment.on_post_at, PostAssignment.id)
    ).all()


def latest_entries(incident: TrafficIncident, limit: int = LATEST_ENTRIES) -> list[ActivityEntry]:
    return list(
        db.session.scalars(
            select(ActivityEntry)
            .where(ActivityEntry.incident_id == incident.id)
            .order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
            .limit(limit)
        )
    )


def minutes_since(start: datetime, now: datetime) -> int:
    return max(0, int((now - start).total_seconds() // 60))


# -- A CSO's posts, for Today and the incident page -------------------------------------------


def my_posts(user: User, incident: TrafficIncident | None = None) -> list[PostAssignment]:
    """The CSO's assignments not yet relieved in open incidents: on post first."""
    query = (
        select(PostAssignment)
        .join(TrafficIncident, TrafficIncident.id == PostAssignment.incident_id)
        .where(
            PostAssignment.user_id == user.id,
            PostAssignment.relieved_at.is_(None),
            TrafficIncident.closed_at.is_(None),
            TrafficIncident.deleted_at.is_(None),
        )
        .order_by(PostAssignment.on_post_at.desc().nulls_last(), PostAssignment.id)
        .limit(MY_POSTS_SHOWN)
        # What _post_actions.html shows of each (its post, the post's incident), in the same
        # query: Today renders these on every visit, two lazy loads a post otherwise.
        .options(joinedload(PostAssignment.post).joinedload(TrafficPost.incident))
    )
    if incident is not None:
        query = query.where(PostAssignment.incident_id == incident.id)
    return list(db.session.scalars(query))


# -- ICS forms and the CSV log ----------------------------------------------------------------


@dataclass(frozen=True)
class LogLine:
    at: datetime
    post: str
    person: str
    activity: str
    period_id: int | None = None


ON_POST = _l("On post")
RELIEVED = _l("Relieved")


def home_agency() -> str:
    """The department's name in the language shown (i18n.DepartmentName): English on ICS forms."""
    return str(current_app.config["DEPARTMENT_NAME"])


def _period_of(at: datetime, periods) -> int | None:
    """The period (id, starts_at, ends_at) an entry at `at` belongs to: the one running then,
    else the nearest."""
    if not periods:
        return None
    for period in periods:
        if period.starts_at <= at < period.ends_at:
            return period.id
    before = [period for period in periods if period.starts_at <= at]
    return (before[-1] if before else periods[0]).id


def _entry_window(period: OperationalPeriod, periods) -> tuple:
    """Conditions on ActivityEntry.at that hold for every entry _period_of() gives to
    `period` (periods in order of start): from its start (the first period also takes what
    came before any), to its end or the next period's start, whichever is later (the last
    period also takes what came after). The query reads that stretch, not the whole log."""
    index = next(number for number, each in enumerate(periods) if each.id == period.id)
    conditions = []
    if index > 0:
        conditions.append(ActivityEntry.at >= period.starts_at)
    if index + 1 < len(periods):
        conditions.append(ActivityEntry.at < max(period.ends_at, periods[index + 1].starts_at))
    return tuple(conditions)


def activity_log(incident: TrafficIncident, period: OperationalPeriod | None = None):
    """Every entry, On post and Relieved of the incident (or of one period), oldest first."""
    periods = incident.periods
    posts = {post.id: post.name for post in incident.posts}
    entries = select(
        ActivityEntry.at, ActivityEntry.post_id, ActivityEntry.user_id, ActivityEntry.text
    ).where(ActivityEntry.incident_id == incident.id)
    stints = select(
        PostAssignment.on_post_at,
        PostAssignment.relieved_at,
        PostAssignment.post_id,
        PostAssignment.user_id,
        PostAssignment.period_id,
    ).where(PostAssignment.incident_id == incident.id, PostAssignment.on_post_at.is_not(None))
    if period is not None:
        entries = entries.where(*_entry_window(period, periods))
        stints = stints.where(PostAssignment.period_id == period.id)
    entries = db.session.execute(entries.order_by(ActivityEntry.at, ActivityEntry.id)).all()
    stints = db.session.execute(stints).all()
    load_users([entry.user_id for entry in entries] + [stint.user_id for stint in stints])
    lines = [
        LogLine(
            entry.at,
            posts.get(entry.post_id, ""),
            _name(entry.user_id),
            entry.text,
            _period_of(entry.at, periods),
        )
        for entry in entries
    ]
    on_post, relieved = str(ON_POST), str(RELIEVED)
    for stint in stints:
        name, post = _name(stint.user_id), posts.get(stint.post_id, "")
        lines.append(LogLine(stint.on_post_at, post, name, on_post, stint.period_id))
        if stint.relieved_at is not None:
            lines.append(LogLine(stint.relieved_at, post, name, relieved, stint.period_id))
    if period is not None:
        lines = [line for line in lines if line.period_id == period.id]
    return sorted(lines, key=lambda line: line.at)


def _name(user_id: int | None) -> str:
    user = loaded_user(user_id) if user_id else None
    return user.display_name if user else ""


@dataclass(frozen=True)
class Resource:
    name: str
    position: str
    agency: str
    on_post_at: datetime | None
    relieved_at: datetime | None


def ics214(incident: TrafficIncident, period: OperationalPeriod) -> dict:
    """The ICS 214 of one operational period: who was assigned and when, and the log."""
    posts = {post.id: post for post in incident.posts}
    assignments = period_assignments(period)
    load_users([a.user_id for a in assignments] + [incident.in_charge_id])
    agency = home_agency()
    resources = [
        Resource(
            _name(a.user_id),
            _(
                "CSO, %(role)s: %(post)s",
                role=role_label(posts[a.post_id].role),
                post=posts[a.post_id].name,
            ),
            agency,
            a.on_post_at,
            a.relieved_at,
        )
        for a in assignments
    ]
    return {
        "incident": incident,
        "period": period,
        "leader": _name(incident.in_charge_id),
        "agency": agency,
        "resources": resources,
        "log": activity_log(incident, period),
    }


def ics204(incident: TrafficIncident, period: OperationalPeriod) -> dict:
    """The ICS 204-style assignment list: each post, its instructions, who is assigned."""
    assignments = period_assignments(period)
    load_users([a.user_id for a in assignments] + [incident.in_charge_id])
    by_post: dict[int, list[str]] = {}
    for a in assignments:
        names = by_post.setdefault(a.post_id, [])
        if _name(a.user_id) not in names:
            names.append(_name(a.user_id))
    equipment: dict[int, list] = {}
    for row in db.session.scalars(
        select(PostEquipment).where(PostEquipment.incident_id == incident.id)
    ):
        equipment.setdefault(row.post_id, []).append(row)
    return {
        "incident": incident,
        "period": period,
        "leader": _name(incident.in_charge_id),
        "agency": home_agency(),
        "posts": [
            (post, by_post.get(post.id, []), equipment.get(post.id, [])) for post in incident.posts
        ],
    }


CSV_HEADER = ("time", "operational_period", "post", "person", "activity")
CSV_BATCH = 500  # rows read at a time while the CSV streams


@dataclass(frozen=True)
class _CsvSetting:
    """What the streaming CSV needs from the request, taken before the request ends: the
    response is iterated after the view returns, each batch in an app context of its own."""

    app: object
    incident_id: int
    batch: int
    zone: tzinfo
    on_post: str
    relieved: str


def csv_lines(incident: TrafficIncident, batch: int | None = None) -> Iterator[str]:
    """The incident's activity log as CSV text, a line at a time, read from the database in
    batches of CSV_BATCH while the response streams: memory stays flat however long the log
    (times in the department's zone, ISO 8601). Entries, On post and Relieved times come in
    time order, each source read by keyset (after the last (time, id) seen)."""
    setting = _CsvSetting(
        current_app._get_current_object(),
        incident.id,
        batch or CSV_BATCH,
        get_timezone(),
        str(ON_POST),
        str(RELIEVED),
    )
    return _csv_lines(setting)


def _csv_lines(setting: _CsvSetting) -> Iterator[str]:
    with setting.app.app_context():
        periods = db.session.execute(
            select(OperationalPeriod.id, OperationalPeriod.starts_at, OperationalPeriod.ends_at)
            .where(OperationalPeriod.incident_id == setting.incident_id)
            .order_by(OperationalPeriod.starts_at)
        ).all()
        posts = dict(
            db.session.execute(
                select(TrafficPost.id, TrafficPost.name).where(
                    TrafficPost.incident_id == setting.incident_id
                )
            ).all()
        )
    numbers = {period.id: index for index, period in enumerate(periods, start=1)}
    yield _csv_row(CSV_HEADER)
    streams = [_batches(setting, query, time, id_) for query, time, id_ in _log_queries(setting)]
    for at, _id, post_id, person, text, period_id in heapq.merge(*streams, key=lambda r: r[0]):
        local = at.replace(tzinfo=UTC).astimezone(setting.zone).strftime("%Y-%m-%dT%H:%M")
        period = numbers.get(period_id or _period_of(at, periods), "")
        yield _csv_row((local, period, posts.get(post_id, ""), person or "", text))


def _log_queries(setting: _CsvSetting) -> list:
    """(query, time column, id column) of entries, On post times and Relieved times, each row
    (at, id, post, person's name, text, period): an entry's period is the one running then
    (None here), a stint's its assignment's."""
    entry, assignment = ActivityEntry, PostAssignment
    entries = (
        select(entry.at, entry.id, entry.post_id, User.display_name, entry.text, null())
        .join(User, User.id == entry.user_id)
        .where(entry.incident_id == setting.incident_id)
    )
    queries = [(entries, entry.at, entry.id)]
    for column, word in (
        (assignment.on_post_at, setting.on_post),
        (assignment.relieved_at, setting.relieved),
    ):
        stints = (
            select(
                column,
                assignment.id,
                assignment.post_id,
                User.display_name,
                literal(word),
                assignment.period_id,
            )
            .join(User, User.id == assignment.user_id)
            .where(assignment.incident_id == setting.incident_id, column.is_not(None))
        )
        queries.append((stints, column, assignment.id))
    return queries


def _batches(setting: _CsvSetting, query, time_column, id_column) -> Iterator:
    """The rows of `query` in (time, id) order, `setting.batch` at a time, each batch read in
    its own app context (pushed and popped within one step of the response)."""
    after = None
    while True:
        page = query.order_by(time_column, id_column).limit(setting.batch)
        if after is not None:
            page = page.where(
                or_(time_column > after[0], and_(time_column == after[0], id_column > after[1]))
            )
        with setting.app.app_context():
            rows = db.session.execute(page).all()
        yield from rows
        if len(rows) < setting.batch:
            return
        after = (rows[-1][0], rows[-1][1])


def _csv_row(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_safe_cell(value) for value in values])
    return buffer.getvalue()


def _safe_cell(value) -> str:
    """No cell a spreadsheet would run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
