"""Surveys, the staff screens: importing an XLSForm, a survey's page and download, canvassing
with one-tap outcomes and the questionnaire in the resident's language, results and export,
and who may open what."""

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.surveys import services
from cso_field.surveys.models import Survey, SurveyResponse
from cso_field.surveys.xlsform import import_xlsform
from tests.factories import DOOR_CHOICES, DOOR_SETTINGS, EN, door_xlsform, xlsform_bytes

HERE = {"latitude": "37.9577", "longitude": "-121.2908", "accuracy_m": "8"}


def _upload(client, data: bytes, url="/surveys/import"):
    return client.post(
        url,
        data={"xlsform": (io.BytesIO(data), "door.xlsx")},
        content_type="multipart/form-data",
    )


@pytest.fixture
def survey(app, users):
    with app.test_request_context():
        imported = import_xlsform(door_xlsform()).definition
        return services.save_survey(imported, users.senior(username="author.senior"))


@pytest.fixture
def canvass(app, users, survey):
    cso = users.cso(username="door.cso")
    with app.test_request_context():
        started, _created = services.start_canvass(survey, "Oak St", cso, uuid.uuid4())
    return started


def test_a_senior_cso_imports_a_survey_and_downloads_it_again(client, users, login):
    login(users.senior())
    response = _upload(client, door_xlsform())
    assert response.status_code == 303
    survey = db.session.scalar(select(Survey))
    page = client.get(response.location).get_data(as_text=True)
    assert "Neighborhood safety survey" in page and "How many people live here?" in page
    assert "¿Cuántas personas" in client.get(f"{response.location}?lang=es").get_data(as_text=True)
    download = client.get(f"/surveys/{survey.id}/xlsform")
    assert download.status_code == 200
    assert import_xlsform(download.data).definition == services.definition_of(
        services.current_version(survey)
    )


def test_a_broken_xlsform_shows_each_row_and_imports_nothing(client, users, login):
    login(users.senior())
    broken = xlsform_bytes(
        [
            ["type", "name", f"label::{EN}"],
            ["text", "a", "A"],
            ["selfie", "b", "B"],
            ["select_one nope", "c", "C"],
            ["text", "a", "Again"],
        ],
        DOOR_CHOICES,
        DOOR_SETTINGS,
    )
    response = _upload(client, broken)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 3, column type" in page and "row 4, column type" in page
    assert "row 5, column name" in page
    assert db.session.scalar(select(func.count(Survey.id))) == 0


def test_an_empty_upload_is_a_clear_422(client, users, login):
    login(users.admin())
    response = client.post("/surveys/import", data={})
    assert response.status_code == 422
    assert "Choose an XLSForm file to upload." in response.get_data(as_text=True)


def test_csos_cannot_manage_surveys(client, users, login, survey):
    login(users.cso())
    for url in (
        "/surveys/",
        "/surveys/import",
        f"/surveys/{survey.id}",
        f"/surveys/{survey.id}/xlsform",
        f"/surveys/{survey.id}/results",
        f"/surveys/{survey.id}/export.csv",
    ):
        assert client.get(url).status_code == 403, url
    assert _upload(client, door_xlsform()).status_code == 403


def test_a_cso_starts_a_canvass(client, users, login, survey):
    login(users.cso())
    response = client.post(
        "/canvass/", data={"client_uuid": str(uuid.uuid4()), "survey": survey.id, "area": "Elm"}
    )
    assert response.status_code == 303
    assert "Elm" in client.get(response.location).get_data(as_text=True)
    refused = client.post("/canvass/", data={"client_uuid": str(uuid.uuid4()), "area": ""})
    assert refused.status_code == 422


def _contact(client, canvass, outcome, **extra):
    return client.post(
        f"/canvass/{canvass.id}/contacts",
        data={
            "client_uuid": str(uuid.uuid4()),
            "outcome": outcome,
            "address": "7 Oak St",
            **HERE,
            **extra,
        },
    )


def test_one_tap_outcomes_progress_and_come_back(client, users, login, canvass):
    login(_user("door.cso"))
    assert _contact(client, canvass, "no_answer").status_code == 303
    assert _contact(client, canvass, "come_back", address="9 Oak St").status_code == 303
    page = client.get(f"/canvass/{canvass.id}").get_data(as_text=True)
    assert "9 Oak St" in page and "2 doors visited" in page
    today = client.get("/today").get_data(as_text=True)
    assert "Canvass: Oak St" in today and "9 Oak St" in today


def _user(username):
    from cso_field.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))


def test_completed_opens_the_questionnaire_in_the_residents_language(client, login, canvass):
    login(_user("door.cso"))
    opened = _contact(client, canvass, "completed")
    assert opened.status_code == 200
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0
    chosen = _contact(client, canvass, "completed", answers="1", switch_language="vi")
    page = chosen.get_data(as_text=True)
    assert "Có bao nhiêu người sống ở đây?" in page
    assert '<html lang="en"' in page  # the officer's interface stays in English
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_refused_answers_come_back_with_what_was_typed(client, login, canvass):
    login(_user("door.cso"))
    response = _contact(
        client,
        canvass,
        "completed",
        answers="1",
        language="es",
        people="99",
        feel_safe="no",
        why_unsafe="Coches rápidos",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Entre 1 y 30" in page and "Coches rápidos" in page
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_a_completed_response_shows_in_results_and_the_export(app, client, users, login, canvass):
    login(_user("door.cso"))
    sent = _contact(
        client,
        canvass,
        "completed",
        answers="1",
        language="vi",
        people="4",
        feel_safe="no",
        why_unsafe="Xe chạy nhanh",
        concerns=["speeding", "dumping"],
    )
    assert sent.status_code == 303
    response = db.session.scalar(select(SurveyResponse))
    assert response.language == "vi" and response.answers["why_unsafe"] == "Xe chạy nhanh"
    assert "Xe chạy nhanh" in client.get(f"/canvass/contacts/{response.id}").get_data(as_text=True)
    client = login(users.senior(), test_client=app.test_client())
    survey_id = canvass.survey_id
    results = client.get(f"/surveys/{survey_id}/results").get_data(as_text=True)
    assert 'data-count="1"' in results and "Xe chạy nhanh" in results
    exported = client.get(f"/surveys/{survey_id}/export.csv?lang=es")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert "¿Cuántas personas viven aquí?" in rows[0]
    assert rows[1][rows[0].index("Principales preocupaciones")] == (
        "Exceso de velocidad; Basura tirada"
    )
    xlsx = client.get(f"/surveys/{survey_id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert next(cell.value for cell in sheet[2]) == response.reference
    exports = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "survey.export")
    )
    assert exports == 2
