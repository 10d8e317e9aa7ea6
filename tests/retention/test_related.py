"""Retention of personal data kept outside a record's own row: a blight case's party (shared by
the party's cases) and its issued notices' PDFs, and Neighborhood Watch members who left
their group or whose group was archived; and the periods the first test of test_services.py
does not reach (check visits' photos, canvassed doors). Past the period they are emptied;
held or recent ones stay; each run is audited and a second run finds nothing left."""

import io
import uuid
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cso_field.audit.models import AuditEvent
from cso_field.citations.models import BlightCase, Notice, ResponsibleParty
from cso_field.citations.services import open_case, warn
from cso_field.extensions import db
from cso_field.neighborhood_watch import services as watch
from cso_field.neighborhood_watch.models import WatchMember
from cso_field.numbers.models import DayCount
from cso_field.photos.models import Photo
from cso_field.photos.services import save_photos
from cso_field.retention import services as retention
from cso_field.surveys.services import start_canvass
from cso_field.timeutil import department_today, utcnow
from tests.factories import (
    blight_case,
    codebook_entry,
    contact,
    door_survey,
    make_check,
    party_data,
    png,
    train,
    visit,
    watch_group,
    watch_signup,
)

DAY = timedelta(days=1)
FIVE_YEARS = 5 * 365 * DAY


@pytest.fixture
def store(app, photo_store):
    photo_store.use(app)
    return photo_store


@pytest.fixture
def officer(app, users):
    with app.test_request_context():
        users.admin()
        user = users.cso(username="d.reyes", display_name="Dana Reyes")
        train(user, days_ago=900)
    return user


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def warned_case(officer, violation, with_photo=False, **party) -> BlightCase:
    """A case with a photo, warned (a notice PDF and its photo's print copy in storage)."""
    earlier = department_today() - 20 * DAY
    if with_photo:
        case, _created = open_case(
            {
                "address": "145 N El Dorado St",
                "parcel_number": None,
                "observation": "Weeds waist high",
                "latitude": 37.9585,
                "longitude": -121.2905,
                "accuracy_m": 8.0,
            },
            violation_ids=[violation.id],
            party=party_data(**party),
            client_uuid=uuid.uuid4(),
            author=officer,
            uploads=[FileStorage(io.BytesIO(png()), "yard.png")],
            today=earlier,
        )
    else:
        case = blight_case(officer, [violation], party=party_data(**party), today=earlier)
    warn(case, officer, today=earlier)
    return case


def close(*cases) -> None:
    for case in cases:
        case.closed_on = department_today()
    db.session.commit()


def district_numbers() -> list:
    """The district numbers' kept counts (citations issued, fines, members...)."""
    return sorted(tuple(row) for row in db.session.execute(select(DayCount.__table__)).all())


def forget_details() -> dict:
    forgets = select(AuditEvent).where(AuditEvent.action == "retention.forget")
    rows = db.session.scalars(forgets.order_by(AuditEvent.id))
    return {(row.object_type, row.object_id): row.detail for row in rows}


def test_a_closed_case_past_five_years_loses_its_party_and_notice_pdfs(officer, ctx, users, store):
    violation = codebook_entry("8.24.040")
    first = warned_case(officer, violation, with_photo=True)
    second = warned_case(officer, violation)  # the same party, held (an appeal)
    recent = warned_case(officer, violation, name="Luis Ruiz")  # closed later
    close(first, second)
    notice = db.session.scalar(select(Notice).where(Notice.case_id == first.id))
    files = {notice.pdf_key, notice.snapshot["photos"][0]["print_key"]}
    issued = (notice.snapshot["number"], notice.snapshot["violations"], notice.pdf_sha256)
    held_pdf = db.session.scalar(select(Notice.pdf_key).where(Notice.case_id == second.id))
    hold = retention.place_hold(second.reference, "Appeal pending", users.admin())
    assert files | {held_pdf} <= set(store.stored_keys())
    numbers = district_numbers()

    assert retention.run(now=utcnow() + FIVE_YEARS - DAY).forgotten == []
    dry = retention.run(dry_run=True, now=utcnow() + FIVE_YEARS + DAY)  # lists, keeps all
    assert [item.related for item in dry.forgotten] == [
        (f"notice {issued[0]}: PDF, 1 photo copies",)
    ]
    assert files <= set(store.stored_keys()) and notice.pdf_key in files
    report = retention.run(now=utcnow() + FIVE_YEARS + DAY)
    assert [(item.record_id, item.photos) for item in report.forgotten] == [(first.id, 1)]
    assert report.forgotten[0].related == (f"notice {issued[0]}: PDF, 1 photo copies",)
    db.session.expire_all()
    # The notice's files are gone; the notice keeps what the records schedule needs.
    assert not files & set(store.stored_keys())
    assert notice.pdf_key == "" and notice.snapshot["party"]["name"] == ""
    assert notice.snapshot["party"]["mailing_address"] == "" and notice.snapshot["photos"] == []
    assert (notice.snapshot["number"], notice.snapshot["violations"], notice.pdf_sha256) == issued
    assert first.party_name == "" and first.cited_on is None and first.warned_on
    # The party is shared with the held case: it keeps its details, and so does that case.
    assert first.party.name == "Rosa Martínez" and second.party_name == "Rosa Martínez"
    assert held_pdf in set(store.stored_keys())
    assert recent.party_name == "Luis Ruiz" and recent.party.mailing_address
    assert retention.run(now=utcnow() + FIVE_YEARS + DAY).forgotten == []  # idempotent

    retention.release_hold(hold, users.admin())
    report = retention.run(now=utcnow() + FIVE_YEARS + DAY)
    party_id = second.party_id
    # The first case's party may go now that no case of it is held; the second case goes.
    assert [(item.record_id, item.related) for item in report.forgotten] == [
        (first.id, (f"party {party_id}: name, mailing_address",)),
        (second.id, (f"notice {second_number(second)}: PDF, 0 photo copies",)),
    ]
    db.session.expire_all()
    party = db.session.get(ResponsibleParty, party_id)
    assert (party.name, party.mailing_address, party.party_key) == ("", "", f"forgotten:{party_id}")
    assert first.party_id == second.party_id == party_id  # still one party's cases
    assert held_pdf not in set(store.stored_keys())
    details = forget_details()
    assert details[("blight_case", str(first.id))].endswith(
        f"also party {party_id}: name, mailing_address"
    )
    assert details[("blight_case", str(second.id))].startswith(
        "blight_case.party: fields party_name"
    )
    assert retention.run(now=utcnow() + 10 * FIVE_YEARS).forgotten == []
    assert district_numbers() == numbers and numbers
    assert db.session.scalar(select(func.count(BlightCase.id))) == 3


