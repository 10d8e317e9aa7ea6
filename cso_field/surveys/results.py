"""Results of a survey version: counts per choice, by district and date range (summed from the
tallies the database keeps as doors are recorded: tallies.py), free-text answers, and the
one-row-per-response export (CSV or XLSX), streamed so that 100,000 responses neither time
out nor fill the memory."""

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import func, select

from cso_field import audit
from cso_field.extensions import db
from cso_field.neighborhood_watch.services import signup_count
from cso_field.surveys.models import (
    CHOICE_KINDS,
    NO_ANSWER_KINDS,
    Answer,
    ChoiceTally,
    ContactOutcome,
    OutcomeTally,
    Question,
    QuestionKind,
    SurveyResponse,
    SurveyVersion,
)
from cso_field.surveys.questionnaire import text_in
from cso_field.timeutil import day_start_utc

TEXT_SHOWN = 20
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class Filters:
    district_id: int | None = None
    start: date | None = None
    end: date | None = None


@dataclass
class Bar:
    label: str
    count: int
    share: float  # of the largest bar, 0..1


@dataclass
class ChoiceResult:
    question: Question
    bars: list[Bar]
    total: int


def _completed(version: SurveyVersion, filters: Filters):
    return _completed_ids(version.id, filters)


def _completed_ids(version_id: int, filters: Filters):
    return [
        SurveyResponse.version_id == version_id,
        SurveyResponse.outcome == ContactOutcome.COMPLETED.value,
        *_in_range(filters),
    ]


def _in_range(filters: Filters) -> list:
    """Live contacts in the district (any, for None) made between the days, inclusive."""
    return [SurveyResponse.deleted_at.is_(None), *_tally_range(SurveyResponse, filters)]


def _tally_range(model, filters: Filters) -> list:
    """The district and days of `filters` on a model with district_id and day (a tally's
    district_id is 0 for none; no district in the filters means every one)."""
    conditions = []
    if filters.district_id:
        conditions.append(model.district_id == filters.district_id)
    if filters.start:
        conditions.append(model.day >= filters.start)
    if filters.end:
        conditions.append(model.day <= filters.end)
    return conditions


def _bars(labelled_counts: list[tuple[str, int]]) -> list[Bar]:
    top = max((count for _label, count in labelled_counts), default=0) or 1
    return [Bar(label, count, count / top) for label, count in labelled_counts]


def choice_results(version: SurveyVersion, filters: Filters, language: str) -> list[ChoiceResult]:
    """For each choice question: how many responses picked each choice, in form order."""
    questions = [q for q in version.questions if q.kind in CHOICE_KINDS]
    tally = ChoiceTally
    counts = db.session.execute(
        select(tally.question_id, tally.value, func.sum(tally.count))
        .where(tally.question_id.in_([q.id for q in questions]), *_tally_range(tally, filters))
        .group_by(tally.question_id, tally.value)
    ).all()
    found = {(question_id, value): count for question_id, value, count in counts}
    results = []
    for question in questions:
        numbers = [found.get((question.id, choice.name), 0) for choice in question.choices]
        top = max(numbers, default=0) or 1
        bars = [
            Bar(text_in(choice.label, language), count, count / top)
            for choice, count in zip(question.choices, numbers, strict=True)
        ]
        results.append(ChoiceResult(question, bars, sum(numbers)))
    return results


def text_answers(version: SurveyVersion, filters: Filters) -> list[tuple[Question, list[str]]]:
    """The newest free-text answers of each text question (the last recorded first)."""
    listed = []
    for question in version.questions:
        if question.kind != QuestionKind.TEXT:
            continue
        values = db.session.scalars(
            select(Answer.value)
            .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
            .where(*_completed(version, filters), Answer.question_id == question.id)
            .order_by(Answer.response_id.desc())
            .limit(TEXT_SHOWN)
        ).all()
        listed.append((question, list(values)))
    return listed


def completed_count(version: SurveyVersion, filters: Filters) -> int:
    tally = OutcomeTally
    return db.session.scalar(
        select(func.coalesce(func.sum(tally.count), 0)).where(
            tally.version_id == version.id,
            tally.outcome == ContactOutcome.COMPLETED.value,
            *_tally_range(tally, filters),
        )
    )


# -- Export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportPlan:
    """What an export writes, settled before the rows stream: the header, and per answer
    column its question name and its choices' labels in the chosen language."""

    version_id: int
    filters: Filters
    header: list[str]
    columns: list[tuple[str, dict[str, str] | None]]


