"""Special checks, what residents are sent: the summary when the checks are over, once,
and every email in every resident language."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.mail import OutboxMessage, render_email
from cso_field.roles import Role
from cso_field.settings import set_setting
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from cso_field.special_checks.notices import queue_summaries
from cso_field.timeutil import department_today, utcnow
from tests.factories import (
    PASSWORD,
    UserFactory,
    outbox,
    resident_text,
    spanish_request,
    submit_request,
)

# -- The summary when the checks are over ------------------------------------------------------


def _visit(check, officer, outcome, hours_ago, **fields):
    visit = CheckVisit(
        client_uuid=uuid.uuid4(),
        submission_hash="0" * 64,
        created_by_id=officer.id,
        check_id=check.id,
        outcome=outcome,
        created_at=utcnow() - timedelta(hours=hours_ago),
        **{"status": "submitted", **fields},
    )
    db.session.add(visit)
    return visit


def _ended(check, days_ago=1):
    check.start_date = department_today() - timedelta(days=days_ago + 5)
    check.end_date = department_today() - timedelta(days=days_ago)


def test_the_summary_is_queued_once_with_the_visits(app, client, users, requested):
    check, _link = requested
    officer = users.cso(display_name="Dana Reyes")
    _ended(check)
    _visit(check, officer, "all_secure", 40)
    _visit(check, officer, "open_door_or_window", 30)
    _visit(check, officer, "suspicious", 20, deleted_at=utcnow())
    _visit(check, officer, "forced_entry", 10, status="draft")
    still_running = submit_request(client, spanish_request())
    assert still_running.status_code == 201
    db.session.commit()

    assert queue_summaries(department_today()) == 1
    db.session.commit()
    assert queue_summaries(department_today()) == 0
    summaries = [m for m in outbox() if m.dedupe_key.startswith("check-summary:")]
    assert [m.dedupe_key for m in summaries] == [f"check-summary:{check.id}"]
    body = summaries[0].body_text
    assert summaries[0].language == "es"
    assert resident_text(app, "es", "All secure") in body
    assert resident_text(app, "es", "A door or window was open") in body
    assert resident_text(app, "es", "Something suspicious was seen") not in body
    assert resident_text(app, "es", "Signs of a break-in") not in body
    assert body.count("\n- ") == 2
    assert "Dana Reyes" not in body
    assert check.summary_queued_at is not None


def test_the_summary_names_officers_only_when_the_department_chooses(app, users, requested):
    check, _link = requested
    _ended(check)
    _visit(check, users.cso(display_name="Dana Reyes"), "all_secure", 30)
    set_setting("check_summary_shows_officer_names", True)
    db.session.commit()
    queue_summaries()
    db.session.commit()
    assert "Dana Reyes" in outbox()[-1].body_text


def test_a_cancelled_check_is_summed_up_at_once_and_the_cli_queues_summaries(
    app, client, requested
):
    check, link = requested
    client.post(link, data={"cancel-confirm": "y", "cancel-submit": "1"})
    runner = app.test_cli_runner()
    today = date.today().isoformat()
    result = runner.invoke(args=["special-checks", "queue-summaries", "--today", today])
    assert result.exit_code == 0, result.output
    assert "Queued 1" in result.output
    db.session.commit()
    summary = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"check-summary:{check.id}")
    )
    assert summary.subject == resident_text(
        app, "es", "Special check %(reference)s: cancelled", reference=check.reference
    )
    again = runner.invoke(args=["checks", "queue-summaries"])  # the name cron lines used before
    assert "Queued 0" in again.output
    assert runner.invoke(args=["checks", "queue-summaries", "--today", "soon"]).exit_code != 0


@pytest.mark.parametrize("code", sorted(RESIDENT_LANGUAGES))
def test_every_email_renders_in_every_resident_language(app, users, code):
    check = SpecialCheck(
        reference="SC-2026-000042",
        requester_name="Pov Vang",
        address="55 Hmong Way, Stockton",
        language=code,
        start_date=date(2026, 11, 24),
        end_date=date(2026, 11, 30),
    )
    visits = [{"at": utcnow(), "outcome": "All secure", "officer": None}]
    with app.test_request_context():
        confirmation = render_email(
            "special_checks/emails/confirmation.txt",
            code,
            check=check,
            manage_url="https://x/check-request/manage/t",
        )
        changed = render_email("special_checks/emails/end_date_changed.txt", code, check=check)
        summary = render_email(
            "special_checks/emails/summary.txt", code, check=check, visits=visits
        )
    for subject, body in (confirmation, changed, summary):
        assert "SC-2026-000042" in subject and "\n" not in subject
        assert body.strip()
    if code == "tl":
        assert "Nobyembre" in confirmation[1]
    if code == "hmn":
        assert "11/24/2026" in confirmation[1] and "November" not in confirmation[1]


def test_only_online_requests_count_for_the_rate_limit(make_app):
    app = make_app(CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=1)
    with app.app_context():
        cso = UserFactory(app).create(Role.CSO)
        staff = app.test_client()
        staff.post("/login", data={"username": cso.username, "password": PASSWORD})
        data = spanish_request(source="counter", kind="vacation_house", email="")
        assert staff.post("/checks/new", data=data).status_code == 303
        assert submit_request(app.test_client(), spanish_request()).status_code == 201
