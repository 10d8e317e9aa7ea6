"""The rules of blight citations as plain functions: the one CaseState, fines from the
schedule and the party's earlier citations, deadlines, who may cite, the codebook, and each
step of a case; then what the type registers with the core.

Each function that writes is one unit of work: the case, its version, its audit row, its
photos and its issued notice commit together or not at all.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cso_field import audit, settings
from cso_field.auth.models import User
from cso_field.certifications import services as certifications
from cso_field.certifications.models import Certification, CertificationType
from cso_field.certifications.services import CertificationError
from cso_field.citations import lists, notices
from cso_field.citations.models import (
    BlightCase,
    CaseViolation,
    NoticeKind,
    PartyKind,
    ResponsibleParty,
    Schedule,
    Violation,
)
from cso_field.citations.states import (
    OPEN_STATES,
    OWED_STATES,
    CaseState,
    CitationError,
    fine_explanation,
    money,
)
from cso_field.database import begin_write, lock_for_update
from cso_field.demo import register_demo
from cso_field.districts.services import locate
from cso_field.documents import storage_url
from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.photos.services import unit_of_work
from cso_field.records import registry
from cso_field.records import services as records
from cso_field.records.models import LOCATION_FIELD_LABELS, Status
from cso_field.roles import ALL_ROLES, SUPERVISORS, Role
from cso_field.timeutil import department_today, utcnow

SETTINGS_DEFAULTS = {
    "citation_payment_days": 30,
    "citation_hearing_request_days": 15,
    "citation_appeal_days": 20,  # Government Code 53069.4(b)(1)
}
SCHEDULE_AMOUNTS = {  # cents: first, second, third and later citation within the look-back
    Schedule.GENERAL: (10_000, 20_000, 50_000),
    Schedule.BUILDING: (13_000, 70_000, 130_000),
}
STATUTORY_LOOKBACK_DAYS = 365  # "within one year" (Government Code 36900(b))
SCHEDULE_LABELS = {
    Schedule.GENERAL: _l("General ($100, $200, $500)"),
    Schedule.BUILDING: _l("Building and safety ($130, $700, $1,300)"),
    Schedule.CUSTOM: _l("Custom amounts and look-back period"),
}
MAX_FINE_CENTS = 100_000_000  # $1,000,000: anything above is a typing mistake


# -- The one state of a case -------------------------------------------------------------------


S = CaseState
__all__ = ["OPEN_STATES", "CaseState", "CitationError", "fine_explanation", "money"]
# The later steps: action -> (the states it starts from, the state it leads to).
STEPS = {
    "hearing_requested": ({S.CITED}, S.HEARING_REQUESTED),
    "order_final": ({S.HEARING_REQUESTED}, S.ORDER_FINAL),
    "dismissed": ({S.HEARING_REQUESTED, S.APPEALED}, S.DISMISSED),
    "appealed": ({S.ORDER_FINAL}, S.APPEALED),
    "paid": ({S.CITED, S.ORDER_FINAL, S.APPEALED, S.COLLECTION}, S.PAID),
    "waived": (OWED_STATES, S.WAIVED),
    "collection": ({S.CITED, S.ORDER_FINAL}, S.COLLECTION),
    "closed": ({S.CORRECTED, S.PAID, S.WAIVED, S.COLLECTION, S.DISMISSED}, S.CLOSED),
}
STEP_LABELS = {
    "hearing_requested": _l("Hearing requested"),
    "order_final": _l("Hearing decided: citation upheld (final order)"),
    "dismissed": _l("Citation dismissed"),
    "appealed": _l("Appeal filed with the Superior Court"),
    "paid": _l("Fine paid"),
    "waived": _l("Fine waived for hardship"),
    "collection": _l("Sent to collection"),
    "closed": _l("Case closed"),
}
STEP_DATE_COLUMNS = {
    "hearing_requested": "hearing_requested_on",
    "order_final": "final_order_on",
    "appealed": "appealed_on",
    "paid": "paid_on",
    "waived": "waived_on",
    "collection": "collection_on",
    "dismissed": "closed_on",
    "closed": "closed_on",
}
SENIOR_STEPS = frozenset({"waived", "dismissed", "order_final"})


ACTION_LABELS = {
    "created": _l("Observation recorded"),
    "warned": _l("Warning notice issued"),
    "reinspected": _l("Reinspected"),
    "cited": _l("Administrative citation issued"),
    "fine_override": _l("Fine changed by a Senior CSO"),
    "notice_corrected": _l("Corrected notice issued"),
    "party_edited": _l("Responsible party corrected"),
    **STEP_LABELS,
}


def action_label(action: str) -> str:
    from cso_field.records.templating import version_action_label

    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else version_action_label(action)


def state_of(case: BlightCase) -> CaseState:
    return CaseState(case.state)


def state_labels() -> dict[str, str]:
    return {state.value: state.label for state in CaseState}


def steps_for(case: BlightCase, user: User) -> list[tuple[str, str]]:
    """The later steps this user may record on the case now: (action, label)."""
    state = state_of(case)
    return [
        (action, str(STEP_LABELS[action]))
        for action, (sources, _target) in STEPS.items()
        if state in sources and (action not in SENIOR_STEPS or user.role in SUPERVISORS)
    ]


# -- Fines ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fine:
    cents: int
    schedule: str
    amounts: tuple[int, ...]
    earlier: int  # the party's earlier citations for the section within the look-back
    lookback_days: int

    @property
    def number(self) -> int:
        """1 for a first citation, 2 for a second, 3 for a third or later."""
        return min(self.earlier + 1, len(self.amounts))

    def basis(self) -> dict:
        return {
            "schedule": self.schedule,
            "amounts": list(self.amounts),
            "earlier": self.earlier,
            "lookback_days": self.lookback_days,
            "number": self.number,
        }


def schedule_of(violation: Violation) -> tuple[tuple[int, ...], int]:
    """(amounts in cents for the 1st, 2nd, 3rd and later, look-back in days)."""
    schedule = Schedule(violation.schedule)
    if schedule is Schedule.CUSTOM:
        return tuple(violation.custom_amounts or ()), violation.lookback_days
    return SCHEDULE_AMOUNTS[schedule], STATUTORY_LOOKBACK_DAYS


def fine_for(violation: Violation, earlier: int) -> Fine:
    amounts, lookback = schedule_of(violation)
    number = min(earlier + 1, len(amounts))
    return Fine(amounts[number - 1], violation.schedule, amounts, earlier, lookback)


def earlier_citations(
    party_id: int, violation_id: int, on: date, lookback_days: int, case_id: int | None = None
) -> int:
    """The party's other citations for this section issued within `lookback_days` up to
    `on` (dismissed and deleted cases do not count)."""
    query = (
        select(func.count(CaseViolation.id))
        .join(BlightCase, BlightCase.id == CaseViolation.case_id)
        .where(
            BlightCase.party_id == party_id,
            CaseViolation.violation_id == violation_id,
            CaseViolation.fine_cents.is_not(None),
            BlightCase.cited_on > on - timedelta(days=lookback_days),
            BlightCase.cited_on <= on,
            BlightCase.state != CaseState.DISMISSED.value,
            BlightCase.deleted_at.is_(None),
        )
    )
    if case_id is not None:
        query = query.where(BlightCase.id != case_id)
    return db.session.scalar(query) or 0


def compute_fine(case: BlightCase, violation: Violation, on: date) -> Fine:
    _amounts, lookback = schedule_of(violation)
    earlier = earlier_citations(case.party_id, violation.id, on, lookback, case.id)
    return fine_for(violation, earlier)


def parse_override(raw: str | None) -> int:
    """A fine typed by a Senior CSO, in cents; CitationError for anything but an amount."""
    text = (raw or "").strip().replace("$", "").replace(",", "")
    try:
        amount = Decimal(text)
    except ArithmeticError:
        raise CitationError("override_not_a_number") from None
    if not amount.is_finite():
        raise CitationError("override_not_a_number")
    if amount < 0:
        raise CitationError("override_negative")
    cents = int((amount * 100).to_integral_value())
    if cents > MAX_FINE_CENTS or amount != Decimal(cents) / 100:
        raise CitationError("override_not_a_number")
    return cents


# -- Deadlines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    name: str
    label: str
    due: date
    days_left: int


DEADLINE_LABELS = {
    "correction_due": _l("Correct by"),
    "payment_due": _l("Pay by"),
    "hearing_request_due": _l("Request a hearing by"),
    "appeal_due": _l("Appeal by"),
}
# The deadline still running in each state.
RUNNING = {
    S.WARNED: ("correction_due",),
    S.CITED: ("payment_due", "hearing_request_due"),
    S.HEARING_REQUESTED: ("payment_due",),
    S.ORDER_FINAL: ("payment_due", "appeal_due"),
    S.APPEALED: ("payment_due",),
}


def period(name: str) -> int:
    return int(settings.get_setting(name))


def correction_period(violations: list[Violation]) -> int:
    """The shortest standard correction period of the violations found."""
    return min((violation.correction_days for violation in violations), default=14)


def deadlines(case: BlightCase, today: date | None = None) -> list[Deadline]:
    """The case's deadlines with days left (negative: overdue); those still running first."""
    today = today or department_today()
    shown = []
    for name, label in DEADLINE_LABELS.items():
        due = getattr(case, name)
        if due is not None:
            shown.append(Deadline(name, str(label), due, (due - today).days))
    running = RUNNING.get(state_of(case), ())
    return sorted(shown, key=lambda deadline: deadline.name not in running)


