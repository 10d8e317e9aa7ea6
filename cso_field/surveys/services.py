"""Surveys as plain functions: saving a survey and its versions (a version with responses
never changes), canvasses, recording a door's contact once per client UUID, a canvass's
progress; then what the type registers with the core.

Each function that writes is one unit of work: the rows, the record's version and its audit
row commit together, or not at all.
"""

import uuid

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import delete, func, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import begin_write, write_transaction
from cso_field.demo import register_demo
from cso_field.districts.services import locate
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.neighborhood_watch.services import Interest, add_canvass_signup
from cso_field.photos.services import unit_of_work
from cso_field.records import registry
from cso_field.records.models import LOCATION_FIELD_LABELS, Status
from cso_field.records.services import (
    create_once,
    create_record,
    live,
    search_records,
    submission_hash,
    uploaded_digests,
)
from cso_field.roles import ALL_ROLES
from cso_field.surveys.models import (
    NO_ANSWER_KINDS,
    Answer,
    Canvass,
    Choice,
    ContactOutcome,
    OutcomeTally,
    Question,
    QuestionKind,
    Survey,
    SurveyResponse,
    SurveyVersion,
)
from cso_field.surveys.questionnaire import (
    ENGLISH,
    ChoiceDef,
    QuestionDef,
    SurveyDefinition,
    check_answers,
    text_in,
    visible_names,
)
from cso_field.timeutil import utcnow

LIST_LIMIT = 25
COME_BACK_SHOWN = 25


class Outcome(LabelledEnum):
    """A door's contact outcome, in the order of the one-tap buttons."""

    NO_ANSWER = ContactOutcome.NO_ANSWER.value, _l("No answer")
    DECLINED = ContactOutcome.DECLINED.value, _l("Declined")
    COMPLETED = ContactOutcome.COMPLETED.value, _l("Completed")
    COME_BACK = ContactOutcome.COME_BACK.value, _l("Come back later")
    VACANT = ContactOutcome.VACANT.value, _l("Vacant")


class CanvassState(LabelledEnum):
    OPEN = "open", _l("Open")
    CLOSED = "closed", _l("Closed")


def canvass_state(canvass: Canvass) -> CanvassState:
    return CanvassState.CLOSED if canvass.closed_at else CanvassState.OPEN


def outcome_labels() -> dict[str, str]:
    return {outcome.value: outcome.label for outcome in Outcome}


class SurveyRuleError(Exception):
    """A change the rules refuse; `code` picks the message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class AnswersRefused(Exception):
    """The questionnaire's answers break its rules: {question name: AnswerProblem}."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


# -- Surveys and their versions ----------------------------------------------------------------


def _add_questions(version: SurveyVersion, definition: SurveyDefinition) -> None:
    for position, spec in enumerate(definition.questions):
        question = Question(
            position=position,
            name=spec.name,
            kind=spec.kind,
            parent=spec.parent,
            label=spec.label,
            hint=spec.hint,
            required=spec.required,
            required_message=spec.required_message,
            relevant_question=spec.relevant_question,
            relevant_negated=spec.relevant_negated,
            relevant_value=spec.relevant_value,
            constraint=spec.constraint,
            constraint_message=spec.constraint_message,
            default=spec.default,
            list_name=spec.list_name,
        )
        question.choices = [
            Choice(position=number, name=choice.name, label=choice.label)
            for number, choice in enumerate(spec.choices)
        ]
        version.questions.append(question)


def save_survey(definition: SurveyDefinition, user: User, *, publish: bool = True) -> Survey:
    """A new survey with its first version, published (offered for canvasses) unless
    `publish` is False (a draft built in the app); commits."""
    begin_write()
    survey = Survey(
        name=text_in(definition.title, ENGLISH)[:200],
        created_by_id=user.id,
        published_at=utcnow() if publish else None,
    )
    db.session.add(survey)
    version = _new_version(survey, 1, definition, user)
    db.session.flush()
    audit.record(
        "survey.create",
        object_type="survey",
        object_id=survey.id,
        detail=f"{survey.name} v{version.number}",
    )
    db.session.commit()
    return survey


def _new_version(survey, number, definition, user) -> SurveyVersion:
    version = SurveyVersion(
        number=number,
        title=definition.title,
        languages=definition.languages,
        form_id=definition.form_id,
        created_by_id=user.id,
    )
    survey.versions.append(version)
    _add_questions(version, definition)
    return version


