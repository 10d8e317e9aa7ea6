"""Selective enforcement (K-1 III.D): designated problems, and the sessions CSOs work at them
with a sworn officer, whose name and badge number every session records.

Designating a problem and recording a session are each one unit of work, made once per
client UUID; refusals raise services.TrafficError.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flask import url_for
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, extract, func, literal_column, select, update

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import write_transaction
from cso_field.districts.services import LOCATION_FIELDS, locate
from cso_field.extensions import db
from cso_field.records import registry
from cso_field.records.services import (
    create_once,
    live,
    load_users,
    search_records,
    submission_hash,
)
from cso_field.timeutil import day_start_utc, department_today, utcnow
from cso_field.traffic_posts.models import DesignatedProblem, EnforcementSession
from cso_field.traffic_posts.rules import Problem, TrafficError, period_problem

PROBLEMS_SHOWN = 25
SESSIONS_SHOWN = 25


def designate(
    *, client_uuid: uuid.UUID, content: dict, author: User, today: date | None = None
) -> tuple[DesignatedProblem, bool]:
    """Designate a problem for selective enforcement until a day, once per client UUID."""
    if content["until"] < (today or department_today()):
        raise TrafficError(Problem.UNTIL_IN_PAST)
    digest = submission_hash(content)
    fields = {**content, **locate({name: content.get(name) for name in LOCATION_FIELDS})}
    with write_transaction():
        problem, created = create_once(
            DesignatedProblem, client_uuid=client_uuid, digest=digest, author=author, **fields
        )
        if created:
            audit.record(
                "designated_problem.create",
                object_type=DesignatedProblem.record_type,
                object_id=problem.id,
                detail=problem.title,
            )
    return problem, created


def session_problem(content: dict) -> Problem | None:
    """The first rule a session breaks: the sworn officer named, with a badge number, and an
    end after the start."""
    if not (content.get("officer_name") or "").strip():
        return Problem.OFFICER_REQUIRED
    if not (content.get("badge_number") or "").strip():
        return Problem.BADGE_REQUIRED
    return period_problem(content.get("started_at"), content.get("ended_at"))


def record_session(
    problem: DesignatedProblem, *, client_uuid: uuid.UUID, content: dict, author: User
) -> tuple[EnforcementSession, bool]:
    """Record an enforcement session at a designated problem, once per client UUID."""
    refused = session_problem(content)
    if refused:
        raise TrafficError(refused)
    fields = {**content, "problem_id": problem.id}
    with write_transaction(problem):
        session, created = create_once(
            EnforcementSession,
            client_uuid=client_uuid,
            digest=submission_hash(fields),
            author=author,
            **fields,
        )
        if created:
            audit.record(
                "designated_problem.session",
                object_type=DesignatedProblem.record_type,
                object_id=problem.id,
                detail=f"{session.reference} badge {session.badge_number}",
            )
    return session, created


def problems(today: date | None = None) -> list[DesignatedProblem]:
    """Designated problems still in force, ending soonest first."""
    return list(
        db.session.scalars(
            select(DesignatedProblem)
            .where(
                DesignatedProblem.until >= (today or department_today()),
                DesignatedProblem.deleted_at.is_(None),
            )
            .order_by(DesignatedProblem.until, DesignatedProblem.id)
            .limit(PROBLEMS_SHOWN)
        )
    )


@dataclass(frozen=True)
class Summary:
    sessions: int
    minutes: int
    contacts: int
    warnings: int
    referrals: int


def _minutes_on_scene():
    """Minutes between a session's start and end, as SQL: each database has its own way."""
    started, ended = EnforcementSession.started_at, EnforcementSession.ended_at
    if db.session.get_bind().dialect.name == "postgresql":
        return extract("epoch", ended - started) / 60
    return (func.julianday(ended) - func.julianday(started)) * 1440


def _totals():
    """The aggregate columns of a summary: sessions, minutes, contacts, warnings, referrals."""
    return (
        func.count(EnforcementSession.id),
        func.coalesce(func.sum(_minutes_on_scene()), 0),
        func.coalesce(func.sum(EnforcementSession.contacts), 0),
        func.coalesce(func.sum(EnforcementSession.warnings), 0),
        func.coalesce(func.sum(EnforcementSession.referrals), 0),
    )


