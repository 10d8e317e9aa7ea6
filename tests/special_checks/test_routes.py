"""The CSO's side of special checks: today's list nearest first, visits with their outcomes,
the alert to the emergency contact, and the Senior CSO's overview."""

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from babel.dates import format_date
from PIL import Image
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.geo import distance_m
from cso_field.mail import OutboxMessage
from cso_field.photos.models import Photo
from cso_field.records.templating import format_distance
from cso_field.settings import set_setting
from cso_field.special_checks.lists import todays_checks
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from cso_field.timeutil import department_today, utcnow
from tests.factories import (
    FAR,
    HERE,
    MIDDLE,
    NEAR,
    days_from_today,
    make_check,
    page,
    resident_text,
    spanish_request,
    submit_request,
    visit,
)


def _visit_data(**overrides):
    return {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "all_secure",
        "latitude": "37.9623",
        "longitude": "-121.2907",
        "accuracy_m": "9",
        **overrides,
    }


def _count(model=CheckVisit):
    return db.session.scalar(select(func.count(model.id)))


def test_active_checks_are_listed_nearest_first_with_distances(cso_client, cso):
    far = make_check(address="1 Far St", latitude=FAR[0], longitude=FAR[1])
    near = make_check(address="2 Near St", latitude=NEAR[0], longitude=NEAR[1])
    middle = make_check(address="3 Middle St", latitude=MIDDLE[0], longitude=MIDDLE[1])
    unplaced = make_check(address="4 Unplaced St", latitude=None, longitude=None)

    rows, _more = todays_checks(*HERE, None, department_today())
    assert [row.check.id for row in rows] == [near.id, middle.id, far.id, unplaced.id]
    assert rows[0].distance_m == pytest.approx(distance_m(*HERE, *NEAR), abs=1)
    assert rows[-1].distance_m is None

    page = cso_client.get(f"/checks/?lat={HERE[0]}&lon={HERE[1]}").get_data(as_text=True)
    assert page.index("2 Near St") < page.index("3 Middle St") < page.index("1 Far St")
    assert "500 m away" in page and "2.4 km away" in page
    assert "Nearest to you first" in page


def test_without_a_position_the_soonest_to_end_come_first(cso_client):
    today = department_today()
    make_check(address="Ends later", end_date=today + timedelta(days=9))
    make_check(address="Ends first", end_date=today + timedelta(days=3))
    page = cso_client.get("/checks/").get_data(as_text=True)
    assert page.index("Ends first") < page.index("Ends later")
    assert "Listed by end date" in page and " away" not in page


def test_distances_are_rounded_and_formatted_by_babel(app):
    with app.test_request_context():
        assert format_distance(349) == "350 m"
        assert format_distance(2_440) == "2.4 km"
        assert format_distance(1_234_560) == "1,234.6 km"


def test_flags_visited_today_ending_soon_and_problem_last_time(cso_client, cso):
    today = department_today()
    visited = make_check(address="Visited St")
    visit(visited, cso)
    ending = make_check(address="Ending St", end_date=today + timedelta(days=1))
    problem = make_check(address="Problem St")
    visit(problem, cso, "open_door_or_window", days_ago=1)
    secure_again = make_check(address="Secure Again St")
    visit(secure_again, cso, "suspicious", days_ago=2)
    visit(secure_again, cso, "all_secure", days_ago=1)

    rows = {row.check.id: row for row in todays_checks(None, None, None, today)[0]}
    assert rows[visited.id].visited_today and not rows[visited.id].problem_last_time
    assert rows[ending.id].ending_soon and not rows[ending.id].visited_today
    assert not rows[visited.id].ending_soon
    assert rows[problem.id].problem_last_time and not rows[problem.id].visited_today
    assert not rows[secure_again.id].problem_last_time

    page = cso_client.get("/checks/").get_data(as_text=True)
    assert "Visited today" in page and "Ends tomorrow" in page and "Problem last time" in page


