"""Shifts: who is working now, and in which district. An officer starts their shift in a
district and ends it (a Senior CSO or admin may do either for them); a shift not ended after
SHIFT_HOURS no longer counts. "Whoever is on shift in a district" reads these."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import begin_write
from cso_field.districts.models import District, Shift
from cso_field.extensions import db
from cso_field.roles import FIELD_ROLES, SUPERVISORS
from cso_field.timeutil import utcnow

SHIFT_HOURS = 14
BOARD_LIMIT = 50


class ShiftError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _since(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(hours=SHIFT_HOURS)


def open_shifts(now: datetime | None = None) -> Select:
    """SELECT of the shifts on now (ix_shift_open)."""
    return select(Shift).where(Shift.ended_at.is_(None), Shift.started_at >= _since(now))


def current_shift(user_id: int, now: datetime | None = None) -> Shift | None:
    return db.session.scalar(
        open_shifts(now).where(Shift.user_id == user_id).order_by(Shift.started_at.desc()).limit(1)
    )


def on_shift_district_ids(user_id: int, now: datetime | None = None):
    """A scalar subquery: the districts the user is on shift in (for one-statement lists)."""
    return (
        select(Shift.district_id)
        .where(
            Shift.user_id == user_id,
            Shift.ended_at.is_(None),
            Shift.started_at >= _since(now),
            Shift.district_id.is_not(None),
        )
        .scalar_subquery()
    )


@dataclass(frozen=True)
class OnShift:
    user: User
    shift: Shift
    district: District | None


def on_shift(
    district_id: int | None = None, limit: int = BOARD_LIMIT, offset: int = 0
) -> list[OnShift]:
    """Who is on shift now (in one district, if given), the latest to start first: one query,
    read in the open shifts' index order (`limit` rows from `offset`)."""
    query = (
        select(User, Shift, District)
        .select_from(Shift)
        .join(User, Shift.user_id == User.id)
        .outerjoin(District, District.id == Shift.district_id)
        .where(
            Shift.ended_at.is_(None),
            Shift.started_at >= _since(),
            User.is_active_account.is_(True),
        )
        .order_by(Shift.ended_at, Shift.started_at.desc())
        .offset(offset)
        .limit(limit)
    )
    if district_id is not None:
        query = query.where(Shift.district_id == district_id)
    return [OnShift(*row) for row in db.session.execute(query).all()]


def start_shift(user: User, district: District | None, by: User) -> Shift:
    """Put `user` on shift in `district` (ending any shift they were on); commits."""
    if by.id != user.id and by.role not in SUPERVISORS:
        raise ShiftError("not_yours")
    if user.role not in FIELD_ROLES or not user.is_active_account:
        raise ShiftError("not_field")
    begin_write()
    now = utcnow()
    for shift in db.session.scalars(open_shifts(now).where(Shift.user_id == user.id)):
        shift.ended_at = now
    shift = Shift(
        user_id=user.id,
        district_id=district.id if district else None,
        started_at=now,
        started_by_id=by.id,
    )
    db.session.add(shift)
    db.session.flush()
    audit.record(
        "shift.start",
        object_type="user",
        object_id=user.id,
        detail=district.name if district else None,
    )
    db.session.commit()
    return shift


def end_shift(user: User, by: User) -> bool:
    """End `user`'s shift; False if they were not on one. Commits."""
    if by.id != user.id and by.role not in SUPERVISORS:
        raise ShiftError("not_yours")
    begin_write()
    ended = 0
    for shift in db.session.scalars(open_shifts().where(Shift.user_id == user.id)):
        shift.ended_at = utcnow()
        ended += 1
    if ended:
        audit.record("shift.end", object_type="user", object_id=user.id)
    db.session.commit()
    return bool(ended)


audit.register_labels({"shift.start": _l("Shift started"), "shift.end": _l("Shift ended")})
