"""Field notes exercise the shared record core: idempotent creation, history, review, deletion,
search and Today."""

import io
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.photos.models import Photo
from cso_field.records.models import RecordVersion
from cso_field.records.services import TODAY_SHOWN

STOCKTON = {"latitude": "37.9577", "longitude": "-121.2908", "accuracy_m": "12"}


def _note_data(**overrides):
    return {
        "client_uuid": str(uuid.uuid4()),
        "observation": "Streetlight out on the corner",
        "address": "425 N El Dorado St",
        "submit": "1",
        **STOCKTON,
        **overrides,
    }


def _count(model=FieldNote):
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def cso_client(client, users, login):
    login(users.cso(display_name="Dana Reyes"))
    return client


def test_cso_creates_a_note_with_a_reference_and_a_first_version(cso_client):
    response = cso_client.post("/notes/new", data=_note_data())
    assert response.status_code == 303
    note = db.session.scalars(select(FieldNote)).one()
    assert response.location == f"/notes/{note.id}"
    assert note.reference == f"FN-{note.created_at:%Y}-{note.id:06d}"
    assert (note.latitude, note.longitude, note.accuracy_m) == (37.9577, -121.2908, 12.0)
    assert note.status == "submitted"
    version = db.session.scalars(select(RecordVersion)).one()
    assert version.action == "created" and version.changes["observation"][1].startswith("Street")
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "field_note.create")
    ).one()
    page = cso_client.get(response.location).get_data(as_text=True)
    assert note.reference in page and "Streetlight out" in page and "History" in page


def test_same_submission_twice_returns_the_same_record(cso_client):
    data = _note_data()
    first = cso_client.post("/notes/new", data=data)
    second = cso_client.post("/notes/new", data=data)
    assert first.location == second.location
    assert _count() == 1


