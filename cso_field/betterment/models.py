"""Neighborhood Betterment Committees: a committee (its area, district and languages), its
goals (a problem such as drugs, gangs or blight, and what the neighborhood wants), and the
action plan: actions with an owner, partners, a due date and a status."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cso_field.extensions import db
from cso_field.timeutil import utcnow


class Committee(db.Model):
    __tablename__ = "nbc_committee"
    __table_args__ = (Index("ix_nbc_committee_name", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(300))  # the streets or blocks it covers
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    languages: Mapped[str] = mapped_column(String(40), default="en")  # "en,es": its members'
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class CommitteeGoal(db.Model):
    __tablename__ = "nbc_goal"
    __table_args__ = (Index("ix_nbc_goal_committee", "committee_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("nbc_committee.id"))
    problem: Mapped[str] = mapped_column(String(20))  # a services.Problem
    goal: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CommitteeAction(db.Model):
    """One step of a goal's action plan: who owns it, with which partners, by when."""

    __tablename__ = "nbc_action"
    __table_args__ = (
        Index("ix_nbc_action_goal", "goal_id", "due_on", "id"),
        Index("ix_nbc_action_due", "status", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("nbc_committee.id"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("nbc_goal.id"))
    what: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(120))  # a person or office, not an account
    partners: Mapped[str | None] = mapped_column(String(300))  # City departments, schools...
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # a services.ActionStatus
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    committee: Mapped[Committee] = relationship()


class CommitteeMeeting(db.Model):
    """A committee meeting held: its agenda, how many attended, and its minutes."""

    __tablename__ = "nbc_meeting"
    __table_args__ = (Index("ix_nbc_meeting_committee", "committee_id", "held_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("nbc_committee.id"))
    held_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str] = mapped_column(Text)
    attendance: Mapped[int] = mapped_column(Integer)  # people present
    minutes: Mapped[str | None] = mapped_column(Text)  # what was decided
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
