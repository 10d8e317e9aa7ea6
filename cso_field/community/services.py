"""Community programs as plain functions: fingerprinting slots and bookings (capacity held
exactly under parallel bookings, the resident's private link, cancel and move, reminders,
outcomes), the staff calendar, assigning the work, and message delivery with the policy that
refuses death notifications; then what the package registers with the core.

Each function that changes a record is one unit of work: the record, its audit row and its
queued email commit together, or not at all. Assigning and completing work go through
cso_field.assignments, which commits its own unit of work first.
"""

import hashlib
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import flask_babel
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from cso_field import audit, locks, settings
from cso_field.assignments import services as assignments
from cso_field.assignments.models import Assignment
from cso_field.auth.models import User
from cso_field.community import notices
from cso_field.community.models import (
    AppointmentOutcome,
    DeliveryAttempt,
    DeliveryOutcome,
    FingerprintAppointment,
    FingerprintSlot,
    MessageDelivery,
    PrintMethod,
    Purpose,
)
from cso_field.database import lock_for_update, write_transaction
from cso_field.demo import register_demo
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.records import registry
from cso_field.records.services import create_once, submission_hash
from cso_field.roles import ALL_ROLES, SUPERVISORS
from cso_field.timeutil import day_start_utc, department_today, utcnow

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
RATE_WINDOW = timedelta(hours=1)
BOOKING_LEAD = timedelta(hours=2)  # the last moment a resident books or moves a slot
BOOKING_HORIZON_DAYS = 60  # how far ahead the form offers slots
SLOTS_SHOWN = 50  # rows of a form's slot list or a calendar screen
REMINDER_AHEAD = timedelta(hours=36)  # reminders go out the day before
FINGERPRINTING = "fingerprinting"  # the assignment kind (cso_field/assignments TASKS)
DELIVERY_KIND = "deliver_message"

SETTINGS_DEFAULTS = {
    "death_notification_handler": "the Watch Commander (a sworn officer), (209) 937-8377",
}


class AppointmentState(LabelledEnum):
    BOOKED = "booked", _l("Booked")
    DONE = "done", _l("Prints taken")
    NO_SHOW = "no_show", _l("No-show")
    CANCELLED = "cancelled", _l("Cancelled")
    PAST = "past", _l("Past, no outcome")


def state_of(appointment: FingerprintAppointment, now: datetime | None = None):
    if appointment.cancelled_at is not None:
        return AppointmentState.CANCELLED
    if appointment.outcome == AppointmentOutcome.TAKEN:
        return AppointmentState.DONE
    if appointment.outcome == AppointmentOutcome.NO_SHOW:
        return AppointmentState.NO_SHOW
    if appointment.slot.starts_at < (now or utcnow()):
        return AppointmentState.PAST
    return AppointmentState.BOOKED


class BookingError(Exception):
    """A booking or change the rules refuse; `code` picks the message shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class TooManyRequests(Exception):
    """The address already sent its hourly share of online requests."""


# -- Slots -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotPlan:
    """A Senior CSO's opening: `count` slots of `minutes` from `first`, `capacity` each."""

    first: datetime  # naive UTC
    count: int
    minutes: int
    capacity: int
    place: str


def open_slots(plan: SlotPlan, by: User) -> list[FingerprintSlot]:
    """Open the planned slots and commit."""
    with write_transaction():
        slots = [
            FingerprintSlot(
                starts_at=plan.first + timedelta(minutes=plan.minutes * number),
                minutes=plan.minutes,
                capacity=plan.capacity,
                place=plan.place.strip(),
                created_by_id=by.id,
            )
            for number in range(plan.count)
        ]
        db.session.add_all(slots)
        db.session.flush()
        audit.record(
            "fingerprint_slot.open",
            object_type="fingerprint_slot",
            object_id=slots[0].id,
            actor=by,
            detail=f"{plan.count} x {plan.capacity} from {plan.first.isoformat()}",
        )
    return slots


