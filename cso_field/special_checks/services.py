"""The life of a special check, as plain functions: its one state, its date rules, making it
(once per client UUID), the resident's private link, cancelling and moving the last day;
then what the type registers with the core.

Each function that changes a check is one unit of work: the check, its audit row and its
queued email are committed together, or not at all.
"""

import hashlib
import re
import secrets
import uuid
from datetime import date, timedelta
from enum import Enum

import flask_babel
from babel import Locale, UnknownLocaleError
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cso_field import audit, locks, settings
from cso_field.auth.models import User
from cso_field.database import begin_write, write_transaction
from cso_field.demo import register_demo
from cso_field.districts.services import LOCATION_FIELDS, locate
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.records import registry
from cso_field.records.services import create_once, search_records, submission_hash
from cso_field.roles import ALL_ROLES
from cso_field.special_checks import lists, notices
from cso_field.special_checks.models import (
    CheckKind,
    PositionSource,
    RequestSource,
    SpecialCheck,
)
from cso_field.special_checks.visits import outcome_label, outcome_labels, register_visits
from cso_field.timeutil import department_today, utcnow

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
RATE_WINDOW = timedelta(hours=1)

SETTINGS_DEFAULTS = {
    "check_min_lead_days": 1,
    "check_max_length_days": 30,
    "check_stale_after_days": 3,
    "check_summary_shows_officer_names": False,
}

