"""Surveys, the rules called directly: texts with English as the fallback, versions, skip
logic and constraints, XLSForm import errors by row, and the XLSForm round trip."""

import uuid

import pytest
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.records.services import SubmissionConflict
from cso_field.surveys import services
from cso_field.surveys.models import Answer, SurveyResponse
from cso_field.surveys.questionnaire import (
    ExpressionError,
    check_answers,
    constraint_holds,
    parse_constraint,
    parse_relevant,
    text_in,
    visible_names,
)
from cso_field.surveys.services import AnswersRefused, SurveyRuleError
from cso_field.surveys.xlsform import XLSFormError, export_xlsform, import_xlsform
from tests.factories import (
    DOOR_CHOICES,
    DOOR_SETTINGS,
    DOOR_SURVEY,
    EN,
    ES,
    door_xlsform,
    xlsform_bytes,
)

HERE = {"latitude": 37.9577, "longitude": -121.2908, "accuracy_m": 8.0, "address": "1 Oak St"}


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def _door_survey(user):
    return services.save_survey(import_xlsform(door_xlsform()).definition, user)


def _contact(canvass, user, outcome="completed", language="en", form=None, **location):
    return services.record_contact(
        canvass,
        user,
        outcome=outcome,
        location={**HERE, **location},
        language=language,
        form=form or {},
        client_uuid=uuid.uuid4(),
        uploads=[],
    )


GOOD = {"people": ["3"], "feel_safe": ["yes"], "concerns": ["lighting", "speeding"]}


# -- Texts -------------------------------------------------------------------------------------


def test_a_missing_spanish_label_shows_the_english_one(ctx):
    definition = import_xlsform(door_xlsform()).definition
    why = next(q for q in definition.questions if q.name == "why_unsafe")
    assert "es" not in why.label
    assert text_in(why.label, "es") == "What makes you feel unsafe?"
    assert text_in(why.label, "vi") == "Điều gì khiến quý vị cảm thấy không an toàn?"
    assert text_in({"en": "Yes", "es": "  "}, "es") == "Yes"  # blank counts as missing
    assert text_in({"vi": "Có"}, "km") == "Có"  # no English: any text rather than a blank


def test_a_missing_spanish_label_is_shown_in_english_on_the_questionnaire(
    ctx, users, client, login
):
    cso = users.cso()
    survey = _door_survey(users.senior())
    canvass, _created = services.start_canvass(survey, "Oak St", cso, uuid.uuid4())
    login(cso)
    page = client.get(f"/canvass/{canvass.id}/questionnaire?lang=es").get_data(as_text=True)
    assert "¿Cuántas personas viven aquí?" in page
    assert "What makes you feel unsafe?" in page


# -- Skip logic and constraints ----------------------------------------------------------------


def test_relevant_forms_the_app_represents():
    assert parse_relevant("${feel_safe} = 'no'") == ("feel_safe", False, "no")
    assert parse_relevant('${a} != "x"') == ("a", True, "x")
    assert parse_relevant("selected(${c}, 'lighting')") == ("c", False, "lighting")
    assert parse_relevant("not(selected(${c}, 'lighting'))") == ("c", True, "lighting")
    assert parse_relevant("${a} = 'x' and ${b} = 'y'") is None
    assert parse_relevant("${age} > 18") is None


def test_constraints_are_parsed_never_evaluated_as_code():
    assert constraint_holds(". >= 1 and . <= 30", 5, {})
    assert not constraint_holds(". >= 1 and . <= 30", 31, {})
    assert constraint_holds("string-length(.) <= 5", "abcde", {})
    assert not constraint_holds("regex(., '^[0-9]{5}$')", "9520", {})
    assert constraint_holds(". <= ${people}", 2, {"people": 3})
    for unsupported in ("__import__('os')", "pulldata('x','y')", ". + 1", "count(${x}) > 1"):
        with pytest.raises(ExpressionError):
            parse_constraint(unsupported)