def bookable_slots(now: datetime | None = None) -> list:
    """The open slots with room that a resident may still book, soonest first."""
    now = now or utcnow()
    query = (
        select(FingerprintSlot)
        .where(
            FingerprintSlot.starts_at >= now + BOOKING_LEAD,
            FingerprintSlot.starts_at < now + timedelta(days=BOOKING_HORIZON_DAYS),
            FingerprintSlot.closed_at.is_(None),
            FingerprintSlot.booked < FingerprintSlot.capacity,
        )
        .order_by(FingerprintSlot.starts_at, FingerprintSlot.id)
        .limit(SLOTS_SHOWN)
    )
    return list(db.session.scalars(query))


def _check_bookable(slot: FingerprintSlot | None, now: datetime) -> FingerprintSlot:
    if slot is None or slot.closed_at is not None or slot.starts_at < now + BOOKING_LEAD:
        raise BookingError("slot_gone")
    if slot.booked >= slot.capacity:
        raise BookingError("slot_full")
    return slot


# -- Booking -----------------------------------------------------------------------------------


def _stored_address(client_address: str | None) -> str | None:
    return (client_address or "")[:64] or None


def over_rate_limit(client_address: str | None) -> bool:
    """True when this address already sent its hourly share of online bookings: the same
    share as a special-check request (CHECK_REQUESTS_PER_ADDRESS_PER_HOUR).

    Exact only while the caller holds the address's lock (see book)."""
    limit = current_app.config["CHECK_REQUESTS_PER_ADDRESS_PER_HOUR"]
    sent = db.session.scalar(
        select(func.count(FingerprintAppointment.id)).where(
            FingerprintAppointment.client_address == _stored_address(client_address),
            FingerprintAppointment.created_at >= utcnow() - RATE_WINDOW,
        )
    )
    return sent >= limit


def find_by_client_uuid(client_uuid: uuid.UUID) -> FingerprintAppointment | None:
    return db.session.scalar(
        select(FingerprintAppointment).where(FingerprintAppointment.client_uuid == client_uuid)
    )


def book(
    *, client_uuid: uuid.UUID, content: dict, client_address: str | None
) -> tuple[FingerprintAppointment, bool, str | None]:
    """Book a place in a slot once per client UUID and commit; returns (appointment,
    created, private link token).

    The slot's row is locked while its places are counted and taken, so parallel bookings
    take exactly its capacity. A repeat of a booking gets a new link when the resident gave
    no email (the receipt is their only way back). Raises SubmissionConflict for a UUID
    reused with other content, TooManyRequests over the address's hourly limit, and
    BookingError when the slot is full or gone.
    """
    digest = submission_hash(content)
    now = utcnow()
    with write_transaction():
        locks.hold(f"fingerprint-request:{_stored_address(client_address)}")
        existing = find_by_client_uuid(client_uuid)
        if existing is None:
            if over_rate_limit(client_address):
                raise TooManyRequests
            slot = db.session.get(
                FingerprintSlot, content["slot_id"], with_for_update=True, populate_existing=True
            )
            _check_bookable(slot, now)
        token = secrets.token_urlsafe(32)
        appointment, created = create_once(
            FingerprintAppointment,
            client_uuid=client_uuid,
            digest=digest,
            author=None,
            client_address=_stored_address(client_address),
            manage_token_hash=_token_hash(token),
            **content,
        )
        if created:
            appointment.slot.booked += 1
            audit.record(
                "fingerprint_appointment.book",
                object_type=FingerprintAppointment.record_type,
                object_id=appointment.id,
                detail=f"{appointment.reference} slot {appointment.slot_id}",
            )
            notices.queue_confirmation(appointment, manage_url(token))
        elif not appointment.email:
            token = _reissue_token(appointment)
        else:
            token = None
    return appointment, created, token