def running_deadlines(case: BlightCase) -> tuple[str, ...]:
    return RUNNING.get(state_of(case), ())


# -- Who may cite --------------------------------------------------------------------------------


CITATION_CERTIFICATION = "citation_training"  # the certification kind that lets a user cite
_TRAINING_ERRORS = {
    "in_future": "training_in_future",
    "expiry_before_earned": "expiry_before_training",
}


def citation_certification() -> CertificationType:
    """The department's citation-training certification kind (made on first use)."""
    return certifications.ensure_type(CITATION_CERTIFICATION, "Citation training")


def training_of(user_id: int) -> Certification | None:
    return certifications.current(user_id, CITATION_CERTIFICATION)


def may_cite(user: User, today: date | None = None) -> bool:
    """True while the user's newest citation-training certification is in force."""
    return certifications.holds(user, CITATION_CERTIFICATION, today)


def record_training(
    user: User, *, trained_on: date, expires_on: date | None, note: str | None, by: User
) -> Certification:
    """Record a user's citation training (a Senior CSO or admin does) and commit: a
    certification of the citation-training kind."""
    try:
        return certifications.record(
            user,
            citation_certification(),
            earned_on=trained_on,
            expires_on=expires_on,
            note=note,
            by=by,
            action="citation.training",
        )
    except CertificationError as error:
        db.session.rollback()
        raise CitationError(_TRAINING_ERRORS.get(error.code, error.code)) from None


