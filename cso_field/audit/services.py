"""Searching the audit trail."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.text_search import newest_matching
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
    if text:  # newest first by id: the order the events were written in
        query = newest_matching(query, AuditEvent, text)
    else:
        query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if since:
        query = query.where(AuditEvent.occurred_at >= day_start_utc(since))
    if until:
        end = day_start_utc(until + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return AuditPage(list(rows[:per_page]), page, len(rows) > per_page)
