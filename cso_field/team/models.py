"""The languages each user speaks, how to reach
them, and training sessions with their attendees."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cso_field.extensions import db
from cso_field.timeutil import utcnow


class SpokenLanguage(db.Model):
    """A language a user speaks, and how well."""

    __tablename__ = "team_language"
    __table_args__ = (Index("ix_team_language_code", "language", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    proficiency: Mapped[str] = mapped_column(String(20))


class Contact(db.Model):
    """How to reach a user in the field: a work phone and a radio call sign."""

    __tablename__ = "team_contact"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    call_sign: Mapped[str | None] = mapped_column(String(20))


class TrainingSession(db.Model):
    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_held", "held_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime]
    trainer: Mapped[str] = mapped_column(String(120))
    place: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attendees: Mapped[list["TrainingAttendee"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class TrainingAttendee(db.Model):
    __tablename__ = "training_attendee"

    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