# -- The private link --------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def manage_url(token: str) -> str:
    """The private link: PUBLIC_BASE_URL in production, else the request's server."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if not base:
        return url_for("community_public.manage", token=token, _external=True)
    return base + url_for("community_public.manage", token=token)


def _reissue_token(appointment: FingerprintAppointment) -> str:
    token = secrets.token_urlsafe(32)
    appointment.manage_token_hash = _token_hash(token)
    audit.record(
        "fingerprint_appointment.link_reissued",
        object_type=FingerprintAppointment.record_type,
        object_id=appointment.id,
    )
    return token


def find_by_token(token: str | None) -> FingerprintAppointment | None:
    if not token or not _TOKEN.match(token):
        return None
    return db.session.scalar(
        select(FingerprintAppointment).where(
            FingerprintAppointment.manage_token_hash == _token_hash(token),
            FingerprintAppointment.deleted_at.is_(None),
        )
    )


# -- Changes the resident makes ----------------------------------------------------------------


def _check_changeable(appointment: FingerprintAppointment, now: datetime) -> None:
    if appointment.cancelled_at is not None:
        raise BookingError("cancelled")
    if appointment.outcome is not None or appointment.slot.starts_at < now + BOOKING_LEAD:
        raise BookingError("too_late")


def cancel(appointment: FingerprintAppointment) -> bool:
    """Cancel the booking (its place opens again) and commit; False if already cancelled."""
    with write_transaction(appointment):
        if appointment.cancelled_at is not None:
            return False
        _check_changeable(appointment, utcnow())
        lock_for_update(appointment.slot)
        appointment.cancelled_at = utcnow()
        appointment.slot.booked -= 1
        audit.record(
            "fingerprint_appointment.cancel",
            object_type=FingerprintAppointment.record_type,
            object_id=appointment.id,
        )
    return True


def move(appointment: FingerprintAppointment, slot_id: int) -> bool:
    """Move the booking to another slot with room and commit; False if it is the same slot.
    Emails the resident the new time."""
    if slot_id == appointment.slot_id:
        return False
    now = utcnow()
    with write_transaction(appointment):
        _check_changeable(appointment, now)
        # Both slots locked in id order, so two moves between them never wait on each other.
        for locked_id in sorted((slot_id, appointment.slot_id)):
            db.session.get(FingerprintSlot, locked_id, with_for_update=True, populate_existing=True)
        new_slot = _check_bookable(db.session.get(FingerprintSlot, slot_id), now)
        old_slot = appointment.slot
        old_slot.booked -= 1
        new_slot.booked += 1
        appointment.slot = new_slot
        audit.record(
            "fingerprint_appointment.move",
            object_type=FingerprintAppointment.record_type,
            object_id=appointment.id,
            detail=f"slot {old_slot.id} -> {new_slot.id}",
        )
        appointment.reminder_queued_at = None
        notices.queue_moved(appointment)
    return True


def queue_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every live booking starting in the next day and a half that
    has an email and none yet, and commit; returns how many were queued."""
    now = now or utcnow()
    with write_transaction():
        due = db.session.scalars(
            select(FingerprintAppointment)
            .join(FingerprintSlot)
            .where(
                FingerprintAppointment.reminder_queued_at.is_(None),
                FingerprintSlot.starts_at >= now,
                FingerprintSlot.starts_at < now + REMINDER_AHEAD,
                FingerprintAppointment.cancelled_at.is_(None),
                FingerprintAppointment.deleted_at.is_(None),
                FingerprintAppointment.email.is_not(None),
            )
            .order_by(FingerprintAppointment.id)
        ).all()
        for appointment in due:
            notices.queue_reminder(appointment)
            appointment.reminder_queued_at = now
    return len(due)


# -- Staff: outcomes and assignments -----------------------------------------------------------


def record_outcome(
    appointment: FingerprintAppointment,
    user: User,
    *,
    outcome: AppointmentOutcome,
    prints_count: int | None,
    print_type: str | None,
) -> None:
    """What happened at the appointment (prints taken: how many, of which kind; or a
    no-show), and commit; the CSO's assignment for it is completed with it."""
    with write_transaction(appointment):
        if appointment.cancelled_at is not None:
            raise BookingError("cancelled")
        taken = outcome is AppointmentOutcome.TAKEN
        appointment.outcome = outcome.value
        appointment.prints_count = prints_count if taken else None
        appointment.print_type = print_type if taken else None
        appointment.outcome_at, appointment.outcome_by_id = utcnow(), user.id
        audit.record(
            "fingerprint_appointment.outcome",
            object_type=FingerprintAppointment.record_type,
            object_id=appointment.id,
            actor=user,
            detail=f"{outcome.value} {prints_count or ''} {print_type or ''}".strip(),
        )
    _complete_work(appointment.assignment_id, user, outcome_text(appointment))


