"""Surveys: a questionnaire (Survey) in immutable versions (SurveyVersion) of questions and
choices with a text per language; canvasses of an area; and the field records made at each
door (SurveyResponse: the contact's outcome and, when completed, its answers)."""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import to_user_timezone
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import FieldRecordMixin, SoftDeleted, Tracked, record_indexes
from cso_field.timeutil import utcnow


class QuestionKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    SINGLE = "select_one"
    MULTIPLE = "select_multiple"
    YES_NO = "yes_no"
    DATE = "date"
    NOTE = "note"
    PHOTO = "photo"
    LOCATION = "location"
    GROUP = "group"  # a section: its questions name it as their parent


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.YES_NO})
# Kinds that take no answer.
NO_ANSWER_KINDS = frozenset({QuestionKind.NOTE, QuestionKind.GROUP})


class ContactOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    DECLINED = "declined"
    COMPLETED = "completed"
    COME_BACK = "come_back"
    VACANT = "vacant"


class Survey(db.Model):
    """A questionnaire; what it asks is in its versions, the newest being the one in use."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # the English title, for staff lists
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    archived_at: Mapped[datetime | None]
    # None while a survey built in the app is a draft: only published surveys are offered
    # for canvasses (an imported XLSForm is published as it is imported).
    published_at: Mapped[datetime | None]

    versions: Mapped[list["SurveyVersion"]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number"
    )


class SurveyVersion(db.Model):
    """One version of a survey's questions. Once it has responses it never changes: editing
    makes the next version, and each response keeps the version it was given with."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_id", "number", name="uq_survey_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # {language code: text}
    languages: Mapped[list] = mapped_column(JSON, default=list)  # codes, English first
    form_id: Mapped[str] = mapped_column(String(100))  # XLSForm settings form_id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    survey: Mapped[Survey] = relationship(back_populates="versions")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(db.Model):
    __tablename__ = "survey_question"
    __table_args__ = (
        UniqueConstraint("version_id", "name", name="uq_survey_question_name"),
        Index("ix_survey_question_version", "version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # a QuestionKind
    parent: Mapped[str | None] = mapped_column(String(100))  # the enclosing group's name
    label: Mapped[dict] = mapped_column(JSON, default=dict)
    hint: Mapped[dict] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    required_message: Mapped[dict] = mapped_column(JSON, default=dict)
    # "Show only if question X is / is not Y".
    relevant_question: Mapped[str | None] = mapped_column(String(100))
    relevant_negated: Mapped[bool] = mapped_column(Boolean, default=False)
    relevant_value: Mapped[str | None] = mapped_column(String(200))
    constraint: Mapped[str | None] = mapped_column(String(500))  # XLSForm's expression
    constraint_message: Mapped[dict] = mapped_column(JSON, default=dict)
    default: Mapped[str | None] = mapped_column(String(500))
    list_name: Mapped[str | None] = mapped_column(String(100))

    version: Mapped[SurveyVersion] = relationship(back_populates="questions")
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(db.Model):
    __tablename__ = "survey_choice"
    __table_args__ = (Index("ix_survey_choice_question", "question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    label: Mapped[dict] = mapped_column(JSON, default=dict)

    question: Mapped[Question] = relationship(back_populates="choices")


class Canvass(Tracked, SoftDeleted, db.Model):
    """A CSO's door-to-door canvass of an area with one survey."""

    __tablename__ = "canvass"
    record_type = "canvass"
    reference_prefix = "CN"

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_canvass_open", "created_by_id", "closed_at"))

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    area: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None]

    survey: Mapped[Survey] = relationship()


def local_day(context) -> date:
    """The department's date of a contact, from its created_at (now when not given): the
    day the results' date range and the tallies count it on."""
    created_at = context.get_current_parameters().get("created_at") or utcnow()
    return to_user_timezone(created_at).date()


class SurveyResponse(FieldRecordMixin, db.Model):
    """One door of a canvass: the contact's outcome and, when completed, the answers given
    with the survey version of that day, in the language the resident chose."""

    __tablename__ = "survey_response"
    record_type = "survey_response"
    reference_prefix = "SR"
    search_fields = ("reference", "address")

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(
            cls,
            Index("ix_survey_response_canvass", "canvass_id", "created_at"),
            Index("ix_survey_response_version", "version_id", "outcome", "created_at"),
        )

    canvass_id: Mapped[int] = mapped_column(ForeignKey("canvass.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # a ContactOutcome
    language: Mapped[str] = mapped_column(String(5), default="en")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {question name: value}
    # The department's date of created_at, set once with it (tallies.py counts by it).
    day: Mapped[date | None] = mapped_column(Date, default=local_day)

    canvass: Mapped[Canvass] = relationship()
    version: Mapped[SurveyVersion] = relationship()


class Answer(db.Model):
    """One answer value of a completed response (one row per choice picked), so that results
    count in the database."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        Index("ix_survey_answer_question", "question_id", "value"),
        # The newest text answers of a question, newest response first.
        Index("ix_survey_answer_question_response", "question_id", "response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id"))
    value: Mapped[str] = mapped_column(Text)


class ChoiceTally(db.Model):
    """How many live completed responses picked a choice of a question, per district (0: none)
    and department day; database triggers keep it (tallies.py)."""

    __tablename__ = "survey_choice_tally"
    __table_args__ = (PrimaryKeyConstraint("question_id", "value", "district_id", "day"),)

    question_id: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)


class OutcomeTally(db.Model):
    """How many live contacts of each outcome a canvass made with a survey version, per
    district (0: none) and department day; database triggers keep it (tallies.py)."""

    __tablename__ = "survey_outcome_tally"
    __table_args__ = (
        PrimaryKeyConstraint("canvass_id", "version_id", "outcome", "district_id", "day"),
        Index("ix_survey_outcome_tally_version", "version_id", "outcome", "day"),
        Index("ix_survey_outcome_tally_district", "district_id", "day"),
    )

    canvass_id: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