KIND_LABELS = {
    CheckKind.VACATION_HOUSE: _l("Vacation house check"),
    CheckKind.BUSINESS: _l("Business check"),
    CheckKind.PROBLEM_LOCATION: _l("Problem location"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(CheckKind(kind), kind))


def kind_labels() -> dict[str, str]:
    """{kind: its label}, translated once for a whole list of checks."""
    return {kind.value: str(label) for kind, label in KIND_LABELS.items()}


# -- The one state of a check ------------------------------------------------------------------


class CheckState(LabelledEnum):
    UPCOMING = "upcoming", _l("Upcoming")
    ACTIVE = "active", _l("Active")
    ENDED = "ended", _l("Ended")
    CANCELLED = "cancelled", _l("Cancelled")
    DELETED = "deleted", _l("Deleted")


def state_of(check: SpecialCheck, today: date | None = None) -> CheckState:
    today = today or department_today()
    if check.deleted_at is not None:
        return CheckState.DELETED
    if check.cancelled_at is not None:
        return CheckState.CANCELLED
    if check.end_date < today:
        return CheckState.ENDED
    return CheckState.UPCOMING if check.start_date > today else CheckState.ACTIVE


def is_active(check: SpecialCheck, today: date | None = None) -> bool:
    return state_of(check, today) is CheckState.ACTIVE


# -- Dates -------------------------------------------------------------------------------------


class DateProblem(Enum):
    IN_PAST = "in_past"
    TOO_SOON = "too_soon"
    END_BEFORE_START = "end_before_start"
    END_IN_PAST = "end_in_past"
    TOO_LONG = "too_long"


START_PROBLEMS = frozenset({DateProblem.IN_PAST, DateProblem.TOO_SOON})


class CheckRequestError(Exception):
    """A change the rules refuse: `problem` is a DateProblem, or the CheckState that
    forbids it (cancelled, ended)."""

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem


def length_in_days(start: date, end: date) -> int:
    """Both days count: a check from the 1st to the 3rd lasts 3 days."""
    return (end - start).days + 1


def earliest_request_start(today: date | None = None) -> date:
    """The first day a resident may ask checks to start (the lead-time rule of date_problem)."""
    today = today or department_today()
    return today + timedelta(days=int(settings.get_setting("check_min_lead_days")))


def longest_request_days() -> int:
    return int(settings.get_setting("check_max_length_days"))


def last_allowed_end(start: date) -> date:
    """The last day a period starting on `start` may run to (the length rule of date_problem)."""
    return start + timedelta(days=longest_request_days() - 1)


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
    if length_in_days(check.start_date, new_end) > longest_request_days():
        return DateProblem.TOO_LONG
    return None


# -- Making a check ----------------------------------------------------------------------------


class TooManyRequests(Exception):
    """The address already sent its hourly share of online requests."""


def over_rate_limit(client_address: str | None) -> bool:
    """True when this address already sent its hourly share of online requests.

    Exact only while the caller holds the address's lock (see create_check)."""
    limit = current_app.config["CHECK_REQUESTS_PER_ADDRESS_PER_HOUR"]
    sent = db.session.scalar(
        select(func.count(SpecialCheck.id)).where(
            SpecialCheck.client_address == _stored_address(client_address),
            SpecialCheck.created_at >= utcnow() - RATE_WINDOW,
            SpecialCheck.source == RequestSource.ONLINE.value,
        )
    )
    return sent >= limit


def _stored_address(client_address: str | None) -> str | None:
    return (client_address or "")[:64] or None


def find_by_client_uuid(client_uuid: uuid.UUID) -> SpecialCheck | None:
    return db.session.scalar(select(SpecialCheck).where(SpecialCheck.client_uuid == client_uuid))


def create_check(
    *,
    client_uuid: uuid.UUID,
    content: dict,
    source: RequestSource,
    client_address: str | None,
    created_by: User | None = None,
) -> tuple[SpecialCheck, bool, str | None]:
    """Make a check once per client UUID and commit; returns (check, created, link token).

    The token opens the private link; only its hash is kept. A repeated online request
    from someone without email gets a new one (the receipt is their only way back);
    other repeats get None. Raises SubmissionConflict for a UUID reused with other content,
    and TooManyRequests for a new online request over the address's hourly limit.
    """
    digest = submission_hash(
        {**content, "source": source.value, "created_by": created_by.id if created_by else None}
    )
    fields = content
    if find_by_client_uuid(client_uuid) is None:
        if source is RequestSource.ONLINE and over_rate_limit(client_address):
            raise TooManyRequests  # refused before the geocoder is asked
        fields = {**content, **_located(content)}  # the geocoder, before any write
    with write_transaction():
        if source is RequestSource.ONLINE:
            _within_rate_limit(client_uuid, client_address)
        token = secrets.token_urlsafe(32)
        check, created = create_once(
            SpecialCheck,
            client_uuid=client_uuid,
            digest=digest,
            author=created_by,
            source=source.value,
            client_address=_stored_address(client_address),
            manage_token_hash=_token_hash(token),
            **fields,
        )
        if created:
            _welcome(check, source, created_by, token)
        elif source is RequestSource.ONLINE and not check.email:
            token = reissue_manage_token(check)
        else:
            token = None
    return check, created, token


def _located(content: dict) -> dict:
    """The check's district, and its position from its address when it has none and the
    geocoder finds it."""
    located = locate({name: content.get(name) for name in LOCATION_FIELDS})
    if located["latitude"] is not None:
        located["position_source"] = PositionSource.ADDRESS.value
    return located


def _within_rate_limit(client_uuid: uuid.UUID, client_address: str | None) -> None:
    """Raise TooManyRequests for a new request over the address's hourly limit.

    Counting and inserting happen while this transaction holds the address's lock, so
    parallel requests from one address are decided one at a time and the limit is exact.
    A repeat of a request already made (same client UUID) does not count.
    """
    locks.hold(f"check-request:{_stored_address(client_address)}")
    if find_by_client_uuid(client_uuid) is None and over_rate_limit(client_address):
        raise TooManyRequests


def _welcome(check: SpecialCheck, source: RequestSource, created_by: User | None, token: str):
    audit.record(
        "special_check.create",
        object_type=SpecialCheck.record_type,
        object_id=check.id,
        actor=created_by,
        detail=f"{check.reference} {source.value}",
    )
    notices.queue_confirmation(check, manage_url(token))


# -- The private link --------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def manage_url(token: str) -> str:
    """The resident's private link: PUBLIC_BASE_URL in production, else the request's server."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if not base:
        return url_for("special_checks_public.manage", token=token, _external=True)
    return base + url_for("special_checks_public.manage", token=token)


def reissue_manage_token(check: SpecialCheck) -> str:
    """A new private link, in the caller's transaction; the old one stops working."""
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


# -- Changes the resident makes ----------------------------------------------------------------


def cancel(check: SpecialCheck, *, today: date | None = None) -> bool:
    """Cancel the checks and commit; False if already cancelled. An ended check cannot be."""
    with write_transaction(check):
        current = state_of(check, today)
        if current is CheckState.CANCELLED:
            return False
        if current is CheckState.ENDED:
            raise CheckRequestError(current)
        check.cancelled_at = utcnow()
        audit.record(
            "special_check.cancel", object_type=SpecialCheck.record_type, object_id=check.id
        )
    return True


def change_end_date(check: SpecialCheck, new_end: date, *, today: date | None = None) -> bool:
    """Move the last day and commit; False if it is unchanged. Emails the resident."""
    today = today or department_today()
    with write_transaction(check):
        current = state_of(check, today)
        if current in (CheckState.CANCELLED, CheckState.ENDED):
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
        notices.queue_end_date_changed(check)
    return True


# -- Settings ----------------------------------------------------------------------------------


def save_settings(values: dict) -> dict:
    """Store the admin's rules and commit; returns {key: [old, new]} of what changed."""
    begin_write()
    changed = {
        key: [settings.get_setting(key), value]
        for key, value in values.items()
        if settings.get_setting(key) != value
    }
    for key, (_old, new) in changed.items():
        settings.set_setting(key, new)
    if changed:
        audit.record(
            "settings.update",
            object_type="setting",
            detail=", ".join(f"{key}: {old} -> {new}" for key, (old, new) in changed.items()),
        )
    db.session.commit()
    return changed


# -- Search ------------------------------------------------------------------------------------


def search(text: str, user: User, limit: int) -> list[registry.SearchHit]:
    """Checks by reference, address or requester, whether active, ended or cancelled, newest
    request first."""
    checks = search_records(SpecialCheck, text, limit)
    today = department_today()
    return [
        registry.SearchHit(
            "special_check",
            check.reference or f"#{check.id}",
            f"{kind_label(check.kind)} · {check.requester_name}",
            check.address,
            url_for("special_checks.view", check_id=check.id),
            state_of(check, today).label,
        )
        for check in checks
    ]


# -- What special checks add to the core -------------------------------------------------------


def _today_card() -> dict:
    return {"summary": lists.active_counts(department_today())}


def register_special_checks() -> None:
    from cso_field.special_checks.retention import register_retention

    register_retention()
    register_demo("special_checks", "cso_field.special_checks.demo:load_demo_checks")
    settings.register_defaults(SETTINGS_DEFAULTS)
    register_visits()
    from cso_field.special_checks.reports import register_reports

    register_reports()
    registry.register_search("special_check", _l("Special check"), search)
    registry.register_new_entry(
        "special_check",
        registry.NewEntry(
            "special_checks.new",
            _l("Special check request"),
            _l("Special check taken by phone or at the counter"),
        ),
    )
    registry.register_resident_entry(
        "special_check",
        registry.ResidentEntry(
            flask_babel.lazy_pgettext("resident", "Request a special check"),
            flask_babel.lazy_pgettext(
                "resident", "Going away? We can check on your home while you are away."
            ),
            "special_checks_public.request_form",
        ),
    )
    registry.register_today_card(
        registry.TodayCard("special_checks/_today_card.html", _today_card, ALL_ROLES)
    )
    registry.register_template_globals(
        visit_outcome_label=outcome_label,
        visit_outcome_labels=outcome_labels,
        check_kind_label=kind_label,
        check_kind_labels=kind_labels,
    )
    audit.register_labels(
        {
            "special_check.create": _l("Special check requested"),
            "special_check.cancel": _l("Special check cancelled"),
            "special_check.end_date": _l("Special check end date changed"),
            "special_check.link_reissued": _l("Special check link sent again"),
            "special_check.problem": _l("Problem found at a special check"),
        }
    )
    audit.register_object_label(SpecialCheck.record_type, _l("Special check"))
    # Today's checks and each check's page (with its visit form) readable without signal.
    registry.register_offline_pages(
        "special_checks.index",
        "special_checks.view",
        "special_checks.new",
        static=("js/checks.js",),
    )


register_special_checks()


def language_name(code: str | None) -> str:
    """A language code's name in the current user's language ("es" -> "Spanish" / "español")."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(flask_babel.get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code
