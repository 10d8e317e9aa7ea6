"""Recording a visit to a special check: a field record with an outcome, made in two taps.

Anything but "all secure" flags the check for the Senior CSO and, when the requester asked
for it, emails the emergency contact at once. The first visit with a GPS fix places a check
whose address could not be placed on the map.
"""

import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import write_transaction
from cso_field.districts.services import district_for
from cso_field.extensions import db
from cso_field.photos.services import unit_of_work
from cso_field.records.models import LOCATION_FIELD_LABELS, Status
from cso_field.records.registry import RecordType, register
from cso_field.records.services import (
    RecordRuleError,
    create_record,
    submission_hash,
    update_record,
    uploaded_digests,
)
from cso_field.special_checks import notices
from cso_field.special_checks.models import CheckVisit, PositionSource, SpecialCheck, VisitOutcome

OUTCOME_LABELS = {
    VisitOutcome.ALL_SECURE: _l("All secure"),
    VisitOutcome.OPEN_DOOR_OR_WINDOW: _l("Door or window open"),
    VisitOutcome.FORCED_ENTRY: _l("Signs of forced entry"),
    VisitOutcome.SUSPICIOUS: _l("Suspicious person or vehicle"),
    VisitOutcome.OTHER: _l("Other"),
}
# The order of the outcome buttons on a check's page.
OUTCOME_BUTTONS = list(OUTCOME_LABELS)


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(VisitOutcome(outcome), outcome))


def outcome_labels() -> dict[str, str]:
    """{outcome: its label}, translated once for a whole list of visits."""
    return {outcome.value: str(label) for outcome, label in OUTCOME_LABELS.items()}


def record_visit(
    check: SpecialCheck,
    user: User,
    *,
    outcome: str,
    notes: str | None,
    position: tuple[float | None, float | None, float | None],
    client_uuid: uuid.UUID,
    uploads: list,
) -> tuple[CheckVisit, bool]:
    """Record a visit once per client UUID and commit; returns (visit, created).

    `position` is (latitude, longitude, accuracy in metres), each None when unknown.
    Raises SubmissionConflict for a reused UUID and PhotoError for a refused photo;
    nothing is kept then.
    """
    content = _visit_content(check, VisitOutcome(outcome), notes, *position)
    digest = submission_hash(content, uploaded_digests(uploads))
    with unit_of_work() as photos:

        def prepare() -> None:
            photos.store(uploads)  # the slow part, before any write

        def attach(visit: CheckVisit) -> None:
            photos.attach(visit, user)
            _place_from_visit(check, visit)
            check.last_visit_at = max(visit.created_at, check.last_visit_at or visit.created_at)
            if visit.outcome != VisitOutcome.ALL_SECURE:
                _flag_problem(check, visit)

        return create_record(
            CheckVisit,
            client_uuid=client_uuid,
            content=content,
            author=user,
            digest=digest,
            status=Status.SUBMITTED,
            prepare=prepare,
            attach=attach,
        )


def _visit_content(check, outcome, notes, lat, lon, accuracy) -> dict:
    has_point = lat is not None and lon is not None
    return {
        "check_id": check.id,
        "outcome": outcome.value,
        "notes": (notes or "").strip() or None,
        "latitude": round(lat, 7) if has_point else None,
        "longitude": round(lon, 7) if has_point else None,
        "accuracy_m": round(accuracy, 1) if has_point and accuracy is not None else None,
        "address": check.address,
        "district_id": _visit_district(check, lat if has_point else None, lon),
    }


def _visit_district(check: SpecialCheck, lat: float | None, lon: float | None) -> int | None:
    """The check's district; for a check not yet placed, the district of the visit's fix
    (which is about to place the check)."""
    if check.has_location or lat is None or lon is None:
        return check.district_id
    district = district_for(lat, lon)
    return district.id if district else None


def _place_from_visit(check: SpecialCheck, visit: CheckVisit) -> None:
    """Give a check without a position its first visit's GPS fix, and its district.

    One conditional UPDATE, so of two visits recorded at once only the first places the
    check; a check with a position (from its address, or an earlier visit) never moves.
    """
    if check.has_location or not visit.has_location:
        return
    placed = db.session.execute(
        update(SpecialCheck)
        .where(SpecialCheck.id == check.id, SpecialCheck.latitude.is_(None))
        .values(
            latitude=visit.latitude,
            longitude=visit.longitude,
            accuracy_m=visit.accuracy_m,
            district_id=visit.district_id,
            position_source=PositionSource.VISIT.value,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(check)
    if placed.rowcount:
        audit.record(
            "special_check.placed_from_visit",
            object_type=SpecialCheck.record_type,
            object_id=check.id,
            detail=visit.reference,
        )


def refresh_last_visit(check: SpecialCheck) -> None:
    """After a visit is deleted: the check's last visit is its newest live one again."""
    check.last_visit_at = db.session.scalar(
        select(CheckVisit.created_at)
        .where(CheckVisit.check_id == check.id, CheckVisit.deleted_at.is_(None))
        .order_by(CheckVisit.created_at.desc())
        .limit(1)
    )


def _flag_problem(check: SpecialCheck, visit: CheckVisit) -> None:
    check.problem_flagged_at = visit.created_at
    audit.record(
        "special_check.problem",
        object_type="special_check",
        object_id=check.id,
        detail=visit.outcome,
    )
    if emergency_contact_alerted(check, visit):
        notices.queue_problem_alert(check, visit)


def emergency_contact_alerted(check: SpecialCheck, visit: CheckVisit) -> bool:
    return (
        visit.outcome != VisitOutcome.ALL_SECURE
        and check.notify_emergency_contact
        and bool(check.emergency_contact_email)
    )


def may_correct(user: User, visit: CheckVisit) -> bool:
    """A visit is an observation, kept as made: only once returned for changes does its author
    correct its notes (and add photos) before resubmitting it."""
    return (
        visit.created_by_id == user.id
        and visit.status == Status.RETURNED.value
        and visit.deleted_at is None
    )


def correct_visit(visit: CheckVisit, user: User, notes: str | None) -> dict:
    """The author's correction of a returned visit's notes, with its version and audit row;
    commits. Returns {field: [old, new]}; RecordRuleError once it is no longer returned."""
    with write_transaction(visit):
        if not may_correct(user, visit):
            raise RecordRuleError("wrong_state")
        return update_record(visit, user, {"notes": (notes or "").strip() or None})


def visit_summary(visit: CheckVisit) -> str:
    """One line for My records and Today: what the officer found, and where."""
    return _(
        "%(outcome)s at %(address)s",
        outcome=outcome_label(visit.outcome),
        address=visit.address or visit.check.address,
    )


CHECK_VISITS = RecordType(
    name="check_visit",
    model=CheckVisit,
    label=_l("Check visit"),
    view_endpoint="special_checks.visit",
    list_endpoint="special_checks.index",
    new_endpoint="special_checks.index",
    description=_l("Visit a special check from today's list."),
    summary=visit_summary,
    after_delete=lambda visit: refresh_last_visit(visit.check),
    fields={
        "check_id": _l("Special check"),
        "outcome": _l("Outcome"),
        "notes": _l("Notes"),
        **LOCATION_FIELD_LABELS,
    },
)


def register_visits() -> None:
    register(CHECK_VISITS)
    audit.register_labels(
        {"special_check.placed_from_visit": _l("Special check placed on the map from a visit")}
    )