def test_district_filter(cso_client):
    box = {"min_latitude": 37, "max_latitude": 38, "min_longitude": -122, "max_longitude": -121}
    north = District(name="North", geometry="{}", **box)
    south = District(name="South", geometry="{}", **box)
    db.session.add_all([north, south])
    db.session.commit()
    make_check(address="In the north", district_id=north.id)
    make_check(address="In the south", district_id=south.id)
    page = cso_client.get(f"/checks/?district={north.id}").get_data(as_text=True)
    assert "In the north" in page and "In the south" not in page
    assert f'<option value="{north.id}" selected>North</option>' in page


def test_expired_cancelled_and_future_checks_are_not_listed_but_are_found(cso_client):
    today = department_today()
    make_check(address="77 Ended Ave", end_date=today - timedelta(days=1))
    make_check(address="78 Cancelled Ave", cancelled_at=utcnow())
    make_check(address="79 Future Ave", start_date=today + timedelta(days=1))
    make_check(address="80 Deleted Ave", deleted_at=utcnow())
    page = cso_client.get("/checks/").get_data(as_text=True)
    active, upcoming = page.split('id="starting-soon"', 1)
    assert "No active special checks today" in active and " Ave" not in active
    assert "79 Future Ave" in upcoming and "77 Ended" not in upcoming and "78 " not in upcoming

    found = cso_client.get("/search/?q=Ave").get_data(as_text=True)
    assert "77 Ended Ave" in found and "Ended" in found
    assert "78 Cancelled Ave" in found and "Cancelled" in found
    assert "79 Future Ave" in found and "80 Deleted Ave" not in found
    by_requester = cso_client.get("/search/?q=Ana Ruiz").get_data(as_text=True)
    assert "77 Ended Ave" in by_requester and "Special check" in by_requester


def test_a_check_page_shows_the_details_and_the_outcome_buttons(cso_client):
    check = make_check(
        vehicles="Grey Honda Civic in the driveway",
        pets="Cat indoors",
        alarm_company="Acme Alarms",
        emergency_contact_name="Luis Ruiz",
        emergency_contact_phone="(209) 555-0101",
        instructions="Side gate is locked",
    )
    page = cso_client.get(f"/checks/{check.id}").get_data(as_text=True)
    for text in ("Grey Honda Civic", "Cat indoors", "Acme Alarms", "Luis Ruiz", "Side gate"):
        assert text in page
    for label in (
        "All secure",
        "Door or window open",
        "Signs of forced entry",
        "Suspicious person or vehicle",
        "Other",
    ):
        assert f">{label}</button>" in page
    assert 'name="client_uuid"' in page and "data-location-auto" in page


def test_all_secure_is_recorded_once_with_its_position(cso_client, cso):
    check = make_check()
    data = _visit_data()
    first = cso_client.post(f"/checks/{check.id}/visits", data=data)
    second = cso_client.post(f"/checks/{check.id}/visits", data=data)
    assert first.status_code == second.status_code == 303
    assert first.location == "/checks/"
    recorded = db.session.scalars(select(CheckVisit)).one()
    assert (recorded.check_id, recorded.outcome, recorded.created_by_id) == (
        check.id,
        "all_secure",
        cso.id,
    )
    assert (recorded.latitude, recorded.longitude, recorded.accuracy_m) == (37.9623, -121.2907, 9)
    assert recorded.reference.startswith("CV-")
    db.session.refresh(check)
    assert check.problem_flagged_at is None
    assert "all secure, recorded" in cso_client.get("/checks/").get_data(as_text=True)


def test_parallel_identical_visits_make_one_record(app, client, cso, login):
    login(cso)
    check = make_check()
    cookie = client.get_cookie("cso_session").value
    data = _visit_data()
    url = f"/checks/{check.id}/visits"

    def post(_):
        parallel = app.test_client()
        parallel.set_cookie("cso_session", cookie)
        return parallel.post(url, data=data)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(post, range(10)))
    assert {response.status_code for response in responses} == {303}
    assert _count() == 1


def test_a_reused_form_with_another_outcome_is_refused(cso_client):
    check = make_check()
    data = _visit_data()
    cso_client.post(f"/checks/{check.id}/visits", data=data)
    response = cso_client.post(f"/checks/{check.id}/visits", data={**data, "outcome": "other"})
    assert response.status_code == 422
    assert "already sent with a different answer" in response.get_data(as_text=True)
    assert _count() == 1