def trainings(limit: int = 50) -> list[tuple[User, Certification | None]]:
    """Active staff accounts and their newest citation training, by name (at most `limit`)."""
    users = db.session.scalars(
        select(User)
        .where(User.is_active_account.is_(True))
        .order_by(User.display_name, User.id)
        .limit(limit)
    ).all()
    newest = certifications.newest_of([user.id for user in users], CITATION_CERTIFICATION)
    return [(user, newest.get(user.id)) for user in users]


def save_settings(values: dict, by: User) -> dict:
    """Store the admin's periods and commit; returns {key: [old, new]} of what changed."""
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
            actor=by,
            detail=", ".join(f"{key}: {old} -> {new}" for key, (old, new) in changed.items()),
        )
    db.session.commit()
    return changed


# -- The codebook --------------------------------------------------------------------------------


def codebook(active_only: bool = False) -> list[Violation]:
    query = select(Violation).order_by(Violation.code_section)
    if active_only:
        query = query.where(Violation.active.is_(True))
    return list(db.session.scalars(query.limit(200)))


def save_violation(violation: Violation | None, values: dict, by: User) -> Violation:
    """Create or change a codebook entry and commit. CitationError("section_taken") when
    another entry has the code section."""
    begin_write()
    other = db.session.scalar(
        select(Violation).where(Violation.code_section == values["code_section"])
    )
    if other is not None and other is not violation:
        db.session.rollback()
        raise CitationError("section_taken")
    created = violation is None
    violation = violation or Violation()
    for name, value in values.items():
        setattr(violation, name, value)
    violation.updated_at = utcnow()
    db.session.add(violation)
    db.session.flush()
    audit.record(
        "citation.codebook_create" if created else "citation.codebook_update",
        object_type="citation_violation",
        object_id=violation.id,
        actor=by,
        detail=violation.code_section,
    )
    db.session.commit()
    return violation