def export_plan(version: SurveyVersion, filters: Filters, language: str) -> ExportPlan:
    questions = [q for q in version.questions if q.kind not in NO_ANSWER_KINDS]
    fixed = [_("Reference"), _("Date"), _("Address"), _("District"), _("Language")]
    header = fixed + [text_in(q.label, language) or q.name for q in questions]
    columns = [
        (q.name, {c.name: text_in(c.label, language) for c in q.choices} if q.choices else None)
        for q in questions
    ]
    return ExportPlan(version.id, filters, header, columns)


def _cell(labels: dict[str, str] | None, value) -> str:
    if value is None:
        return ""
    if labels is not None:
        names = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(name, name) for name in names)
    return str(value)


def export_rows(plan: ExportPlan) -> Iterator[list]:
    """The header, then one row per completed response, read from the database in batches."""
    yield plan.header
    query = (
        select(
            SurveyResponse.reference,
            SurveyResponse.created_at,
            SurveyResponse.address,
            SurveyResponse.district_id,
            SurveyResponse.language,
            SurveyResponse.answers,
        )
        .where(*_completed_ids(plan.version_id, plan.filters))
        .order_by(SurveyResponse.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    for (
        reference,
        created_at,
        address,
        district_id,
        resident_language,
        answers,
    ) in db.session.execute(query):
        answers = answers or {}
        yield [
            reference,
            created_at.isoformat(timespec="seconds"),
            address or "",
            district_id or "",
            resident_language,
            *(_cell(labels, answers.get(name)) for name, labels in plan.columns),
        ]


def _safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_stream(app, plan: ExportPlan) -> Iterator[str]:
    """The CSV, a row at a time, in an application context of its own (the response is
    sent after the view has returned)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
    with app.app_context():
        yield from _csv_lines(plan, writer, buffer)


def _csv_lines(plan, writer, buffer) -> Iterator[str]:
    for row in export_rows(plan):
        writer.writerow([_safe(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_file(plan: ExportPlan):
    """The export as an XLSX temporary file (openpyxl's write-only mode streams the rows to
    disk): the caller sends it and it is removed when closed."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    for row in export_rows(plan):
        sheet.append([_safe(value) for value in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by send_file)
    book.save(handle)
    handle.seek(0)
    return handle


def audit_export(version: SurveyVersion, kind: str, language: str, filters: Filters) -> None:
    audit.record(
        "survey.export",
        object_type="survey",
        object_id=version.survey_id,
        detail=f"v{version.number} {kind} {language} district={filters.district_id or ''} "
        f"{filters.start or ''}..{filters.end or ''}",
    )
    db.session.commit()


# -- A district's needs assessment (K-2 III.M) -------------------------------------------------

NEEDS_VERSIONS_SHOWN = 10


@dataclass
class NeedsAssessment:
    doors: int  # contacts of every outcome
    outcomes: list[Bar]
    signups: int  # Neighborhood Watch sign-ups
    surveys: list[tuple[SurveyVersion, int, list[ChoiceResult]]]  # version, completed, charts


def needs_assessment(filters: Filters, language: str, outcome_labels: dict) -> NeedsAssessment:
    """What a district's residents told its canvassers: the contacts by outcome, every
    survey's choice counts (its versions with the most completed responses first), and the
    Neighborhood Watch sign-ups, all in the district and the dates."""
    tally, in_range = OutcomeTally, _tally_range(OutcomeTally, filters)
    by_outcome = dict(
        db.session.execute(
            select(tally.outcome, func.sum(tally.count)).where(*in_range).group_by(tally.outcome)
        ).all()
    )
    completed = func.sum(tally.count)
    answered = db.session.execute(
        select(tally.version_id, completed)
        .where(tally.outcome == ContactOutcome.COMPLETED.value, *in_range)
        .group_by(tally.version_id)
        .having(completed > 0)
        .order_by(completed.desc(), tally.version_id.desc())
        .limit(NEEDS_VERSIONS_SHOWN)
    ).all()
    surveys = []
    for version_id, completed in answered:
        version = db.session.get(SurveyVersion, version_id)
        surveys.append((version, completed, choice_results(version, filters, language)))
    start, end = _range_bounds(filters)
    return NeedsAssessment(
        doors=sum(by_outcome.values()),
        outcomes=_bars(
            [(label, by_outcome.get(value, 0)) for value, label in outcome_labels.items()]
        ),
        signups=signup_count(filters.district_id, start, end),
        surveys=surveys,
    )


def _range_bounds(filters: Filters):
    start = day_start_utc(filters.start) if filters.start else None
    end = day_start_utc(filters.end + timedelta(days=1)) if filters.end else None
    return start, end