@pytest.mark.parametrize("outcome", ["", "burglary"])
def test_a_visit_needs_a_known_outcome(cso_client, outcome):
    check = make_check()
    response = cso_client.post(f"/checks/{check.id}/visits", data=_visit_data(outcome=outcome))
    assert response.status_code == 422
    assert "Tap one of the buttons" in response.get_data(as_text=True)
    assert _count() == 0


def test_no_visit_to_an_ended_check(cso_client):
    check = make_check(end_date=department_today() - timedelta(days=1))
    assert "not active today" in cso_client.get(f"/checks/{check.id}").get_data(as_text=True)
    response = cso_client.post(f"/checks/{check.id}/visits", data=_visit_data())
    assert response.status_code == 409
    assert _count() == 0


def test_a_problem_flags_the_check_shows_guidance_and_alerts_the_opted_in_contact(cso_client):
    check = make_check(
        language="es",
        emergency_contact_name="Luis Ruiz",
        emergency_contact_email="luis@example.org",
        notify_emergency_contact=True,
    )
    response = cso_client.post(
        f"/checks/{check.id}/visits",
        data=_visit_data(outcome="forced_entry", notes="Back door frame splintered"),
    )
    recorded = db.session.scalars(select(CheckVisit)).one()
    assert response.status_code == 303
    assert response.location == f"/checks/visits/{recorded.id}"
    db.session.refresh(check)
    assert check.problem_flagged_at == recorded.created_at

    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.recipient == "luis@example.org"
    assert message.language == "es"
    assert message.dedupe_key == f"check-alert:{recorded.id}"
    assert check.reference in message.subject
    # The contact's address is not confirmed: the reference, never the requester's text.
    assert check.reference in message.body_text and "(209) 937-8377" in message.body_text
    assert check.address not in message.body_text

    page = cso_client.get(response.location).get_data(as_text=True)
    assert "Do not investigate" in page and "non-hazardous" in page
    assert 'Call dispatch: <span class="tel">(209) 937-8377</span>' in page
    assert 'href="tel:2099378377"' in page
    assert "Senior CSO has been alerted" in page and "emergency contact is being emailed" in page
    assert "Back door frame splintered" in page and "Signs of forced entry" in page


def test_a_problem_does_not_email_a_contact_who_did_not_opt_in(cso_client):
    check = make_check(emergency_contact_email="luis@example.org", notify_emergency_contact=False)
    response = cso_client.post(f"/checks/{check.id}/visits", data=_visit_data(outcome="suspicious"))
    db.session.refresh(check)
    assert check.problem_flagged_at is not None
    assert _count(OutboxMessage) == 0
    page = cso_client.get(response.location).get_data(as_text=True)
    assert "Do not investigate" in page and "emergency contact is being emailed" not in page


def test_a_visit_with_photos(cso_client, photo_store):
    photo_store.use(cso_client.application)
    check = make_check()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "PNG")
    data = {
        **_visit_data(outcome="other", notes="Package on the porch"),
        "photos": [(io.BytesIO(buffer.getvalue()), "porch.png")],
    }
    response = cso_client.post(
        f"/checks/{check.id}/visits", data=data, content_type="multipart/form-data"
    )
    recorded = db.session.scalars(select(CheckVisit)).one()
    photo = db.session.scalars(select(Photo)).one()
    assert (photo.record_type, photo.record_id) == ("check_visit", recorded.id)
    assert photo_store.stored_keys() == sorted(
        [photo.original_key, photo.display_key, photo.thumbnail_key]
    )
    page = cso_client.get(response.location).get_data(as_text=True)
    assert f"/photos/{photo.id}/thumbnail" in page or "photo-gallery" in page


def test_today_shows_how_many_checks_wait(cso_client, cso):
    visited = make_check()
    make_check()
    make_check(end_date=department_today() - timedelta(days=3))
    make_check(start_date=department_today() + timedelta(days=1))
    make_check(cancelled_at=utcnow())
    visit(visited, cso)
    page = cso_client.get("/today").get_data(as_text=True)
    assert "Special checks today" in page and "2 active, 1 not visited yet" in page


