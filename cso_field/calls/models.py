"""Calls and the office log: the department's list of call types (each with its factor: the
minutes a sworn officer spends on such a call), the non-hazardous calls a CSO handled instead
of a sworn officer, and the office's phone calls and walk-ins."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import Tracked, record_indexes


class CallType(db.Model):
    """A kind of call the department lets CSOs handle, kept by an administrator. Retired
    types stay (past calls name them) but are no longer offered."""

    __tablename__ = "call_type"
    __table_args__ = (Index("ix_call_type_name", "retired", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The department's own factor: a sworn officer's minutes on a call of this type (travel,
    # the call, the report). A call a sworn officer would otherwise have gone to saves them.
    sworn_minutes: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class HandledCall(Tracked, db.Model):
    """A non-hazardous call a CSO handled, recorded once per client UUID."""

    __tablename__ = "handled_call"
    record_type = "handled_call"
    reference_prefix = "HC"

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_handled_call_received", "received_at", "id"))

    call_type_id: Mapped[int] = mapped_column(ForeignKey("call_type.id"))
    received_at: Mapped[datetime]  # UTC
    minutes: Mapped[int] = mapped_column(Integer)  # the CSO's time on it
    disposition: Mapped[str] = mapped_column(String(20))  # a services.Disposition
    sworn_would_go: Mapped[bool] = mapped_column(Boolean)  # a sworn officer otherwise
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))

    call_type: Mapped[CallType] = relationship(lazy="joined")


class OfficeLogEntry(Tracked, db.Model):
    """A phone call or walk-in at the office: why, in which language, handled or referred."""

    __tablename__ = "office_log_entry"
    record_type = "office_log_entry"
    reference_prefix = "OL"

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_office_log_entry_received", "received_at", "id"))

    kind: Mapped[str] = mapped_column(String(10))  # a services.Contact: phone, walk_in
    received_at: Mapped[datetime]  # UTC
    reason: Mapped[str] = mapped_column(String(300))  # what they came or called about
    language: Mapped[str] = mapped_column(String(5))
    outcome: Mapped[str] = mapped_column(String(10))  # a services.Outcome
    referred_to: Mapped[str | None] = mapped_column(String(200))
