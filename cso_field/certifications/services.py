"""Who holds which certification: the check features make on the server, recording one, the
kinds an admin defines, and what expires soon."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.certifications.models import Certification, CertificationType
from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.roles import SUPERVISORS, Role
from cso_field.timeutil import department_today

EXPIRING_DAYS = 31
LIST_LIMIT = 50


class CertificationError(Exception):
    """A certification the rules refuse; `code` picks the message shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def type_by_code(code: str) -> CertificationType | None:
    return db.session.scalar(select(CertificationType).where(CertificationType.code == code))


def ensure_type(code: str, name: str) -> CertificationType:
    """The kind with this code, made (and flushed) if the department has none yet."""
    found = type_by_code(code)
    if found is None:
        found = CertificationType(code=code, name=name)
        db.session.add(found)
        db.session.flush()
    return found


def current(user_id: int, code: str) -> Certification | None:
    """The user's newest recorded certification of this kind (in force or not)."""
    return db.session.scalar(
        select(Certification)
        .join(CertificationType, Certification.type_id == CertificationType.id)
        .where(Certification.user_id == user_id, CertificationType.code == code)
        .order_by(Certification.recorded_at.desc(), Certification.id.desc())
        .limit(1)
    )


def in_force(certification: Certification | None, today: date) -> bool:
    return (
        certification is not None
        and certification.earned_on <= today
        and (certification.expires_on is None or certification.expires_on >= today)
    )


def holds(user: User, code: str, today: date | None = None) -> bool:
    """True while the user's newest certification of this kind is in force."""
    if not user.is_authenticated:
        return False
    return in_force(current(user.id, code), today or department_today())


def record(
    user: User,
    kind: CertificationType,
    *,
    earned_on: date,
    expires_on: date | None,
    note: str | None,
    by: User,
    action: str = "certification.record",
) -> Certification:
    """Record a user's certification (a Senior CSO or admin does) and commit."""
    if by.role not in SUPERVISORS:
        raise CertificationError("not_supervisor")
    if earned_on > department_today():
        raise CertificationError("in_future")
    if expires_on is not None and expires_on <= earned_on:
        raise CertificationError("expiry_before_earned")
    begin_write()
    certification = Certification(
        user_id=user.id,
        type_id=kind.id,
        earned_on=earned_on,
        expires_on=expires_on,
        note=(note or "").strip() or None,
        recorded_by_id=by.id,
    )
    db.session.add(certification)
    db.session.flush()
    until = expires_on.isoformat() if expires_on else ""
    audit.record(
        action,
        object_type="user",
        object_id=user.id,
        detail=f"{kind.code}: {earned_on.isoformat()} - {until}",
    )
    db.session.commit()
    return certification


def types() -> list[CertificationType]:
    return list(db.session.scalars(select(CertificationType).order_by(CertificationType.name)))


def _code_for(name: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:40]
    return code or "certification"


def create_type(name: str, by: User) -> CertificationType:
    """An admin defines a kind of certification; commits."""
    if by.role != Role.ADMIN:
        raise CertificationError("not_admin")
    name = name.strip()
    taken = db.session.scalar(
        select(func.count(CertificationType.id)).where(
            (func.lower(CertificationType.name) == name.casefold())
            | (CertificationType.code == _code_for(name))
        )
    )
    if taken:
        raise CertificationError("type_exists")
    begin_write()
    kind = CertificationType(code=_code_for(name), name=name)
    db.session.add(kind)
    db.session.flush()
    audit.record("certification_type.create", object_type="certification_type", object_id=kind.id)
    db.session.commit()
    return kind


def of_user(user_id: int) -> list[Certification]:
    """Every certification recorded for the user, newest first (at most LIST_LIMIT)."""
    return list(
        db.session.scalars(
            select(Certification)
            .where(Certification.user_id == user_id)
            .order_by(Certification.recorded_at.desc(), Certification.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def newest_of(user_ids: list[int], code: str) -> dict[int, Certification]:
    """{user id: newest certification of this kind} for a page of users, in one query."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(Certification)
        .join(CertificationType, Certification.type_id == CertificationType.id)
        .where(Certification.user_id.in_(user_ids), CertificationType.code == code)
        .order_by(Certification.recorded_at, Certification.id)
    )
    return {row.user_id: row for row in rows}


@dataclass(frozen=True)
class Expiring:
    user: User
    certification: Certification


def expiring(today: date | None = None, days: int = EXPIRING_DAYS) -> list[Expiring]:
    """Certifications that expire within `days` (or expired in the last `days`) and are still
    each user's newest of their kind, soonest first."""
    today = today or department_today()
    newest = (
        select(func.max(Certification.id))
        .group_by(Certification.user_id, Certification.type_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(User, Certification)
        .join(Certification, Certification.user_id == User.id)
        .where(
            Certification.expires_on.between(
                today - timedelta(days=days), today + timedelta(days=days)
            ),
            Certification.id.in_(newest),
            User.is_active_account.is_(True),
        )
        .order_by(Certification.expires_on, User.display_name)
        .limit(LIST_LIMIT)
    ).all()
    return [Expiring(user, certification) for user, certification in rows]


def register_certifications() -> None:
    audit.register_labels(
        {
            "certification.record": _l("Certification recorded"),
            "certification_type.create": _l("Certification kind defined"),
        }
    )
    audit.register_object_label("certification_type", _l("Certification kind"))


register_certifications()
