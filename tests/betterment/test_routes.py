"""The committee screens: a Senior CSO creates a committee with a goal and two actions and
sees its progress; bad input is a 422 with the form kept; overdue actions reach Today; a CSO
reads the progress page but does not change the plan."""

from datetime import timedelta

from sqlalchemy import select

from cso_field.betterment.models import Committee, CommitteeAction
from cso_field.extensions import db
from cso_field.timeutil import department_today


def _new_committee(client):
    response = client.post(
        "/betterment/new",
        data={
            "name": "Southside",
            "area": "8th to 10th St",
            "district": "",
            "languages": ["es", "en"],
        },
    )
    assert response.status_code == 303
    return db.session.scalars(select(Committee)).one()


def test_a_senior_cso_creates_a_committee_with_a_goal_and_two_actions(app, users, login):
    client = login(users.senior(), test_client=app.test_client())
    assert client.post("/betterment/new", data={"name": ""}).status_code == 422
    committee = _new_committee(client)
    assert committee.languages == "en,es"
    page = f"/betterment/{committee.id}"
    refused = client.post(f"{page}/goals", data={"problem": "lighting", "goal": ""})
    assert refused.status_code == 422 and "Write the goal." in refused.text
    client.post(f"{page}/goals", data={"problem": "lighting", "goal": "Light every block"})
    goal_id = client.get(page).text.split('<option value="')[-1].split('"')[0]
    yesterday = (department_today() - timedelta(days=1)).isoformat()
    action = {
        "goal": goal_id,
        "what": "Ask for poles",
        "owner": "Public Works",
        "due_on": yesterday,
    }
    bad = client.post(f"{page}/actions", data={**action, "due_on": "soon"})
    assert bad.status_code == 422 and "Ask for poles" in bad.text
    assert client.post(f"{page}/actions", data=action).status_code == 303
    later = {**action, "what": "Porch lights", "due_on": department_today().isoformat()}
    assert client.post(f"{page}/actions", data=later).status_code == 303

    shown = client.get(page).text
    assert "0 of 2 actions done (0%)" in shown and "overdue" in shown
    assert "Betterment committees" in client.get("/today").text
    assert "Ask for poles" in client.get("/betterment/overdue").text

    late = db.session.scalars(
        select(CommitteeAction).where(CommitteeAction.what == "Ask for poles")
    ).one()
    assert (
        client.post(f"/betterment/actions/{late.id}/status", data={"status": "x"}).status_code
        == 422
    )
    assert (
        client.post(f"/betterment/actions/{late.id}/status", data={"status": "done"}).status_code
        == 303
    )
    assert "1 of 2 actions done (50%)" in client.get(page).text
    assert "No action is overdue." in client.get("/betterment/overdue").text


def test_a_cso_reads_the_progress_page_but_cannot_change_the_plan(app, users, login):
    senior = login(users.senior(), test_client=app.test_client())
    committee = _new_committee(senior)
    cso = login(users.cso(), test_client=app.test_client())
    page = cso.get(f"/betterment/{committee.id}")
    assert page.status_code == 200 and "Southside" in page.text and "Add a goal" not in page.text
    goal = {"problem": "gangs", "goal": "x"}
    assert cso.post(f"/betterment/{committee.id}/goals", data=goal).status_code == 403
    assert cso.get("/betterment/9999").status_code == 404


def test_a_meeting_is_recorded_with_its_agenda_attendance_and_minutes(app, users, login):
    client = login(users.senior(), test_client=app.test_client())
    committee = _new_committee(client)
    url = f"/betterment/{committee.id}/meetings"
    tomorrow = (department_today() + timedelta(days=1)).isoformat()
    meeting = {"held_on": tomorrow, "agenda": "Lighting", "attendance": "14", "minutes": "Poles"}
    refused = client.post(url, data=meeting)
    assert refused.status_code == 422 and "not a later day" in refused.text
    assert 'value="14"' in refused.text
    today = department_today().isoformat()
    assert client.post(url, data={**meeting, "held_on": today}).status_code == 303
    page = client.get(f"/betterment/{committee.id}").text
    assert "14 people present" in page and "Poles" in page
