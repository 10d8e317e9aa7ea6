"""The append-only audit trail (database triggers refuse UPDATE and DELETE)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        # The trail's order (newest first, id breaking ties), so a page needs no sort.
        Index("ix_audit_event_at", "occurred_at", "id"),
        Index("ix_audit_event_actor_at", "actor_id", "occurred_at"),
        Index("ix_audit_event_action_at", "action", "occurred_at"),
        Index("ix_audit_event_request", "request_id"),
    )

    # What the audit trail's text filter finds an event by (cso_field/text_search.py).
    search_fields = ("actor_name", "action", "object_id", "client_address")

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Snapshots, so the trail reads the same after a rename or role change.
    actor_name: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    # Names of what changed (field names, a role name), never contents or secrets.
    detail: Mapped[str | None] = mapped_column(String(200))
    # The request that wrote it (X-Request-ID, and every JSON log line of that request).
    request_id: Mapped[str | None] = mapped_column(String(32))
