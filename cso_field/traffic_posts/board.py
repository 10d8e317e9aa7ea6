"""What the screens and forms read: the incident list, the live board (and the token its poll
sends, so an unchanged board costs a 204), a CSO's posts for Today, the ICS 214 and ICS 204 of
an operational period, and the activity log as CSV rows.

Each reads a bounded number of rows with a fixed number of queries, whatever the incident's
size: posts, the period's assignments, the newest entries, then the names in one query.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

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
POSTS_SHOWN = 50  # no screen renders more rows at once (DESIGN.md)


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


def period_assignments(period: OperationalPeriod | None) -> list[PostAssignment]:
    if period is None:
        return []
    return list(
        db.session.scalars(
            select(PostAssignment)
            .where(
                PostAssignment.incident_id == period.incident_id,
                PostAssignment.period_id == period.id,
            )
            .order_by(PostAssignment.on_post_at, PostAssignment.id)
        )
    )


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


def _period_of(at: datetime, periods: list[OperationalPeriod]) -> int | None:
    """The period an entry at `at` belongs to: the one running then, else the nearest."""
    if not periods:
        return None
    for period in periods:
        if period.starts_at <= at < period.ends_at:
            return period.id
    before = [period for period in periods if period.starts_at <= at]
    return (before[-1] if before else periods[0]).id


def activity_log(incident: TrafficIncident, period: OperationalPeriod | None = None):
    """Every entry, On post and Relieved of the incident (or of one period), oldest first."""
    periods = incident.periods
    posts = {post.id: post.name for post in incident.posts}
    lines = []
    entries = db.session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.incident_id == incident.id)
        .order_by(ActivityEntry.at, ActivityEntry.id)
    )
    assignments = list(
        db.session.scalars(
            select(PostAssignment).where(
                PostAssignment.incident_id == incident.id, PostAssignment.on_post_at.is_not(None)
            )
        )
    )
    entries = list(entries)
    load_users([entry.user_id for entry in entries] + [a.user_id for a in assignments])
    for entry in entries:
        lines.append(
            LogLine(
                entry.at,
                posts.get(entry.post_id, ""),
                _name(entry.user_id),
                entry.text,
                _period_of(entry.at, periods),
            )
        )
    for a in assignments:
        name, post = _name(a.user_id), posts.get(a.post_id, "")
        lines.append(LogLine(a.on_post_at, post, name, str(ON_POST), a.period_id))
        if a.relieved_at is not None:
            lines.append(LogLine(a.relieved_at, post, name, str(RELIEVED), a.period_id))
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


def csv_lines(incident: TrafficIncident) -> Iterator[str]:
    """The incident's activity log as CSV text, a line at a time (times in the department's
    zone, ISO 8601)."""
    numbers = {period.id: index for index, period in enumerate(incident.periods, start=1)}
    yield _csv_row(CSV_HEADER)
    for line in activity_log(incident):
        local = format_datetime(line.at, "yyyy-MM-dd'T'HH:mm")
        yield _csv_row(
            (local, numbers.get(line.period_id, ""), line.post, line.person, line.activity)
        )


def _csv_row(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_safe_cell(value) for value in values])
    return buffer.getvalue()


def _safe_cell(value) -> str:
    """No cell a spreadsheet would run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