def outcome_text(appointment: FingerprintAppointment) -> str:
    if appointment.outcome == AppointmentOutcome.NO_SHOW:
        return str(AppointmentState.NO_SHOW.label)
    return flask_babel.gettext(
        "%(count)d prints taken: %(kind)s",
        count=appointment.prints_count or 0,
        kind=print_type_label(appointment.print_type),
    )


def _complete_work(assignment_id: int | None, user: User, outcome: str) -> None:
    """The user's live assignment for the record, accepted if need be and completed."""
    assignment = db.session.get(Assignment, assignment_id) if assignment_id else None
    if assignment is None or assignment.state == assignments.State.DONE:
        return
    if not assignments.may_work(user, assignment):
        return
    if assignment.state == assignments.State.OPEN:
        assignments.accept(assignment, user)
    if assignment.assignee_id == user.id:
        assignments.complete(assignment, user, record_id=None, outcome=outcome)


def assign(record, assignee_id: int, by: User) -> Assignment:
    """Give an appointment or a message to a CSO as work (cso_field/assignments); commits."""
    if isinstance(record, FingerprintAppointment):
        kind, due, where = FINGERPRINTING, record.slot.starts_at, record.slot.place
    else:
        kind, due, where = DELIVERY_KIND, record.due_at, record.address
    work = assignments.Work(kind, record.reference, where, "normal", due, assignee_id, None)
    assignment = assignments.assign(work, by)
    with write_transaction(record):
        record.assignment_id = assignment.id
        audit.record(
            f"{record.record_type}.assign",
            object_type=record.record_type,
            object_id=record.id,
            actor=by,
            detail=f"assignment {assignment.id}",
        )
    return assignment


def assignees(records) -> dict[int, str]:
    """{assignment id: the assignee's name} for the records' assignments, in one query."""
    ids = {record.assignment_id for record in records if record.assignment_id}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Assignment.id, User.display_name)
        .join(User, User.id == Assignment.assignee_id)
        .where(Assignment.id.in_(ids))
    )
    return dict(rows.all())


# -- The calendar ------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    slots: list
    messages: list


def calendar(first: date, days: int) -> tuple[list[CalendarDay], bool]:
    """The slots (with their bookings) and messages due of `days` days from `first`, and
    whether some were left off (at most SLOTS_SHOWN of each)."""
    start, end = day_start_utc(first), day_start_utc(first + timedelta(days=days))
    slots = list(
        db.session.scalars(
            select(FingerprintSlot)
            .where(FingerprintSlot.starts_at >= start, FingerprintSlot.starts_at < end)
            .order_by(FingerprintSlot.starts_at, FingerprintSlot.id)
            .limit(SLOTS_SHOWN + 1)
        )
    )
    messages = list(
        db.session.scalars(
            select(MessageDelivery)
            .where(
                MessageDelivery.due_at >= start,
                MessageDelivery.due_at < end,
                MessageDelivery.deleted_at.is_(None),
            )
            .order_by(MessageDelivery.due_at, MessageDelivery.id)
            .limit(SLOTS_SHOWN + 1)
        )
    )
    more = len(slots) > SLOTS_SHOWN or len(messages) > SLOTS_SHOWN
    slots, messages = slots[:SLOTS_SHOWN], messages[:SLOTS_SHOWN]
    _load_bookings(slots)
    out = []
    for number in range(days):
        day = first + timedelta(days=number)
        day_start, day_end = day_start_utc(day), day_start_utc(day + timedelta(days=1))
        out.append(
            CalendarDay(
                day,
                [slot for slot in slots if day_start <= slot.starts_at < day_end],
                [message for message in messages if day_start <= message.due_at < day_end],
            )
        )
    return out, more


def _load_bookings(slots: list[FingerprintSlot]) -> None:
    """Each slot's live bookings, in one query read in the (slot, id) index's order."""
    booked: dict[int, list] = {slot.id: [] for slot in slots}
    if booked:
        rows = db.session.scalars(
            select(FingerprintAppointment)
            .where(
                FingerprintAppointment.slot_id.in_(booked),
                FingerprintAppointment.cancelled_at.is_(None),
                FingerprintAppointment.deleted_at.is_(None),
            )
            .order_by(FingerprintAppointment.slot_id, FingerprintAppointment.id)
        )
        for appointment in rows:
            booked[appointment.slot_id].append(appointment)
    for slot in slots:
        set_committed_value(slot, "appointments", booked[slot.id])


