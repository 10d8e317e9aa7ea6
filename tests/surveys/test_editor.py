"""Building a survey in the app, question by question: the editor's rules (names, skip logic,
choices per language, constraints, order) and its versioning (a survey with responses gets a
new version); the screens with htmx's 422 and who may use them."""

import uuid

import pytest
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.surveys import editor, services
from cso_field.surveys.models import Survey, SurveyVersion
from cso_field.surveys.questionnaire import QuestionDef
from tests.factories import contact, door_survey, page


@pytest.fixture
def in_request(app):
    """Services audit their writes as the signed-in user: call them inside a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def survey(app, users):
    with app.test_request_context():
        return editor.new_survey({"en": "Block survey", "es": "Encuesta"}, users.senior())


def _question(name, kind="text", **fields) -> QuestionDef:
    return QuestionDef(name=name, kind=kind, label={"en": f"{name}?"}, **fields)


def _names(survey) -> list[str]:
    return [q.name for q in services.current_version(survey).questions]


def test_questions_are_added_moved_and_removed_in_the_current_version(
    in_request, app, users, survey
):
    senior = users.senior(username="editor.senior")
    choices, problems = editor.parse_choices({"en": "yes: Yes\nno: No", "vi": "yes: Có\nno: Không"})
    assert problems == {}
    editor.save_question(survey, _question("safe", "select_one", choices=choices), senior)
    editor.save_question(
        survey,
        _question("why", relevant_question="safe", relevant_value="no", required=True),
        senior,
    )
    editor.save_question(survey, _question("notes"), senior)
    assert _names(survey) == ["safe", "why", "notes"]
    version = services.current_version(survey)
    assert version.number == 1 and version.languages == ["en", "es", "vi"]
    assert version.questions[0].choices[1].label == {"en": "No", "vi": "Không"}
    with pytest.raises(editor.EditRefused) as refused:
        editor.move_question(survey, "why", -1, senior)  # above the question it depends on
    assert "order" in refused.value.problems
    editor.move_question(survey, "notes", -1, senior)
    assert _names(survey) == ["safe", "notes", "why"]
    assert editor.move_question(survey, "safe", -1, senior) is None  # already first
    with pytest.raises(editor.EditRefused):
        editor.remove_question(survey, "safe", senior)  # "why" depends on it
    editor.remove_question(survey, "why", senior)
    assert _names(survey) == ["safe", "notes"]
    assert db.session.scalar(select(func.count(SurveyVersion.id))) == 1


def test_renaming_a_question_renames_the_skip_logic_that_names_it(in_request, app, users, survey):
    senior = users.senior(username="editor.senior")
    choices = editor.parse_choices({"en": "yes: Yes\nno: No"})[0]
    editor.save_question(survey, _question("safe", "select_one", choices=choices), senior)
    editor.save_question(
        survey, _question("why", relevant_question="safe", relevant_value="no"), senior
    )
    editor.save_question(
        survey, _question("feel_safe", "select_one", choices=choices), senior, replacing="safe"
    )
    assert services.current_version(survey).questions[1].relevant_question == "feel_safe"


@pytest.mark.parametrize(
    ("question", "field"),
    [
        (_question("2bad"), "name"),
        (_question("why", relevant_question="nowhere", relevant_value="x"), "relevant_question"),
        (_question("pick", "select_one"), "choices_en"),
        (_question("people", "integer", constraint=". >= 1 and foo(.)"), "constraint"),
        (QuestionDef("nolabel", "text", label={"es": "Solo español"}), "label_en"),
    ],
)
def test_a_broken_question_is_refused_by_its_field_and_nothing_changes(
    in_request, app, users, survey, question, field
):
    with pytest.raises(editor.EditRefused) as refused:
        editor.save_question(survey, question, users.senior(username="editor.senior"))
    assert field in refused.value.problems
    assert _names(survey) == []


def test_skip_logic_on_a_choice_question_needs_one_of_its_choices(in_request, app, users, survey):
    senior = users.senior(username="editor.senior")
    choices = editor.parse_choices({"en": "yes: Yes\nno: No"})[0]
    editor.save_question(survey, _question("safe", "select_one", choices=choices), senior)
    with pytest.raises(editor.EditRefused) as refused:
        editor.save_question(
            survey, _question("why", relevant_question="safe", relevant_value="maybe"), senior
        )
    assert "yes, no" in refused.value.problems["relevant_value"]
    editor.save_question(survey, _question("taken", "text"), senior)
    with pytest.raises(editor.EditRefused) as refused:
        editor.save_question(survey, _question("taken", "text"), senior)
    assert "name" in refused.value.problems


def test_choices_in_another_language_must_name_an_english_choice(in_request, app):
    choices, problems = editor.parse_choices({"en": "a: A\nb: B", "es": "c: C", "vi": "bad line"})
    assert [c.name for c in choices] == ["a", "b"]
    assert set(problems) == {"choices_es", "choices_vi"}


def test_editing_a_survey_with_responses_makes_a_new_version(app, users):
    senior, cso = users.senior(username="editor.senior"), users.cso()
    with app.test_request_context():
        survey = door_survey(senior)
        canvass = services.start_canvass(survey, "Elm", cso, uuid.uuid4())[0]
    answered = contact(app, canvass, cso)
    first = services.current_version(survey)
    with app.test_request_context():
        editor.save_question(survey, _question("extra"), senior)
    second = services.current_version(survey)
    assert second.number == first.number + 1
    assert "extra" in [q.name for q in second.questions]
    assert "extra" not in [q.name for q in first.questions]
    assert db.session.get(type(answered), answered.id).version_id == first.id


# -- The screens -------------------------------------------------------------------------------


def test_a_senior_cso_builds_a_survey_on_the_screens(client, users, login):
    login(users.senior())
    assert client.post("/surveys/new", data={"title_en": ""}).status_code == 422
    made = client.post("/surveys/new", data={"title_en": "Park survey", "title_vi": "Khảo sát"})
    assert made.status_code == 303
    editor_url = made.location
    new = editor_url.replace("/questions", "/questions/new")
    question = {
        "kind": "select_one",
        "name": "safe",
        "label_en": "Do you feel safe?",
        "label_es": "¿Se siente seguro?",
        "choices_en": "yes: Yes\nno: No",
        "choices_es": "yes: Sí\nno: No",
        "required": "y",
    }
    assert client.post(new, data=question).status_code == 303
    follow = {
        "kind": "text",
        "name": "why",
        "label_en": "Why not?",
        "relevant_question": "safe",
        "relevant_negated": "",
        "relevant_value": "no",
    }
    assert client.post(new, data=follow).status_code == 303
    listed = page(client.get(editor_url))
    assert "Do you feel safe?" in listed and "only if safe = no" in listed
    edit = page(client.get(editor_url.replace("/questions", "/questions/safe/edit")))
    assert "yes: Sí" in edit and "¿Se siente seguro?" in edit


def test_a_refused_question_comes_back_as_a_422_fragment_with_what_was_typed(
    client, users, login, survey
):
    login(users.senior())
    response = client.post(
        f"/surveys/{survey.id}/questions/new",
        data={"kind": "select_one", "name": "pick", "label_en": "Pick one", "choices_es": "x: X"},
        headers={"HX-Request": "true"},
    )
    text = page(response)
    assert response.status_code == 422 and response.headers["HX-Reswap"] == "outerHTML"
    assert text.lstrip().startswith('<section class="card" id="question-form">')
    assert "Pick one" in text and "Give at least one choice." in text
    assert "x is not one of the English choices" in text
    assert _names(survey) == []


def test_moving_and_removing_on_the_screens(client, users, login, survey):
    senior = users.senior(username="editor.senior")
    editor.save_question(survey, _question("first"), senior)
    editor.save_question(
        survey, _question("second", relevant_question="first", relevant_value="x"), senior
    )
    login(users.senior())
    base = f"/surveys/{survey.id}/questions"
    refused = client.post(f"{base}/second/move", data={"direction": "up"})
    assert refused.status_code == 422 and "cannot move there" in page(refused)
    assert client.post(f"{base}/first/remove").status_code == 422
    assert client.post(f"{base}/second/remove").status_code == 303
    assert _names(survey) == ["first"]
    assert client.post(f"{base}/nothing/remove").status_code == 404


def test_csos_cannot_build_surveys(client, users, login, survey):
    editor.save_question(survey, _question("first"), users.senior(username="editor.senior"))
    login(users.cso())
    base = f"/surveys/{survey.id}/questions"
    for url in ("/surveys/new", base, f"{base}/new", f"{base}/first/edit"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{base}/first/remove").status_code == 403
    assert client.post(f"{base}/first/move", data={"direction": "down"}).status_code == 403
    assert _names(survey) == ["first"]


def test_a_draft_is_offered_for_canvasses_only_once_published(client, users, login, app):
    senior = users.senior(username="publishing.senior")
    login(senior)
    made = client.post("/surveys/new", data={"title_en": "Porch lights"})
    survey = db.session.scalar(select(Survey).where(Survey.name == "Porch lights"))
    base = made.location.replace("/questions", "")
    assert survey.published_at is None and "Draft" in page(client.get("/surveys/"))
    empty = client.post(f"{base}/publish")
    assert empty.status_code == 422 and "Add a question first." in page(empty)
    question = {"kind": "yes_no", "name": "lit", "label_en": "Is your porch light on at night?"}
    assert client.post(f"{base}/questions/new", data=question).status_code == 303
    cso_client = login(users.cso(), test_client=app.test_client())
    assert "Porch lights" not in page(cso_client.get("/canvass/"))
    area = {"client_uuid": str(uuid.uuid4()), "survey": str(survey.id), "area": "Elm"}
    assert cso_client.post("/canvass/", data=area).status_code == 422
    assert cso_client.post(f"{base}/publish").status_code == 403
    assert client.post(f"{base}/publish").status_code == 303
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).published_at is not None
    assert "Porch lights" in page(cso_client.get("/canvass/"))
    assert cso_client.post("/canvass/", data=area).status_code == 303
    published = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "survey.publish")
    ).all()
    assert len(published) == 1
    assert client.post(f"{base}/publish").status_code == 303  # already published: no change
    assert (
        len(
            db.session.scalars(
                select(AuditEvent.id).where(AuditEvent.action == "survey.publish")
            ).all()
        )
        == 1
    )
