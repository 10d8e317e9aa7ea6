"""Community programs: fingerprinting slots and the residents' appointments in them, and the
messages CSOs deliver for the department, with each attempt."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import SoftDeleted, Tracked, record_indexes
from cso_field.timeutil import utcnow


class PrintMethod(StrEnum):
    LIVE_SCAN = "live_scan"
    INK_CARD = "ink_card"


class Purpose(StrEnum):
    EMPLOYMENT = "employment"
    LICENSE = "license"
    VOLUNTEER = "volunteer"
    ADOPTION = "adoption"
    IMMIGRATION = "immigration"
    OTHER = "other"


class AppointmentOutcome(StrEnum):
    TAKEN = "taken"
    NO_SHOW = "no_show"


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    NOBODY_HOME = "nobody_home"
    REFUSED = "refused"
    WRONG_ADDRESS = "wrong_address"


class FingerprintSlot(db.Model):
    """A time the department opens for fingerprinting, with room for `capacity` people.

    `booked` counts the live bookings; it changes only while the slot's row is locked, so
    parallel bookings never pass the capacity.
    """

    __tablename__ = "fingerprint_slot"
    __table_args__ = (Index("ix_fingerprint_slot_starts", "starts_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]  # naive UTC
    minutes: Mapped[int] = mapped_column(default=15)
    capacity: Mapped[int] = mapped_column(default=1)
    booked: Mapped[int] = mapped_column(default=0)
    place: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    appointments: Mapped[list["FingerprintAppointment"]] = relationship(
        back_populates="slot", order_by="FingerprintAppointment.id"
    )

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked, 0)


class FingerprintAppointment(Tracked, SoftDeleted, db.Model):
    """A resident's booking of a fingerprinting slot, and what happened at it."""

    __tablename__ = "fingerprint_appointment"
    record_type = "fingerprint_appointment"
    reference_prefix = "FP"
    author_required = False  # residents book without an account

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(
            cls,
            Index("ix_fingerprint_appointment_slot", "slot_id", "id"),
            # The booking form's per-address rate limit counts recent rows for one address.
            Index("ix_fingerprint_appointment_client", "client_address", "created_at"),
            # Tomorrow's reminders: the live bookings not reminded yet, by slot.
            Index("ix_fingerprint_appointment_reminder", "reminder_queued_at", "slot_id"),
        )

    slot_id: Mapped[int] = mapped_column(ForeignKey("fingerprint_slot.id"))
    method: Mapped[str] = mapped_column(String(12))  # a PrintMethod
    purpose: Mapped[str] = mapped_column(String(20))  # a Purpose
    name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="en")
    client_address: Mapped[str | None] = mapped_column(String(64))
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    cancelled_at: Mapped[datetime | None]
    reminder_queued_at: Mapped[datetime | None]
    # What happened: prints taken (how many cards or scans, of which kind) or a no-show.
    outcome: Mapped[str | None] = mapped_column(String(10))
    prints_count: Mapped[int | None]
    print_type: Mapped[str | None] = mapped_column(String(12))
    outcome_at: Mapped[datetime | None]
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The work a Senior CSO gave for it (cso_field/assignments).
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))

    slot: Mapped[FingerprintSlot] = relationship(back_populates="appointments")


class MessageDelivery(Tracked, SoftDeleted, db.Model):
    """A message the department asked a CSO to deliver: to whom, where, by when."""

    __tablename__ = "message_delivery"
    record_type = "message_delivery"
    reference_prefix = "MD"

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_message_delivery_due", "due_at", "id"))

    recipient: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime]  # naive UTC
    delivered_at: Mapped[datetime | None]
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))

    attempts: Mapped[list["DeliveryAttempt"]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id"
    )


class DeliveryAttempt(db.Model):
    """One try at delivering a message: who, when, and what happened."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (Index("ix_delivery_attempt_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("message_delivery.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # a DeliveryOutcome
    note: Mapped[str | None] = mapped_column(Text)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(default=utcnow)

    delivery: Mapped[MessageDelivery] = relationship(back_populates="attempts")
