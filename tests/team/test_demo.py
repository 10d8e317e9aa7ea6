"""The demo department's workspace: a team on shift with languages, assignments open,
overdue and completed (with the check visit it produced), certifications with one expiring
this month, and a training session, on the screens."""

from sqlalchemy import select

from cso_field.assignments.models import Assignment
from cso_field.certifications import services as certifications
from cso_field.districts.shifts import on_shift
from cso_field.extensions import db
from cso_field.team.models import TrainingSession
from cso_field.timeutil import department_today, utcnow
from tests.factories import DEMO_PASSWORD as PASSWORD
from tests.factories import TOTP_SECRET, page, totp_code


def test_the_demo_workspace(demo_app, demo_client):
    client = demo_client
    with demo_app.test_request_context():
        work = db.session.scalars(select(Assignment)).all()
        states = {a.state for a in work}
        assert {"open", "done"} <= states
        assert any(a.state != "done" and a.due_at < utcnow() for a in work)  # overdue
        done = next(a for a in work if a.state == "done")
        assert done.record_type == "check_visit" and done.record_id is not None
        assert any(a.district_id and not a.assignee_id for a in work)
        assert any(a.kind == "translation" and a.language == "km" for a in work)
        team = on_shift()
        assert len(team) >= 4
        today = department_today()
        expiring = certifications.expiring()
        assert any(
            item.certification.expires_on.month == today.month
            and item.certification.expires_on >= today
            for item in expiring
        )
        assert db.session.scalar(select(TrainingSession.topic)).startswith("Demo:")
    client.post("/login", data={"username": "senior.demo", "password": PASSWORD})
    client.post("/login/verify", data={"code": totp_code(TOTP_SECRET)})
    board = page(client.get("/team/"))
    assert "Sokha Chea (demo)" in board and "ភាសាខ្មែរ" in board and "Last record:" in board
    roster = page(client.get("/team/roster?language=km&on_shift=y"))
    assert "Sokha Chea (demo)" in roster
    assert "Overdue" in page(client.get("/assignments/"))
    assert "Fingerprinting" in page(client.get("/team/training"))