def revise_survey(survey: Survey, definition: SurveyDefinition, user: User) -> SurveyVersion:
    """Change a survey and commit. Its current version is changed in place while nobody has
    answered it; once it has responses the change is a new version, and those responses keep
    the version they were given with."""
    with write_transaction():
        current = current_version(survey)
        if has_responses(current):
            version = _new_version(survey, current.number + 1, definition, user)
        else:
            version = current
            for question in list(version.questions):
                version.questions.remove(question)
            db.session.flush()
            version.title, version.languages = definition.title, definition.languages
            version.form_id = definition.form_id
            _add_questions(version, definition)
        survey.name = text_in(definition.title, ENGLISH)[:200]
        db.session.flush()
        audit.record(
            "survey.revise",
            object_type="survey",
            object_id=survey.id,
            detail=f"{survey.name} v{version.number}",
        )
    return version


def publish_survey(survey: Survey, user: User) -> bool:
    """A draft survey offered for canvasses from now on; commits. False when it already was;
    SurveyRuleError("empty") while it asks nothing."""
    with write_transaction(survey):
        if survey.published_at is not None:
            return False
        questions = current_version(survey).questions
        if not any(question.kind not in NO_ANSWER_KINDS for question in questions):
            raise SurveyRuleError("empty")
        survey.published_at = utcnow()
        audit.record(
            "survey.publish", object_type="survey", object_id=survey.id, detail=survey.name
        )
    return True


def current_version(survey: Survey) -> SurveyVersion:
    return db.session.scalar(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )


def has_responses(version: SurveyVersion) -> bool:
    return (
        db.session.scalar(
            select(SurveyResponse.id).where(SurveyResponse.version_id == version.id).limit(1)
        )
        is not None
    )


def definition_of(version: SurveyVersion) -> SurveyDefinition:
    """A stored version as plain data (what XLSForm export writes)."""
    return SurveyDefinition(
        title=dict(version.title),
        form_id=version.form_id,
        languages=list(version.languages),
        questions=[
            QuestionDef(
                name=q.name,
                kind=q.kind,
                label=dict(q.label),
                hint=dict(q.hint),
                parent=q.parent,
                required=q.required,
                required_message=dict(q.required_message),
                relevant_question=q.relevant_question,
                relevant_negated=q.relevant_negated,
                relevant_value=q.relevant_value,
                constraint=q.constraint,
                constraint_message=dict(q.constraint_message),
                default=q.default,
                list_name=q.list_name,
                choices=[ChoiceDef(c.name, dict(c.label)) for c in q.choices],
            )
            for q in version.questions
        ],
    )


def list_surveys(page: int = 1) -> tuple[list[Survey], bool]:
    query = (
        select(Survey)
        .where(Survey.archived_at.is_(None))
        .order_by(Survey.created_at.desc(), Survey.id.desc())
        .offset((page - 1) * LIST_LIMIT)
        .limit(LIST_LIMIT + 1)
    )
    surveys = list(db.session.scalars(query))
    return surveys[:LIST_LIMIT], len(surveys) > LIST_LIMIT


def published_surveys() -> list[Survey]:
    """The surveys a canvass can use: published, not archived, the newest first."""
    query = (
        select(Survey)
        .where(Survey.archived_at.is_(None), Survey.published_at.is_not(None))
        .order_by(Survey.created_at.desc(), Survey.id.desc())
        .limit(LIST_LIMIT)
    )
    return list(db.session.scalars(query))