# -- Cases ---------------------------------------------------------------------------------------


def party_key(name: str, mailing_address: str) -> str:
    def norm(text: str) -> str:
        return " ".join(text.casefold().replace(",", " ").replace(".", " ").split())

    return f"{norm(name)}|{norm(mailing_address)}"[:700]


def find_or_add_party(name: str, mailing_address: str, language: str) -> ResponsibleParty:
    """The party with this name at this mailing address (its language updated), or a new one.
    Inside the caller's write transaction."""
    key = party_key(name, mailing_address)
    party = db.session.scalar(select(ResponsibleParty).where(ResponsibleParty.party_key == key))
    if party is None:
        party = ResponsibleParty(
            party_key=key, name=name, mailing_address=mailing_address, language=language
        )
        db.session.add(party)
        db.session.flush()
    elif party.language != language:
        party.language = language
    return party


def open_case(
    content: dict,
    *,
    violation_ids: list[int],
    party: dict,
    client_uuid: uuid.UUID,
    author: User,
    uploads: list,
    today: date | None = None,
) -> tuple[BlightCase, bool]:
    """Record an observation (any staff member may) once per client UUID, and commit.

    `content`: address, parcel_number, observation, latitude, longitude, accuracy_m;
    `party`: name, mailing_address, language, kind. Returns (case, created)."""
    violations = _codebook_entries(violation_ids)
    if not violations:
        raise CitationError("no_violation")
    if party.get("language") not in RESIDENT_LANGUAGES:
        raise CitationError("bad_language")
    today = today or department_today()
    fields = {
        **content,
        "party_name": party["name"],
        "party_kind": party["kind"],
        "state": CaseState.OBSERVED.value,
    }
    digest = records.submission_hash(
        {**fields, "party": party, "violations": sorted(violation_ids), "on": today.isoformat()},
        records.uploaded_digests(uploads),
    )
    with unit_of_work() as photos:

        def prepare() -> dict:
            photos.store(uploads)
            return locate(content)

        def attach(case: BlightCase) -> None:
            photos.attach(case, author)
            case.observed_on = today
            case.party_id = find_or_add_party(
                party["name"], party["mailing_address"], party["language"]
            ).id
            db.session.add_all(
                CaseViolation(case_id=case.id, violation_id=v.id) for v in violations
            )

        return records.create_record(
            BlightCase,
            client_uuid=client_uuid,
            content=fields,
            author=author,
            digest=digest,
            status=Status.DRAFT,  # goes for review with its first notice (warn, cite)
            prepare=prepare,
            attach=attach,
        )


def _codebook_entries(ids: list[int]) -> list[Violation]:
    if not ids:
        return []
    found = db.session.scalars(
        select(Violation).where(Violation.id.in_(ids), Violation.active.is_(True))
    )
    return sorted(found, key=lambda violation: violation.code_section)


def _require_trained(user: User, today: date) -> None:
    if not may_cite(user, today):
        raise CitationError("not_trained")


def _require_state(case: BlightCase, *states: CaseState) -> None:
    if case.deleted_at is not None or state_of(case) not in states:
        raise CitationError("wrong_state")


def _move(case: BlightCase, user: User, target: CaseState, action: str, changes: dict, note=None):
    """The case's next state, with its version (who, when) and audit row."""
    old = case.state
    case.state = target.value
    case.updated_at = utcnow()
    changes = {"state": [old, target.value], **changes}
    records.add_version(case, user, action, _jsonable(changes), note=note)
    audit.record(
        f"blight_case.{action}",
        object_type=BlightCase.record_type,
        object_id=case.id,
        detail=f"{case.reference} {old} -> {target.value}",
    )


