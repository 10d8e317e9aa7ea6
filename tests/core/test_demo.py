"""`flask seed-demo` loads a living demo department into an empty database."""

from sqlalchemy import func, select

from cso_field.auth.models import User
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.neighborhood_watch.models import WatchGroup
from cso_field.photos.models import Photo
from cso_field.records.models import Status
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from cso_field.special_checks.services import CheckState, state_of
from cso_field.surveys import services
from cso_field.surveys.models import Survey, SurveyResponse
from cso_field.timeutil import department_today
from tests.factories import DEMO_PASSWORD as PASSWORD
from tests.factories import TOTP_SECRET, totp_code


def _seed(app, monkeypatch, *args):
    monkeypatch.setenv("CSO_DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("CSO_DEMO_TOTP_SECRET", TOTP_SECRET)
    return app.test_cli_runner().invoke(args=["seed-demo", *args])


def _log_in(client, username):
    """The demo accounts have an authenticator key: the code of the moment completes it."""
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.location == "/login/verify"
    response = client.post("/login/verify", data={"code": totp_code(TOTP_SECRET)})
    assert response.location == "/today"


def test_seed_demo_enrols_the_accounts_and_prints_a_generated_key_once(app, monkeypatch):
    monkeypatch.setenv("CSO_DEMO_PASSWORD", PASSWORD)
    monkeypatch.delenv("CSO_DEMO_TOTP_SECRET", raising=False)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--accounts-only"])
    assert result.exit_code == 0, result.output
    key = result.output.split("CSO_DEMO_TOTP_SECRET to choose it): ")[1].split()[0]
    assert "the 6-digit code" in result.output
    with app.app_context():
        secrets = db.session.scalars(select(User.totp_secret)).all()
    assert secrets == [key, key, key]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_loads_a_living_department(demo_app, seeded_demo):
    assert "Demo department loaded" in seeded_demo.output
    with demo_app.app_context():
        districts = db.session.scalars(select(District)).all()
        assert len(districts) >= 3 and all("(demo)" in d.name for d in districts)
        checks = db.session.scalars(select(SpecialCheck)).all()
        states = {state_of(check, department_today()) for check in checks}
        assert {CheckState.ACTIVE, CheckState.UPCOMING} <= states
        assert {check.language for check in checks} >= {"en", "es", "vi", "hmn"}
        assert any(check.email for check in checks)
        assert all(check.district_id is not None for check in checks)
        outcomes = {visit.outcome for visit in db.session.scalars(select(CheckVisit))}
        assert len(outcomes) == 5
        notes = db.session.scalars(select(FieldNote)).all()
        statuses = [note.status for note in notes]
        assert Status.SUBMITTED.value in statuses and Status.APPROVED.value in statuses
        assert statuses.count(Status.RETURNED.value) == 1
        assert _count(Photo) >= len(notes)


def test_the_demo_shows_on_the_screens(demo_app, demo_client):
    _log_in(demo_client, "cso.demo")
    checks = demo_client.get("/checks/").get_data(as_text=True)
    assert "(demo)" in checks and "Stockton, CA" in checks
    map_page = demo_client.get("/checks/map").get_data(as_text=True)
    assert map_page.count("data-check-marker") >= 5  # one marker per active check
    today = demo_client.get("/today").get_data(as_text=True)
    assert "Demo: please add the licence plate" in today  # returned to the CSO
    with demo_app.app_context():
        photo = db.session.scalars(select(Photo)).first()
    thumbnail = demo_client.get(f"/photos/{photo.id}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.mimetype.startswith("image/")
    demo_client.post("/logout")

    _log_in(demo_client, "senior.demo")
    with demo_app.app_context():
        waiting = db.session.scalars(
            select(FieldNote).where(FieldNote.status == Status.SUBMITTED.value)
        ).first()
    assert "Demo:" in demo_client.get("/notes/").get_data(as_text=True)
    assert "Approve" in demo_client.get(f"/notes/{waiting.id}").get_data(as_text=True)


def test_accounts_only_and_a_second_run_add_nothing(app, monkeypatch):
    result = _seed(app, monkeypatch, "--accounts-only")
    assert result.exit_code == 0 and "Demo department" not in result.output
    with app.app_context():
        assert _count(SpecialCheck) == _count(FieldNote) == _count(District) == 0
    assert "already has accounts" in _seed(app, monkeypatch).output
    with app.app_context():
        assert _count(SpecialCheck) == 0


def test_running_twice_does_not_duplicate(demo_app, monkeypatch):
    with demo_app.app_context():
        counts = (_count(SpecialCheck), _count(FieldNote), _count(District), _count(Photo))
    assert "already has accounts" in _seed(demo_app, monkeypatch).output
    with demo_app.app_context():
        assert counts == (_count(SpecialCheck), _count(FieldNote), _count(District), _count(Photo))


def test_the_demo_has_a_parade_a_collision_on_post_and_a_problem_with_sessions(
    demo_app, demo_client
):
    from cso_field.traffic_posts.models import (
        EnforcementSession,
        PostAssignment,
        TrafficIncident,
    )

    with demo_app.app_context():
        incidents = {i.kind: i for i in db.session.scalars(select(TrafficIncident))}
        parade, collision = incidents["parade"], incidents["collision"]
        assert len(parade.posts) == 3 and parade.closed_at is None
        on_post = db.session.scalars(
            select(PostAssignment).where(PostAssignment.on_post_at.is_not(None))
        ).all()
        assert [a.incident_id for a in on_post] == [collision.id]
        assert _count(EnforcementSession) == 2
        collision_id, period_id = collision.id, collision.periods[0].id
        parade_name = parade.name
    _log_in(demo_client, "cso.demo")
    today = demo_client.get("/today").get_data(as_text=True)
    assert "Your post" in today and "Northbound Pacific Ave (demo)" in today
    assert ">Relieved<" in today  # one tap away
    assert parade_name in demo_client.get("/traffic/").get_data(as_text=True)
    board = demo_client.get(f"/traffic/{collision_id}").get_data(as_text=True)
    assert f"/traffic/{collision_id}/periods/{period_id}/ics214.pdf" in board  # one tap
    assert f"/traffic/{collision_id}/periods/{period_id}/ics204.pdf" in board


def test_the_demo_has_blight_cases_at_every_step(demo_app, demo_client):
    from cso_field.auth.models import User
    from cso_field.citations import lists
    from cso_field.citations.models import BlightCase, Notice, Violation
    from cso_field.citations.services import may_cite

    with demo_app.app_context():
        cases = db.session.scalars(select(BlightCase)).all()
        assert {case.state for case in cases} >= {"observed", "warned", "cited", "appealed", "paid"}
        assert {case.party.language for case in cases} >= {"es", "km", "pa"}
        assert all(v.is_example for v in db.session.scalars(select(Violation)))
        assert lists.reinspections_due_count(department_today()) == 1
        fines = [item.fine_cents for case in cases for item in case.violations if item.fine_cents]
        assert 20_000 in fines  # the Khmer-reading owner's second citation for the section
        users = {u.username: u for u in db.session.scalars(select(User))}
        assert may_cite(users["cso.demo"]) and not may_cite(users["cso2.demo"])
        versions = db.session.scalars(
            select(Notice.version).where(Notice.kind == "warning").order_by(Notice.id)
        ).all()
        assert 2 in versions  # a corrected warning, its first version kept
        assert (
            db.session.scalar(select(func.count(Notice.id)).where(Notice.superseded_at.isnot(None)))
            == 1
        )
    _log_in(demo_client, "cso.demo")
    today = demo_client.get("/today").get_data(as_text=True)
    assert "1 reinspection due" in today
    assert "María López (demo)" in demo_client.get("/citations/reinspections").get_data(
        as_text=True
    )


def test_the_demo_survey_and_canvass_show_on_today_and_results(demo_app, demo_client):
    _log_in(demo_client, "cso.demo")
    today = demo_client.get("/today").get_data(as_text=True)
    assert "Canvass: Demo: N Hunter St, 100 block" in today
    assert "Demo: 109 N Hunter St" in today  # the door to come back to
    with demo_app.app_context():
        survey = db.session.scalars(select(Survey)).one()
        outcomes = {response.outcome for response in db.session.scalars(select(SurveyResponse))}
        languages = sorted(services.current_version(survey).languages)
    assert outcomes == {"no_answer", "declined", "completed", "come_back", "vacant"}
    assert languages == ["en", "es", "vi"]
    demo_client.post("/logout")
    _log_in(demo_client, "senior.demo")
    results = demo_client.get(f"/surveys/{survey.id}/results?lang=vi").get_data(as_text=True)
    assert "Mối quan tâm hàng đầu" in results and "Xe chạy nhanh ban đêm" in results


def test_the_demo_neighborhood_watch_has_two_groups_a_meeting_and_a_sign_up(demo_app, demo_client):
    _log_in(demo_client, "senior.demo")
    today = demo_client.get("/today").get_data(as_text=True)
    assert "2 sign-ups waiting for a group" in today  # one online, one made at a door
    assert "1 group with no recent meeting" in today  # Hunter Street met 100 days ago
    groups = demo_client.get("/watch/").get_data(as_text=True)
    assert "Demo: Hunter Street Watch" in groups and "Demo: Vigilancia Calle Lincoln" in groups
    assert "Demo: Pacific Avenue Watch" not in groups
    assert "Demo: Pacific Avenue Watch" in demo_client.get("/watch/archived").get_data(as_text=True)
    signups = demo_client.get("/watch/signups").get_data(as_text=True)
    assert "Demo: Lucía Ramírez" in signups
    assert "Demo: Carmen Flores" in signups and "at the door SR-" in signups
    with demo_app.app_context():
        group = db.session.scalar(
            select(WatchGroup).where(WatchGroup.name == "Demo: Hunter Street Watch")
        )
    page = demo_client.get(f"/watch/{group.id}").get_data(as_text=True)
    assert "Demo: Mai Nguyen" in page and "Car break-ins" in page


def test_the_demo_has_a_missing_adult_and_a_runaway_found_yesterday(demo_app, seeded_demo):
    from cso_field.missing_persons.models import MissingPerson, ParentNotification, Searcher

    with demo_app.app_context():
        reports = {r.report_type: r for r in db.session.scalars(select(MissingPerson))}
        adult, runaway = reports["dependent_adult"], reports["runaway"]
        assert adult.state == "open" and _count(Searcher) == 1
        assert runaway.state == "found"
        pending = {step.kind for step in runaway.steps if step.done_at is None}
        assert pending == {"mups_removal", "agency_notice"}
        letter = db.session.scalars(select(ParentNotification)).one()
        assert (letter.report_id, letter.language) == (runaway.id, "es")


def test_the_demo_custody_has_a_three_transfer_chain_and_a_delivery_awaiting_the_lab(
    demo_app, demo_client
):
    from cso_field.custody.models import CustodyItem, Transport

    _log_in(demo_client, "cso.demo")
    with demo_app.app_context():
        knife = db.session.scalar(select(CustodyItem).where(CustodyItem.kind == "evidence"))
        trip = db.session.scalars(select(Transport)).one()
        assert len(knife.transfers) == 3
        assert trip.closed_at is None and all(row.delivered_at for row in trip.items)
    form = demo_client.get(f"/custody/{knife.id}/form").get_data(as_text=True)
    assert form.count("SHA-256") == 6 and "Latent print examination" in form
    page = demo_client.get(f"/custody/transports/{trip.id}").get_data(as_text=True)
    assert "Laboratory receipt number" in page and "Close the trip" in page
    overdue = demo_client.get("/custody/samples?show=overdue").get_data(as_text=True)
    assert overdue.count("Demo: blood sample") == 0  # the list shows references, not text
    assert overdue.count("Overdue") == 1
    assert demo_client.get("/custody/samples").get_data(as_text=True).count("Mailed ") == 2
    seizures = demo_client.get("/custody/seizures/?state=review").get_data(as_text=True)
    assert "26-004530" in seizures and "$1,280.00" in seizures
    low = demo_client.get("/custody/supplies/?show=low").get_data(as_text=True)
    assert "Demo: narcotics test kits" in low and "Demo: evidence bags" not in low