def _summary(row) -> Summary:
    count, minutes, contacts, warnings, referrals = row
    return Summary(count, round(minutes), int(contacts), int(warnings), int(referrals))


def summary(problem: DesignatedProblem) -> Summary:
    """The Senior CSO's totals over every session at the problem, in one aggregate query."""
    return _summary(
        db.session.execute(
            select(*_totals()).where(
                EnforcementSession.problem_id == problem.id,
                EnforcementSession.deleted_at.is_(None),
            )
        ).one()
    )


# -- The summary over time: per week or per month ----------------------------------------------


class Grain(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Measure(StrEnum):
    SESSIONS = "sessions"
    CONTACTS = "contacts"
    WARNINGS = "warnings"
    REFERRALS = "referrals"
    MINUTES = "minutes"


GRAIN_LABELS = {Grain.WEEK: _l("Per week"), Grain.MONTH: _l("Per month")}
MEASURE_LABELS = {
    Measure.SESSIONS: _l("Sessions"),
    Measure.CONTACTS: _l("Contacts"),
    Measure.WARNINGS: _l("Warnings"),
    Measure.REFERRALS: _l("Referrals to the officer"),
    Measure.MINUTES: _l("Time on scene (hours)"),
}
PERIODS_SHOWN = 12  # the last 12 weeks or 12 months, the current one included


@dataclass(frozen=True)
class Bucket:
    start: date
    label: str
    totals: Summary

    def value(self, measure: Measure) -> float:
        if measure is Measure.MINUTES:
            return round(self.totals.minutes / 60, 1)
        return getattr(self.totals, measure.value)


def period_starts(grain: Grain, today: date, count: int = PERIODS_SHOWN) -> list[date]:
    """The first days of the last `count` weeks (Mondays) or months, oldest first, and the first
    day after the last of them."""
    if grain is Grain.WEEK:
        monday = today - timedelta(days=today.weekday())
        return [monday - timedelta(weeks=back) for back in range(count - 1, -2, -1)]
    months = today.year * 12 + today.month - 1
    return [date(m // 12, m % 12 + 1, 1) for m in range(months - count + 1, months + 2)]


def _label(grain: Grain, start: date) -> str:
    if grain is Grain.WEEK:
        return _("Week of %(day)s", day=format_date(start, "short"))
    return format_date(start, "LLLL yyyy")


def over_time(problem: DesignatedProblem, grain: Grain, today: date | None = None) -> list[Bucket]:
    """The problem's sessions, contacts, warnings, referrals and time on scene per week or per
    month (the department's weeks and months), the last PERIODS_SHOWN of them, oldest first:
    one GROUP BY query over the problem's index, whatever the number of sessions."""
    starts = period_starts(grain, today or department_today())
    edges = [day_start_utc(day) for day in starts]  # the department's midnights, in UTC
    started = EnforcementSession.started_at
    # The newest period whose start the session is at or after: the first matching WHEN.
    period = case(
        *((started >= edges[i], i) for i in range(len(starts) - 2, -1, -1)), else_=-1
    ).label("period")
    rows = db.session.execute(
        select(period, *_totals())
        .where(
            EnforcementSession.problem_id == problem.id,
            EnforcementSession.deleted_at.is_(None),
            started >= edges[0],
            started < edges[-1],
        )
        .group_by(literal_column("period"))
    ).all()
    found = {row[0]: _summary(row[1:]) for row in rows}
    empty = Summary(0, 0, 0, 0, 0)
    return [
        Bucket(start, _label(grain, start), found.get(index, empty))
        for index, start in enumerate(starts[:-1])
    ]


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # formatted for the language shown
    width: float  # of the bar area, 0..1
    y: int


CHART_ROW = 28  # SVG units a row takes: a bar and the gap below it


def chart_bars(buckets: list[Bucket], measure: Measure) -> list[Bar]:
    """One horizontal bar per period, scaled to the largest, for the SVG chart."""
    values = [bucket.value(measure) for bucket in buckets]
    top = max(values, default=0) or 1
    return [
        Bar(bucket.label, format_decimal(value), value / top, index * CHART_ROW)
        for index, (bucket, value) in enumerate(zip(buckets, values, strict=True))
    ]


def sessions_of(problem: DesignatedProblem) -> list[EnforcementSession]:
    rows = list(
        db.session.scalars(
            live(select(EnforcementSession), EnforcementSession)
            .where(EnforcementSession.problem_id == problem.id)
            .order_by(EnforcementSession.started_at.desc())
            .limit(SESSIONS_SHOWN)
        )
    )
    load_users(row.created_by_id for row in rows)
    return rows


# -- Search, My records and deletion ----------------------------------------------------------


def problem_url(problem: DesignatedProblem) -> str:
    return url_for("traffic_posts.problem", problem_id=problem.id)


def session_url(session: EnforcementSession) -> str:
    return url_for("traffic_posts.problem", problem_id=session.problem_id) + f"#{session.reference}"


def search_problems(text: str, user: User, limit: int) -> list[registry.SearchHit]:
    """Designated problems by reference, title or address, newest first."""
    today = department_today()
    return [
        registry.SearchHit(
            DesignatedProblem.record_type,
            problem.reference,
            problem.title,
            problem.address,
            problem_url(problem),
            str(_l("In force") if problem.until >= today else _l("No longer in force")),
        )
        for problem in search_records(DesignatedProblem, text, limit)
    ]


def session_summary(session: EnforcementSession) -> str:
    """One line for My records and Search: where, when, with whom."""
    return _(
        "%(problem)s · %(time)s · %(officer)s #%(badge)s",
        problem=session.problem.title,
        time=format_datetime(session.started_at, "short"),
        officer=session.officer_name,
        badge=session.badge_number,
    )


def search_sessions(text: str, user: User, limit: int) -> list[registry.SearchHit]:
    """Enforcement sessions by reference, sworn officer or badge number, newest first."""
    sessions = search_records(EnforcementSession, text, limit)
    problem_ids = {session.problem_id for session in sessions}
    if problem_ids:  # their problems in one query; each session.problem is then in memory
        db.session.scalars(
            select(DesignatedProblem).where(DesignatedProblem.id.in_(problem_ids))
        ).all()
    return [
        registry.SearchHit(
            EnforcementSession.record_type,
            session.reference,
            session_summary(session),
            session.problem.address,
            session_url(session),
            _(
                "%(contacts)d contacts, %(warnings)d warnings, %(referrals)d referrals",
                contacts=session.contacts,
                warnings=session.warnings,
                referrals=session.referrals,
            ),
        )
        for session in sessions
    ]


def _delete_sessions_with(problem: DesignatedProblem) -> None:
    """A deleted problem takes its live sessions with it, in the same unit of work (one
    UPDATE): they were recorded against a problem that should not have been."""
    db.session.execute(
        update(EnforcementSession)
        .where(
            EnforcementSession.problem_id == problem.id,
            EnforcementSession.deleted_at.is_(None),
        )
        .values(
            deleted_at=utcnow(),
            deleted_by_id=problem.deleted_by_id,
            deleted_reason=f"{problem.reference}: {problem.deleted_reason}"[:500],
        )
    )


def register_enforcement(may_delete) -> None:
    registry.register(
        registry.RecordType(
            name=DesignatedProblem.record_type,
            model=DesignatedProblem,
            label=_l("Designated problem"),
            view_endpoint="traffic_posts.problem",
            list_endpoint="traffic_posts.problems",
            new_endpoint=None,  # Senior CSOs designate from the problems page
            description=_l("A problem designated for selective enforcement."),
            search=search_problems,
            summary=lambda problem: problem.title,
            after_delete=_delete_sessions_with,
            url=problem_url,
            may_delete=may_delete,
        )
    )
    registry.register(
        registry.RecordType(
            name=EnforcementSession.record_type,
            model=EnforcementSession,
            label=_l("Enforcement session"),
            view_endpoint="traffic_posts.problem",
            list_endpoint="traffic_posts.problems",
            new_endpoint=None,  # recorded from the problem's page
            description=_l("A session at a designated problem, with a sworn officer."),
            search=search_sessions,
            summary=session_summary,
            url=session_url,
            may_delete=may_delete,
        )
    )
    audit.register_labels(
        {
            "designated_problem.create": _l("Problem designated for enforcement"),
            "designated_problem.session": _l("Enforcement session recorded"),
        }
    )
    audit.register_object_label(DesignatedProblem.record_type, _l("Designated problem"))
