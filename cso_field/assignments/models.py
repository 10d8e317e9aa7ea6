"""An assignment: work a Senior CSO gives a CSO, or whoever is on shift in a district."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.timeutil import utcnow


class Assignment(db.Model):
    __tablename__ = "assignment"
    __table_args__ = (
        # Live work has no completed_at: a CSO's own, soonest due first (Today); a district's.
        Index("ix_assignment_assignee", "assignee_id", "completed_at", "due_at"),
        Index("ix_assignment_district", "district_id", "completed_at", "due_at"),
        # The Senior CSO's lists: live work soonest due, completed work newest first…
        Index("ix_assignment_live", "completed_at", "due_at"),
        # … and work not accepted yet.
        Index("ix_assignment_state", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A registered record type's name (e.g. "check_visit") or a free task (services.TASKS).
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    due_at: Mapped[datetime]
    language: Mapped[str | None] = mapped_column(String(5))  # a translation's language
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    state: Mapped[str] = mapped_column(String(12), default="open")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None]
