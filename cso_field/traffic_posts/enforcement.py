"""Selective enforcement (K-1 III.D): designated problems, and the sessions CSOs work at them
with a sworn officer, whose name and badge number every session records.

Designating a problem and recording a session are each one unit of work, made once per
client UUID; refusals raise services.TrafficError.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import write_transaction
from cso_field.districts.services import LOCATION_FIELDS, locate
from cso_field.extensions import db
from cso_field.records.services import create_once, load_users, submission_hash
from cso_field.timeutil import department_today
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


def summary(problem: DesignatedProblem) -> Summary:
    """The Senior CSO's totals over every session at the problem."""
    count, contacts, warnings, referrals = db.session.execute(
        select(
            func.count(EnforcementSession.id),
            func.coalesce(func.sum(EnforcementSession.contacts), 0),
            func.coalesce(func.sum(EnforcementSession.warnings), 0),
            func.coalesce(func.sum(EnforcementSession.referrals), 0),
        ).where(EnforcementSession.problem_id == problem.id)
    ).one()
    spans = db.session.execute(
        select(EnforcementSession.started_at, EnforcementSession.ended_at).where(
            EnforcementSession.problem_id == problem.id
        )
    ).all()
    minutes = sum(int((ended - started).total_seconds() // 60) for started, ended in spans)
    return Summary(count, minutes, int(contacts), int(warnings), int(referrals))


def sessions_of(problem: DesignatedProblem) -> list[EnforcementSession]:
    rows = list(
        db.session.scalars(
            select(EnforcementSession)
            .where(EnforcementSession.problem_id == problem.id)
            .order_by(EnforcementSession.started_at.desc())
            .limit(SESSIONS_SHOWN)
        )
    )
    load_users(row.created_by_id for row in rows)
    return rows


def register_enforcement() -> None:
    audit.register_labels(
        {
            "designated_problem.create": _l("Problem designated for enforcement"),
            "designated_problem.session": _l("Enforcement session recorded"),
        }
    )
    audit.register_object_label(DesignatedProblem.record_type, _l("Designated problem"))
