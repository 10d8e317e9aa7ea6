"""Special check requests: created online or by staff, managed through a private link, and
summed up for the resident by email when the check is over.

Callers commit: every function here writes into the caller's transaction, so a check, its
audit row and its queued email are saved together or not at all.
"""

import hashlib
import re
import secrets
import uuid
from datetime import date, timedelta
from enum import Enum

from flask import current_app, url_for
from flask_babel import lazy_pgettext, to_user_timezone
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from cso_field import audit
from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.geocoding import locate
from cso_field.mail import queue_template
from cso_field.records.models import Status
from cso_field.records.services import SubmissionConflict, submission_hash
from cso_field.settings import get_setting
from cso_field.special_checks.models import CheckVisit, RequestSource, SpecialCheck, VisitOutcome
from cso_field.timeutil import utcnow

RESIDENT_OUTCOME_LABELS = {
    VisitOutcome.ALL_SECURE: lazy_pgettext("resident", "All secure"),
    VisitOutcome.OPEN_DOOR_OR_WINDOW: lazy_pgettext("resident", "A door or window was open"),
    VisitOutcome.FORCED_ENTRY: lazy_pgettext("resident", "Signs of a break-in"),
    VisitOutcome.SUSPICIOUS: lazy_pgettext("resident", "Something suspicious was seen"),
    VisitOutcome.OTHER: lazy_pgettext("resident", "Other: the officer made a note"),
}

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
RATE_WINDOW = timedelta(hours=1)


class DateProblem(Enum):
    IN_PAST = "in_past"
    TOO_SOON = "too_soon"
    END_BEFORE_START = "end_before_start"
    END_IN_PAST = "end_in_past"
    TOO_LONG = "too_long"


START_PROBLEMS = frozenset({DateProblem.IN_PAST, DateProblem.TOO_SOON})


class CheckRequestError(Exception):
    """A change the rules refuse: `problem` is a DateProblem, or "cancelled" or "ended"."""

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem


# -- Dates -------------------------------------------------------------------------------------


def department_today() -> date:
    return to_user_timezone(utcnow()).date()


def length_in_days(start: date, end: date) -> int:
    """Both days count: a check from the 1st to the 3rd lasts 3 days."""
    return (end - start).days + 1


def date_problem(
    start: date, end: date, *, today: date, min_lead_days: int, max_length_days: int
) -> DateProblem | None:
    """The first rule a requested period breaks, or None."""
    if start < today:
        return DateProblem.IN_PAST
    if (start - today).days < min_lead_days:
        return DateProblem.TOO_SOON
    if end < start:
        return DateProblem.END_BEFORE_START
    if length_in_days(start, end) > max_length_days:
        return DateProblem.TOO_LONG
    return None


def end_date_problem(check: SpecialCheck, new_end: date, *, today: date) -> DateProblem | None:
    if new_end < check.start_date:
        return DateProblem.END_BEFORE_START
    if new_end < today:
        return DateProblem.END_IN_PAST
    if length_in_days(check.start_date, new_end) > int(get_setting("check_max_length_days")):
        return DateProblem.TOO_LONG
    return None


def state(check: SpecialCheck, today: date | None = None) -> str:
    """The check's state: "cancelled", "ended", "upcoming" or "active"."""
    today = today or department_today()
    if check.cancelled_at is not None:
        return "cancelled"
    if check.end_date < today:
        return "ended"
    return "upcoming" if check.start_date > today else "active"


# -- Creating ----------------------------------------------------------------------------------


def online_requests_since(client_address: str | None, since) -> int:
    return db.session.scalar(
        select(func.count(SpecialCheck.id)).where(
            SpecialCheck.client_address == client_address,
            SpecialCheck.created_at >= since,
            SpecialCheck.source == RequestSource.ONLINE.value,
        )
    )


def over_rate_limit(client_address: str | None) -> bool:
    """True when this address already sent its hourly share of online requests."""
    limit = current_app.config["CHECK_REQUESTS_PER_ADDRESS_PER_HOUR"]
    return online_requests_since(client_address, utcnow() - RATE_WINDOW) >= limit


def find_by_client_uuid(client_uuid: uuid.UUID) -> SpecialCheck | None:
    return db.session.scalar(select(SpecialCheck).where(SpecialCheck.client_uuid == client_uuid))


def create_request(
    *,
    client_uuid: uuid.UUID,
    content: dict,
    source: RequestSource,
    client_address: str | None,
    created_by: User | None = None,
) -> tuple[SpecialCheck, bool, str | None]:
    """Create a check once per client UUID; returns (check, created, manage token).

    A repeat of the same submission returns the stored check and no token (only its hash
    is kept). Raises SubmissionConflict for a UUID reused with other content. Call it before
    any other write of the transaction.
    """
    digest = submission_hash(
        {**content, "source": source.value, "created_by": created_by.id if created_by else None}
    )
    existing = find_by_client_uuid(client_uuid)
    if existing is not None:
        return _same_submission(existing, digest), False, None
    token = secrets.token_urlsafe(32)
    check = SpecialCheck(
        client_uuid=client_uuid,
        submission_hash=digest,
        source=source.value,
        created_by_id=created_by.id if created_by else None,
        client_address=(client_address or "")[:64] or None,
        manage_token_hash=_token_hash(token),
        **content,
    )
    db.session.add(check)
    try:
        db.session.flush()
    except IntegrityError:
        # A parallel request with the same UUID won the insert; it was this
        # transaction's first write, so rolling back loses nothing else.
        db.session.rollback()
        existing = find_by_client_uuid(client_uuid)
        if existing is None:
            raise
        return _same_submission(existing, digest), False, None
    check.reference = f"{SpecialCheck.reference_prefix}-{check.created_at:%Y}-{check.id:06d}"
    locate(check)
    audit.record(
        "special_check.create",
        object_type=SpecialCheck.record_type,
        object_id=check.id,
        actor=created_by,
        detail=f"{check.reference} {source.value}",
    )
    _queue_confirmation(check, token)
    return check, True, token


