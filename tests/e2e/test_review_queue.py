"""A Senior CSO works through the review queue on a phone, one tap per record."""

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.records import services as records
from cso_field.records.models import Status
from cso_field.timeutil import utcnow
from tests.e2e.conftest import csp_violations, log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _submitted_note(app, author, observation: str, hours_ago: int) -> FieldNote:
    with app.test_request_context():
        note, _created = records.create_record(
            FieldNote,
            client_uuid=uuid.uuid4(),
            content={"observation": observation, "address": "1 Main St"},
            author=author,
            digest=uuid.uuid4().hex * 2,
            status=Status.SUBMITTED,
            attach=lambda note: None,
        )
        note.created_at = utcnow() - timedelta(hours=hours_ago)
        db.session.commit()
    return note


def test_senior_approves_the_oldest_note_and_lands_on_the_next(phone, live_server):
    base_url, app = live_server
    users = UserFactory(app)
    cso = users.cso(display_name="Dana Reyes")
    senior = users.senior(display_name="Sam Ortiz")
    oldest = _submitted_note(app, cso, "Graffiti on the underpass", hours_ago=5)
    newer = _submitted_note(app, cso, "Streetlight out", hours_ago=1)
    oldest_ref, newer_ref, newer_id = oldest.reference, newer.reference, newer.id

    log_in(phone, base_url, senior.username, PASSWORD)
    expect(phone.get_by_text("2 records are waiting for review.")).to_be_visible()
    phone.get_by_role("link", name="Open the review queue").tap()
    phone.wait_for_url(f"{base_url}/records/review")
    phone.get_by_role("link", name=oldest_ref).tap()
    approve = phone.get_by_role("button", name="Approve")
    expect(approve).to_be_in_viewport()
    approve.tap()

    phone.wait_for_url(f"{base_url}/notes/{newer_id}")
    expect(phone.get_by_text(f"{oldest_ref} approved.")).to_be_visible()
    expect(phone.get_by_text(newer_ref).first).to_be_visible()
    db.session.expire_all()
    assert db.session.get(FieldNote, oldest.id).status == "approved"
    assert csp_violations(phone) == []
