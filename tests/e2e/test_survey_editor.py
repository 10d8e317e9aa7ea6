"""The question editor on a phone: a Senior CSO builds a survey in the app (a choice question,
a skip-logic question, Spanish texts) and publishes it; a CSO records a Completed door with it,
the resident answering in Spanish; changing the survey after that makes version 2, and the
door keeps version 1. Then the editor's main actions within a thumb's reach, in English and
Spanish."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.surveys import editor
from cso_field.surveys.models import Survey, SurveyResponse, SurveyVersion
from cso_field.surveys.questionnaire import QuestionDef
from tests.e2e.conftest import csp_violations, log_in, serious_accessibility_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _add_question(page, fields: dict, spanish: dict, relevant=None):
    page.get_by_role("link", name="Add a question").first.tap()
    form = page.locator("#question-form")
    form.get_by_label("Kind of question").select_option(fields.pop("kind"))
    for name, value in fields.items():
        form.locator(f"#{name}").fill(value)
    if relevant:
        form.get_by_label("Show only if question").select_option(relevant[0])
        form.get_by_label("this answer (its choice name)").fill(relevant[1])
    form.locator("summary", has_text="Español").tap()
    for name, value in spanish.items():
        form.locator(f"#{name}").fill(value)
    form.get_by_role("button", name="Save question").tap()
    expect(page.get_by_text("Saved in version 1.")).to_be_visible()


def test_build_publish_canvass_and_change_a_survey(phone, live_server):
    base_url, app = live_server
    factory = UserFactory(app)
    senior, cso = factory.senior(), factory.cso()
    page = phone

    log_in(page, base_url, senior.username, PASSWORD)
    page.goto(f"{base_url}/surveys/")
    page.get_by_role("link", name="New survey").tap()
    page.get_by_label("Title in English").fill("Porch light survey")
    page.locator("summary", has_text="In other languages").tap()
    page.get_by_label("Title in Español").fill("Encuesta de luces de porche")
    page.get_by_role("button", name="Create survey").tap()
    expect(page.get_by_text("Draft: officers cannot use it")).to_be_visible()
    _add_question(
        page,
        {
            "kind": "select_one",
            "name": "lit",
            "label_en": "Is your porch light on at night?",
            "choices_en": "yes: Yes\nno: No",
        },
        {"label_es": "¿Tiene encendida la luz del porche de noche?", "choices_es": "yes: Sí"},
    )
    _add_question(
        page,
        {"kind": "text", "name": "why_dark", "label_en": "Why is it off?"},
        {"label_es": "¿Por qué está apagada?"},
        relevant=("lit", "no"),
    )
    expect(page.get_by_text("only if lit = no")).to_be_visible()
    page.get_by_role("button", name="Publish").tap()
    expect(page.get_by_text("Published: officers can start canvasses with it.")).to_be_visible()
    assert csp_violations(page) == []
    survey = db.session.scalar(select(Survey).where(Survey.name == "Porch light survey"))
    assert survey.published_at is not None
    page.context.clear_cookies()

    log_in(page, base_url, cso.username, PASSWORD)
    page.goto(f"{base_url}/canvass/")
    page.get_by_label("Survey").select_option(label="Porch light survey")
    page.get_by_label("Area").fill("Elm Street, 200 block")
    page.get_by_role("button", name="Start canvass").tap()
    page.get_by_label("Address").fill("201 Elm St")
    page.get_by_role("button", name="Completed").tap()
    page.get_by_role("button", name="Español").tap()
    expect(page.get_by_text("¿Tiene encendida la luz del porche de noche?")).to_be_visible()
    why = page.get_by_text("¿Por qué está apagada?")
    expect(why).to_be_hidden()
    page.get_by_role("radio", name="No", exact=True).check()  # no Spanish label: English
    expect(why).to_be_visible()
    page.locator("input[name=why_dark]").fill("Se fundió el foco")
    page.get_by_role("button", name="Enviar respuestas").tap()
    expect(page.get_by_text("1 door visited")).to_be_visible()
    door = db.session.scalar(select(SurveyResponse))
    assert (door.outcome, door.language, door.answers["lit"]) == ("completed", "es", "no")
    first = door.version_id
    page.context.clear_cookies()

    log_in(page, base_url, senior.username, PASSWORD)
    page.goto(f"{base_url}/surveys/{survey.id}/questions")
    expect(page.get_by_text("your next change makes version 2")).to_be_visible()
    page.get_by_role("link", name="Why is it off?").tap()
    expect(page.get_by_text("saving makes a new version")).to_be_visible()
    page.locator("#label_en").fill("Why is the light off?")
    page.get_by_role("button", name="Save question").tap()
    expect(page.get_by_text("Saved in version 2.")).to_be_visible()
    db.session.expire_all()
    numbers = db.session.scalars(
        select(SurveyVersion.number).where(SurveyVersion.survey_id == survey.id)
    ).all()
    assert sorted(numbers) == [1, 2]
    assert db.session.get(SurveyResponse, door.id).version_id == first


def _above_the_bottom_bar(page, locator) -> None:
    expect(locator).to_be_in_viewport()
    box, bar = locator.bounding_box(), page.locator(".app-nav").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= bar["y"], "under the bottom bar"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_editors_main_actions_are_within_a_thumbs_reach(phone, live_server, language):
    base_url, app = live_server
    senior = UserFactory(app).senior(locale=language)
    with app.test_request_context():
        survey = editor.new_survey({"en": "Block survey with a rather long title"}, senior)
        editor.save_question(survey, QuestionDef("lit", "text", {"en": "Lit?"}), senior)
    names = {"en": ("Publish", "Add a question"), "es": ("Publicar", "Añadir una pregunta")}
    page = phone
    log_in(page, base_url, senior.username, PASSWORD)
    page.goto(f"{base_url}/surveys/{survey.id}/questions")
    _above_the_bottom_bar(page, page.get_by_role("button", name=names[language][0]))
    _above_the_bottom_bar(page, page.get_by_role("link", name=names[language][1]).first)
    assert serious_accessibility_violations(page) == []