def calendar_records(days: list[CalendarDay]) -> list:
    """Every appointment and message shown on the calendar's days."""
    return [
        record
        for day in days
        for record in [*(a for slot in day.slots for a in slot.appointments), *day.messages]
    ]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- Message delivery and the death-notification policy ----------------------------------------

# Ways people say that someone died, in English and Spanish, compared without accents or case.
_DEATH = re.compile(
    r"\b("
    r"death|dead|die[ds]?|dying|deceased|decedent|passed away|passed on|has passed|"
    r"pass(ed)? away|killed|fatal(ity|ly)?|next of kin|no longer with us|lost (his|her|their) "
    r"life|funeral|obituary|succumbed|"
    r"muert[oae]s?|muri[oóe]|morir|fallec\w*|difunt[oa]s?|defuncion|perdio la vida|"
    r"ya no esta con nosotros|descanse en paz|sin vida|se nos fue|"
    r"aviso de (fallecimiento|defuncion)|notificacion de (muerte|fallecimiento|defuncion)"
    r")\b",
    re.IGNORECASE,
)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def is_death_notification(*texts: str | None) -> bool:
    """True when the message tells of someone's death, however it is worded."""
    return any(_DEATH.search(_plain(text or "")) for text in texts)


def death_notification_handler() -> str:
    return str(settings.get_setting("death_notification_handler"))


class DeathNotification(Exception):
    """General Order K-1 III.L: CSOs deliver messages, except death notifications."""


def create_delivery(
    content: dict, *, client_uuid: uuid.UUID, author: User
) -> tuple[MessageDelivery, bool]:
    """Take a message to deliver and commit; returns (delivery, created). Raises
    DeathNotification for a death notification, SubmissionConflict for a reused UUID."""
    if is_death_notification(content["message"], content.get("requested_by")):
        raise DeathNotification
    with write_transaction():
        delivery, created = create_once(
            MessageDelivery,
            client_uuid=client_uuid,
            digest=submission_hash(content),
            author=author,
            **content,
        )
        if created:
            audit.record(
                "message_delivery.create",
                object_type=MessageDelivery.record_type,
                object_id=delivery.id,
                actor=author,
                detail=delivery.reference,
            )
    return delivery, created


def record_attempt(
    delivery: MessageDelivery, user: User, outcome: DeliveryOutcome, note: str | None
) -> DeliveryAttempt:
    """One try at delivering, and commit; a delivered message completes the CSO's work."""
    with write_transaction(delivery):
        if delivery.delivered_at is not None:
            raise BookingError("delivered")
        attempt = DeliveryAttempt(
            delivery=delivery, outcome=outcome.value, note=note, made_by_id=user.id
        )
        db.session.add(attempt)
        if outcome is DeliveryOutcome.DELIVERED:
            delivery.delivered_at = utcnow()
        db.session.flush()
        audit.record(
            "message_delivery.attempt",
            object_type=MessageDelivery.record_type,
            object_id=delivery.id,
            actor=user,
            detail=outcome.value,
        )
    if outcome is DeliveryOutcome.DELIVERED:
        _complete_work(delivery.assignment_id, user, str(DELIVERY_LABELS[outcome]))
    return attempt


DELIVERIES_SHOWN = 25


def deliveries(page: int) -> tuple[list[MessageDelivery], bool]:
    """Messages, soonest due first, a page at a time."""
    query = (
        select(MessageDelivery)
        .where(MessageDelivery.deleted_at.is_(None))
        .order_by(MessageDelivery.due_at.desc(), MessageDelivery.id.desc())
        .offset((page - 1) * DELIVERIES_SHOWN)
        .limit(DELIVERIES_SHOWN + 1)
    )
    rows = list(db.session.scalars(query))
    return rows[:DELIVERIES_SHOWN], len(rows) > DELIVERIES_SHOWN


# -- Labels ------------------------------------------------------------------------------------