def test_overview_lists_stale_checks_and_problems_for_seniors(client, users, login, cso):
    set_setting("check_stale_after_days", 3)
    db.session.commit()
    fresh = make_check(address="10 Fresh St")
    visit(fresh, cso, days_ago=1)
    stale = make_check(address="11 Stale St")
    visit(stale, cso, days_ago=5)
    never = make_check(address="12 Never St", start_date=department_today() - timedelta(days=4))
    make_check(address="13 New St", start_date=department_today())
    broken = make_check(address="14 Broken St")
    visit(broken, cso, "open_door_or_window", notes="Garage door open")

    login(users.senior())
    page = client.get("/checks/overview").get_data(as_text=True)
    problems = page[page.index('id="problems"') : page.index('id="stale"')]
    stale_part = page[page.index('id="stale"') : page.index('id="active"')]
    assert "14 Broken St" in problems and "Garage door open" in problems
    assert "10 Fresh St" not in problems
    assert "11 Stale St" in stale_part and "12 Never St" in stale_part
    assert "10 Fresh St" not in stale_part and "13 New St" not in stale_part
    assert stale_part.index("12 Never St") < stale_part.index("11 Stale St")
    assert "No visit in 3 days" in page
    active_part = page[page.index('id="active"') :]
    assert active_part.count('<li class="record">') == 5  # every active check
    assert never.id  # listed without ever having been visited


def test_csos_are_refused_the_overview(cso_client):
    assert cso_client.get("/checks/overview").status_code == 403


# -- Staff entry and settings ------------------------------------------------------------------


def test_a_cso_enters_a_business_check_taken_by_phone(app, client, users, login):
    cso = users.cso()
    login(cso)
    assert client.get("/checks/new").status_code == 200
    data = spanish_request(
        kind="business",
        source="phone",
        description="Back door of the store found open twice at night.",
        start_date=days_from_today(0),  # staff may start a check today
        email="",
        language="en",
    )
    missing = client.post("/checks/new", data={**data, "description": ""})
    assert missing.status_code == 422
    assert "Describe what the officers should look for." in missing.text
    response = client.post("/checks/new", data=data)
    assert response.status_code == 303
    check = db.session.scalars(select(SpecialCheck)).one()
    assert (check.kind, check.source, check.created_by_id) == ("business", "phone", cso.id)
    assert check.description == data["description"]
    assert check.start_date == department_today()
    assert response.location == f"/checks/{check.id}"
    assert check.reference in client.get(response.location).text


def test_settings_are_for_admins_and_change_the_rules(app, client, users, login, make_app):
    login(users.cso())
    assert client.get("/checks/settings").status_code == 403
    admin_client = app.test_client()
    login(users.admin(), test_client=admin_client)
    assert admin_client.get("/checks/settings").status_code == 200
    bad = admin_client.post(
        "/checks/settings",
        data={
            "check_min_lead_days": "15",
            "check_max_length_days": "0",
            "check_stale_after_days": "abc",
        },
    )
    assert bad.status_code == 422
    assert "Enter a number from 0 to 14." in bad.text and "Enter a whole number." in bad.text
    saved = admin_client.post(
        "/checks/settings",
        data={
            "check_min_lead_days": "0",
            "check_max_length_days": "10",
            "check_stale_after_days": "3",
        },
    )
    assert saved.status_code == 303
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert "check_max_length_days: 30 -> 10" in event.detail

    resident = app.test_client()
    too_long = submit_request(
        resident, spanish_request(start_date=days_from_today(0), end_date=days_from_today(11))
    )
    assert too_long.status_code == 422
    expected = resident_text(
        app,
        "es",
        "A special check can last at most %(num)d day. Choose an earlier end date.",
        "A special check can last at most %(num)d days. Choose an earlier end date.",
        num=10,
    )
    assert expected in page(too_long)
    assert (
        submit_request(
            resident, spanish_request(start_date=days_from_today(0), end_date=days_from_today(9))
        ).status_code
        == 201
    )


