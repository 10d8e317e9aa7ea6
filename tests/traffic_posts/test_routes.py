"""Traffic posts through the browser's requests: opening incidents, managing posts, one tap
On post / Relieved, the live board's poll, the ICS forms and CSV, selective enforcement."""

import gzip
import io
import re
import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from flask_babel import format_datetime
from pypdf import PdfReader
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.timeutil import day_start_utc, department_today, utcnow
from cso_field.traffic_posts import board, services
from cso_field.traffic_posts.models import (
    ActivityEntry,
    EnforcementSession,
    OperationalPeriod,
    PostAssignment,
    TrafficIncident,
    TrafficPost,
)
from tests.factories import PASSWORD, STOCKTON, make_incident, make_post, page


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def local(moment) -> str:
    """A UTC time as the department's datetime-local input sends it."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def assigned(app, parade, post, cso):
    with app.test_request_context():
        return services.assign(post, parade.periods[0], cso.id)


def test_a_collision_opens_from_the_scene_with_only_a_position(app, cso):
    client = signed_in(app, cso)
    assert "Open it" in page(client.get("/traffic/new?kind=collision"))
    body = {"client_uuid": str(uuid.uuid4()), "kind": "collision", "in_charge_id": str(cso.id)}
    response = client.post("/traffic/new", data={**body, **STOCKTON})
    assert response.status_code == 303
    incident = db.session.scalars(select(TrafficIncident)).one()
    assert incident.kind == "collision" and incident.in_charge_id == cso.id
    assert incident.name.startswith("Collision")
    assert client.post("/traffic/new", data={**body, **STOCKTON}).status_code == 303  # repeat
    assert count(TrafficIncident) == 1


def test_an_event_ending_before_it_starts_is_a_422_that_keeps_what_was_typed(app, senior):
    client = signed_in(app, senior)
    start = utcnow() + timedelta(days=2)
    response = client.post(
        "/traffic/new",
        data={
            "client_uuid": str(uuid.uuid4()),
            "kind": "parade",
            "name": "Harvest parade",
            "address": "Main St",
            "starts_at": local(start),
            "expected_end_at": local(start - timedelta(hours=2)),
            "in_charge_id": str(senior.id),
        },
    )
    assert response.status_code == 422
    text = page(response)
    assert "The end must be after the start." in text and 'value="Harvest parade"' in text
    assert count(TrafficIncident) == 0


def test_a_period_ending_before_it_starts_is_refused_on_the_manage_page(app, parade, senior):
    client = signed_in(app, senior)
    start = utcnow() + timedelta(hours=5)
    response = client.post(
        f"/traffic/{parade.id}/periods",
        data={"starts_at": local(start), "ends_at": local(start - timedelta(hours=1))},
    )
    assert response.status_code == 422
    assert "The end must be after the start." in page(response)
    assert count(OperationalPeriod) == 1
    ok = {"starts_at": local(start), "ends_at": local(start + timedelta(hours=4))}
    assert client.post(f"/traffic/{parade.id}/periods", data=ok).status_code == 303
    assert count(OperationalPeriod) == 2


def test_the_person_in_charge_adds_posts_assigns_and_counts_equipment(app, parade, senior, cso):
    client = signed_in(app, senior)
    response = client.post(
        f"/traffic/{parade.id}/posts",
        data={"name": "Weber & Center", "role": "road_closure", **STOCKTON},
    )
    assert response.status_code == 303
    post = db.session.scalars(select(TrafficPost)).one()
    assert post.latitude == float(STOCKTON["latitude"])
    body = {"post_id": str(post.id), "user_id": str(cso.id), "period_id": str(parade.periods[0].id)}
    assert client.post(f"/traffic/{parade.id}/assignments", data=body).status_code == 303
    again = client.post(f"/traffic/{parade.id}/assignments", data=body)
    assert again.status_code == 422 and "already assigned" in page(again)
    counts = {"post_id": str(post.id), "item": "cones", "deployed": "8", "recovered": "9"}
    refused = client.post(f"/traffic/{parade.id}/equipment", data=counts)
    assert refused.status_code == 422
    assert "More cannot be recovered than were deployed." in page(refused)
    counts["recovered"] = "5"
    assert client.post(f"/traffic/{parade.id}/equipment", data=counts).status_code == 303
    assert "5 of 8 recovered" in page(client.get(f"/traffic/{parade.id}/manage"))


def test_the_manage_page_lists_assignments_a_page_at_a_time(app, monkeypatch, parade, senior, cso):
    monkeypatch.setattr(board, "ASSIGNMENTS_SHOWN", 2)
    with app.test_request_context():
        for name in ("Post A", "Post B", "Post C"):
            services.assign(make_post(parade, name=name), parade.periods[0], cso.id)
    client = signed_in(app, senior)
    first = page(client.get(f"/traffic/{parade.id}/manage"))
    assert "Dana Reyes · Post A" in first and "Dana Reyes · Post B" in first
    assert "Dana Reyes · Post C" not in first
    more = f"/traffic/{parade.id}/manage?page=2"
    assert f'hx-get="{more}"' in first
    rest = page(client.get(more, headers={"HX-Request": "true"}))
    assert "Dana Reyes · Post C" in rest and "Dana Reyes · Post A" not in rest
    assert "Assign a CSO" not in rest and "Load more" not in rest


def test_a_cso_not_in_charge_cannot_manage(app, parade, cso):
    client = signed_in(app, cso)
    assert client.get(f"/traffic/{parade.id}/manage").status_code == 403
    refused = client.post(f"/traffic/{parade.id}/posts", data={"name": "Mine", **STOCKTON})
    assert refused.status_code == 403
    assert count(TrafficPost) == 0


def test_today_shows_the_post_and_one_tap_puts_the_cso_on_post_and_relieves(app, assigned, cso):
    client = signed_in(app, cso)
    today = page(client.get("/today"))
    assert "Your post" in today and assigned.post.name in today and ">On post<" in today
    response = client.post(
        f"/traffic/assignments/{assigned.id}/on-post", data={**STOCKTON, "next": "/today"}
    )
    assert response.status_code == 303 and response.location == "/today"
    db.session.refresh(assigned)
    assert assigned.on_post and assigned.on_post_latitude == float(STOCKTON["latitude"])
    assert ">Relieved<" in page(client.get("/today"))
    assert client.post(f"/traffic/assignments/{assigned.id}/relieve").status_code == 303
    db.session.refresh(assigned)
    assert assigned.relieved_at is not None


def test_relieving_someone_not_on_post_is_a_clear_422(app, assigned, cso):
    client = signed_in(app, cso)
    response = client.post(f"/traffic/assignments/{assigned.id}/relieve")
    assert response.status_code == 422
    assert "not on post, so they cannot be relieved" in page(response)
    db.session.refresh(assigned)
    assert assigned.relieved_at is None


def test_overlapping_on_post_times_are_a_clear_422(app, parade, assigned, cso):
    with app.test_request_context():
        other = services.assign(make_post(parade, name="Hunter Sq"), parade.periods[0], cso.id)
    client = signed_in(app, cso)
    assert client.post(f"/traffic/assignments/{assigned.id}/on-post").status_code == 303
    response = client.post(f"/traffic/assignments/{other.id}/on-post")
    assert response.status_code == 422
    assert "already on post elsewhere" in page(response)
    db.session.refresh(other)
    assert other.on_post_at is None


def test_a_time_that_is_not_a_time_is_a_422(app, assigned, cso):
    client = signed_in(app, cso)
    response = client.post(f"/traffic/assignments/{assigned.id}/on-post", data={"at": "25:99"})
    assert response.status_code == 422 and "Enter a time such as 14:05" in page(response)


def test_another_cso_cannot_tap_for_someone_else(app, assigned, cso2):
    client = signed_in(app, cso2)
    assert client.post(f"/traffic/assignments/{assigned.id}/on-post").status_code == 403
    db.session.refresh(assigned)
    assert assigned.on_post_at is None


def test_handover_from_the_board_page(app, assigned, cso, cso2):
    client = signed_in(app, cso)
    client.post(f"/traffic/assignments/{assigned.id}/on-post")
    response = client.post(
        f"/traffic/assignments/{assigned.id}/handover", data={"to_user_id": str(cso2.id)}
    )
    assert response.status_code == 303
    relief = db.session.scalars(
        select(PostAssignment).where(PostAssignment.user_id == cso2.id)
    ).one()
    assert relief.on_post


def test_an_activity_entry_appears_on_the_board(app, parade, post, cso):
    client = signed_in(app, cso)
    empty = client.post(f"/traffic/{parade.id}/entries", data={"text": ""})
    assert empty.status_code == 422 and "Write what happened." in page(empty)
    body = {"text": "southbound lane reopened", "post_id": str(post.id)}
    assert client.post(f"/traffic/{parade.id}/entries", data=body).status_code == 303
    assert "southbound lane reopened" in page(client.get(f"/traffic/{parade.id}"))
    assert count(ActivityEntry) == 1


def _token(html: str) -> str:
    return re.search(r"board\?v=([0-9-]+)", html).group(1)


def test_the_board_polls_while_open_answers_204_when_unchanged_and_stops_when_closed(
    app, parade, post, senior, cso
):
    client = signed_in(app, senior)
    board_page = page(client.get(f"/traffic/{parade.id}"))
    assert 'hx-trigger="every 5s"' in board_page
    token = _token(board_page)
    unchanged = client.get(f"/traffic/{parade.id}/board?v={token}", headers={"HX-Request": "true"})
    assert unchanged.status_code in (200, 204)  # 200 only if the minute turned meanwhile
    with app.test_request_context():
        services.add_entry(parade, cso, "crowd at the corner")
    changed = client.get(f"/traffic/{parade.id}/board?v={token}", headers={"HX-Request": "true"})
    assert changed.status_code == 200
    fragment = changed.get_data()
    assert b"crowd at the corner" in fragment and b"<html" not in fragment
    assert len(gzip.compress(fragment)) <= 2048
    assert client.post(f"/traffic/{parade.id}/close").status_code == 303
    closed = client.get(f"/traffic/{parade.id}/board?v={_token(page(changed))}")
    assert closed.status_code == 200 and "hx-trigger" not in page(closed)
    assert "no longer refreshes" in page(closed)


def test_closing_with_equipment_out_warns_first(app, parade, post, senior):
    with app.test_request_context():
        services.set_equipment(post, "flares", 6, 2)
    client = signed_in(app, senior)
    response = client.post(f"/traffic/{parade.id}/close")
    assert response.status_code == 422 and "Equipment is still out" in page(response)
    db.session.refresh(parade)
    assert parade.closed_at is None
    response = client.post(f"/traffic/{parade.id}/close", data={"close_anyway": "y"})
    assert response.status_code == 303
    assert "Closed with equipment still out" in page(client.get(response.location))


def pdf_text(content: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_the_ics214_pdf_lists_both_csos_with_their_times_and_the_entry(
    app, parade, post, cso, cso2, senior
):
    with app.test_request_context():
        second = make_post(parade, name="Hunter Square", role="crowd_control")
        first = services.assign(post, parade.periods[0], cso.id)
        services.go_on_post(first, cso)
        services.go_on_post(services.assign(second, parade.periods[0], cso2.id), cso2)
        services.add_entry(parade, cso, "southbound lane reopened", post_id=post.id)
        services.relieve(first, cso)
        on_post = format_datetime(first.on_post_at, "HH:mm")
    client = signed_in(app, senior)
    period = parade.periods[0]
    response = client.get(f"/traffic/{parade.id}/periods/{period.id}/ics214.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in (
        "ACTIVITY LOG (ICS 214)",
        parade.name,
        "Dana Reyes",
        "Lee Park",
        "southbound lane reopened",
        on_post,
        "Sam Nguyen",
    ):
        assert expected in text, expected
    printable = page(client.get(f"/traffic/{parade.id}/periods/{period.id}/ics214"))
    assert "Lee Park" in printable and "southbound lane reopened" in printable
    ics204 = client.get(f"/traffic/{parade.id}/periods/{period.id}/ics204.pdf")
    assert "ASSIGNMENT LIST (ICS 204)" in pdf_text(ics204.data)
    assert "Hunter Square" in pdf_text(ics204.data)


def test_the_ics_forms_are_in_english_for_a_spanish_speaking_officer(app, parade, senior):
    senior.locale = "es"
    db.session.commit()
    client = signed_in(app, senior)
    period = parade.periods[0]
    printable = page(client.get(f"/traffic/{parade.id}/periods/{period.id}/ics214"))
    assert "Resources Assigned" in printable and '<html lang="en"' in printable


def test_a_period_of_another_incident_is_not_found(app, parade, senior):
    with app.test_request_context():
        other = make_incident(senior, name="Other")
    client = signed_in(app, senior)
    url = f"/traffic/{parade.id}/periods/{other.periods[0].id}/ics214"
    assert client.get(url).status_code == 404


def test_the_activity_log_downloads_as_csv(app, parade, cso):
    with app.test_request_context():
        services.add_entry(parade, cso, "lane reopened")
    response = signed_in(app, cso).get(f"/traffic/{parade.id}/activity.csv")
    assert response.mimetype == "text/csv"
    assert response.is_streamed  # a generator, read as it is sent
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "time,operational_period,post,person,activity"
    assert lines[1].endswith(",1,,Dana Reyes,lane reopened")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "traffic_incident.download")
    )
    assert event.object_id == str(parade.id) and event.actor_name == cso.username


def test_the_csv_log_streams_in_batches_in_time_order(app, parade, post, cso, cso2, monkeypatch):
    from cso_field.traffic_posts import board

    monkeypatch.setattr(board, "CSV_BATCH", 2)  # many batches from a few rows
    start = utcnow().replace(microsecond=0) - timedelta(minutes=50)
    with app.test_request_context():
        first = services.assign(post, parade.periods[0], cso.id)
        services.go_on_post(first, cso, at=start)
        for minute in range(1, 6):
            services.add_entry(parade, cso, f"entry {minute}", at=start + timedelta(minutes=minute))
        services.relieve(first, cso, at=start + timedelta(minutes=7))
        second = services.assign(post, parade.periods[0], cso2.id)
        services.go_on_post(second, cso2, at=start + timedelta(minutes=8))
        services.add_entry(parade, cso2, "entry 9", at=start + timedelta(minutes=9))
    response = signed_in(app, cso).get(f"/traffic/{parade.id}/activity.csv")
    activities = [line.rsplit(",", 1)[-1] for line in response.get_data(as_text=True).splitlines()]
    assert activities[1:] == [
        "On post",
        "entry 1",
        "entry 2",
        "entry 3",
        "entry 4",
        "entry 5",
        "Relieved",
        "On post",
        "entry 9",
    ]


def _problem(client) -> int:
    response = client.post(
        "/traffic/problems/new",
        data={
            "client_uuid": str(uuid.uuid4()),
            "title": "Blocked hydrants on Oak St",
            "until": (department_today() + timedelta(days=7)).isoformat(),
            "address": "Oak St",
        },
    )
    assert response.status_code == 303
    return int(response.location.rsplit("/", 1)[-1])


def test_a_session_without_the_badge_number_is_refused_and_kept_as_typed(app, senior, cso):
    problem_id = _problem(signed_in(app, senior))
    client = signed_in(app, cso)
    start = utcnow() - timedelta(hours=2)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "officer_name": "Officer Chan",
        "badge_number": "",
        "started_at": local(start),
        "ended_at": local(start + timedelta(hours=1)),
        "contacts": "4",
        "warnings": "2",
        "referrals": "1",
        "notes": "Two cars moved",
    }
    response = client.post(f"/traffic/problems/{problem_id}/sessions", data=body)
    assert response.status_code == 422
    text = page(response)
    assert "Enter the sworn officer's badge number." in text and "Two cars moved" in text
    assert count(EnforcementSession) == 0
    body["badge_number"] = "4417"
    assert client.post(f"/traffic/problems/{problem_id}/sessions", data=body).status_code == 303
    summary = page(client.get(f"/traffic/problems/{problem_id}"))
    assert 'id="summary-contacts">4<' in summary and "#4417" in summary


def test_only_senior_csos_designate_problems(app, cso):
    client = signed_in(app, cso)
    assert client.get("/traffic/problems/new").status_code == 403
    assert "No problem is designated" in page(client.get("/traffic/problems/"))


def test_the_list_shows_open_incidents_and_the_rules_message_in_spanish(app, parade, assigned, cso):
    cso.locale = "es"
    db.session.commit()
    client = signed_in(app, cso)
    assert parade.name in page(client.get("/traffic/"))
    response = client.post(f"/traffic/assignments/{assigned.id}/relieve")
    assert response.status_code == 422
    assert "no está en su puesto" in page(response)


def test_a_post_number_too_large_for_the_database_is_no_post(app, parade, senior, cso):
    """Found by the form fuzzing: a 400-digit post id overflowed SQLite (a 500)."""
    client = signed_in(app, senior)
    body = {"post_id": "9" * 400, "user_id": str(cso.id), "period_id": str(parade.periods[0].id)}
    response = client.post(f"/traffic/{parade.id}/assignments", data=body)
    assert response.status_code == 422 and "Choose a post." in page(response)


def test_the_senior_cso_reads_a_problem_per_week_and_per_month_as_table_and_chart(app, senior, cso):
    problem_id = _problem(signed_in(app, senior))
    client = signed_in(app, cso)
    start = day_start_utc(department_today()) + timedelta(minutes=1)  # this week, this month
    for contacts, warnings in ((4, 2), (6, 1)):
        body = {
            "client_uuid": str(uuid.uuid4()),
            "officer_name": "Officer Chan",
            "badge_number": "4417",
            "started_at": local(start),
            "ended_at": local(start + timedelta(minutes=45)),
            "contacts": str(contacts),
            "warnings": str(warnings),
            "referrals": "0",
        }
        assert client.post(f"/traffic/problems/{problem_id}/sessions", data=body).status_code == 303
    url = f"/traffic/problems/{problem_id}/summary"
    assert client.get(url).status_code == 403  # a CSO records sessions; the summary is not theirs
    assert "Summary over time" not in page(client.get(f"/traffic/problems/{problem_id}"))

    client = signed_in(app, senior)
    assert "Summary over time" in page(client.get(f"/traffic/problems/{problem_id}"))
    weekly = page(client.get(url))
    table = weekly.split('id="summary-table"')[1]
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", first_row)
    assert cells == ["2", "10", "3", "0", "1 h 30 min"]  # this week first
    assert len(re.findall(r"<th scope=\"row\">", table)) == 12
    chart = weekly.split('id="summary-chart"')[1].split("</svg>")[0]
    assert chart.count("<rect") == 1 and ">10<" in chart  # contacts, this week alone

    monthly = page(client.get(f"{url}?by=month&show=minutes"))
    chart = monthly.split('id="summary-chart"')[1].split("</svg>")[0]
    assert ">1.5<" in chart  # hours on scene this month
    assert '<option value="month" selected>' in monthly
    fallback = client.get(f"{url}?by=decade&show=%00")
    assert fallback.status_code == 200 and '<option value="week" selected>' in page(fallback)
    assert client.get("/traffic/problems/99999/summary").status_code == 404


def test_only_csos_and_senior_csos_are_assigned_to_posts_not_admins(
    app, parade, post, senior, cso, users
):
    admin = users.admin(display_name="Alex Admin")
    client = signed_in(app, senior)
    manage = page(client.get(f"/traffic/{parade.id}/manage"))
    assign_select = manage.split('name="user_id"')[1].split("</select>")[0]
    assert "Dana Reyes" in assign_select and "Sam Nguyen" in assign_select
    assert "Alex Admin" not in assign_select
    body = {
        "post_id": str(post.id),
        "user_id": str(admin.id),
        "period_id": str(parade.periods[0].id),
    }
    refused = client.post(f"/traffic/{parade.id}/assignments", data=body)
    assert refused.status_code == 422
    assert "Only a CSO or a Senior CSO can be assigned to a post." in page(refused)
    assert count(PostAssignment) == 0
    body["user_id"] = str(senior.id)  # a Senior CSO can stand at a post
    assert client.post(f"/traffic/{parade.id}/assignments", data=body).status_code == 303
