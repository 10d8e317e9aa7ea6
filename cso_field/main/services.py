"""What the Today screen shows, computed from stored records."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from cso_field.auth.models import LoginAttempt, User
from cso_field.extensions import db
from cso_field.records.registry import RESIDENT_ENTRIES, ResidentEntry
from cso_field.roles import Role
from cso_field.timeutil import utcnow


@dataclass(frozen=True)
class TodaySummary:
    previous_login_at: datetime | None
    failed_logins_since: int
    locked_accounts: int | None  # None for roles that cannot unlock accounts


def today_summary(user: User) -> TodaySummary:
    successes = db.session.scalars(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.user_id == user.id, LoginAttempt.succeeded.is_(True))
        .order_by(LoginAttempt.attempted_at.desc())
        .limit(2)
    ).all()
    # The newest success is this session's own login; the one before it is news.
    previous = successes[1] if len(successes) == 2 else None
    failed_since = 0
    if previous is not None:
        failed_since = db.session.scalar(
            select(func.count(LoginAttempt.id)).where(
                LoginAttempt.user_id == user.id,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > previous,
            )
        )
    locked = None
    if user.role in (Role.SENIOR_CSO, Role.ADMIN):
        locked = db.session.scalar(select(func.count(User.id)).where(User.locked_until > utcnow()))
    return TodaySummary(previous, failed_since, locked)


# -- The front door: what an anonymous visitor sees at / ----------------------------------------


# Browsers may name Tagalog by its standard form, Filipino.
def resident_entries() -> list[ResidentEntry]:
    """What a resident can do here: one entry per record type with a public side."""
    return list(RESIDENT_ENTRIES.values())