def _jsonable(changes: dict) -> dict:
    return {
        name: [value.isoformat() if isinstance(value, date) else value for value in pair]
        for name, pair in changes.items()
    }


def _check_deadline(case: BlightCase, due: date, step_on: date) -> None:
    if due < case.observed_on:
        raise CitationError("deadline_before_observation")
    if due < step_on:
        raise CitationError("deadline_before_notice")


def warn(case: BlightCase, user: User, *, correction_due: date | None = None, today=None):
    """Issue the warning notice with its correction deadline (trained users only); commits.
    Returns the Notice."""
    today = today or department_today()
    _require_trained(user, today)
    _require_state(case, S.OBSERVED)
    violations = [item.violation for item in case.violations]
    due = correction_due or today + timedelta(days=correction_period(violations))
    _check_deadline(case, due, today)
    planned = {"warned_on": today, "correction_due": due}
    return notices.issue(case, user, NoticeKind.WARNING, planned, _apply_warning(user))


def _apply_warning(user: User):
    def apply(case: BlightCase, planned: dict) -> None:
        _require_state(case, S.OBSERVED)
        changes = {name: [getattr(case, name), value] for name, value in planned.items()}
        for name, value in planned.items():
            setattr(case, name, value)
        _move(case, user, S.WARNED, "warned", changes)
        records.send_for_review(case, user)  # the Senior CSO reviews each notice issued

    return apply


def reinspect(
    case: BlightCase,
    user: User,
    *,
    corrected: bool,
    notes: str | None,
    uploads: list,
    today: date | None = None,
) -> None:
    """Record the reinspection, corrected or not, with its photos; commits."""
    today = today or department_today()
    with unit_of_work() as photos:
        photos.store(uploads)
        lock_for_update(case)
        _require_state(case, S.WARNED)
        photos.attach(case, user)
        case.reinspected_on, case.corrected = today, corrected
        case.reinspection_notes = (notes or "").strip() or None
        target = S.CORRECTED if corrected else S.NOT_CORRECTED
        _move(
            case,
            user,
            target,
            "reinspected",
            {"reinspected_on": [None, today], "corrected": [None, corrected]},
            note=case.reinspection_notes,
        )


def plan_citation(case: BlightCase, violation_ids: list[int], today: date) -> dict:
    """The fines and deadlines a citation issued today would carry (nothing written)."""
    chosen = [item for item in case.violations if item.violation_id in violation_ids]
    if not chosen:
        raise CitationError("no_violation")
    fines = {
        item.id: compute_fine(case, item.violation, today).basis()
        | {"cents": compute_fine(case, item.violation, today).cents}
        for item in chosen
    }
    return {
        "cited_on": today,
        "payment_due": today + timedelta(days=period("citation_payment_days")),
        "hearing_request_due": today + timedelta(days=period("citation_hearing_request_days")),
        "fines": fines,
    }


def cite(case: BlightCase, user: User, *, violation_ids: list[int], today: date | None = None):
    """Issue the administrative citation for the chosen violations (trained users only, after
    a failed reinspection); the fines are fixed now. Commits; returns the Notice."""
    today = today or department_today()
    _require_trained(user, today)
    _require_state(case, S.NOT_CORRECTED)
    planned = plan_citation(case, violation_ids, today)
    return notices.issue(case, user, NoticeKind.CITATION, planned, _apply_citation(user))


def _apply_citation(user: User):
    def apply(case: BlightCase, planned: dict) -> None:
        _require_state(case, S.NOT_CORRECTED)
        for item in case.violations:
            fine = planned["fines"].get(item.id)
            if fine is not None:
                item.fine_cents = fine["cents"]
                item.fine_basis = {key: value for key, value in fine.items() if key != "cents"}
        changes = {}
        for name in ("cited_on", "payment_due", "hearing_request_due"):
            changes[name] = [None, planned[name]]
            setattr(case, name, planned[name])
        total = sum(fine["cents"] for fine in planned["fines"].values())
        changes["fine_total"] = [None, money(total)]
        _move(case, user, S.CITED, "cited", changes)
        records.send_for_review(case, user)

    return apply