def test_skip_logic_hides_and_shows_and_the_server_drops_hidden_answers(ctx, users):
    version = services.current_version(_door_survey(users.senior()))
    questions = version.questions
    assert "why_unsafe" not in visible_names(questions, {"feel_safe": "yes"})
    assert "why_unsafe" in visible_names(questions, {"feel_safe": "no"})
    answers, problems = check_answers(questions, {**GOOD, "why_unsafe": ["sent although hidden"]})
    assert problems == {}
    assert "why_unsafe" not in answers
    answers, problems = check_answers(
        questions, {**GOOD, "feel_safe": ["no"], "why_unsafe": ["Cars race at night"]}
    )
    assert answers["why_unsafe"] == "Cars race at night"
    assert answers["concerns"] == ["speeding", "lighting"]  # in the form's order


def test_required_constraint_and_choice_problems(ctx, users):
    questions = services.current_version(_door_survey(users.senior())).questions
    _answers, problems = check_answers(questions, {"people": ["40"], "concerns": ["aliens"]})
    assert problems == {"people": "constraint", "feel_safe": "required", "concerns": "choice"}
    _answers, problems = check_answers(questions, {**GOOD, "people": ["2.5"]})
    assert problems == {"people": "whole_number"}


# -- Versions ----------------------------------------------------------------------------------


def test_editing_a_survey_without_responses_changes_its_version(ctx, users):
    senior = users.senior()
    survey = _door_survey(senior)
    definition = services.definition_of(services.current_version(survey))
    definition.questions[1].label["en"] = "How many people live in this home?"
    version = services.revise_survey(survey, definition, senior)
    assert version.number == 1
    assert len(survey.versions) == 1
    assert version.questions[1].label["en"] == "How many people live in this home?"


def test_editing_a_survey_with_responses_makes_a_new_version(ctx, users):
    senior, cso = users.senior(), users.cso()
    survey = _door_survey(senior)
    first = services.current_version(survey)
    canvass, _created = services.start_canvass(survey, "Oak St", cso, uuid.uuid4())
    response, created = _contact(canvass, cso, form=GOOD)
    assert created and response.version_id == first.id
    definition = services.definition_of(first)
    definition.questions[1].label["en"] = "Changed wording"
    second = services.revise_survey(survey, definition, senior)
    assert second.number == 2 and second.id != first.id
    db.session.refresh(first)
    assert first.questions[1].label["en"] == "How many people live here?"  # unchanged
    assert db.session.get(SurveyResponse, response.id).version_id == first.id
    later, _created = _contact(canvass, cso, form=GOOD)
    assert later.version_id == second.id


# -- Contacts ----------------------------------------------------------------------------------


def test_a_completed_contact_keeps_answers_language_and_counts(ctx, users):
    cso = users.cso()
    canvass, _c = services.start_canvass(_door_survey(users.senior()), "Oak", cso, uuid.uuid4())
    response, _created = _contact(canvass, cso, language="vi", form=GOOD)
    assert response.language == "vi" and response.answers["people"] == 3
    assert response.reference.startswith("SR-")
    rows = db.session.scalar(select(func.count(Answer.id)).where(Answer.response_id == response.id))
    assert rows == 4  # people, feel_safe and two concerns
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "survey_response.create")
        )
        == 1
    )


def test_refused_answers_keep_nothing(ctx, users):
    cso = users.cso()
    canvass, _c = services.start_canvass(_door_survey(users.senior()), "Oak", cso, uuid.uuid4())
    with pytest.raises(AnswersRefused) as refused:
        _contact(canvass, cso, form={"people": ["0"]})
    assert refused.value.problems["people"] == "constraint"
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_a_repeated_contact_is_kept_once(ctx, users):
    cso = users.cso()
    canvass, _c = services.start_canvass(_door_survey(users.senior()), "Oak", cso, uuid.uuid4())
    key = uuid.uuid4()
    arguments = dict(outcome="no_answer", location=HERE, language="en", form={}, uploads=[])
    first, created = services.record_contact(canvass, cso, client_uuid=key, **arguments)
    again, created_again = services.record_contact(canvass, cso, client_uuid=key, **arguments)
    assert created and not created_again and again.id == first.id
    with pytest.raises(SubmissionConflict):
        services.record_contact(canvass, cso, client_uuid=key, **{**arguments, "outcome": "vacant"})