def response_count(version: SurveyVersion) -> int:
    """The version's live completed contacts (from the tallies: tallies.py)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(OutcomeTally.count), 0)).where(
            OutcomeTally.version_id == version.id,
            OutcomeTally.outcome == ContactOutcome.COMPLETED.value,
        )
    )


# -- Canvasses ---------------------------------------------------------------------------------


def start_canvass(survey: Survey, area: str, user: User, client_uuid: uuid.UUID):
    """A canvass of `area` with `survey`, once per client UUID; commits. (canvass, created)"""
    if survey.published_at is None:
        raise SurveyRuleError("draft")
    digest = submission_hash({"survey_id": survey.id, "area": area})
    begin_write()
    canvass, created = create_once(
        Canvass,
        client_uuid=client_uuid,
        digest=digest,
        author=user,
        survey_id=survey.id,
        area=area,
    )
    if created:
        audit.record(
            "canvass.start",
            object_type="canvass",
            object_id=canvass.id,
            detail=f"{canvass.reference} {area}",
        )
    db.session.commit()
    return canvass, created


def close_canvass(canvass: Canvass, user: User) -> bool:
    with write_transaction(canvass):
        if canvass.closed_at is not None:
            return False
        if canvass.created_by_id != user.id:
            raise SurveyRuleError("not_yours")
        canvass.closed_at = utcnow()
        audit.record(
            "canvass.close", object_type="canvass", object_id=canvass.id, detail=canvass.reference
        )
    return True


def open_canvasses_of(user: User, limit: int = 3) -> list[Canvass]:
    return list(
        db.session.scalars(
            select(Canvass)
            .where(
                Canvass.created_by_id == user.id,
                Canvass.closed_at.is_(None),
                Canvass.deleted_at.is_(None),
            )
            .order_by(Canvass.created_at.desc())
            .limit(limit)
        )
    )


def canvass_progress(canvass: Canvass) -> dict[str, int]:
    """{outcome: doors} of the canvass's live contacts, every outcome present (from the
    tallies: tallies.py)."""
    counts = dict(
        db.session.execute(
            select(OutcomeTally.outcome, func.sum(OutcomeTally.count))
            .where(OutcomeTally.canvass_id == canvass.id)
            .group_by(OutcomeTally.outcome)
        ).all()
    )
    return {outcome.value: counts.get(outcome.value, 0) for outcome in Outcome}


def _address_key(address: str | None) -> str:
    return " ".join((address or "").lower().replace(",", " ").split())


def come_back_list(canvass: Canvass, limit: int = COME_BACK_SHOWN) -> list[SurveyResponse]:
    """The doors whose latest contact in this canvass was "come back later", oldest first."""
    contacts = db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.canvass_id == canvass.id, SurveyResponse.deleted_at.is_(None))
        .order_by(SurveyResponse.created_at, SurveyResponse.id)
    )
    latest: dict[str, SurveyResponse] = {}
    for contact in contacts:
        latest.pop(_address_key(contact.address), None)
        latest[_address_key(contact.address)] = contact
    waiting = [c for c in latest.values() if c.outcome == ContactOutcome.COME_BACK.value]
    return waiting[:limit]


def recent_contacts(canvass: Canvass, limit: int = 10) -> list[SurveyResponse]:
    return list(
        db.session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.canvass_id == canvass.id, SurveyResponse.deleted_at.is_(None))
            .order_by(SurveyResponse.created_at.desc())
            .limit(limit)
        )
    )


def record_contact(
    canvass: Canvass,
    user: User,
    *,
    outcome: str,
    location: dict,
    language: str,
    form: dict,
    client_uuid: uuid.UUID,
    uploads: list,
    watch: Interest | None = None,
) -> tuple[SurveyResponse, bool]:
    """One door's contact, once per client UUID, and commit; (response, created).

    A completed contact with `watch` (the questionnaire's Neighborhood Watch interest
    section) also makes the resident's sign-up, in the same unit of work.

    For a completed contact `form` ({question name: [posted values]}) is checked against
    the survey's current version: hidden questions keep no answer; AnswersRefused lists
    what breaks the rules, and nothing is kept then. Raises SurveyRuleError("closed") for
    a closed canvass, SubmissionConflict for a reused UUID, PhotoError for a refused photo.
    """
    if canvass.closed_at is not None or canvass.deleted_at is not None:
        raise SurveyRuleError("closed")
    version = current_version(canvass.survey)
    answers: dict = {}
    if outcome == ContactOutcome.COMPLETED.value:
        answers, problems = check_answers(version.questions, form)
        _photo_problems(version, answers, uploads, problems)
        if problems:
            raise AnswersRefused(problems)
    else:
        uploads, watch = [], None
    content = {
        "canvass_id": canvass.id,
        "version_id": version.id,
        "outcome": ContactOutcome(outcome).value,
        "language": language,
        "answers": answers,
        **location,
    }
    signed_up = {"watch": watch.fields()} if watch else {}
    digest = submission_hash({**content, **signed_up}, uploaded_digests(uploads))
    with unit_of_work() as photos:

        def prepare() -> dict:
            photos.store(uploads)
            return locate(location)  # the geocoder, before any write

        def attach(response: SurveyResponse) -> None:
            photos.attach(response, user)
            _add_answer_rows(response, version, answers)
            if watch is not None:
                add_canvass_signup(response, user, watch)

        return create_record(
            SurveyResponse,
            client_uuid=client_uuid,
            content=content,
            author=user,
            digest=digest,
            status=Status.SUBMITTED,
            prepare=prepare,
            attach=attach,
        )


def answer_problems(canvass: Canvass, form: dict) -> dict:
    """{question name: problem} of a posted questionnaire, checked against the current
    version, without keeping anything."""
    version = current_version(canvass.survey)
    return check_answers(version.questions, form)[1]


def _photo_problems(version, answers, uploads, problems) -> None:
    shown = visible_names(version.questions, answers)
    for question in version.questions:
        if (
            question.kind == QuestionKind.PHOTO
            and question.required
            and question.name in shown
            and not uploads
        ):
            problems[question.name] = "required"


def _add_answer_rows(response: SurveyResponse, version: SurveyVersion, answers: dict) -> None:
    ids = {question.name: question.id for question in version.questions}
    for name, value in answers.items():
        for one in value if isinstance(value, list) else [value]:
            db.session.add(Answer(response_id=response.id, question_id=ids[name], value=str(one)))


def delete_answers_of(response: SurveyResponse) -> None:
    """A deleted response's answers leave the counts."""
    db.session.execute(delete(Answer).where(Answer.response_id == response.id))


