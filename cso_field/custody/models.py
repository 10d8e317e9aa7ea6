"""Custody items and their chain of transfers, and the trips (transports) that carry them."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import SoftDeleted, Tracked, record_indexes
from cso_field.timeutil import utcnow


class CustodyItem(Tracked, SoftDeleted, db.Model):
    """What a CSO carries: evidence, a lab sample, narcotics, a document, property.

    What was recorded when it was collected (seal number, package condition) never changes;
    the holder and the seal and condition last seen follow its transfers."""

    __tablename__ = "custody_item"
    record_type = "custody_item"
    reference_prefix = "CI"
    search_fields = ("reference", "description", "case_number", "seal_number")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_custody_item_case", "case_number", "created_at"))

    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str] = mapped_column(String(40))
    seal_number: Mapped[str | None] = mapped_column(String(40))
    condition: Mapped[str] = mapped_column(String(300))
    collected_at: Mapped[datetime]
    collected_place: Mapped[str] = mapped_column(String(300))
    source_name: Mapped[str | None] = mapped_column(String(200))
    # The holder now: the collecting officer at first, then each transfer's receiver.
    holder_kind: Mapped[str] = mapped_column(String(10))
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_address: Mapped[str | None] = mapped_column(String(300))
    held_since: Mapped[datetime]
    current_seal: Mapped[str | None] = mapped_column(String(40))
    current_condition: Mapped[str] = mapped_column(String(300))
    # The open trip carrying it, if any: an item is on one trip at a time.
    transport_id: Mapped[int | None] = mapped_column(ForeignKey("custody_transport.id"))

    transfers: Mapped[list["CustodyTransfer"]] = relationship(
        back_populates="item", order_by="CustodyTransfer.sequence"
    )
    mailing: Mapped["LabMailing | None"] = relationship(back_populates="item")


class CustodyTransfer(db.Model):
    """One hand-over in an item's chain, accepted by both parties' drawn signatures.

    Kept as made: there is no edit. A broken seal or a changed condition is recorded here."""

    __tablename__ = "custody_transfer"
    __table_args__ = (
        UniqueConstraint("item_id", "sequence", name="uq_custody_transfer_sequence"),
        Index("ix_custody_transfer_transport", "transport_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("custody_item.id"))
    sequence: Mapped[int]
    transferred_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(300))
    from_kind: Mapped[str] = mapped_column(String(10))
    from_name: Mapped[str] = mapped_column(String(200))
    from_address: Mapped[str | None] = mapped_column(String(300))
    to_kind: Mapped[str] = mapped_column(String(10))
    to_name: Mapped[str] = mapped_column(String(200))
    to_address: Mapped[str | None] = mapped_column(String(300))
    seal_intact: Mapped[bool]
    seal_seen: Mapped[str | None] = mapped_column(String(40))
    new_seal: Mapped[str | None] = mapped_column(String(40))
    condition: Mapped[str] = mapped_column(String(300))
    condition_changed: Mapped[bool]
    notes: Mapped[str | None] = mapped_column(Text)
    giver_signed_name: Mapped[str] = mapped_column(String(200))
    giver_signature_key: Mapped[str] = mapped_column(String(200))
    giver_signature_sha256: Mapped[str] = mapped_column(String(64))
    receiver_signed_name: Mapped[str] = mapped_column(String(200))
    receiver_signature_key: Mapped[str] = mapped_column(String(200))
    receiver_signature_sha256: Mapped[str] = mapped_column(String(64))
    transport_id: Mapped[int | None] = mapped_column(ForeignKey("custody_transport.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[CustodyItem] = relationship(back_populates="transfers")

    @property
    def seal_broken(self) -> bool:
        return not self.seal_intact


class Transport(Tracked, SoftDeleted, db.Model):
    """A trip carrying items to an outside agency (e.g. the DOJ laboratory in Modesto)."""

    __tablename__ = "custody_transport"
    record_type = "custody_transport"
    reference_prefix = "TR"
    search_fields = ("reference", "vehicle", "destination_agency")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_custody_transport_open", "closed_at", "created_at"))

    vehicle: Mapped[str] = mapped_column(String(60))
    destination_agency: Mapped[str] = mapped_column(String(200))
    destination_address: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    lab_receipt_number: Mapped[str | None] = mapped_column(String(60))
    witness_name: Mapped[str | None] = mapped_column(String(200))

    items: Mapped[list["TransportItem"]] = relationship(
        back_populates="transport", order_by="TransportItem.id"
    )


class TransportItem(db.Model):
    """An item a trip carries: when it was picked up and delivered (each a transfer)."""

    __tablename__ = "custody_transport_item"
    __table_args__ = (UniqueConstraint("transport_id", "item_id", name="uq_transport_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport_id: Mapped[int] = mapped_column(ForeignKey("custody_transport.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("custody_item.id"), index=True)
    picked_up_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    transport: Mapped[Transport] = relationship(back_populates="items")
    item: Mapped[CustodyItem] = relationship()


class LabMailing(db.Model):
    """A urine or blood sample mailed to a laboratory: the carrier, tracking number, date
    mailed, and the date the laboratory confirms receipt. A mailed item leaves the chain."""

    __tablename__ = "custody_lab_mailing"
    __table_args__ = (
        # Samples waiting for the laboratory, oldest first (the overdue list).
        Index("ix_custody_lab_mailing_waiting", "confirmed_on", "mailed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("custody_item.id"), unique=True)
    carrier: Mapped[str] = mapped_column(String(60))
    tracking_number: Mapped[str] = mapped_column(String(60))
    laboratory: Mapped[str] = mapped_column(String(200))
    mailed_on: Mapped[date]
    confirmed_on: Mapped[date | None]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[CustodyItem] = relationship(back_populates="mailing")


class AssetSeizure(Tracked, SoftDeleted, db.Model):
    """An asset seizure (K-1 III.Y): the case, when and where, the owner if known, the
    property with its values, and cash counted by two people who both sign."""

    __tablename__ = "custody_seizure"
    record_type = "custody_seizure"
    reference_prefix = "AS"
    search_fields = ("reference", "case_number", "owner_name")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(
            cls,
            Index("ix_custody_seizure_state", "state", "seized_at"),
            Index("ix_custody_seizure_seized", "seized_at"),
        )

    case_number: Mapped[str] = mapped_column(String(40))
    seized_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    # [{"description": ..., "value_cents": ...}], as listed at the seizure.
    property_items: Mapped[list] = mapped_column(JSON, default=list)
    cash_cents: Mapped[int] = mapped_column(default=0)
    first_counter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    first_signature_key: Mapped[str | None] = mapped_column(String(200))
    first_signature_sha256: Mapped[str | None] = mapped_column(String(64))
    second_counter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    second_signature_key: Mapped[str | None] = mapped_column(String(200))
    second_signature_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default="review")
    state_changed_at: Mapped[datetime | None]

    @property
    def property_cents(self) -> int:
        return sum(int(line.get("value_cents") or 0) for line in self.property_items or [])


class SupplyItem(db.Model):
    """A unit supply kept for the gang, vice and narcotics units (K-1 III.X): how many are on
    hand, where, and the count at which to reorder."""

    __tablename__ = "custody_supply"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)  # its index orders the list
    unit_name: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(200))
    on_hand: Mapped[int] = mapped_column(default=0)
    reorder_level: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def low(self) -> bool:
        return self.on_hand <= self.reorder_level


class SupplyMovement(db.Model):
    """Supplies issued to or returned by someone, who signs for them; or a restock."""

    __tablename__ = "custody_supply_movement"
    __table_args__ = (Index("ix_custody_supply_movement_supply", "supply_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supply_id: Mapped[int] = mapped_column(ForeignKey("custody_supply.id"))
    kind: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int]
    person_name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(20))
    signature_key: Mapped[str | None] = mapped_column(String(200))
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    on_hand_after: Mapped[int]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
