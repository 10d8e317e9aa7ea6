"""Assignments on screen: a Senior CSO gives work; the CSO sees it on Today, accepts and
completes it; overdue and not accepted are flagged; a CSO cannot give, reassign, or see
someone else's work; bad input keeps what was typed."""

from datetime import timedelta

from sqlalchemy import select

from cso_field.assignments import services
from cso_field.assignments.models import Assignment
from cso_field.districts.shifts import start_shift
from cso_field.extensions import db
from cso_field.timeutil import department_today, utcnow
from tests.factories import make_check, page, visit


def _form(cso_id, **extra):
    return {
        "kind": "check_visit",
        "description": "Vacation house check, back gate",
        "address": "2120 Pacific Ave",
        "priority": "high",
        "due_on": (department_today() + timedelta(days=1)).isoformat(),
        "due_time": "14:30",
        "assign_to": f"user:{cso_id}",
        "language": "",
        **extra,
    }


def _give(cso, senior, hours=2, **extra):
    return services.assign(
        services.Work(
            extra.get("kind", "deliver_message"),
            "Deliver the letter",
            None,
            "normal",
            utcnow() + timedelta(hours=hours),
            cso.id if cso else None,
            extra.get("district_id"),
        ),
        senior,
    )


def test_senior_assigns_in_department_time_and_it_is_audited(client, users, login, ctx):
    senior, cso = users.senior(), users.cso()
    login(senior)
    assert client.get("/assignments/new").status_code == 200
    response = client.post("/assignments/new", data=_form(cso.id))
    assert response.status_code == 303
    made = db.session.scalar(select(Assignment))
    assert (made.kind, made.priority, made.assignee_id, made.state) == (
        "check_visit",
        "high",
        cso.id,
        "open",
    )
    # 14:30 in Stockton is 21:30 or 22:30 UTC, depending on daylight saving time.
    assert made.due_at.hour in (21, 22) and made.due_at.minute == 30
    shown = page(client.get(f"/assignments/{made.id}"))
    assert "Vacation house check" in shown and "Not accepted" in shown


def test_bad_input_is_refused_with_what_was_typed_kept(client, users, login, ctx):
    senior, cso = users.senior(), users.cso()
    login(senior)
    bad = _form(cso.id, due_time="25:99", assign_to="user:999999", description="Keep me")
    response = client.post("/assignments/new", data=bad)
    assert response.status_code == 422
    shown = page(response)
    assert "Keep me" in shown and "Enter a time as shown" in shown
    assert "Choose one of the options shown." in shown
    response = client.post("/assignments/new", data=_form(cso.id, kind="translation"))
    assert response.status_code == 422
    assert "Choose the language to translate." in page(response)
    assert db.session.scalar(select(Assignment.id)) is None


def test_a_cso_cannot_assign_or_reassign(client, users, login, ctx):
    senior, cso = users.senior(), users.cso()
    made = _give(cso, senior)
    login(cso)
    assert client.get("/assignments/new").status_code == 403
    assert client.post("/assignments/new", data=_form(cso.id)).status_code == 403
    response = client.post(f"/assignments/{made.id}/reassign", data={"assign_to": "user:1"})
    assert response.status_code == 403
    assert db.session.scalar(select(Assignment.assignee_id)) == cso.id


def test_a_cso_sees_only_their_own_work(client, users, login, ctx):
    senior, cso, other = users.senior(), users.cso(), users.cso()
    theirs = _give(other, senior)
    login(cso)
    assert client.get(f"/assignments/{theirs.id}").status_code == 404
    assert client.post(f"/assignments/{theirs.id}/accept").status_code == 404
    assert "Deliver the letter" not in page(client.get("/assignments/"))
    assert db.session.get(Assignment, theirs.id).state == "open"


def test_the_cso_sees_it_on_today_accepts_and_completes_with_their_visit(client, users, login, ctx):
    senior, cso = users.senior(), users.cso()
    late = _give(cso, senior, hours=-1)
    made = _give(cso, senior, hours=3, kind="check_visit")
    login(cso)
    today = page(client.get("/today"))
    assert "Your assignments" in today and "Overdue" in today and "Not accepted" in today
    assert client.post(f"/assignments/{made.id}/accept").status_code == 303
    assert client.post(f"/assignments/{made.id}/accept").status_code == 409  # already
    mine = visit(make_check(), cso)
    shown = page(client.get(f"/assignments/{made.id}"))
    assert mine.reference in shown  # offered as the result
    response = client.post(f"/assignments/{made.id}/complete", data={"record": "", "outcome": ""})
    assert response.status_code == 422
    assert "Choose the record you made, or write the outcome." in page(response)
    response = client.post(
        f"/assignments/{made.id}/complete", data={"record": str(mine.id), "outcome": ""}
    )
    assert response.status_code == 303
    done = db.session.get(Assignment, made.id)
    assert (done.state, done.record_id) == ("done", mine.id)
    assert mine.reference in page(client.get(f"/assignments/{made.id}"))
    assert late.id in [a.id for a in services.for_today(cso)]


def test_a_district_shift_sees_and_takes_the_districts_work(client, users, login, districts, ctx):
    senior, here, elsewhere = users.senior(), users.cso(), users.cso()
    start_shift(here, districts["North"], here)
    start_shift(elsewhere, districts["South"], elsewhere)
    made = _give(None, senior, district_id=districts["North"].id)
    login(elsewhere)
    assert client.get(f"/assignments/{made.id}").status_code == 404
    client.post("/logout")
    login(here)
    assert "Deliver the letter" in page(client.get("/today"))
    assert client.post(f"/assignments/{made.id}/accept").status_code == 303
    assert db.session.get(Assignment, made.id).assignee_id == here.id


def test_senior_reassigns_and_sees_overdue_and_unaccepted(client, users, login, ctx):
    senior, first, second = users.senior(), users.cso(), users.cso()
    made = _give(first, senior, hours=-2)
    login(senior)
    today = page(client.get("/today"))
    assert "Team assignments" in today and "1 overdue" in today and "1 not accepted" in today
    listed = page(client.get("/assignments/?show=overdue"))
    assert "Deliver the letter" in listed and "Overdue" in listed
    response = client.post(f"/assignments/{made.id}/reassign", data={"assign_to": ""})
    assert response.status_code == 422
    response = client.post(
        f"/assignments/{made.id}/reassign", data={"assign_to": f"user:{second.id}"}
    )
    assert response.status_code == 303
    assert db.session.get(Assignment, made.id).assignee_id == second.id