def override_fine(case: BlightCase, item_id: int, user: User, *, amount: str, reason: str | None):
    """A Senior CSO sets a cited violation's fine with a reason; the citation is reissued as
    a corrected version (the old one kept). Commits; returns the new Notice."""
    if user.role != Role.SENIOR_CSO:
        raise CitationError("not_senior")
    cents = parse_override(amount)
    reason = (reason or "").strip()
    if not reason:
        raise CitationError("reason_required")
    item = next((row for row in case.violations if row.id == item_id), None)
    if item is None or item.fine_cents is None:
        raise CitationError("not_cited")
    _require_state(case, S.CITED, S.HEARING_REQUESTED, S.ORDER_FINAL, S.APPEALED)

    def apply(case: BlightCase, planned: dict) -> None:
        _require_state(case, S.CITED, S.HEARING_REQUESTED, S.ORDER_FINAL, S.APPEALED)
        old = item.amount_cents
        item.override_cents, item.override_reason, item.override_by_id = cents, reason, user.id
        records.add_version(
            case,
            user,
            "fine_override",
            {item.violation.code_section: [money(old), money(cents)]},
            note=reason,
        )
        audit.record(
            "blight_case.fine_override",
            object_type=BlightCase.record_type,
            object_id=case.id,
            detail=f"{item.violation.code_section}: {old} -> {cents}",
        )

    planned = {"override": {item.id: cents}}
    return notices.correct(case, user, NoticeKind.CITATION, reason, apply, planned)


def record_step(
    case: BlightCase,
    user: User,
    action: str,
    *,
    on: date,
    note: str | None = None,
    today: date | None = None,
) -> None:
    """Record a later step (hearing request, final order, appeal, payment, waiver, collection,
    dismissal, closing) dated `on`; commits."""
    today = today or department_today()
    if action not in STEPS:
        raise CitationError("unknown_step")
    if action in SENIOR_STEPS and user.role not in SUPERVISORS:
        raise CitationError("not_supervisor")
    note = (note or "").strip() or None
    if action == "waived" and not note:
        raise CitationError("reason_required")
    if on > today:
        raise CitationError("date_in_future")
    if on < case.observed_on:
        raise CitationError("date_before_observation")
    begin_write()
    lock_for_update(case)
    sources, target = STEPS[action]
    _require_state(case, *sources)
    _check_step_rules(case, action, on, today)
    column = STEP_DATE_COLUMNS[action]
    changes = {column: [getattr(case, column), on]}
    setattr(case, column, on)
    if action == "order_final":
        case.appeal_due = on + timedelta(days=period("citation_appeal_days"))
        changes["appeal_due"] = [None, case.appeal_due]
    if action == "waived":
        case.waiver_reason = note
    _move(case, user, target, action, changes, note=note)
    db.session.commit()


def _check_step_rules(case: BlightCase, action: str, on: date, today: date) -> None:
    if action == "hearing_requested" and case.hearing_request_due and on > case.hearing_request_due:
        _refuse("hearing_request_late")
    if action == "appealed" and case.appeal_due and on > case.appeal_due:
        _refuse("appeal_late")
    if action == "collection" and case.payment_due and case.payment_due >= today:
        _refuse("payment_not_overdue")
    if case.cited_on and action != "closed" and on < case.cited_on:
        _refuse("date_before_citation")


def _refuse(code: str):
    db.session.rollback()
    raise CitationError(code)


# -- Corrections ---------------------------------------------------------------------------------

# The states in which each kind of notice is the one in force, and may be corrected.
CORRECTABLE = {
    NoticeKind.WARNING: frozenset({S.WARNED, S.CORRECTED, S.NOT_CORRECTED}),
    NoticeKind.CITATION: frozenset(
        {S.CITED, S.HEARING_REQUESTED, S.ORDER_FINAL, S.APPEALED, S.PAID, S.WAIVED, S.COLLECTION}
    ),
}
PARTY_FIELDS = ("party_name", "mailing_address", "language", "party_kind", "notice_details")


