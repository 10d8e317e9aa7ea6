"""Traffic records among the shared ones: found by Search, listed in My records, and deleted
(soft, with a reason, audited) by a Senior CSO or an admin when made by mistake."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.records.models import RecordVersion
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts import enforcement, services
from cso_field.traffic_posts.models import EnforcementSession
from tests.factories import PASSWORD, make_incident, make_post, page


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _problem(author, title="Speeding on Pacific Ave"):
    made, _created = enforcement.designate(
        client_uuid=uuid.uuid4(),
        content={
            "title": title,
            "address": "Pacific Ave & March Ln",
            "until": department_today() + timedelta(days=10),
        },
        author=author,
    )
    return made


def _session(problem, author, badge="4417", contacts=5):
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    content = {
        "officer_name": "Officer Chan",
        "badge_number": badge,
        "started_at": start,
        "ended_at": start + timedelta(hours=1),
        "contacts": contacts,
        "warnings": 1,
        "referrals": 0,
        "notes": None,
    }
    made, _created = enforcement.record_session(
        problem, client_uuid=uuid.uuid4(), content=content, author=author
    )
    return made


@pytest.fixture
def records_made(request_context, senior, cso):
    incident = make_incident(cso, kind="collision", name="Collision on Hammer Lane")
    problem = _problem(senior)
    session = _session(problem, cso, badge="88231")
    return incident, problem, session


def test_search_finds_incidents_problems_and_sessions(app, records_made, cso):
    incident, problem, session = records_made
    client = signed_in(app, cso)
    found = page(client.get("/search/?q=hammer lane"))
    assert incident.reference in found and f"/traffic/{incident.id}" in found
    found = page(client.get("/search/?q=pacific"))
    assert problem.reference in found and f"/traffic/problems/{problem.id}" in found
    found = page(client.get("/search/?q=88231"))
    assert session.reference in found
    assert f"/traffic/problems/{problem.id}#{session.reference}" in found
    assert "Speeding on Pacific Ave" in found  # the session's line names its problem


def test_my_records_lists_the_incident_a_cso_opened_and_the_sessions_they_recorded(
    app, records_made, cso, senior
):
    incident, problem, session = records_made
    mine = page(signed_in(app, cso).get("/records/mine"))
    assert incident.reference in mine and session.reference in mine
    assert problem.reference not in mine  # the Senior CSO designated it
    only_sessions = page(signed_in(app, cso).get("/records/mine?type=enforcement_session"))
    assert session.reference in only_sessions and incident.reference not in only_sessions
    assert problem.reference in page(signed_in(app, senior).get("/records/mine"))


def test_a_cso_cannot_delete_even_the_incident_they_opened(app, records_made, cso):
    incident, _problem_made, session = records_made
    client = signed_in(app, cso)
    assert "Delete this incident" not in page(client.get(f"/traffic/{incident.id}"))
    for record_type, record in (("traffic_incident", incident), ("enforcement_session", session)):
        url = f"/records/{record_type}/{record.id}/delete"
        assert client.post(url, data={"reason": "Mistake"}).status_code == 403
    db.session.refresh(incident)
    assert incident.deleted_at is None


def test_a_senior_cso_deletes_a_mistaken_incident_and_whoever_was_on_post_is_free(
    app, records_made, senior, cso
):
    incident, _problem_made, _session_made = records_made
    with app.test_request_context():
        post = make_post(incident)
        assignment = services.assign(post, incident.periods[0], cso.id)
        services.go_on_post(assignment, cso)
    client = signed_in(app, senior)
    assert "Delete this incident" in page(client.get(f"/traffic/{incident.id}"))
    url = f"/records/traffic_incident/{incident.id}/delete"
    refused = client.post(url, data={"reason": ""})
    assert refused.status_code == 422
    assert client.post(url, data={"reason": "Opened twice"}).status_code == 303
    db.session.refresh(incident)
    db.session.refresh(assignment)
    assert incident.deleted_at is not None and incident.deleted_reason == "Opened twice"
    assert assignment.relieved_at is not None  # not held on post in a deleted incident
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "traffic_incident.delete")
    )
    assert event.object_id == str(incident.id)
    version = db.session.scalar(
        select(RecordVersion).where(RecordVersion.record_type == "traffic_incident")
    )
    assert version.action == "deleted" and version.note == "Opened twice"
    cso_client = signed_in(app, cso)
    assert cso_client.get(f"/traffic/{incident.id}").status_code == 404
    assert incident.reference not in page(cso_client.get("/search/?q=hammer lane"))
    assert incident.reference not in page(cso_client.get("/records/mine"))


def test_deleting_a_session_takes_it_out_of_the_summaries(app, records_made, senior, cso):
    _incident, problem, session = records_made
    with app.test_request_context():
        kept = _session(problem, cso, badge="5150", contacts=2)
    client = signed_in(app, senior)
    assert f"/records/enforcement_session/{session.id}/delete" in page(
        client.get(f"/traffic/problems/{problem.id}")
    )
    response = client.post(
        f"/records/enforcement_session/{session.id}/delete", data={"reason": "Wrong problem"}
    )
    assert response.status_code == 303
    with app.test_request_context():
        assert enforcement.summary(problem).contacts == 2
        weeks = enforcement.over_time(problem, enforcement.Grain.WEEK)
        assert sum(week.totals.contacts for week in weeks) == 2
        assert [row.id for row in enforcement.sessions_of(problem)] == [kept.id]


def test_deleting_a_problem_deletes_its_sessions_with_it(app, records_made, senior, cso):
    _incident, problem, session = records_made
    client = signed_in(app, senior)
    url = f"/records/designated_problem/{problem.id}/delete"
    assert client.post(url, data={"reason": "Designated twice"}).status_code == 303
    db.session.refresh(session)
    assert session.deleted_at is not None and "Designated twice" in session.deleted_reason
    cso_client = signed_in(app, cso)
    assert cso_client.get(f"/traffic/problems/{problem.id}").status_code == 404
    assert session.reference not in page(cso_client.get("/records/mine"))
    assert session.reference not in page(cso_client.get("/search/?q=88231"))
    assert (
        db.session.scalar(
            select(EnforcementSession.id).where(EnforcementSession.deleted_at.is_(None))
        )
        is None
    )