def _same_submission(existing: SpecialCheck, digest: str) -> SpecialCheck:
    if existing.submission_hash != digest:
        raise SubmissionConflict
    return existing


def _queue_confirmation(check: SpecialCheck, token: str) -> None:
    if not check.email:
        return
    queue_template(
        "check_confirmation",
        language=check.language,
        recipient=check.email,
        dedupe_key=f"check-confirmation:{check.id}",
        check=check,
        manage_url=manage_url(token),
    )


# -- The private link --------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def manage_url(token: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for("check_requests.manage", token=token)


def reissue_manage_token(check: SpecialCheck) -> str:
    """A new private link; the old one stops working."""
    token = secrets.token_urlsafe(32)
    check.manage_token_hash = _token_hash(token)
    audit.record(
        "special_check.link_reissued", object_type=SpecialCheck.record_type, object_id=check.id
    )
    return token


def find_by_token(token: str | None) -> SpecialCheck | None:
    if not token or not _TOKEN.match(token):
        return None
    return db.session.scalar(
        select(SpecialCheck).where(
            SpecialCheck.manage_token_hash == _token_hash(token),
            SpecialCheck.deleted_at.is_(None),
        )
    )


def cancel(check: SpecialCheck, *, today: date | None = None) -> bool:
    """Cancel the checks; False if already cancelled. An ended check cannot be cancelled."""
    current = state(check, today)
    if current == "cancelled":
        return False
    if current == "ended":
        raise CheckRequestError("ended")
    check.cancelled_at = utcnow()
    audit.record("special_check.cancel", object_type=SpecialCheck.record_type, object_id=check.id)
    return True


def change_end_date(check: SpecialCheck, new_end: date, *, today: date | None = None) -> bool:
    """Move the last day; False if it is unchanged. Emails the resident a confirmation."""
    today = today or department_today()
    current = state(check, today)
    if current in ("cancelled", "ended"):
        raise CheckRequestError(current)
    problem = end_date_problem(check, new_end, today=today)
    if problem is not None:
        raise CheckRequestError(problem)
    if new_end == check.end_date:
        return False
    old_end, check.end_date = check.end_date, new_end
    audit.record(
        "special_check.end_date",
        object_type=SpecialCheck.record_type,
        object_id=check.id,
        detail=f"{old_end.isoformat()} -> {new_end.isoformat()}",
    )
    if check.email:
        queue_template(
            "check_end_date_changed",
            language=check.language,
            recipient=check.email,
            dedupe_key=f"check-end-date:{check.id}:{new_end.isoformat()}",
            check=check,
        )
    return True


# -- What the resident is told about the visits ------------------------------------------------


def reported_visits(check: SpecialCheck) -> list[dict]:
    """The visits a resident is told about, oldest first: when, outcome label, and the
    officer's name when the department chose to show names."""
    visits = [
        visit
        for visit in check.visits
        if visit.deleted_at is None and visit.status != Status.DRAFT.value
    ]
    names = _officer_names(visits) if get_setting("check_summary_shows_officer_names") else {}
    return [
        {
            "at": visit.created_at,
            "outcome": _outcome_label(visit.outcome),
            "officer": names.get(visit.created_by_id),
        }
        for visit in visits
    ]


def _outcome_label(outcome: str):
    try:
        return RESIDENT_OUTCOME_LABELS[VisitOutcome(outcome)]
    except ValueError:
        return RESIDENT_OUTCOME_LABELS[VisitOutcome.OTHER]


def _officer_names(visits: list[CheckVisit]) -> dict[int, str]:
    ids = {visit.created_by_id for visit in visits}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def queue_summaries(today: date | None = None) -> int:
    """Queue the summary email of every ended or cancelled check not yet summed up; returns
    how many were queued. Each check is summed up once (summary_queued_at, dedupe key)."""
    today = today or department_today()
    due = db.session.scalars(
        select(SpecialCheck)
        .where(
            or_(SpecialCheck.end_date < today, SpecialCheck.cancelled_at.is_not(None)),
            SpecialCheck.summary_queued_at.is_(None),
            SpecialCheck.email.is_not(None),
            SpecialCheck.deleted_at.is_(None),
        )
        .order_by(SpecialCheck.id)
    ).all()
    for check in due:
        queue_template(
            "check_summary",
            language=check.language,
            recipient=check.email,
            dedupe_key=f"check-summary:{check.id}",
            check=check,
            visits=reported_visits(check),
        )
        check.summary_queued_at = utcnow()
    return len(due)
