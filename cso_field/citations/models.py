"""Administrative blight citations: the codebook, responsible parties, cases, their
violations and fines, the notices issued (locked once issued) and who is trained to cite."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import FieldRecordMixin, record_indexes
from cso_field.timeutil import department_today, utcnow


class Schedule(StrEnum):
    GENERAL = "general"  # Government Code 36900(b): $100, $200, $500
    BUILDING = "building"  # building and safety code: $130, $700, $1,300
    CUSTOM = "custom"  # the city's own amounts and look-back period


class PartyKind(StrEnum):
    OWNER = "owner"
    OCCUPANT = "occupant"


class NoticeKind(StrEnum):
    WARNING = "warning"
    CITATION = "citation"


class Violation(db.Model):
    """A citable code section in the city's codebook; texts per resident language."""

    __tablename__ = "citation_violation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_section: Mapped[str] = mapped_column(String(40), unique=True)
    # {language code: text}; English always present, others fall back to English.
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)
    schedule: Mapped[str] = mapped_column(String(10), default=Schedule.GENERAL.value)
    # Custom schedules only: amounts in cents for the 1st, 2nd, 3rd and later citation.
    custom_amounts: Mapped[list | None] = mapped_column(JSON)
    lookback_days: Mapped[int] = mapped_column(Integer, default=365)
    correction_days: Mapped[int] = mapped_column(Integer, default=14)
    is_example: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def title(self, language: str = "en") -> str:
        return self.titles.get(language) or self.titles.get("en", "")

    def description(self, language: str = "en") -> str:
        return self.descriptions.get(language) or self.descriptions.get("en", "")


class ResponsibleParty(db.Model):
    """An owner or occupant; the same name at the same mailing address is the same party,
    so their earlier citations count towards the next fine."""

    __tablename__ = "citation_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_key: Mapped[str] = mapped_column(String(700), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    mailing_address: Mapped[str] = mapped_column(String(400))
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlightCase(FieldRecordMixin, db.Model):
    """One property's case, from the observation to closing; `state` is its CaseState and
    `status` its review (records.models.Reviewed), which never moves the state."""

    __tablename__ = "blight_case"
    record_type = "blight_case"
    reference_prefix = "BC"
    # Reviewed apart from its legal state: a draft until a notice is issued, when it goes to
    # the Senior CSO's queue (services.warn, services.cite).
    submitted_by_step = True
    search_fields = ("reference", "address", "party_name", "parcel_number")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(
            cls,
            Index("ix_blight_case_state", "state", "deleted_at", "created_at"),
            # Reinspections due and overdue lists: one state, its due date in order.
            Index("ix_blight_case_reinspect", "state", "correction_due", "id", "deleted_at"),
            Index("ix_blight_case_payment", "state", "payment_due", "id", "deleted_at"),
            # Reinspections due nearest first: one state, a box on the position, read from
            # the index alone until the rows shown are chosen.
            Index(
                "ix_blight_case_due_near",
                "state",
                "latitude",
                "longitude",
                "correction_due",
                "deleted_at",
            ),
            Index("ix_blight_case_party_cited", "party_id", "cited_on"),
            # District numbers: citations issued in a period, and their fines.
            Index("ix_blight_case_cited", "cited_on", "district_id", "deleted_at"),
        )

    state: Mapped[str] = mapped_column(String(20), default="observed")
    parcel_number: Mapped[str | None] = mapped_column(String(40))
    observation: Mapped[str] = mapped_column(Text)
    observed_on: Mapped[date] = mapped_column(Date, default=department_today)
    # Set as the case is made (services.open_case), in the same transaction.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("citation_party.id"))
    party_kind: Mapped[str] = mapped_column(String(10), default=PartyKind.OWNER.value)
    # Kept on the case too, for lists and search without a join.
    party_name: Mapped[str] = mapped_column(String(200))
    # The officer's own words on the notices: what is wrong and what to correct (optional).
    notice_details: Mapped[str | None] = mapped_column(Text)

    warned_on: Mapped[date | None] = mapped_column(Date)
    correction_due: Mapped[date | None] = mapped_column(Date)
    reinspected_on: Mapped[date | None] = mapped_column(Date)
    corrected: Mapped[bool | None]
    reinspection_notes: Mapped[str | None] = mapped_column(Text)
    cited_on: Mapped[date | None] = mapped_column(Date)
    payment_due: Mapped[date | None] = mapped_column(Date)
    hearing_request_due: Mapped[date | None] = mapped_column(Date)
    hearing_requested_on: Mapped[date | None] = mapped_column(Date)
    final_order_on: Mapped[date | None] = mapped_column(Date)
    appeal_due: Mapped[date | None] = mapped_column(Date)
    appealed_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    waived_on: Mapped[date | None] = mapped_column(Date)
    waiver_reason: Mapped[str | None] = mapped_column(String(500))
    collection_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    party: Mapped[ResponsibleParty] = relationship()
    violations: Mapped[list["CaseViolation"]] = relationship(
        back_populates="case", order_by="CaseViolation.id"
    )


class CaseViolation(db.Model):
    """A codebook violation found at a case; its fine is fixed when the citation is issued."""

    __tablename__ = "case_violation"
    __table_args__ = (
        UniqueConstraint("case_id", "violation_id"),
        Index("ix_case_violation_violation", "violation_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("blight_case.id"))
    violation_id: Mapped[int] = mapped_column(ForeignKey("citation_violation.id"))
    # Set at citation: the computed fine in cents and how (schedule, earlier citations, level).
    fine_cents: Mapped[int | None]
    fine_basis: Mapped[dict | None] = mapped_column(JSON)
    override_cents: Mapped[int | None]
    override_reason: Mapped[str | None] = mapped_column(String(500))
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[BlightCase] = relationship(back_populates="violations")
    violation: Mapped[Violation] = relationship()

    @property
    def amount_cents(self) -> int | None:
        return self.override_cents if self.override_cents is not None else self.fine_cents


class Notice(db.Model):
    """A warning notice or citation as issued: a locked snapshot and its PDF in storage.

    A correction adds the next version; the old one stays, marked superseded."""

    __tablename__ = "citation_notice"
    __table_args__ = (UniqueConstraint("case_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("blight_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)
    language: Mapped[str] = mapped_column(String(5))
    snapshot: Mapped[dict] = mapped_column(JSON)
    pdf_key: Mapped[str] = mapped_column(String(200))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_bytes: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    correction_reason: Mapped[str | None] = mapped_column(String(500))
    superseded_at: Mapped[datetime | None]

    case: Mapped[BlightCase] = relationship()
