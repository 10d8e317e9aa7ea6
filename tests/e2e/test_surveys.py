"""Issue 20's "Done when" on a phone: a Senior CSO imports a multilingual XLSForm; a CSO starts
a canvass, records one No answer and one Completed household answered in Vietnamese, with a
skip-logic question hidden and then shown; the answer is in the results chart and the CSV."""

import csv
import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.surveys.models import SurveyResponse
from tests.e2e.conftest import csp_violations, log_in
from tests.factories import PASSWORD, UserFactory, door_xlsform

pytestmark = pytest.mark.e2e


def test_import_canvass_answer_in_vietnamese_and_see_the_results(phone, live_server, tmp_path):
    base_url, app = live_server
    factory = UserFactory(app)
    senior, cso = factory.senior(), factory.cso()
    page = phone
    form_file = tmp_path / "door.xlsx"
    form_file.write_bytes(door_xlsform())

    log_in(page, base_url, senior.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Menu").tap()
    page.get_by_role("link", name="Surveys").tap()
    page.get_by_role("link", name="Import an XLSForm").tap()
    page.get_by_label("XLSForm spreadsheet (.xlsx)").set_input_files(str(form_file))
    page.get_by_role("button", name="Import survey").tap()
    expect(page.get_by_role("heading", name="Neighborhood safety survey")).to_be_visible()
    survey_url = page.url
    page.context.clear_cookies()

    log_in(page, base_url, cso.username, PASSWORD)
    page.goto(f"{base_url}/canvass/")
    page.get_by_label("Area").fill("Oak Street, 100 block")
    page.get_by_role("button", name="Start canvass").tap()
    page.get_by_label("Address").fill("101 Oak St")
    page.get_by_role("button", name="No answer").tap()
    expect(page.get_by_text("1 door visited")).to_be_visible()

    page.get_by_label("Address").fill("103 Oak St")
    page.get_by_role("button", name="Completed").tap()
    page.get_by_role("button", name="Tiếng Việt").tap()
    expect(page.get_by_text("Có bao nhiêu người sống ở đây?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the officer's language
    why = page.get_by_text("Điều gì khiến quý vị cảm thấy không an toàn?")
    expect(why).to_be_hidden()
    page.get_by_role("spinbutton").fill("4")
    page.get_by_role("radio", name="Không", exact=True).check()
    expect(why).to_be_visible()
    page.locator("input[name=why_unsafe]").fill("Xe chạy nhanh ban đêm")
    page.get_by_role("checkbox", name="Đèn đường").check()
    page.get_by_role("button", name="Gửi câu trả lời").tap()
    expect(page.get_by_text("2 doors visited")).to_be_visible()
    assert csp_violations(page) == []

    response = db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.outcome == "completed")
    )
    assert response.language == "vi" and response.answers["feel_safe"] == "no"
    page.context.clear_cookies()

    log_in(page, base_url, senior.username, PASSWORD)
    page.goto(survey_url)
    page.get_by_role("link", name="Results").tap()
    expect(page.get_by_text("1 completed response")).to_be_visible()
    chart = page.get_by_role("img", name="Top concerns")
    expect(chart.locator("[data-count='1']")).to_have_count(1)
    expect(page.get_by_text("Xe chạy nhanh ban đêm")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").tap()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == response.reference
    assert "Xe chạy nhanh ban đêm" in rows[1]
