"""The review queue covers every reviewed record type: check visits and door contacts wait
beside field notes, with counts per type and per CSO; returned records are resubmitted and
come back; nobody approves their own record."""

import uuid

from flask import g

from cso_field.extensions import db
from cso_field.records import services as records
from cso_field.records.registry import RECORD_TYPES
from cso_field.surveys.services import start_canvass
from tests.factories import contact, door_survey, make_check, page, post_note, visit


def _waiting_of_each_type(app, client, login, users):
    """A field note, a check visit and a door contact by one CSO, all waiting for review."""
    officer = users.cso(username="ana")
    login(officer, test_client=client)
    note_id = post_note(client, observation="Broken streetlight")
    kept_visit = visit(make_check(), officer, outcome="suspicious")
    with app.test_request_context():
        canvass = start_canvass(door_survey(officer), "Elm block", officer, uuid.uuid4())[0]
    door = contact(app, canvass, officer, outcome="declined")
    db.session.commit()
    return officer, note_id, kept_visit, door


def test_every_reviewed_type_is_registered_and_waits_in_the_queue(app, client, users, login):
    officer, _note_id, kept_visit, door = _waiting_of_each_type(app, client, login, users)
    names = {registered.name for registered in records.reviewed_types()}
    assert {"field_note", "check_visit", "survey_response"} <= names
    assert names <= set(RECORD_TYPES)
    senior = login(users.senior(), test_client=app.test_client())
    body = page(senior.get("/records/review"))
    assert kept_visit.reference in body and door.reference in body
    assert 'data-type="check_visit">1<' in body and 'data-type="survey_response">1<' in body
    assert f'data-cso="{officer.id}">3<' in body
    only_visits = page(senior.get("/records/review?type=check_visit"))
    rows = only_visits.split('<section id="review-rows"')[1].split("</section>")[0]
    assert kept_visit.reference in rows and door.reference not in rows


def test_counts_are_grouped_queries_not_one_per_record(app, client, users, login):
    _waiting_of_each_type(app, client, login, users)
    counts = records.review_counts()
    assert counts.total == 3 and sum(counts.by_author.values()) == 3
    assert counts.by_type == {"field_note": 1, "check_visit": 1, "survey_response": 1}


def test_a_visit_is_returned_resubmitted_and_approved(app, client, users, login):
    _officer, _note_id, kept_visit, _door = _waiting_of_each_type(app, client, login, users)
    senior = login(users.senior(), test_client=app.test_client())
    response = senior.post(
        f"/records/check_visit/{kept_visit.id}/return", data={"comment": "Which window?"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert kept_visit.status == "returned" and kept_visit.review_comment == "Which window?"
    body = page(client.get(f"/checks/visits/{kept_visit.id}"))
    assert "Which window?" in body and "Resubmit for review" in body
    edit = f"/checks/visits/{kept_visit.id}/edit"
    other = login(users.cso(), test_client=app.test_client())
    assert other.post(edit, data={"notes": "x"}).status_code == 403
    assert client.post(edit, data={"notes": "x" * 2001}).status_code == 422
    assert client.post(edit, data={"notes": "Back window ajar"}).status_code == 303
    db.session.expire_all()
    assert kept_visit.notes == "Back window ajar"
    assert client.post(f"/records/check_visit/{kept_visit.id}/submit").status_code == 303
    db.session.expire_all()
    assert kept_visit.status == "resubmitted"
    queue = page(senior.get("/records/review?type=check_visit"))
    assert kept_visit.reference in queue
    assert senior.post(f"/records/check_visit/{kept_visit.id}/approve").status_code == 303
    db.session.expire_all()
    assert kept_visit.status == "approved" and kept_visit.reviewed_by_id is not None
    assert client.get(edit).status_code == 403  # kept as approved


def test_a_senior_never_approves_a_record_they_wrote(app, client, users, login):
    senior_user = users.senior()
    own = visit(make_check(), senior_user, outcome="suspicious")
    db.session.commit()
    senior = login(senior_user, test_client=app.test_client())
    assert "Approve" not in page(senior.get(f"/checks/visits/{own.id}")).split("<main")[1]
    response = senior.post(f"/records/check_visit/{own.id}/approve", follow_redirects=True)
    assert "Only a Senior CSO who did not write the record can review it." in page(response)
    db.session.expire_all()
    assert own.status == "submitted" and own.reviewed_at is None
    g.pop("users_by_id", None)
    try:
        records.approve(own, senior_user)
    except records.RecordRuleError as error:
        assert error.code == "not_reviewer"
    else:
        raise AssertionError("the author approved their own record")


def test_a_cso_cannot_approve_or_return(app, client, users, login):
    _officer, _note_id, kept_visit, _door = _waiting_of_each_type(app, client, login, users)
    other = login(users.cso(), test_client=app.test_client())
    assert other.post(f"/records/check_visit/{kept_visit.id}/approve").status_code == 403
    assert (
        other.post(
            f"/records/check_visit/{kept_visit.id}/return", data={"comment": "x"}
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert kept_visit.status == "submitted"


def test_the_counts_by_cso_show_the_ten_busiest_and_the_filter_reaches_the_rest(app, users, login):
    officers = [users.cso(display_name=f"Officer {number:02d}") for number in range(12)]
    for waiting, officer in enumerate(officers, start=1):  # officer 11 has the most
        for _ in range(waiting if waiting > 2 else 1):
            visit(make_check(), officer, outcome="all_secure")
    senior = login(users.senior(), test_client=app.test_client())
    body = page(senior.get("/records/review"))
    counts = body.split('id="review-counts-title"')[1]
    assert counts.count("data-cso=") == 10
    assert f'data-cso="{officers[11].id}">12<' in counts
    assert f'data-cso="{officers[0].id}"' not in counts
    assert "2 more CSOs have records waiting" in counts
    assert f'<option value="{officers[0].id}"' in body  # still in the CSO filter
