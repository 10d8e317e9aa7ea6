"""A special check (a resident's request or a staff-entered watch) and the visits to it."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import FieldRecordMixin, Located, SoftDeleted, Tracked, record_indexes


class CheckKind(StrEnum):
    VACATION_HOUSE = "vacation_house"
    BUSINESS = "business"
    PROBLEM_LOCATION = "problem_location"


class RequestSource(StrEnum):
    ONLINE = "online"
    PHONE = "phone"
    COUNTER = "counter"
    STAFF = "staff"


class PositionSource(StrEnum):
    """Where a check's map position came from (None: not known, or entered before this)."""

    ADDRESS = "address"  # the geocoder found the address
    VISIT = "visit"  # the first visit's GPS fix, when the address could not be placed


class VisitOutcome(StrEnum):
    ALL_SECURE = "all_secure"
    OPEN_DOOR_OR_WINDOW = "open_door_or_window"
    FORCED_ENTRY = "forced_entry"
    SUSPICIOUS = "suspicious"
    OTHER = "other"


# The predicate of the partial index on the checks that can be active.
_LIVE_NOT_CANCELLED = text("deleted_at IS NULL AND cancelled_at IS NULL")


class SpecialCheck(Tracked, Located, SoftDeleted, db.Model):
    """A check residents ask for online or staff take by phone or at the counter.

    Not reviewed: the check is a request, its visits are the officers' field records.
    """

    __tablename__ = "special_check"
    record_type = "special_check"
    reference_prefix = "SC"
    author_required = False  # residents ask without an account
    search_fields = ("reference", "address", "requester_name")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(
            cls,
            Index("ix_special_check_active", "end_date", "start_date"),
            # "Starting soon": checks whose start date is in the next few days.
            Index("ix_special_check_start", "start_date", "id"),
            # The online form's per-address rate limit counts recent rows for one address.
            Index("ix_special_check_client_address", "client_address", "created_at"),
            # The overview's problems, newest first: an ordered walk that stops at the LIMIT.
            Index("ix_special_check_problem", "problem_flagged_at", "id"),
            # The live, not cancelled checks by end day and last visit: for each day from today
            # on (counts.py lists them), a seek to the checks visited today, or not since a
            # moment, or never: the counts and the stale checks read only those entries.
            Index(
                "ix_special_check_stale",
                "end_date",
                "last_visit_at",
                "start_date",
                "id",
                sqlite_where=_LIVE_NOT_CANCELLED,
                postgresql_where=_LIVE_NOT_CANCELLED,
            ),
        )

    kind: Mapped[str] = mapped_column(String(20), default=CheckKind.VACATION_HOUSE.value)
    source: Mapped[str] = mapped_column(String(10), default=RequestSource.ONLINE.value)
    client_address: Mapped[str | None] = mapped_column(String(64))

    # The requester, and how to reach them in their language.
    requester_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="en")

    # Where (Located, with an address always given) and when.
    address: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    position_source: Mapped[str | None] = mapped_column(String(16))  # a PositionSource

    # What the CSO needs to know at the property.
    emergency_contact_name: Mapped[str | None] = mapped_column(String(120))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(40))
    emergency_contact_email: Mapped[str | None] = mapped_column(String(254))
    notify_emergency_contact: Mapped[bool] = mapped_column(default=False)
    alarm_company: Mapped[str | None] = mapped_column(String(200))
    vehicles: Mapped[str | None] = mapped_column(String(500))
    lights_on_timers: Mapped[str | None] = mapped_column(String(500))
    pets: Mapped[str | None] = mapped_column(String(500))
    expected_visitors: Mapped[str | None] = mapped_column(String(500))
    instructions: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)  # business or problem location

    # The private link in the confirmation email: only its hash is kept.
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    cancelled_at: Mapped[datetime | None]
    problem_flagged_at: Mapped[datetime | None]
    # When its newest live visit was made (kept by visits.py), so lists need no visit lookups.
    last_visit_at: Mapped[datetime | None]
    summary_queued_at: Mapped[datetime | None]

    visits: Mapped[list["CheckVisit"]] = relationship(
        back_populates="check", order_by="CheckVisit.created_at"
    )

    @property
    def placed_from_visit(self) -> bool:
        return self.has_location and self.position_source == PositionSource.VISIT


class CheckDayCount(db.Model):
    """How many checks start and end on one day: the overview's and Today's counts read a few
    rows of this table instead of every active check (see counts.py).

    Kept by database triggers on special_check (made by migration 0014 from counts.py), so
    every write to a check, whatever makes it, changes these rows in its own transaction.
    `starting` and `ending` count the live, not cancelled checks starting and ending that day;
    `problem_starting` and `problem_ending` the live checks flagged with a problem.
    """

    __tablename__ = "special_check_day_count"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    starting: Mapped[int] = mapped_column(default=0)
    ending: Mapped[int] = mapped_column(default=0)
    problem_starting: Mapped[int] = mapped_column(default=0)
    problem_ending: Mapped[int] = mapped_column(default=0)


class CheckVisit(FieldRecordMixin, db.Model):
    """One CSO visit to a special check: a field record with an outcome."""

    __tablename__ = "check_visit"
    record_type = "check_visit"
    reference_prefix = "CV"

    @declared_attr.directive
    def __table_args__(cls):
        # "The latest visit of each check" is one backward step on (check_id, created_at).
        return record_indexes(cls, Index("ix_check_visit_check_created", "check_id", "created_at"))

    check_id: Mapped[int] = mapped_column(ForeignKey("special_check.id"))
    outcome: Mapped[str] = mapped_column(String(24))
    notes: Mapped[str | None] = mapped_column(Text)

    check: Mapped[SpecialCheck] = relationship(back_populates="visits")