def correctable_notice(case: BlightCase):
    """The notice in force that a correction would reissue, or None (no notice yet, a
    closed, dismissed or deleted case)."""
    if case.deleted_at is not None:
        return None
    state = state_of(case)
    for kind, states in CORRECTABLE.items():
        if state in states:
            return notices.latest_notice(case, kind.value)
    return None


def may_correct(user: User, notice, today: date | None = None) -> bool:
    """A Senior CSO or admin, or the officer who issued the notice while still trained."""
    if user.role in SUPERVISORS:
        return True
    return notice.issued_by_id == user.id and may_cite(user, today)


def may_edit_party(user: User, case: BlightCase, today: date | None = None) -> bool:
    """Before any notice: the case's author, a trained officer, a Senior CSO or an admin."""
    return user.role in SUPERVISORS or case.created_by_id == user.id or may_cite(user, today)


def party_values(case: BlightCase) -> dict:
    """The case's party details and notice text as the correction forms show them."""
    return {
        "party_name": case.party_name,
        "mailing_address": case.party.mailing_address if case.party else "",
        "language": case.party.language if case.party else "en",
        "party_kind": case.party_kind,
        "notice_details": case.notice_details or "",
    }


def _checked_party(case: BlightCase, values: dict) -> tuple[dict, dict]:
    """(the cleaned values, {field: [old, new]} of what they change); CitationError if they
    are not a party's details or change nothing."""
    if values.get("language") not in RESIDENT_LANGUAGES:
        raise CitationError("bad_language")
    if values.get("party_kind") not in {kind.value for kind in PartyKind}:
        raise CitationError("unknown_step")
    cleaned = {name: (values.get(name) or "").strip() for name in PARTY_FIELDS}
    if not cleaned["party_name"] or not cleaned["mailing_address"]:
        raise CitationError("party_required")
    old = party_values(case)
    changes = {
        name: [old[name], cleaned[name]] for name in PARTY_FIELDS if old[name] != cleaned[name]
    }
    if not changes:
        raise CitationError("nothing_changed")
    return cleaned, changes


def _set_party(case: BlightCase, values: dict) -> None:
    """The case's party becomes the one with these details (found or added); inside the
    caller's write transaction."""
    case.party = find_or_add_party(
        values["party_name"], values["mailing_address"], values["language"]
    )
    case.party_name, case.party_kind = values["party_name"], values["party_kind"]
    case.notice_details = values["notice_details"] or None
    case.updated_at = utcnow()


def edit_party(case: BlightCase, user: User, values: dict, today: date | None = None) -> dict:
    """Correct the responsible party's details and the notice text before any notice is
    issued (a plain edit, versioned and audited); commits. Returns the changes."""
    if not may_edit_party(user, case, today):
        raise CitationError("not_allowed")
    cleaned, changes = _checked_party(case, values)
    begin_write()
    lock_for_update(case)
    if case.deleted_at is not None or state_of(case) is not S.OBSERVED:
        _refuse("notice_issued")
    _set_party(case, cleaned)
    records.add_version(case, user, "party_edited", changes)
    audit.record(
        "blight_case.party_edited",
        object_type=BlightCase.record_type,
        object_id=case.id,
        detail=f"{case.reference}: {', '.join(changes)}",
    )
    db.session.commit()
    return changes


def correct_notice(
    case: BlightCase, user: User, values: dict, reason: str | None, today: date | None = None
):
    """Correct the party's details or the notice text of an issued warning or citation: the
    notice is reissued as its next version (a new snapshot and PDF) with the reason, the old
    version kept and marked superseded. Fines and deadlines stay as issued. Commits; returns
    the new Notice."""
    current = correctable_notice(case)
    if current is None:
        raise CitationError("no_notice")
    if not may_correct(user, current, today):
        raise CitationError("not_corrector")
    reason = (reason or "").strip()
    if not reason:
        raise CitationError("reason_required")
    cleaned, changes = _checked_party(case, values)
    kind = NoticeKind(current.kind)
    planned = {
        "party": {
            "name": cleaned["party_name"],
            "mailing_address": cleaned["mailing_address"],
            "language": cleaned["language"],
            "kind": cleaned["party_kind"],
        },
        "details": cleaned["notice_details"] or None,
    }

    def apply(case: BlightCase, planned: dict) -> None:
        _require_state(case, *CORRECTABLE[kind])
        _set_party(case, cleaned)

    return notices.correct(case, user, kind, reason, apply, planned, changes)