def second_number(case: BlightCase) -> str:
    return db.session.scalar(select(Notice).where(Notice.case_id == case.id)).snapshot["number"]


def test_a_removed_notice_pdf_sends_staff_back_to_the_case(app, client, login, officer, store):
    with app.test_request_context():
        case = warned_case(officer, codebook_entry("8.24.040"))
    close(case)
    retention.run(now=utcnow() + FIVE_YEARS + DAY)
    notice_id = db.session.scalar(select(Notice.id).where(Notice.case_id == case.id))
    login(officer)
    response = client.get(f"/citations/notices/{notice_id}/pdf")
    assert response.status_code == 303 and response.location.endswith(f"/citations/{case.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "PDF removed after its retention period" in page


def test_members_who_left_or_whose_group_was_archived_are_forgotten(app, users, store):
    senior = users.senior()
    with current_app.test_request_context():
        group, archived = watch_group(senior), watch_group(senior, name="Oak Watch")
        left, stays, held, closed = (
            watch.add_to_group(
                watch_signup(
                    client_address=f"203.0.113.{number}",
                    name=name,
                    phone="209-555-0101",
                    email="neighbour@example.org",
                ),
                target,
                senior,
            )
            for number, (name, target) in enumerate(
                (
                    ("Mai Vang", group),
                    ("Tou Lee", group),
                    ("Sokha Chan", group),
                    ("Ana Ruiz", archived),
                )
            )
        )
        for member in (left, held):
            assert watch.remove_member(member, senior) is True
        assert watch.remove_member(left, senior) is False  # once
        watch.archive_group(archived, senior)
    signup_of_held = db.session.scalar(
        select(watch.WatchSignup.reference).where(watch.WatchSignup.member_id == held.id)
    )
    retention.place_hold(signup_of_held, "Request from counsel", users.admin())
    numbers = district_numbers()
    assert [member.id for member in group.members] == [stays.id]

    assert retention.run(now=utcnow() + 364 * DAY).forgotten == []
    report = retention.run(now=utcnow() + 366 * DAY)
    members = {item.record_id for item in report.forgotten if item.rule == "watch_member.contact"}
    assert members == {left.id, closed.id}
    db.session.expire_all()
    assert (left.name, left.phone, left.email, left.address) == ("", None, None, None)
    assert (closed.name, closed.phone) == ("", None)
    assert left.language == "vi" and left.joined_at and left.left_at  # the facts stay
    assert (stays.name, stays.phone) == ("Tou Lee", "209-555-0101")
    assert (held.name, held.phone) == ("Sokha Chan", "209-555-0101")
    assert db.session.scalar(select(func.count(WatchMember.id))) == 4  # the counts stay
    assert watch.member_counts([group, archived]) == {group.id: 1, archived.id: 1}
    assert district_numbers() == numbers
    assert forget_details()[("watch_member", str(left.id))] == (
        "watch_member.contact: fields name, phone, email, address; photos 0"
    )
    assert not [
        item
        for item in retention.run(now=utcnow() + 366 * DAY).forgotten
        if item.rule == "watch_member.contact"
    ]


def test_visit_photos_go_after_two_years_and_a_door_address_after_three(app, users, store):
    officer = users.cso()
    check = make_check(end_date=department_today())
    with current_app.test_request_context():
        seen = visit(check, officer)
        save_photos([FileStorage(io.BytesIO(png()), "gate.png")], seen, officer)
        db.session.commit()
        canvass = start_canvass(door_survey(officer), "Elm block", officer, uuid.uuid4())[0]
    door, held_door = (contact(app, canvass, officer, address=f"{n} Elm St") for n in (5, 7))
    retention.place_hold(held_door.reference, "Complaint under review", users.admin())
    photo = db.session.scalar(select(Photo).where(Photo.record_id == seen.id))
    keys = {photo.original_key, photo.display_key, photo.thumbnail_key}

    gone = {(i.rule, i.record_id) for i in retention.run(now=utcnow() + 731 * DAY).forgotten}
    assert ("check_visit.photos", seen.id) in gone and not keys & set(store.stored_keys())
    assert door.address == "5 Elm St"  # three years for a door
    later = retention.run(now=utcnow() + 1096 * DAY).forgotten
    assert [(item.rule, item.record_id, item.fields) for item in later] == [
        ("survey_response.door", door.id, ("address",))
    ]
    db.session.expire_all()
    assert door.address is None and door.outcome == "no_answer"
    assert held_door.address == "7 Elm St" and seen.outcome == "all_secure"
