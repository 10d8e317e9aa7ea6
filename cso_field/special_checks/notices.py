"""What residents are sent about their special check, in the check's language: the
confirmation with the private link, a changed last day, a problem alert to the emergency
contact, and the summary of the visits when the check is over.

Emails are queued in the caller's transaction (templates/special_checks/emails/).
"""

from datetime import date

from flask_babel import lazy_pgettext
from sqlalchemy import or_, select

from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.mail import queue_template
from cso_field.records.models import Status
from cso_field.settings import get_setting
from cso_field.special_checks.models import CheckVisit, SpecialCheck, VisitOutcome
from cso_field.timeutil import department_today, utcnow

RESIDENT_OUTCOME_LABELS = {
    VisitOutcome.ALL_SECURE: lazy_pgettext("resident", "All secure"),
    VisitOutcome.OPEN_DOOR_OR_WINDOW: lazy_pgettext("resident", "A door or window was open"),
    VisitOutcome.FORCED_ENTRY: lazy_pgettext("resident", "Signs of a break-in"),
    VisitOutcome.SUSPICIOUS: lazy_pgettext("resident", "Something suspicious was seen"),
    VisitOutcome.OTHER: lazy_pgettext("resident", "Other: the officer made a note"),
}
EMAILS = "special_checks/emails/"


def queue_confirmation(check: SpecialCheck, manage_url: str) -> None:
    if check.email:
        queue_template(
            EMAILS + "confirmation.txt",
            language=check.language,
            recipient=check.email,
            dedupe_key=f"check-confirmation:{check.id}",
            check=check,
            manage_url=manage_url,
        )


def queue_end_date_changed(check: SpecialCheck) -> None:
    if check.email:
        queue_template(
            EMAILS + "end_date_changed.txt",
            language=check.language,
            recipient=check.email,
            dedupe_key=f"check-end-date:{check.id}:{check.end_date.isoformat()}",
            check=check,
        )


def queue_problem_alert(check: SpecialCheck, visit: CheckVisit) -> None:
    queue_template(
        EMAILS + "problem_alert.txt",
        language=check.language,
        recipient=check.emergency_contact_email,
        dedupe_key=f"check-alert:{visit.id}",
        check=check,
        visit=visit,
    )


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
    """Queue the summary email of every ended or cancelled check not yet summed up, and
    commit; returns how many were queued. Each check is summed up once (summary_queued_at,
    dedupe key)."""
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
            EMAILS + "summary.txt",
            language=check.language,
            recipient=check.email,
            dedupe_key=f"check-summary:{check.id}",
            check=check,
            visits=reported_visits(check),
        )
        check.summary_queued_at = utcnow()
    db.session.commit()
    return len(due)