# -- Search, registration ------------------------------------------------------------------------


def search(text: str, user: User, limit: int) -> list[registry.SearchHit]:
    cases = records.search_records(BlightCase, text, limit)
    return [
        registry.SearchHit(
            "blight_case",
            case.reference or f"#{case.id}",
            case.party_name,
            case.address,
            url_for("citations.view", record_id=case.id),
            state_of(case).label,
        )
        for case in cases
    ]


def case_summary(case: BlightCase) -> str:
    return f"{state_of(case).label}: {case.address or ''}"


BLIGHT_CASES = registry.RecordType(
    name="blight_case",
    model=BlightCase,
    label=_l("Blight case"),
    view_endpoint="citations.view",
    list_endpoint="citations.index",
    new_endpoint="citations.new",
    description=_l("A blight observation: warning, reinspection and administrative citation."),
    search=search,
    summary=case_summary,
    fields={
        "observation": _l("Observation"),
        "parcel_number": _l("Parcel number"),
        "party_name": _l("Responsible party"),
        "state": _l("Case step"),
        "warned_on": _l("Warning issued"),
        "correction_due": _l("Correct by"),
        "reinspected_on": _l("Reinspected"),
        "corrected": _l("Corrected"),
        "cited_on": _l("Citation issued"),
        "payment_due": _l("Pay by"),
        "hearing_request_due": _l("Request a hearing by"),
        "hearing_requested_on": _l("Hearing requested"),
        "final_order_on": _l("Final administrative order"),
        "appeal_due": _l("Appeal by"),
        "appealed_on": _l("Appealed"),
        "paid_on": _l("Paid"),
        "waived_on": _l("Waived"),
        "collection_on": _l("Sent to collection"),
        "closed_on": _l("Closed"),
        "fine_total": _l("Fine"),
        **LOCATION_FIELD_LABELS,
        "observed_on": _l("Observed"),
        "party_kind": _l("Owner or occupant"),
        "mailing_address": _l("Mailing address"),
        "language": _l("Language of the notices"),
        "notice_details": _l("Details on the notice"),
        "notice": _l("Notice"),
        "status": _l("Status"),
    },
)


def _today_card() -> dict:
    return {"due": lists.reinspections_due_count(department_today())}


def register_citations() -> None:
    from cso_field.citations.retention import register_retention

    registry.register(BLIGHT_CASES)
    register_retention()
    from cso_field.citations.reports import register_reports

    register_reports()
    register_demo("citations", "cso_field.citations.demo:load_demo_cases")
    settings.register_defaults(SETTINGS_DEFAULTS)
    registry.register_today_card(
        registry.TodayCard("citations/_today_card.html", _today_card, ALL_ROLES)
    )
    # Offline: a new observation's page, whose form joins the outbox.
    registry.register_offline_pages("citations.new")
    registry.register_template_globals(
        case_state_labels=state_labels,
        case_action_label=action_label,
        money=money,
        fine_explanation=fine_explanation,
        storage_url=storage_url,
    )
    audit.register_labels(
        {
            "blight_case.warned": _l("Blight warning issued"),
            "blight_case.reinspected": _l("Blight case reinspected"),
            "blight_case.cited": _l("Administrative citation issued"),
            "blight_case.fine_override": _l("Citation fine overridden"),
            "blight_case.notice_corrected": _l("Corrected notice issued"),
            "blight_case.party_edited": _l("Blight case party corrected"),
            **{f"blight_case.{action}": label for action, label in STEP_LABELS.items()},
            "citation.training": _l("Citation training recorded"),
            "citation.codebook_create": _l("Codebook section added"),
            "citation.codebook_update": _l("Codebook section changed"),
        }
    )
    audit.register_object_label("citation_violation", _l("Codebook section"))


register_citations()
