"""Blight citations through the staff screens: refusals that change nothing, the notice PDF,
the lists, the codebook and training screens."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cso_field.citations import notices
from cso_field.citations.models import BlightCase, Notice, Violation
from cso_field.citations.services import cite, reinspect, warn
from cso_field.extensions import db
from cso_field.timeutil import department_today
from tests.factories import STOCKTON, blight_case, codebook_entry, page, train


@pytest.fixture
def setup(app, users):
    with app.test_request_context():
        users.admin(username="admin.a")
        officer = users.cso(username="trained.cso", display_name="Dana Reyes")
        train(officer)
        violation = codebook_entry("8.24.040")
    return officer, violation


def _case(officer, violation, state="observed"):
    with_case = blight_case(officer, [violation], today=department_today() - timedelta(days=20))
    if state != "observed":
        warn(with_case, officer, today=department_today() - timedelta(days=20))
    if state in ("not_corrected", "cited"):
        reinspect(with_case, officer, corrected=False, notes=None, uploads=[])
    if state == "cited":
        cite(with_case, officer, violation_ids=[violation.id])
    return with_case


def test_an_untrained_cso_may_observe_but_not_warn(app, client, users, login, setup):
    _officer, violation = setup
    untrained = users.cso(username="untrained")
    login(untrained)
    new = {
        "client_uuid": str(uuid.uuid4()),
        "address": "145 N El Dorado St",
        "observation": "Couch and mattress on the lawn",
        "violations": str(violation.id),
        "party_kind": "owner",
        "party_name": "Ana Ruiz",
        "mailing_address": "PO Box 1, Stockton",
        "language": "es",
        **STOCKTON,
    }
    response = client.post("/citations/new", data=new)
    assert response.status_code == 303
    case = db.session.scalars(select(BlightCase)).one()
    shown = page(client.get(f"/citations/{case.id}"))
    assert "Only staff whose citation training is recorded" in shown
    assert "Issue the warning notice" not in shown
    refused = client.post(f"/citations/{case.id}/warning", data={})
    assert refused.status_code == 403
    db.session.refresh(case)
    assert case.state == "observed" and db.session.scalar(select(func.count(Notice.id))) == 0


def test_an_observation_without_a_violation_keeps_what_was_typed(client, login, setup):
    officer, _violation = setup
    login(officer)
    response = client.post(
        "/citations/new",
        data={"client_uuid": str(uuid.uuid4()), "address": "9 Oak St", "party_name": "Zoë Park"},
    )
    assert response.status_code == 422
    assert "Choose at least one violation." in page(response) and "Zoë Park" in page(response)
    assert db.session.scalar(select(func.count(BlightCase.id))) == 0


def test_a_deadline_before_the_observation_is_a_clear_422(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        case = _case(officer, violation)
    login(officer)
    before = (case.observed_on - timedelta(days=1)).isoformat()
    response = client.post(f"/citations/{case.id}/warning", data={"correction_due": before})
    assert response.status_code == 422
    assert "The deadline cannot be before the observation date." in page(response)
    db.session.refresh(case)
    assert case.state == "observed" and case.correction_due is None


def test_a_citation_with_no_violation_is_a_clear_422(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        case = _case(officer, violation, "not_corrected")
    login(officer)
    response = client.post(f"/citations/{case.id}/citation", data={})
    assert response.status_code == 422
    assert "Choose at least one violation to cite." in page(response)
    db.session.refresh(case)
    assert case.state == "not_corrected"


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-20", "A fine cannot be negative."), ("ten", "Enter the fine in dollars, e.g. 150.00.")],
)
def test_a_bad_override_is_refused_and_changes_nothing(
    app, client, users, login, setup, amount, message
):
    officer, violation = setup
    with app.test_request_context():
        case = _case(officer, violation, "cited")
    item = case.violations[0].id
    login(users.senior())
    body = {"item": str(item), "amount": amount, "reason": "Owner disputes"}
    response = client.post(f"/citations/{case.id}/override", data=body)
    assert response.status_code == 422
    assert message in page(response) and "Owner disputes" in page(response)
    db.session.refresh(case.violations[0])
    assert case.violations[0].override_cents is None
    assert db.session.scalar(select(func.count(Notice.id))) == 2


def test_a_cso_cannot_override_a_fine(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        case = _case(officer, violation, "cited")
    login(officer)
    body = {"item": str(case.violations[0].id), "amount": "1", "reason": "x"}
    assert client.post(f"/citations/{case.id}/override", data=body).status_code == 403


def test_the_notice_pdf_is_the_stored_one(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        case = _case(officer, violation, "cited")
        notice = notices.latest_notice(case, "citation")
        stored = notices.stored_pdf(notice)
    login(officer)
    response = client.get(f"/citations/notices/{notice.id}/pdf")
    assert response.mimetype == "application/pdf" and response.data == stored
    printable = page(client.get(f"/citations/notices/{notice.id}"))
    assert notice.snapshot["number"] in printable and 'lang="es"' in printable
    view = page(client.get(f"/citations/{case.id}"))
    assert "$100.00" in view and "Pay by" in view and "days left" in view


def test_the_due_and_overdue_lists_export_what_they_show(app, client, users, login, setup):
    officer, violation = setup
    today = department_today()
    with app.test_request_context():
        cases = {}
        for name, due_on in (("overdue", -1), ("due", 0), ("later", 5)):
            cases[name] = _case(officer, violation)
            deadline = today + timedelta(days=due_on)
            warn(cases[name], officer, correction_due=deadline, today=today - timedelta(days=10))
    login(officer)

    def exported(state):
        response = client.get(f"/exports/blight_cases?profile=agency&format=csv&state={state}")
        return page(client.get(response.headers["Location"]))

    reinspections = page(client.get("/citations/reinspections"))
    assert '<option value="due" selected>' in reinspections
    due = exported("due")
    assert cases["due"].reference in due and cases["overdue"].reference in due
    assert cases["later"].reference not in due
    assert '<option value="overdue" selected>' in page(client.get("/citations/overdue"))
    overdue = exported("overdue")
    assert cases["overdue"].reference in overdue
    assert cases["due"].reference not in overdue and cases["later"].reference not in overdue


def test_the_lists_and_the_senior_overview(app, client, users, login, setup):
    officer, violation = setup
    with app.test_request_context():
        due = _case(officer, violation)
        warn(due, officer, correction_due=department_today(), today=due.observed_on)
    login(officer)
    mine = page(client.get("/citations/"))
    assert due.reference in mine
    near = page(client.get("/citations/reinspections?lat=37.9585&lon=-121.2905"))
    assert due.reference in near and "m away" in near
    assert f'href="/citations/{due.id}"' in near and "Correct by" in near
    assert due.reference in page(client.get("/citations/reinspections"))
    assert client.get("/citations/overdue").status_code == 200
    assert client.get("/citations/overview").status_code == 403
    senior_client = app.test_client()
    login(users.senior(), test_client=senior_client)
    overview = page(senior_client.get("/citations/overview"))
    assert "8.24.040" in overview
    assert f'href="/citations/overview/violation/{violation.id}"' in overview
    assert 'href="/citations/overview/district/none"' in overview
    assert due.reference in page(senior_client.get(f"/citations/overview/violation/{violation.id}"))
    assert due.reference in page(senior_client.get("/citations/overview/district/none"))
    assert senior_client.get("/citations/overview/district/999").status_code == 404
    assert senior_client.get("/citations/overview/district/x1").status_code == 404
    assert senior_client.get("/citations/overview/violation/999").status_code == 404


def test_a_count_drills_down_to_its_open_cases_a_page_at_a_time(
    app, users, login, setup, monkeypatch
):
    from cso_field.citations import lists
    from cso_field.districts.models import District

    officer, violation = setup
    with app.test_request_context():
        other = codebook_entry("8.24.050")
        district = District(
            name="North",
            geometry="{}",
            min_latitude=0,
            max_latitude=1,
            min_longitude=0,
            max_longitude=1,
        )
        db.session.add(district)
        db.session.commit()
        cases = [_case(officer, violation) for _ in range(3)]
        elsewhere = _case(officer, other)
        closed = _case(officer, violation)
        closed.state = "closed"
        for case in (*cases, closed):
            case.district_id = district.id
        db.session.commit()
    monkeypatch.setattr(lists, "PAGE", 2)
    senior_client = login(users.senior(), test_client=app.test_client())
    first = page(senior_client.get(f"/citations/overview/violation/{violation.id}"))
    more = f"/citations/overview/violation/{violation.id}?page=2"
    assert [c.reference in first for c in cases] == [False, True, True]  # newest first
    assert more in first and elsewhere.reference not in first
    rest = page(senior_client.get(more, headers={"HX-Request": "true"}))
    assert cases[0].reference in rest and "Load more" not in rest
    assert closed.reference not in first + rest
    by_district = page(senior_client.get(f"/citations/overview/district/{district.id}"))
    assert "North" in by_district and cases[2].reference in by_district
    assert f"/citations/overview/district/{district.id}?page=2" in by_district
    outside = page(senior_client.get("/citations/overview/district/none"))
    assert elsewhere.reference in outside and cases[2].reference not in outside


def test_the_codebook_refuses_a_custom_schedule_without_amounts(client, users, login, setup):
    login(users.admin())
    body = {
        "code_section": "C-1",
        "schedule": "custom",
        "amount_1": "50",
        "lookback_days": "180",
        "correction_days": "7",
        "title_en": "Custom",
        "description_en": "A city's own",
    }
    response = client.post("/citations/codebook/new", data=body)
    assert response.status_code == 422
    assert "A custom schedule needs all three amounts." in page(response)
    body.update(amount_2="75", amount_3="125.50", title_km="ឧទាហរណ៍")
    assert client.post("/citations/codebook/new", data=body).status_code == 303
    saved = db.session.scalar(select(Violation).where(Violation.code_section == "C-1"))
    assert saved.custom_amounts == [5_000, 7_500, 12_550] and saved.titles["km"] == "ឧទាហរណ៍"


def test_training_is_recorded_by_a_senior_cso(client, users, login, setup):
    trainee = users.cso(username="trainee")
    login(users.senior())
    today = department_today()
    body = {
        "user": str(trainee.id),
        "trained_on": today.isoformat(),
        "expires_on": today.isoformat(),
    }
    response = client.post("/citations/training", data=body)
    assert response.status_code == 422
    assert "The expiry must be after the training date." in page(response)
    body["expires_on"] = (today + timedelta(days=365)).isoformat()
    assert client.post("/citations/training", data=body).status_code == 303
    assert "trained" in page(client.get("/citations/training"))


HTMX = {"HX-Request": "true"}


def _fragment(response, form_id: str) -> str:
    body = page(response)
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "this"
    assert body.lstrip().startswith(f'<form id="{form_id}"') and "<html" not in body
    return body


def test_phone_forms_come_back_alone_with_their_errors_for_htmx(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        warned = _case(officer, violation, "warned")
        cited = _case(officer, violation, "cited")
    login(officer)
    observation = client.post(
        "/citations/new",
        data={"client_uuid": str(uuid.uuid4()), "party_name": "Zoë Park", "address": "9 Oak St"},
        headers=HTMX,
    )
    body = _fragment(observation, "case-form")
    assert "Choose at least one violation." in body and "Zoë Park" in body
    reinspection = client.post(
        f"/citations/{warned.id}/reinspection",
        data={"outcome": "maybe", "notes": "Fence still down"},
        headers=HTMX,
    )
    body = _fragment(reinspection, "reinspection-form")
    assert "Choose one of the options shown." in body and "Fence still down" in body
    future = (department_today() + timedelta(days=2)).isoformat()
    step = client.post(
        f"/citations/{cited.id}/steps",
        data={"action": "paid", "on": future, "note": "Check 1041"},
        headers=HTMX,
    )
    body = _fragment(step, "step-form")
    assert "The date cannot be in the future." in body and "Check 1041" in body
    whole = client.post(
        f"/citations/{cited.id}/steps", data={"action": "paid", "on": future, "note": "Check 1041"}
    )
    assert whole.status_code == 422 and "<html" in page(whole) and "Check 1041" in page(whole)
    db.session.refresh(warned)
    db.session.refresh(cited)
    assert (warned.state, cited.state) == ("warned", "cited")
    assert db.session.scalar(select(func.count(BlightCase.id))) == 2


@pytest.mark.parametrize("days", ["9" * 4301, "²", "١٢"])
def test_settings_refuse_numbers_python_cannot_read_as_days(client, users, login, days):
    login(users.admin())
    body = {
        "citation_payment_days": days,
        "citation_hearing_request_days": "15",
        "citation_appeal_days": "20",
    }
    response = client.post("/citations/settings", data=body)
    assert response.status_code == 422 and "Enter a number from 1 to 365." in page(response)