def test_same_uuid_with_different_content_is_refused(cso_client):
    data = _note_data()
    cso_client.post("/notes/new", data=data)
    response = cso_client.post("/notes/new", data={**data, "observation": "Something else"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "already sent with different content" in page and "Something else" in page
    assert _count() == 1


def test_twenty_parallel_identical_submissions_create_one_record(app, client, users, login):
    login(users.cso())
    cookie = client.get_cookie("cso_session").value
    data = _note_data()

    def submit(_):
        parallel_client = app.test_client()
        parallel_client.set_cookie("cso_session", cookie)
        return parallel_client.post("/notes/new", data=data)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(submit, range(20)))
    assert {response.status_code for response in responses} == {303}
    assert len({response.location for response in responses}) == 1
    assert _count() == 1
    assert _count(RecordVersion) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("observation", "", "Write what you observed"),
        ("observation", "x" * 10_000, "At most 5000"),
        ("observation", "bad\x00byte", "control characters"),
        ("client_uuid", "not-a-uuid", "damaged"),
        ("client_uuid", "", "damaged"),
        ("latitude", "91", "latitude"),
        ("longitude", "-181", "longitude"),
        ("latitude", "nan", "latitude"),
        ("accuracy_m", "0", "ccuracy"),
    ],
)
def test_bad_note_input_is_refused_and_kept(cso_client, field, value, message):
    response = cso_client.post("/notes/new", data=_note_data(**{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if field != "observation":
        assert "Streetlight out on the corner" in page
    assert _count() == 0


def test_a_note_needs_a_location_or_an_address(cso_client):
    data = _note_data(address="", latitude="", longitude="", accuracy_m="")
    response = cso_client.post("/notes/new", data=data)
    assert response.status_code == 422
    assert _count() == 0
    assert (
        cso_client.post(
            "/notes/new", data=_note_data(latitude="", longitude="", accuracy_m="")
        ).status_code
        == 303
    )


def test_htmx_validation_error_swaps_the_form_back(cso_client):
    response = cso_client.post(
        "/notes/new", data=_note_data(observation=""), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith("<form") and "<html" not in fragment
    success = cso_client.post("/notes/new", data=_note_data(), headers={"HX-Request": "true"})
    assert success.headers["HX-Redirect"].startswith("/notes/")


def test_edit_keeps_a_version_with_what_changed(cso_client):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    response = cso_client.post(
        f"/notes/{note.id}/edit",
        data={
            "observation": "Streetlight out; pole leaning",
            "address": "425 N El Dorado St",
            **STOCKTON,
        },
    )
    assert response.status_code == 303
    edited = db.session.scalars(select(RecordVersion).where(RecordVersion.action == "edited")).one()
    assert edited.changes == {
        "observation": ["Streetlight out on the corner", "Streetlight out; pole leaning"]
    }
    page = cso_client.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "Edited" in page and "pole leaning" in page
    cso_client.post("/language", data={"locale": "es"})
    spanish = cso_client.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "Historial" in spanish and "Editado" in spanish  # shown in the viewer's language


def test_only_the_author_edits(app, cso_client, users, login):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    other = login(users.cso(), test_client=app.test_client())
    assert other.get(f"/notes/{note.id}").status_code == 200
    assert other.get(f"/notes/{note.id}/edit").status_code == 403
    assert other.post(f"/notes/{note.id}/edit", data={"observation": "x"}).status_code == 403


def test_review_return_resubmit_approve(app, cso_client, users, login):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    senior = login(users.senior(), test_client=app.test_client())
    assert (
        senior.post(f"/records/field_note/{note.id}/return", data={"comment": ""}).status_code
        == 422
    )
    senior.post(f"/records/field_note/{note.id}/return", data={"comment": "Add the pole number"})
    db.session.refresh(note)
    assert note.status == "returned"
    today = cso_client.get("/today").get_data(as_text=True)
    assert "Add the pole number" in today and note.reference in today
    cso_client.post(f"/records/field_note/{note.id}/submit")
    db.session.refresh(note)
    assert note.status == "resubmitted"
    assert "Add the pole number" not in cso_client.get("/today").get_data(as_text=True)
    senior.post(f"/records/field_note/{note.id}/approve")
    db.session.refresh(note)
    assert note.status == "approved"
    assert cso_client.get(f"/notes/{note.id}/edit").status_code == 403
    actions = [
        v.action for v in db.session.scalars(select(RecordVersion).order_by(RecordVersion.version))
    ]
    assert actions == ["created", "returned", "submitted", "approved"]


def test_authors_and_csos_cannot_approve(app, users, login):
    senior = users.senior()
    senior_client = login(senior, test_client=app.test_client())
    senior_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    senior_client.post(f"/records/field_note/{note.id}/approve")
    db.session.refresh(note)
    assert note.status == "submitted"  # a Senior CSO does not approve their own record
    cso = login(users.cso(), test_client=app.test_client())
    assert cso.post(f"/records/field_note/{note.id}/approve").status_code == 403


def test_drafts_are_submitted_by_their_author(cso_client):
    cso_client.post("/notes/new", data=_note_data(submit="", save_draft="1"))
    note = db.session.scalars(select(FieldNote)).one()
    assert note.status == "draft"
    cso_client.post(f"/records/field_note/{note.id}/submit")
    db.session.refresh(note)
    assert note.status == "submitted"


def test_deleting_needs_a_reason_and_hides_the_record(app, cso_client, users, login):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    assert (
        cso_client.post(f"/records/field_note/{note.id}/delete", data={"reason": ""}).status_code
        == 422
    )
    response = cso_client.post(
        f"/records/field_note/{note.id}/delete", data={"reason": "Duplicate of an older note"}
    )
    assert response.status_code == 303
    assert _count() == 1  # never hard-deleted
    assert cso_client.get(f"/notes/{note.id}").status_code == 404
    assert note.reference not in cso_client.get("/notes/").get_data(as_text=True)
    assert note.reference not in cso_client.get("/search/?q=Streetlight").get_data(as_text=True)
    admin = login(users.admin(), test_client=app.test_client())
    page = admin.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "Duplicate of an older note" in page


def test_search_finds_notes_by_address_reference_and_text(cso_client):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    for text in ("el dorado", note.reference.lower(), "STREETLIGHT"):
        fragment = cso_client.get(f"/search/?q={text}", headers={"HX-Request": "true"})
        assert note.reference in fragment.get_data(as_text=True), text
    assert "Nothing found" in cso_client.get("/search/?q=zebra").get_data(as_text=True)
    assert cso_client.get("/search/?q=" + "x" * 500).status_code == 422
    wildcards = cso_client.get("/search/?q=%25%25%25").get_data(as_text=True)
    assert "Nothing found" in wildcards and note.reference not in wildcards


def test_today_lists_what_the_cso_recorded(cso_client):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    today = cso_client.get("/today").get_data(as_text=True)
    assert note.reference in today
    assert "Recorded today" in today and 'badge-status-submitted">Submitted<' in today


def test_today_lists_the_newest_few_and_my_records_has_the_rest(cso_client):
    for number in range(TODAY_SHOWN + 2):
        cso_client.post("/notes/new", data=_note_data(observation=f"Round number {number}"))
    notes = db.session.scalars(select(FieldNote).order_by(FieldNote.id)).all()
    today = cso_client.get("/today").get_data(as_text=True)
    today = today[today.index("Recorded today") :]  # past the flashed "saved" notices
    shown = [note.reference for note in notes if note.reference in today]
    assert shown == [note.reference for note in notes[2:]]  # the newest TODAY_SHOWN
    assert 'href="/records/mine"' in today


def test_today_shows_what_was_returned_with_the_comment(app, cso_client, users, login):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    senior = login(users.senior(), test_client=app.test_client())
    senior.post(f"/records/field_note/{note.id}/return", data={"comment": "Add the pole number."})
    today = cso_client.get("/today").get_data(as_text=True)
    assert "Returned to you for changes" in today and "Add the pole number." in today


def test_new_screen_offers_every_record_type(cso_client):
    page = cso_client.get("/new").get_data(as_text=True)
    assert "Field note" in page and 'href="/notes/new"' in page


def test_list_can_be_ordered_nearest_first(cso_client):
    near = _note_data(observation="near", latitude="37.9580", longitude="-121.2910")
    far = _note_data(observation="far", latitude="37.9900", longitude="-121.3300")
    for data in (far, near):
        cso_client.post("/notes/new", data=data)
    page = cso_client.get("/notes/?lat=37.9577&lon=-121.2908").get_data(as_text=True)
    assert page.index("near") < page.index("far")
    assert "m away" in page


# -- Photos through the form: content is checked, nothing half-saved ---------------------------


@pytest.fixture
def photos_stored(app, photo_store):
    """The local folder, then an S3 bucket: each test using it runs with both."""
    photo_store.use(app)
    return photo_store


def _png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return buffer.getvalue()


def _post_with_photos(client, files, **overrides):
    data = _note_data(**overrides)
    data["photos"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/notes/new", data=data, content_type="multipart/form-data")


def _stored(store):
    return store.stored_keys()


def test_note_with_photos_is_saved_with_them(cso_client, photos_stored):
    response = _post_with_photos(cso_client, [("a.png", _png()), ("b.png", _png((50, 20)))])
    assert response.status_code == 303
    assert _count(Photo) == 2 and len(_stored(photos_stored)) == 6  # original, display, thumb
    page = cso_client.get(response.location).get_data(as_text=True)
    assert page.count("/thumbnail") == 2


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("report.jpg", b"<html><script>alert(1)</script></html>", 422, "not a photo"),
        ("bomb.png", None, 422, "megapixels"),
    ],
)
def test_bad_photo_saves_nothing_at_all(cso_client, photos_stored, name, content, status, message):
    if content is None:
        cso_client.application.config["PHOTO_MAX_PIXELS"] = 100
        content = _png((200, 200))
    response = _post_with_photos(cso_client, [("good.png", _png()), (name, content)])
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page and "Streetlight out on the corner" in page
    assert _count() == 0 and _count(Photo) == 0 and _count(RecordVersion) == 0
    assert _stored(photos_stored) == []


def test_too_many_photos_is_413_and_saves_nothing(cso_client, photos_stored):
    cso_client.application.config["PHOTO_MAX_FILES"] = 2
    files = [(f"{number}.png", _png()) for number in range(3)]
    response = _post_with_photos(cso_client, files)
    assert response.status_code == 413
    assert _count() == 0 and _stored(photos_stored) == []


def test_author_adds_photos_to_an_existing_note(cso_client, photos_stored):
    cso_client.post("/notes/new", data=_note_data())
    note = db.session.scalars(select(FieldNote)).one()
    response = cso_client.post(
        f"/records/field_note/{note.id}/photos",
        data={"photos": [(io.BytesIO(_png()), "later.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert _count(Photo) == 1
    assert "Photos added" in cso_client.get(f"/notes/{note.id}").get_data(as_text=True)


def test_list_filters_by_district(cso_client, users, login, app):
    from cso_field.districts.services import parse_geojson, replace_districts

    square = [
        [-121.30, 37.95],
        [-121.28, 37.95],
        [-121.28, 37.97],
        [-121.30, 37.97],
        [-121.30, 37.95],
    ]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Downtown"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    replace_districts(parse_geojson(json.dumps(geojson)))
    db.session.commit()
    cso_client.post("/notes/new", data=_note_data(observation="inside downtown"))
    cso_client.post(
        "/notes/new",
        data=_note_data(observation="far north", latitude="38.05", longitude="-121.30"),
    )
    inside = db.session.scalars(
        select(FieldNote).where(FieldNote.observation == "inside downtown")
    ).one()
    assert inside.district_id is not None
    page = cso_client.get(f"/notes/?district={inside.district_id}").get_data(as_text=True)
    assert "inside downtown" in page and "far north" not in page
    assert "Downtown" in cso_client.get(f"/notes/{inside.id}").get_data(as_text=True)


def test_the_list_shows_25_notes_and_load_more_reaches_every_one(cso_client):
    for number in range(1, 53):
        data = _note_data(observation=f"Note number {number}.")
        assert cso_client.post("/notes/new", data=data).status_code == 303
    for path in ("/notes/", "/notes/?lat=37.9577&lon=-121.2908"):
        seen, pages = [], 0
        while path:
            text = cso_client.get(path, headers={"HX-Request": "true"} if pages else {})
            text = text.get_data(as_text=True)
            assert text.count('<li class="record">') <= 25 and (pages == 0) == ("<html" in text)
            seen += [int(n) for n in re.findall(r"Note number (\d+)\.", text)]
            more = re.search(r'class="load-more"><a class="button-secondary" href="([^"]+)"', text)
            path, pages = more and more.group(1).replace("&amp;", "&"), pages + 1
        assert sorted(seen) == list(range(1, 53)) and pages == 3
