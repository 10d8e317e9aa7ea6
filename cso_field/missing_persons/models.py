"""A missing person report, its deadline steps, its searchers, and its posters.

The report time (`reported_at`) is the clock every deadline runs from. A juvenile's record
(under 18 at the report, California WIC 827) is shown only to those with a need to know
(services.can_open).
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.records.models import Located, SoftDeleted, Tracked, record_indexes
from cso_field.timeutil import utcnow

JUVENILE_AGE = 18  # Welfare and Institutions Code 827: a juvenile's record


class State(LabelledEnum):
    OPEN = "open", _l("Missing")
    FOUND = "found", _l("Found")


class ReportType(LabelledEnum):
    """The CLETS/MUPS categories of a missing person entry."""

    VOLUNTARY_ADULT = "voluntary_adult", _l("Voluntary missing adult")
    STRANGER_ABDUCTION = "stranger_abduction", _l("Stranger abduction")
    FAMILY_ABDUCTION = "family_abduction", _l("Parent/family abduction")
    RUNAWAY = "runaway", _l("Runaway")
    SUSPICIOUS = "suspicious", _l("Suspicious circumstances")
    CATASTROPHE = "catastrophe", _l("Catastrophe")
    LOST = "lost", _l("Lost")
    DEPENDENT_ADULT = "dependent_adult", _l("Dependent adult")


class AtRisk(LabelledEnum):
    """California Penal Code 14215: what makes a missing person "at risk"."""

    CRIME = "crime", _l("Possibly the victim of a crime or foul play")
    MEDICAL = "medical", _l("Needs medical attention")
    NO_PATTERN = "no_pattern", _l("No pattern of running away or disappearing")
    PARENTAL_ABDUCTION = "parental_abduction", _l("Possibly abducted by a parent")
    IMPAIRED = "impaired", _l("Mentally impaired")


class Channel(LabelledEnum):
    PHONE = "phone", _l("By phone")
    COUNTER = "counter", _l("At the counter")
    FIELD = "field", _l("In the field")


class StepKind(LabelledEnum):
    BOLO = "bolo", _l("Be On the Lookout broadcast")
    DOJ_ENTRY = "doj_entry", _l("MUPS entry (DOJ, through CLETS)")
    MUPS_REMOVAL = "mups_removal", _l("MUPS removal (found)")
    AGENCY_NOTICE = "agency_notice", _l("Notice to the reporting agency")


class DistributionChannel(LabelledEnum):
    EMAIL = "email", _l("Email")
    FAX = "fax", _l("Fax")
    HAND = "hand", _l("By hand")
    TELETYPE = "teletype", _l("Teletype (CLETS)")


# What a reporting party may agree to publish on a poster.
class PosterField(LabelledEnum):
    NAME = "name", _l("Name")
    AGE = "age", _l("Age")
    DESCRIPTION = "description", _l("Description and clothing")
    LAST_SEEN = "last_seen", _l("Last seen (time and place)")


class MissingPerson(Tracked, Located, SoftDeleted, db.Model):
    __tablename__ = "missing_person"
    record_type = "missing_person"
    reference_prefix = "MP"

    state: Mapped[str] = mapped_column(String(10), default=State.OPEN.value)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(10), default=Channel.PHONE.value)
    report_type: Mapped[str] = mapped_column(String(30))
    # The person
    full_name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[str | None] = mapped_column(String(300))
    birth_date: Mapped[date]
    description: Mapped[str | None] = mapped_column(Text)
    languages: Mapped[str | None] = mapped_column(String(200))
    medical_needs: Mapped[str | None] = mapped_column(Text)
    disability: Mapped[str | None] = mapped_column(Text)
    at_risk: Mapped[list] = mapped_column(JSON, default=list)  # AtRisk values
    # Last seen (the place is the Located columns)
    last_seen_at: Mapped[datetime | None]
    clothing: Mapped[str | None] = mapped_column(Text)
    # The reporting party, and the parent or guardian of a child
    party_name: Mapped[str] = mapped_column(String(200))
    party_phone: Mapped[str | None] = mapped_column(String(40))
    party_relationship: Mapped[str | None] = mapped_column(String(100))
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    guardian_phone: Mapped[str | None] = mapped_column(String(40))
    guardian_language: Mapped[str] = mapped_column(String(5), default="en")
    publish: Mapped[list] = mapped_column(JSON, default=list)  # PosterField values agreed
    # A parent-involved abduction: the custody order, and the sworn officer or DA handling it
    custody_order: Mapped[str | None] = mapped_column(Text)
    case_contact: Mapped[str | None] = mapped_column(String(300))
    # Found
    found_at: Mapped[datetime | None]
    found_place: Mapped[str | None] = mapped_column(String(300))
    found_notified: Mapped[str | None] = mapped_column(Text)

    steps: Mapped[list["Step"]] = relationship(
        back_populates="report", order_by="Step.due_at", lazy="selectin"
    )

    @declared_attr.directive
    def __table_args__(cls):
        # The list: open reports first by their report time; each state's newest first.
        return record_indexes(cls, Index("ix_missing_person_state", "state", "reported_at"))

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def report_type_enum(self) -> ReportType:
        return ReportType(self.report_type)


class Step(db.Model):
    """A deadline task: due from the report (or found) time; done with who, when, a number."""

    __tablename__ = "missing_person_step"
    __table_args__ = (
        UniqueConstraint("report_id", "kind", name="uq_missing_person_step"),
        Index("ix_missing_person_step_open", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("missing_person.id"))
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    record_number: Mapped[str | None] = mapped_column(String(40))  # MUPS/CLETS number
    note: Mapped[str | None] = mapped_column(String(500))

    report: Mapped[MissingPerson] = relationship(back_populates="steps")

    @property
    def kind_enum(self) -> StepKind:
        return StepKind(self.kind)


class Searcher(db.Model):
    """A CSO assigned to search for the person: they may open a juvenile's record."""

    __tablename__ = "missing_person_searcher"
    __table_args__ = (
        UniqueConstraint("report_id", "user_id", name="uq_missing_person_searcher"),
        Index("ix_missing_person_searcher_user", "user_id", "report_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("missing_person.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class Poster(db.Model):
    """A poster printed for the person, in English plus one resident language; withdrawn
    (with the date) when the person is found."""

    __tablename__ = "missing_person_poster"
    __table_args__ = (Index("ix_missing_person_poster_report", "report_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("missing_person.id"))
    language: Mapped[str] = mapped_column(String(5))
    contact_phone: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None]


class Distribution(db.Model):
    """Who a poster went to: agency, person, channel, time."""

    __tablename__ = "missing_person_distribution"
    __table_args__ = (Index("ix_missing_person_distribution_poster", "poster_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poster_id: Mapped[int] = mapped_column(ForeignKey("missing_person_poster.id"))
    agency: Mapped[str] = mapped_column(String(200))
    person: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


def age_on(birth_date: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def age(report: MissingPerson) -> int:
    """The person's age on the day of the report."""
    return age_on(report.birth_date, report.reported_at.date())


def is_juvenile(report: MissingPerson) -> bool:
    return age(report) < JUVENILE_AGE


class SearchArea(db.Model):
    """A circle on the map given to a searcher: tapped on the search board's map."""

    __tablename__ = "missing_person_area"
    __table_args__ = (Index("ix_missing_person_area_report", "report_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("missing_person.id"))
    name: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float]
    longitude: Mapped[float]
    radius_m: Mapped[int]
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class SearchLog(db.Model):
    """What a searcher did: the area covered, when, places checked, people contacted."""

    __tablename__ = "missing_person_search_log"
    __table_args__ = (Index("ix_missing_person_search_log_report", "report_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("missing_person.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("missing_person_area.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    places_checked: Mapped[str] = mapped_column(Text)
    people_contacted: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(LabelledEnum):
    HAND = "hand", _l("Handed over")
    MAIL = "mail", _l("By mail")
    EMAIL = "email", _l("By email")
    PHONE = "phone", _l("Read out by phone")


class Outcome(LabelledEnum):
    DELIVERED = "delivered", _l("Delivered")
    NO_ANSWER = "no_answer", _l("Nobody there")
    REFUSED = "refused", _l("Refused")
    RETURNED = "returned", _l("Returned undelivered")


class ParentNotification(db.Model):
    """A letter to the parent or guardian of an at-risk youth (the parent notification
    program), in the parent's language: how it went, and when to follow up."""

    __tablename__ = "missing_person_notification"
    __table_args__ = (Index("ix_missing_person_notification_report", "report_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("missing_person.id"))
    language: Mapped[str] = mapped_column(String(5))
    delivery: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10))
    contact_phone: Mapped[str] = mapped_column(String(40))
    follow_up_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
