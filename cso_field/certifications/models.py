"""Certification kinds and the certifications users hold."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cso_field.extensions import db
from cso_field.timeutil import utcnow


class CertificationType(db.Model):
    """A kind of certification an admin defines; `code` is what features check for."""

    __tablename__ = "certification_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Certification(db.Model):
    """A user's certification of one kind; the newest recorded row of a kind counts."""

    __tablename__ = "certification"
    __table_args__ = (
        Index("ix_certification_user_type", "user_id", "type_id", "recorded_at"),
        Index("ix_certification_expires", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("certification_type.id"))
    earned_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    type: Mapped[CertificationType] = relationship(lazy="joined")
