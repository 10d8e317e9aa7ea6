"""Searching the audit trail."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.text_search import contains_pattern
from cso_field.timeutil import day_start_utc


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    page: int
    has_next: bool


def search_audit(
    *,
    text: str | None,
    outcome: str | None,
    since: date | None,
    until: date | None,
    page: int,
    per_page: int,
) -> AuditPage:
    query = select(AuditEvent)
    if text:
        pattern = contains_pattern(text.lower())
        query = query.where(
            or_(
                AuditEvent.actor_name.like(pattern, escape="\\"),
                AuditEvent.action.like(pattern, escape="\\"),
                AuditEvent.object_id.like(pattern, escape="\\"),
                AuditEvent.client_address.like(pattern, escape="\\"),
            )
        )
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if since:
        query = query.where(AuditEvent.occurred_at >= day_start_utc(since))
    if until:
        end = day_start_utc(until + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return AuditPage(list(rows[:per_page]), page, len(rows) > per_page)