def test_the_staff_form_speaks_about_the_requester_not_to_a_resident(cso_client):
    form = page(cso_client.get("/checks/new"))
    refused = cso_client.post("/checks/new", data={"client_uuid": str(uuid.uuid4())})
    shown = form + page(refused)
    assert refused.status_code == 422
    assert "Requester's name" in form and "Enter the requester's name." in page(refused)
    for resident_wording in ("Your name", "Enter your name.", "We email your confirmation"):
        assert resident_wording not in shown


def test_the_map_lists_the_checks_it_cannot_place_and_does_not_link_to_itself(cso_client):
    placed = make_check(address="1 Placed Way")
    unplaced = make_check(address="9 Nowhere Rd", latitude=None, longitude=None)
    text = page(cso_client.get("/checks/map"))
    assert "Not on the map (no position yet)" in text
    section = text.split("Not on the map (no position yet)", 1)[1].split("</section>", 1)[0]
    assert f"/checks/{unplaced.id}" in section and "9 Nowhere Rd" in section
    assert "1 Placed Way" not in section and placed.reference
    assert "Show on a map" not in text
    assert "Show on a map" in page(cso_client.get("/checks/"))


def test_a_check_page_shows_the_requesters_language_and_whether_they_are_emailed(cso_client):
    with_email = make_check(language="es", email="ana@example.org")
    without = make_check(language="en", email=None)
    text = page(cso_client.get(f"/checks/{with_email.id}"))
    assert "Spanish" in text and "Yes: the resident is notified by email." in text
    text = page(cso_client.get(f"/checks/{without.id}"))
    assert "English" in text and "No: the resident is not notified by email." in text


def _starting_soon_section(text: str) -> str:
    return text.split('id="starting-soon"', 1)[1].split("</section>", 1)[0]


def test_checks_starting_soon_are_shown_with_their_start_date(app, cso_client, users, login):
    today = department_today()
    make_check(address="2 Soon Ct", start_date=today + timedelta(days=2))
    make_check(address="5 Later Ct", start_date=today + timedelta(days=5))
    make_check(address="Ended Ct", start_date=today - timedelta(days=9), end_date=today)
    make_check(
        address="Over Ct", start_date=today - timedelta(days=9), end_date=today - timedelta(days=1)
    )
    starts = format_date(today + timedelta(days=2), "medium", locale="en")

    senior_client = login(users.senior(), test_client=app.test_client())
    for text in (page(cso_client.get("/checks/")), page(senior_client.get("/checks/overview"))):
        assert "<h2" in text and "Starting soon</h2>" in text
        section = _starting_soon_section(text)
        assert "2 Soon Ct" in section and f"starts {starts}" in section
        assert "5 Later Ct" not in text and "Over Ct" not in text
        assert "Ended Ct" not in section


def test_the_first_visit_places_an_unplaced_check_on_the_map(cso_client):
    check = make_check(address="9 Nowhere Rd", latitude=None, longitude=None)
    assert "9 Nowhere Rd" in page(cso_client.get("/checks/map")).split("Not on the map", 1)[1]

    response = cso_client.post(f"/checks/{check.id}/visits", data=_visit_data())
    assert response.status_code == 303

    text = page(cso_client.get("/checks/map"))
    assert "Not on the map (no position yet)" not in text
    assert 'data-check-marker data-lat="37.9623" data-lon="-121.2907"' in text
    assert 'data-position-note="Position from a visit"' in text
    assert "Position from a visit" in page(cso_client.get(f"/checks/{check.id}"))
    other = make_check(address="1 Placed Way")
    assert "Position from a visit" not in page(cso_client.get(f"/checks/{other.id}"))


def test_my_records_say_what_each_check_visit_found_and_where(cso_client):
    check = make_check(address="12 Oak St")
    cso_client.post(f"/checks/{check.id}/visits", data=_visit_data())
    cso_client.post(f"/checks/{check.id}/visits", data=_visit_data(outcome="forced_entry"))
    text = page(cso_client.get("/records/mine"))
    assert "All secure at 12 Oak St" in text and "Signs of forced entry at 12 Oak St" in text
    assert "Signs of forced entry at 12 Oak St" in page(cso_client.get("/today"))