def shown_questions(version: SurveyVersion, values) -> set[str]:
    """The questions shown for what the form holds (defaults for a fresh form)."""
    given = {name: values.getlist(name) for name in values} if values else {}
    for question in version.questions:
        if question.name not in given and question.default:
            given[question.name] = [question.default]
    answers, _problems = check_answers(version.questions, given)
    return visible_names(version.questions, answers)


def answer_problem(question: Question, problem: str, language: str) -> str:
    """The resident's message for a refused answer, in the questionnaire's language (called
    inside render_for_resident); the survey's own messages first."""
    if problem == "required" and text_in(question.required_message, language):
        return text_in(question.required_message, language)
    if problem == "constraint" and text_in(question.constraint_message, language):
        return text_in(question.constraint_message, language)
    messages = {
        "required": pgettext("resident", "This question needs an answer."),
        "number": pgettext("resident", "Write a number."),
        "whole_number": pgettext("resident", "Write a whole number."),
        "date": pgettext("resident", "Choose a date."),
        "choice": pgettext("resident", "Choose one of the answers shown."),
        "location": pgettext("resident", "The location is not valid."),
        "too_long": pgettext("resident", "This answer is too long."),
    }
    return messages.get(problem, pgettext("resident", "This answer is not allowed."))


# -- Search, summaries and the registration ----------------------------------------------------


def response_summary(response: SurveyResponse) -> str:
    return _(
        "%(outcome)s at %(address)s",
        outcome=Outcome(response.outcome).label,
        address=response.address or "—",
    )


def search(text: str, user: User, limit: int) -> list[registry.SearchHit]:
    found = search_records(SurveyResponse, text, limit)
    return [
        registry.SearchHit(
            "survey_response",
            response.reference,
            response_summary(response),
            response.address,
            url_for("surveys.response", record_id=response.id),
            Outcome(response.outcome).label,
        )
        for response in found
    ]


def canvasses_list(user: User, page: int = 1) -> tuple[list[Canvass], bool]:
    query = live(select(Canvass), Canvass).order_by(Canvass.created_at.desc())
    rows = list(db.session.scalars(query.offset((page - 1) * LIST_LIMIT).limit(LIST_LIMIT + 1)))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


SURVEY_RESPONSES = registry.RecordType(
    name="survey_response",
    model=SurveyResponse,
    label=_l("Survey contact"),
    view_endpoint="surveys.response",
    list_endpoint="surveys.canvasses",
    new_endpoint="surveys.canvasses",
    description=_l("Door-to-door survey: start or continue a canvass."),
    search=search,
    summary=response_summary,
    after_delete=delete_answers_of,
    fields={
        "outcome": _l("Outcome"),
        "language": _l("Resident's language"),
        "answers": _l("Answers"),
        "canvass_id": _l("Canvass"),
        "version_id": _l("Survey version"),
        **LOCATION_FIELD_LABELS,
    },
)


def _today_card() -> dict:
    from flask_login import current_user

    canvasses = open_canvasses_of(current_user)
    return {
        "canvasses": [
            (canvass, canvass_progress(canvass), come_back_list(canvass, 5))
            for canvass in canvasses
        ]
    }


def register_surveys() -> None:
    from cso_field.surveys.retention import register_retention

    register_retention()
    registry.register(SURVEY_RESPONSES)
    from cso_field.surveys.reports import register_reports

    register_reports({outcome.value: outcome.label for outcome in Outcome})
    register_demo("surveys", "cso_field.surveys.demo:load_demo_surveys")
    registry.register_today_card(
        registry.TodayCard("surveys/_today_card.html", _today_card, ALL_ROLES)
    )
    registry.register_template_globals(
        survey_outcome_labels=outcome_labels, survey_text=text_in, answer_problem=answer_problem
    )
    audit.register_labels(
        {
            "survey.create": _l("Survey imported"),
            "survey.revise": _l("Survey changed"),
            "survey.publish": _l("Survey published"),
            "survey.export": _l("Survey responses exported"),
            "canvass.start": _l("Canvass started"),
            "canvass.close": _l("Canvass closed"),
        }
    )
    audit.register_object_label("survey", _l("Survey"))
    audit.register_object_label("canvass", _l("Canvass"))
    # Offline: the officer's canvasses and a canvass's page (its "come back later" list and
    # the door form, which joins the outbox).
    registry.register_offline_pages("surveys.canvasses", "surveys.canvass")


register_surveys()