METHOD_LABELS = {
    PrintMethod.LIVE_SCAN: flask_babel.lazy_pgettext("resident", "Live Scan (electronic)"),
    PrintMethod.INK_CARD: flask_babel.lazy_pgettext("resident", "Ink fingerprint card"),
}
PURPOSE_LABELS = {
    Purpose.EMPLOYMENT: flask_babel.lazy_pgettext("resident", "A job"),
    Purpose.LICENSE: flask_babel.lazy_pgettext("resident", "A license or permit"),
    Purpose.VOLUNTEER: flask_babel.lazy_pgettext("resident", "Volunteer work"),
    Purpose.ADOPTION: flask_babel.lazy_pgettext("resident", "Adoption or foster care"),
    Purpose.IMMIGRATION: flask_babel.lazy_pgettext("resident", "Immigration"),
    Purpose.OTHER: flask_babel.lazy_pgettext("resident", "Something else"),
}
DELIVERY_LABELS = {
    DeliveryOutcome.DELIVERED: _l("Delivered"),
    DeliveryOutcome.NOBODY_HOME: _l("Nobody home"),
    DeliveryOutcome.REFUSED: _l("Refused"),
    DeliveryOutcome.WRONG_ADDRESS: _l("Wrong address"),
}


def print_type_label(value: str | None) -> str:
    try:
        return str(METHOD_LABELS[PrintMethod(value)])
    except ValueError:
        return value or ""


def purpose_label(value: str) -> str:
    try:
        return str(PURPOSE_LABELS[Purpose(value)])
    except ValueError:
        return value


def delivery_label(value: str) -> str:
    try:
        return str(DELIVERY_LABELS[DeliveryOutcome(value)])
    except ValueError:
        return value


# -- What community programs add to the core ---------------------------------------------------


def _today_card() -> dict:
    today = department_today()
    start, end = day_start_utc(today), day_start_utc(today + timedelta(days=1))
    booked = db.session.scalar(
        select(func.coalesce(func.sum(FingerprintSlot.booked), 0)).where(
            FingerprintSlot.starts_at >= start, FingerprintSlot.starts_at < end
        )
    )
    return {"fingerprints_today": booked}


def register_community() -> None:
    from cso_field.community.retention import register_retention

    register_retention()
    register_demo("community", "cso_field.community.demo:load_demo_community")
    settings.register_defaults(SETTINGS_DEFAULTS)
    registry.register_resident_entry(
        "fingerprint_appointment",
        registry.ResidentEntry(
            flask_babel.lazy_pgettext("resident", "Book a fingerprinting appointment"),
            flask_babel.lazy_pgettext(
                "resident", "Fingerprints for a job, a license or a permit, at the police station."
            ),
            "community_public.book",
        ),
    )
    registry.register_new_entry(
        "message_delivery",
        registry.NewEntry(
            "community.new_message",
            _l("Message to deliver"),
            _l("A message the department asked to have delivered"),
        ),
    )
    registry.register_today_card(
        registry.TodayCard("community/_today_card.html", _today_card, ALL_ROLES)
    )
    registry.register_template_globals(
        appointment_state=state_of,
        print_type_label=print_type_label,
        purpose_label=purpose_label,
        delivery_label=delivery_label,
        fingerprint_slot_label=notices.slot_label,
        death_notification_handler=death_notification_handler,
    )
    audit.register_labels(
        {
            "fingerprint_slot.open": _l("Fingerprinting slots opened"),
            "fingerprint_appointment.book": _l("Fingerprinting appointment booked"),
            "fingerprint_appointment.cancel": _l("Fingerprinting appointment cancelled"),
            "fingerprint_appointment.move": _l("Fingerprinting appointment moved"),
            "fingerprint_appointment.link_reissued": _l("Fingerprinting link sent again"),
            "fingerprint_appointment.outcome": _l("Fingerprinting outcome recorded"),
            "fingerprint_appointment.assign": _l("Fingerprinting appointment assigned"),
            "message_delivery.create": _l("Message to deliver taken"),
            "message_delivery.attempt": _l("Message delivery attempt"),
            "message_delivery.assign": _l("Message delivery assigned"),
        }
    )
    audit.register_object_label("fingerprint_slot", _l("Fingerprinting slot"))
    audit.register_object_label(
        FingerprintAppointment.record_type, _l("Fingerprinting appointment")
    )
    audit.register_object_label(MessageDelivery.record_type, _l("Message delivery"))


def may_assign(user: User) -> bool:
    return user.role in SUPERVISORS


register_community()
