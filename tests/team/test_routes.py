"""The team on screen: the board (a CSO sees only their district's shift), the roster and a
translation request, languages and contact (one's own, or a supervisor's), shifts, training
and certifications (supervisors; kinds by admins), with refusals and kept input."""

from datetime import timedelta

from sqlalchemy import func, select

from cso_field.certifications import services as certifications
from cso_field.certifications.models import Certification, CertificationType
from cso_field.districts.models import Shift
from cso_field.districts.shifts import start_shift
from cso_field.extensions import db
from cso_field.team import services
from cso_field.team.models import SpokenLanguage, TrainingSession
from cso_field.timeutil import department_today
from tests.factories import page


def test_the_board_for_a_senior_and_for_a_cso(client, users, login, districts, ctx):
    senior = users.senior()
    cso = users.cso(display_name="Ana North")
    north = users.cso(display_name="Ben North")
    south = users.cso(display_name="Cal South")
    services.save_profile(south, {"km": "native"}, "209-555-0144", None, south)
    start_shift(north, districts["North"], north)
    start_shift(south, districts["South"], south)
    login(senior)
    shown = page(client.get("/team/"))
    assert "Ben North" in shown and "Cal South" in shown and "209-555-0144" in shown
    assert "ភាសាខ្មែរ" in shown
    client.post("/logout")
    login(cso)
    assert "Start your shift in a district" in page(client.get("/team/"))
    assert "Cal South" not in page(client.get("/team/"))
    start_shift(cso, districts["North"], cso)
    shown = page(client.get("/team/"))
    assert "Ben North" in shown and "Cal South" not in shown  # another district's shift


def test_start_and_end_a_shift(client, users, login, districts, ctx):
    cso, other = users.cso(), users.cso()
    login(cso)
    assert client.get("/team/shift").status_code == 200
    response = client.post("/team/shift", data={"person": str(cso.id), "district": "999"})
    assert response.status_code == 422
    response = client.post(  # a CSO cannot put someone else on shift
        "/team/shift", data={"person": str(other.id), "district": str(districts["North"].id)}
    )
    assert response.status_code == 422
    data = {"person": str(cso.id), "district": str(districts["North"].id)}
    assert client.post("/team/shift", data=data).status_code == 303
    assert "You are on shift since" in page(client.get("/team/"))
    assert client.post("/team/shift/end").status_code == 303
    assert db.session.scalar(select(func.count(Shift.id)).where(Shift.ended_at.is_(None))) == 0


def test_roster_finds_a_khmer_speaker_on_shift_and_offers_a_translation_request(
    client, users, login, districts, ctx
):
    senior, sokha = users.senior(), users.cso(display_name="Sokha Chea")
    services.save_profile(sokha, {"km": "native"}, "209-555-0144", "CSO 35", sokha)
    start_shift(sokha, districts["South"], sokha)
    login(senior)
    shown = page(client.get("/team/roster?language=km&on_shift=y"))
    assert "Sokha Chea" in shown and "209-555-0144" in shown and "on shift in South" in shown
    assert f"assign_to=user:{sokha.id}" in shown.replace("%3A", ":")
    assert "kind=translation" in shown
    form = page(
        client.get(f"/assignments/new?kind=translation&language=km&assign_to=user:{sokha.id}")
    )
    assert '<option selected value="translation">' in form
    assert '<option selected value="km">' in form
    assert client.get("/team/roster?language=xx").status_code == 422


def test_languages_are_edited_by_the_user_or_a_supervisor(client, users, login, ctx):
    cso, other = users.cso(), users.cso()
    login(cso)
    assert client.get(f"/team/people/{other.id}").status_code == 403
    assert client.post(f"/team/people/{other.id}", data={"lang_es": "native"}).status_code == 403
    response = client.post("/team/me", data={"lang_es": "fluent", "phone": "abc"})
    assert response.status_code == 422
    assert "Enter a phone number" in page(response)
    data = {"lang_es": "working", "lang_km": "", "phone": "209-555-0101", "call_sign": "CSO 9"}
    assert client.post("/team/me", data=data).status_code == 303
    spoken = db.session.scalars(select(SpokenLanguage)).all()
    assert [(s.user_id, s.language, s.proficiency) for s in spoken] == [(cso.id, "es", "working")]
    client.post("/logout")
    login(users.senior())
    assert "209-555-0101" in page(client.get(f"/team/people/{cso.id}"))
    data = {"lang_es": "", "lang_km": "basic", "phone": "209-555-0101"}
    assert client.post(f"/team/people/{cso.id}", data=data).status_code == 303
    assert db.session.scalar(select(SpokenLanguage.language)) == "km"


def test_training_and_certifications_are_for_supervisors(client, users, login, ctx):
    cso, senior, admin = users.cso(), users.senior(), users.admin()
    login(cso)
    for path in (
        "/team/training",
        "/team/training/new",
        f"/team/people/{cso.id}/certifications",
        "/team/certification-kinds",
    ):
        assert client.get(path).status_code == 403, path
    client.post("/logout")
    login(senior)
    assert client.get("/team/certification-kinds").status_code == 403
    response = client.post("/team/training/new", data={"topic": "", "trainer": "Sgt. Lee"})
    assert response.status_code == 422 and "Sgt. Lee" in page(response)
    data = {
        "topic": "Fingerprinting refresher",
        "held_on": department_today().isoformat(),
        "held_time": "09:00",
        "trainer": "Sgt. Lee",
        "attendees": [str(cso.id)],
    }
    assert client.post("/team/training/new", data=data).status_code == 303
    assert db.session.scalar(select(TrainingSession.topic)) == "Fingerprinting refresher"
    assert "Fingerprinting refresher" in page(client.get("/team/training"))
    client.post("/logout")
    login(admin)
    assert (
        client.post("/team/certification-kinds", data={"name": "Fingerprinting"}).status_code == 303
    )
    assert (
        client.post("/team/certification-kinds", data={"name": "fingerprinting"}).status_code == 422
    )
    kind = db.session.scalar(select(CertificationType))
    today = department_today()
    bad = {
        "kind": str(kind.id),
        "earned_on": today.isoformat(),
        "expires_on": (today - timedelta(days=1)).isoformat(),
        "note": "keep this",
    }
    response = client.post(f"/team/people/{cso.id}/certifications", data=bad)
    assert response.status_code == 422 and "keep this" in page(response)
    good = {**bad, "expires_on": (today + timedelta(days=3)).isoformat()}
    assert client.post(f"/team/people/{cso.id}/certifications", data=good).status_code == 303
    assert db.session.scalar(select(func.count(Certification.id))) == 1
    assert certifications.holds(cso, "fingerprinting")
    shown = page(client.get("/team/training"))
    assert "Certifications expiring or expired" in shown and "Fingerprinting" in shown
