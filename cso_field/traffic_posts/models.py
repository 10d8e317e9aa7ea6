"""Incidents and events with their operational periods, posts, assignments, activity log and
equipment; and the designated problems of selective enforcement with their sessions."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import Located, Reviewed, SoftDeleted, Tracked, record_indexes
from cso_field.timeutil import utcnow


class IncidentKind(StrEnum):
    COLLISION = "collision"
    PARADE = "parade"
    SPECIAL_EVENT = "special_event"
    SCHOOL_CROSSING = "school_crossing"
    ROAD_CLOSURE = "road_closure"
    OTHER = "other"


class PostRole(StrEnum):
    TRAFFIC_DIRECTION = "traffic_direction"
    ROAD_CLOSURE = "road_closure"
    CROWD_CONTROL = "crowd_control"
    PERIMETER = "perimeter"
    OTHER = "other"


class EquipmentItem(StrEnum):
    CONES = "cones"
    BARRICADES = "barricades"
    FLARES = "flares"
    SIGNS = "signs"


class TrafficIncident(Tracked, Located, Reviewed, SoftDeleted, db.Model):
    """A collision, parade or other event where CSOs direct traffic or control a crowd.

    Its review covers the activity log (ICS 214): a draft while open, submitted when closed
    (services.close), returned to its author, who may add to the log and resubmit."""

    __tablename__ = "traffic_incident"
    record_type = "traffic_incident"
    reference_prefix = "TI"
    submitted_by_step = True
    search_fields = ("reference", "name", "address", "requested_by")

    @declared_attr.directive
    def __table_args__(cls):
        # The list of open incidents: not closed, soonest first.
        return record_indexes(cls, Index("ix_traffic_incident_open", "closed_at", "starts_at"))

    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    expected_end_at: Mapped[datetime | None]
    requested_by: Mapped[str | None] = mapped_column(String(200))
    in_charge_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Raised by every change the live board shows: a poll that saw this version gets a 204.
    board_version: Mapped[int] = mapped_column(default=0)

    periods: Mapped[list["OperationalPeriod"]] = relationship(
        back_populates="incident", order_by="OperationalPeriod.starts_at"
    )
    posts: Mapped[list["TrafficPost"]] = relationship(
        back_populates="incident", order_by="TrafficPost.id"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.deleted_at is None


class OperationalPeriod(db.Model):
    """An operational period (ICS): the span one set of assignments and one ICS 214 covers."""

    __tablename__ = "traffic_period"
    __table_args__ = (Index("ix_traffic_period_incident", "incident_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("traffic_incident.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    incident: Mapped[TrafficIncident] = relationship(back_populates="periods")


class TrafficPost(Located, db.Model):
    """A post within an incident: a pinned location, a role and special instructions."""

    __tablename__ = "traffic_post"
    __table_args__ = (
        Index("ix_traffic_post_incident", "incident_id", "id"),
        Index("ix_traffic_post_location", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("traffic_incident.id"))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    instructions: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[TrafficIncident] = relationship(back_populates="posts")


class PostAssignment(db.Model):
    """A CSO at a post for an operational period: assigned, then On post and Relieved, each
    with its time and where the phone was."""

    __tablename__ = "traffic_assignment"
    __table_args__ = (
        Index("ix_traffic_assignment_incident", "incident_id", "period_id"),
        Index("ix_traffic_assignment_user", "user_id", "relieved_at", "on_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("traffic_incident.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("traffic_post.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("traffic_period.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    on_post_at: Mapped[datetime | None]
    on_post_latitude: Mapped[float | None]
    on_post_longitude: Mapped[float | None]
    on_post_accuracy_m: Mapped[float | None]
    relieved_at: Mapped[datetime | None]
    relieved_latitude: Mapped[float | None]
    relieved_longitude: Mapped[float | None]
    relieved_accuracy_m: Mapped[float | None]
    handed_over_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    post: Mapped[TrafficPost] = relationship()
    period: Mapped[OperationalPeriod] = relationship()

    @property
    def on_post(self) -> bool:
        return self.on_post_at is not None and self.relieved_at is None


class ActivityEntry(db.Model):
    """A short line of the activity log ("14:05 southbound lane reopened")."""

    __tablename__ = "traffic_activity"
    __table_args__ = (Index("ix_traffic_activity_incident", "incident_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("traffic_incident.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("traffic_post.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostEquipment(db.Model):
    """How many of one item were deployed at a post, and how many are back."""

    __tablename__ = "traffic_equipment"
    __table_args__ = (
        UniqueConstraint("post_id", "item", name="uq_traffic_equipment_post_item"),
        Index("ix_traffic_equipment_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("traffic_incident.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("traffic_post.id"))
    item: Mapped[str] = mapped_column(String(20))
    deployed: Mapped[int] = mapped_column(default=0)
    recovered: Mapped[int] = mapped_column(default=0)

    @property
    def outstanding(self) -> int:
        return self.deployed - self.recovered


class DesignatedProblem(Tracked, Located, SoftDeleted, db.Model):
    """A problem designated for selective enforcement (speeding on a street, blocked
    hydrants), until a date."""

    __tablename__ = "designated_problem"
    record_type = "designated_problem"
    reference_prefix = "DP"
    search_fields = ("reference", "title", "address")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_designated_problem_until", "until", "id"))

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)

    sessions: Mapped[list["EnforcementSession"]] = relationship(
        back_populates="problem", order_by="EnforcementSession.started_at"
    )


class EnforcementSession(Tracked, SoftDeleted, db.Model):
    """A CSO's enforcement session at a designated problem, with the sworn officer present."""

    __tablename__ = "enforcement_session"
    record_type = "enforcement_session"
    reference_prefix = "ES"
    search_fields = ("reference", "officer_name", "badge_number")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(
            cls, Index("ix_enforcement_session_problem", "problem_id", "started_at")
        )

    problem_id: Mapped[int] = mapped_column(ForeignKey("designated_problem.id"))
    officer_name: Mapped[str] = mapped_column(String(120))
    badge_number: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    contacts: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    referrals: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str | None] = mapped_column(Text)

    problem: Mapped[DesignatedProblem] = relationship(back_populates="sessions")