def test_progress_and_the_come_back_list(ctx, users):
    cso = users.cso()
    canvass, _c = services.start_canvass(_door_survey(users.senior()), "Oak", cso, uuid.uuid4())
    _contact(canvass, cso, "come_back", address="1 Oak St")
    _contact(canvass, cso, "come_back", address="3 Oak St")
    _contact(canvass, cso, "no_answer", address="5 Oak St")
    _contact(canvass, cso, form=GOOD, address="1 oak st")  # came back: done
    progress = services.canvass_progress(canvass)
    assert progress["come_back"] == 2 and progress["completed"] == 1
    assert [c.address for c in services.come_back_list(canvass)] == ["3 Oak St"]
    assert services.close_canvass(canvass, cso)
    with pytest.raises(SurveyRuleError):
        _contact(canvass, cso, "vacant")


# -- XLSForm -----------------------------------------------------------------------------------


def test_import_reads_an_odk_style_multilingual_form(ctx):
    imported = import_xlsform(door_xlsform())
    definition = imported.definition
    assert definition.languages == ["en", "es", "vi"]
    assert definition.title == {"en": "Neighborhood safety survey"}
    names = [q.name for q in definition.questions]
    assert names == [
        "household",
        "people",
        "feel_safe",
        "why_unsafe",
        "concerns",
        "moved_in",
        "thanks",
    ]
    by_name = {q.name: q for q in definition.questions}
    assert by_name["people"].parent == "household" and by_name["concerns"].parent is None
    assert by_name["people"].constraint == ". >= 1 and . <= 30"
    assert by_name["people"].constraint_message["es"] == "Entre 1 y 30"
    assert by_name["feel_safe"].kind == "yes_no" and by_name["feel_safe"].required
    assert by_name["why_unsafe"].relevant_question == "feel_safe"
    assert by_name["concerns"].kind == "select_multiple"
    assert [c.name for c in by_name["concerns"].choices] == ["speeding", "lighting", "dumping"]
    notices = " ".join(str(notice) for notice in imported.notices)
    assert "start" in notices and "appearance" in notices  # reported, not dropped silently


def test_export_then_import_gives_the_same_survey(ctx, users):
    survey = _door_survey(users.senior())
    stored = services.definition_of(services.current_version(survey))
    again = import_xlsform(export_xlsform(stored)).definition
    assert again == stored
    assert import_xlsform(export_xlsform(again)).definition == stored


def _problems(survey_rows, choices=DOOR_CHOICES, settings=DOOR_SETTINGS) -> list[str]:
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(xlsform_bytes(survey_rows, choices, settings))
    return [str(problem) for problem in refused.value.problems]


def test_a_broken_form_names_each_problems_row_and_nothing_is_imported(ctx):
    header = ["type", "name", f"label::{EN}", f"label::{ES}"]
    problems = _problems(
        [
            header,
            ["text", "name", "Name", "Nombre"],
            ["selfie", "picture", "Picture", "Foto"],
            ["select_one colours", "colour", "Colour", "Color"],
            ["integer", "name", "Age", "Edad"],
        ]
    )
    assert problems == [
        "Sheet survey, row 3, column type: Unknown question type selfie.",
        "Sheet survey, row 4, column type: The choice list colours is not on the choices sheet.",
        "Sheet survey, row 5, column name: The name name is already used on row 2.",
    ]


def test_rows_the_app_cannot_represent_are_refused_by_name(ctx):
    header = ["type", "name", f"label::{EN}", "relevant", "calculation", "constraint"]
    problems = _problems(
        [
            header,
            ["integer", "age", "Age"],
            ["begin_repeat", "kids", "Children"],
            ["end_repeat", "kids"],
            ["calculate", "double", None, None, "${age} * 2"],
            ["select_one_from_file streets.csv", "street", "Street"],
            ["text", "why", "Why", "${age} > 18"],
            ["text", "code", "Code", None, None, "pulldata('a', 'b')"],
        ]
    )
    joined = "\n".join(problems)
    assert "row 3, column type: The app cannot represent begin_repeat" in joined
    assert "row 5, column calculation: The app cannot represent this column" in joined
    assert "row 6, column type: The app cannot represent select_one_from_file" in joined
    assert "row 7, column relevant" in joined
    assert "row 8, column constraint" in joined


def test_a_file_that_is_not_a_spreadsheet_is_refused(ctx):
    with pytest.raises(XLSFormError):
        import_xlsform(b"name,label\nx,y\n")


def test_the_door_form_itself_is_accepted_as_written(ctx):
    assert import_xlsform(xlsform_bytes(DOOR_SURVEY, DOOR_CHOICES, DOOR_SETTINGS)).definition
