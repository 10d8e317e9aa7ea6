"""Traffic incidents (their activity log), blight cases and Neighborhood Watch meetings go
through the same review as field notes: each enters the queue at its own step, is returned
with a comment its author reads, corrected and resubmitted, then approved by a Senior CSO
who did not write it; a CSO never opens the queue."""

import uuid
from datetime import timedelta

import pytest

from cso_field.citations.services import warn
from cso_field.extensions import db
from cso_field.neighborhood_watch.services import record_meeting
from cso_field.records import services as records
from cso_field.records.registry import get_record, record_url
from cso_field.timeutil import department_today
from tests.factories import (
    blight_case,
    codebook_entry,
    make_incident,
    page,
    train,
    watch_group,
)


def _closed_incident(author, client):
    incident = make_incident(author)
    assert incident.status == "draft" and incident not in records.review_queue()[0]
    assert client.post(f"/traffic/{incident.id}/close", data={"close_anyway": "y"}).status_code
    return incident


def _warned_case(author, client):
    train(author)
    case = blight_case(author, [codebook_entry("8.24.040")])
    assert case.status == "draft"  # an observation alone is not reviewed
    warn(case, author)
    return case


def _meeting(author, client):
    group = watch_group(author)
    fields = {
        "held_on": department_today() - timedelta(days=1),
        "place": "Library community room",
        "topics": "Package thefts",
        "attendance": 12,
        "materials": None,
        "follow_ups": None,
    }
    return record_meeting(group, author, fields, uuid.uuid4())[0]


def _correct_incident(client, incident):
    client.post(f"/traffic/{incident.id}/entries", data={"text": "15:10 all lanes reopened"})
    assert "15:10 all lanes reopened" in page(client.get(f"/traffic/{incident.id}"))


def _correct_meeting(client, meeting):
    response = client.post(
        f"/watch/meetings/{meeting.id}/edit",
        data={
            "client_uuid": str(meeting.client_uuid),
            "held_on": meeting.held_on.isoformat(),
            "place": "Library community room",
            "topics": "Package thefts; porch lights",
            "attendance": "14",
        },
    )
    assert response.status_code == 303
    assert "porch lights" in page(client.get(f"/watch/meetings/{meeting.id}"))


KINDS = {
    "traffic_incident": (_closed_incident, _correct_incident),
    "blight_case": (_warned_case, lambda client, case: None),  # corrected by its own screens
    "watch_meeting": (_meeting, _correct_meeting),
}


@pytest.mark.parametrize("record_type", KINDS)
def test_submit_return_resubmit_approve(app, users, login, record_type):
    make, correct = KINDS[record_type]
    author_user, reviewer_user = users.senior(), users.senior()
    author = login(author_user, test_client=app.test_client())
    reviewer = login(reviewer_user, test_client=app.test_client())
    cso = login(users.cso(), test_client=app.test_client())
    with app.test_request_context():
        record = make(author_user, author)
        record_id, reference = record.id, record.reference
    actions = f"/records/{record_type}/{record_id}"

    def status():
        db.session.expire_all()
        return get_record(record_type, record_id).status

    assert status() == "submitted"
    assert cso.get("/records/review").status_code == 403
    assert reference in page(reviewer.get(f"/records/review?type={record_type}"))
    refused = page(author.post(f"{actions}/approve", follow_redirects=True))
    assert "Only a Senior CSO who did not write the record can review it." in refused
    assert status() == "submitted"

    reviewer.post(f"{actions}/return", data={"comment": "Add when the road reopened."})
    assert status() == "returned"
    with app.test_request_context():
        url = record_url(get_record(record_type, record_id))
    shown = page(author.get(url))
    assert "Add when the road reopened." in shown and "Resubmit for review" in shown
    correct(author, get_record(record_type, record_id))
    assert author.post(f"{actions}/submit").status_code == 303
    assert status() == "resubmitted"
    assert reviewer.post(f"{actions}/approve").status_code == 303
    assert status() == "approved"
    assert get_record(record_type, record_id).reviewed_by_id == reviewer_user.id


def test_a_case_is_reviewed_again_with_its_citation_and_its_state_is_left_alone(app, users):
    with app.test_request_context():
        officer, senior = users.cso(), users.senior()
        case = _warned_case(officer, None)
        records.approve(case, senior)
        db.session.commit()
        assert (case.state, case.status) == ("warned", "approved")
        records.send_for_review(case, officer)  # as cite() does with the citation
        assert case.status == "submitted" and case.state == "warned"
        with pytest.raises(records.RecordRuleError):
            records.submit(blight_case(officer, case_violations(case)), officer)


def case_violations(case):
    return [item.violation for item in case.violations]
