"""Neighborhood Watch, the staff screens: the interest section of a canvassed door making a
sign-up, Senior CSOs turning sign-ups into members, groups, meetings and the quiet list, and
who may open what."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.neighborhood_watch.models import WatchGroup, WatchMeeting, WatchMember, WatchSignup
from cso_field.neighborhood_watch.services import add_to_group
from cso_field.surveys import services as surveys
from cso_field.surveys.models import SurveyResponse
from cso_field.timeutil import department_today
from tests.factories import door_survey, page, watch_group, watch_signup

ANSWERS = {"answers": "1", "people": "3", "feel_safe": "yes", "concerns": "lighting"}


@pytest.fixture
def canvass(app, users):
    with app.test_request_context():
        survey = door_survey(users.senior(username="author.senior"))
        return surveys.start_canvass(
            survey, "Oak St", users.cso(username="door.cso"), uuid.uuid4()
        )[0]


def _door(client, canvass, **extra):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "completed",
        "address": "7 Oak St",
        "language": "es",
        **ANSWERS,
        **extra,
    }
    return client.post(f"/canvass/{canvass.id}/contacts", data=data)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_the_questionnaire_offers_the_interest_section_in_the_residents_language(
    client, login, canvass
):
    login(db.session.get(User, canvass.created_by_id))
    text = page(_door(client, canvass, answers=None, switch_language="es"))
    assert 'name="watch:interested"' in text and 'name="watch:willing_captain"' in text
    assert '<option selected value="es">' in text or 'value="es" selected' in text


def test_a_completed_door_with_interest_makes_one_sign_up(client, login, canvass):
    login(db.session.get(User, canvass.created_by_id))
    key = str(uuid.uuid4())
    interest = {
        "watch:interested": "y",
        "watch:name": "Ana Ruiz",
        "watch:phone": "209-555-0199",
        "watch:language": "es",
        "watch:willing_host": "y",
    }
    assert _door(client, canvass, client_uuid=key, **interest).status_code == 303
    assert _door(client, canvass, client_uuid=key, **interest).status_code == 303  # resent
    signup = db.session.scalar(select(WatchSignup))
    response = db.session.scalar(select(SurveyResponse))
    assert _count(WatchSignup) == 1 and _count(SurveyResponse) == 1
    assert (signup.name, signup.language, signup.source) == ("Ana Ruiz", "es", "canvass")
    assert signup.willing_host and not signup.willing_captain
    assert (signup.source_record_type, signup.source_record_id) == ("survey_response", response.id)
    assert signup.source_reference == response.reference and signup.address == "7 Oak St"
    assert signup.created_by_id == canvass.created_by_id
    changed = _door(client, canvass, client_uuid=key, **{**interest, "watch:name": "Other"})
    assert changed.status_code == 422 and _count(WatchSignup) == 1


def test_interest_without_a_way_to_reach_them_is_refused_in_their_language(client, login, canvass):
    login(db.session.get(User, canvass.created_by_id))
    refused = _door(
        client, canvass, people="99", **{"watch:interested": "y", "watch:name": "Ana Ruiz"}
    )
    text = page(refused)
    assert refused.status_code == 422
    assert "Ana Ruiz" in text and "Entre 1 y 30" in text  # both problems shown at once
    assert 'id="watch:phone-error"' in text
    assert _count(WatchSignup) == 0 and _count(SurveyResponse) == 0


def test_an_unticked_interest_section_makes_no_sign_up(client, login, canvass):
    login(db.session.get(User, canvass.created_by_id))
    assert _door(client, canvass, **{"watch:name": "Half typed"}).status_code == 303
    assert _count(WatchSignup) == 0 and _count(SurveyResponse) == 1


def test_a_senior_cso_adds_a_sign_up_to_a_group_as_block_captain(client, users, login):
    senior = users.senior()
    group = watch_group(senior)
    signup = watch_signup(name="Mai Nguyen")
    login(senior)
    listed = page(client.get("/watch/signups"))
    assert "Mai Nguyen" in listed and "would be block captain" in listed
    added = client.post(f"/watch/signups/{signup.id}/add", data={"group": group.id, "captain": "y"})
    assert added.status_code == 303 and added.location.endswith(f"/watch/{group.id}")
    shown = page(client.get(f"/watch/{group.id}"))
    assert "Mai Nguyen" in shown and "Block captain:" in shown
    member = db.session.scalar(select(WatchMember))
    assert member.is_captain and db.session.get(WatchSignup, signup.id).member_id == member.id
    again = client.post(f"/watch/signups/{signup.id}/add", data={"group": group.id})
    assert again.status_code == 422 and "already in a group" in page(again)
    assert _count(WatchMember) == 1


def test_a_refused_add_swaps_its_row_back_for_htmx(client, users, login):
    senior = users.senior()
    watch_group(senior)
    signup = watch_signup(name="Mai Nguyen")
    login(senior)
    refused = client.post(
        f"/watch/signups/{signup.id}/add", data={"group": "999"}, headers={"HX-Request": "true"}
    )
    text = page(refused)
    assert refused.status_code == 422 and refused.headers["HX-Reswap"] == "outerHTML"
    assert text.lstrip().startswith(f'<li class="record watch-signup" id="signup-{signup.id}"')
    assert _count(WatchMember) == 0


def test_a_sign_up_set_aside_leaves_the_list(client, users, login):
    signup = watch_signup(name="Mai Nguyen")
    login(users.senior())
    assert client.post(f"/watch/signups/{signup.id}/dismiss").status_code == 303
    assert "Mai Nguyen" not in page(client.get("/watch/signups"))
    assert client.post(f"/watch/signups/{signup.id}/dismiss").status_code == 409


def test_a_senior_cso_creates_a_group(client, users, login):
    login(users.senior())
    refused = client.post("/watch/new", data={"name": "", "area": "Elm", "district": "0"})
    assert refused.status_code == 422 and _count(WatchGroup) == 0
    made = client.post(
        "/watch/new",
        data={"name": "Elm Watch", "area": "Elm St", "district": "0", "language": "hmn"},
    )
    assert made.status_code == 303
    group = db.session.scalar(select(WatchGroup))
    assert (group.name, group.language, group.district_id) == ("Elm Watch", "hmn", None)
    assert "Elm Watch" in page(client.get("/watch/"))


def test_a_cso_records_a_meeting_and_a_refused_one_keeps_what_was_typed(client, users, login):
    group = watch_group(users.senior())
    login(users.cso())
    meeting = {
        "client_uuid": str(uuid.uuid4()),
        "held_on": department_today().isoformat(),
        "place": "Elm Park",
        "topics": "Car break-ins",
        "attendance": "12",
        "materials": "Window stickers",
    }
    future = (department_today() + timedelta(days=1)).isoformat()
    refused = client.post(
        f"/watch/{group.id}/meetings/new",
        data={**meeting, "held_on": future},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and "Car break-ins" in page(refused)
    assert page(refused).lstrip().startswith('<section class="card" id="meeting-form">')
    assert _count(WatchMeeting) == 0
    assert client.post(f"/watch/{group.id}/meetings/new", data=meeting).status_code == 303
    shown = page(client.get(f"/watch/{group.id}"))
    assert "Car break-ins" in shown and "12 people present" in shown and "Window stickers" in shown


def test_the_quiet_list_and_its_setting(client, users, login):
    group = watch_group(users.senior(), name="Old Watch")
    group.created_at = group.created_at - timedelta(days=400)
    db.session.commit()
    login(users.admin())
    assert "Old Watch" in page(client.get("/watch/quiet"))
    assert client.post("/watch/quiet/settings", data={"months": "0"}).status_code == 422
    assert client.post("/watch/quiet/settings", data={"months": "24"}).status_code == 303
    assert "Old Watch" not in page(client.get("/watch/quiet"))


def test_csos_see_groups_but_not_sign_ups_nor_settings(client, users, login):
    group, signup = watch_group(users.senior()), watch_signup()
    login(users.cso())
    assert client.get("/watch/").status_code == 200
    assert client.get(f"/watch/{group.id}").status_code == 200
    for url in ("/watch/signups", "/watch/new", "/watch/quiet"):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/watch/signups/{signup.id}/add", data={"group": group.id}).status_code == 403
    )
    assert client.post("/watch/quiet/settings", data={"months": "5"}).status_code == 403
    assert _count(WatchMember) == 0


def test_a_senior_cso_cannot_change_the_setting(client, users, login):
    login(users.senior())
    assert client.post("/watch/quiet/settings", data={"months": "5"}).status_code == 403


def test_the_today_card_shows_waiting_sign_ups_to_senior_csos(client, users, login):
    watch_signup()
    login(users.senior())
    assert "1 sign-up waiting for a group" in page(client.get("/today"))


# -- The door and its sign-up ------------------------------------------------------------------


def test_the_door_links_to_its_sign_up_and_the_sign_up_to_its_door(
    app, client, users, login, canvass
):
    login(db.session.get(User, canvass.created_by_id))
    interest = {
        "watch:interested": "y",
        "watch:name": "Ana Ruiz",
        "watch:phone": "209-555-0199",
        "watch:language": "es",
    }
    assert _door(client, canvass, **interest).status_code == 303
    signup = db.session.scalar(select(WatchSignup))
    door = db.session.scalar(select(SurveyResponse))
    as_cso = page(client.get(f"/canvass/contacts/{door.id}"))
    assert signup.reference in as_cso and "Ana Ruiz" in as_cso
    assert f"/watch/signups/{signup.id}" not in as_cso  # a CSO cannot open sign-ups
    assert client.get(f"/watch/signups/{signup.id}").status_code == 403
    client = login(users.senior(), test_client=app.test_client())
    door_page = page(client.get(f"/canvass/contacts/{door.id}"))
    assert f'href="/watch/signups/{signup.id}"' in door_page
    signup_page = page(client.get(f"/watch/signups/{signup.id}"))
    assert f'href="/canvass/contacts/{door.id}"' in signup_page and door.reference in signup_page
    assert "Waiting for a group" in signup_page
    waiting = page(client.get("/watch/signups"))
    assert door.reference in waiting and f"/watch/signups/{signup.id}" in waiting


def test_an_online_sign_up_came_from_the_public_page(client, users, login):
    signup = watch_signup()
    login(users.senior())
    shown = page(client.get(f"/watch/signups/{signup.id}"))
    assert "the public sign-up page" in shown
    assert client.get("/watch/signups/999999").status_code == 404


# -- Changing and archiving groups -------------------------------------------------------------


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_senior_cso_changes_a_group_and_bad_input_keeps_what_was_typed(client, users, login):
    group = watch_group(users.senior())
    login(users.senior())
    form = page(client.get(f"/watch/{group.id}/edit"))
    assert 'value="Elm Street Watch"' in form
    refused = client.post(
        f"/watch/{group.id}/edit",
        data={"name": "", "area": "Elm and Oak", "district": "0", "language": "es"},
    )
    assert refused.status_code == 422 and "Elm and Oak" in page(refused)
    assert db.session.get(WatchGroup, group.id).area == "Elm St" and not _events(
        "watch_group.update"
    )
    saved = client.post(
        f"/watch/{group.id}/edit",
        data={"name": "Oak Watch", "area": "Elm and Oak", "district": "0", "language": "es"},
    )
    assert saved.status_code == 303
    db.session.expire_all()
    changed = db.session.get(WatchGroup, group.id)
    assert (changed.name, changed.area, changed.language) == ("Oak Watch", "Elm and Oak", "es")
    (event,) = _events("watch_group.update")
    assert "Elm Street Watch -> Oak Watch" in event.detail and "area" in event.detail
    unknown = client.post(
        f"/watch/{group.id}/edit",
        data={"name": "Oak Watch", "area": "Oak", "district": "987", "language": "xx"},
    )
    assert unknown.status_code == 422


def test_an_archived_group_leaves_the_lists_and_can_be_restored(client, users, login):
    senior = users.senior()
    group = watch_group(senior, name="Old Watch")
    group.created_at = group.created_at - timedelta(days=400)
    db.session.commit()
    signup = watch_signup()
    login(senior)
    assert "Old Watch" in page(client.get("/watch/quiet"))
    assert client.post(f"/watch/{group.id}/archive").status_code == 303
    assert "Group “Old Watch” archived." in page(client.get("/watch/"))
    assert "Old Watch" not in page(client.get("/watch/"))
    assert "Old Watch" not in page(client.get("/watch/quiet"))
    assert f'value="{group.id}"' not in page(client.get("/watch/signups"))
    assert "Old Watch" in page(client.get("/watch/archived"))
    assert client.get(f"/watch/{group.id}/edit").status_code == 404
    refused = client.post(f"/watch/signups/{signup.id}/add", data={"group": str(group.id)})
    assert refused.status_code in (404, 422) and _count(WatchMember) == 0
    shown = page(client.get(f"/watch/{group.id}"))
    assert "was archived" in shown and "Record a meeting" not in shown
    assert client.post(f"/watch/{group.id}/archive").status_code == 404  # already archived
    assert client.post(f"/watch/{group.id}/restore").status_code == 303
    assert "Old Watch" in page(client.get("/watch/")) and "Old Watch" in page(
        client.get("/watch/quiet")
    )
    assert len(_events("watch_group.archive")) == 1 and len(_events("watch_group.restore")) == 1


def test_csos_cannot_change_archive_or_restore_groups(client, users, login):
    group = watch_group(users.senior())
    login(users.cso())
    assert client.get(f"/watch/{group.id}/edit").status_code == 403
    edit = {"name": "Mine", "area": "Elm", "district": "0", "language": "en"}
    assert client.post(f"/watch/{group.id}/edit", data=edit).status_code == 403
    assert client.post(f"/watch/{group.id}/archive").status_code == 403
    assert client.get("/watch/archived").status_code == 403
    db.session.expire_all()
    assert db.session.get(WatchGroup, group.id).archived_at is None
    db.session.get(WatchGroup, group.id).archived_at = department_today()
    db.session.commit()
    assert client.post(f"/watch/{group.id}/restore").status_code == 403
    assert client.get(f"/watch/{group.id}").status_code == 404  # archived: not for CSOs
    assert _events("watch_group.update") == [] and _events("watch_group.restore") == []


def test_a_senior_cso_removes_a_member_who_leaves_the_list_but_not_the_counts(
    app, client, users, login
):
    senior = users.senior()
    group = watch_group(senior)
    member = add_to_group(watch_signup(name="Mai Nguyen"), group, senior)
    officer = login(users.cso(), test_client=app.test_client())
    assert officer.post(f"/watch/{group.id}/members/{member.id}/remove").status_code == 403
    login(senior)
    removed = client.post(f"/watch/{group.id}/members/{member.id}/remove")
    assert removed.status_code == 303 and removed.location.endswith(f"/watch/{group.id}")
    shown = page(client.get(f"/watch/{group.id}"))
    assert "Mai Nguyen removed from the group" in shown and "0 members" in shown
    assert client.post(f"/watch/{group.id}/members/{member.id}/remove").status_code == 404
    assert _count(WatchMember) == 1 and db.session.get(WatchMember, member.id).left_at
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("watch_group.member_removed") == 1
