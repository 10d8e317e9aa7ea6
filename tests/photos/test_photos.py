"""Photos: originals kept byte for byte, clean copies, refusals that leave nothing behind."""

import hashlib
import io
import os
import struct
import zlib
from uuid import uuid4

import pytest
from flask import render_template
from PIL import ExifTags, Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.photos.models import Photo
from cso_field.photos.services import (
    PhotoError,
    discard_files,
    photos_for,
    save_photos,
    unit_of_work,
)
from cso_field.records.models import RecordVersion
from cso_field.storage import InvalidKeyError, MissingFileError, StorageError, get_storage
from cso_field.timeutil import utcnow
from tests.factories import PASSWORD, UserFactory
from tests.ports import HOST, reserve_port


@pytest.fixture
def store(app, photo_store):
    """A photo folder, or an S3 prefix, of this test's own (each test runs with both);
    services run in a request, as in the app."""
    photo_store.use(app)
    with app.test_request_context():
        yield photo_store


def make_note(user, **fields) -> FieldNote:
    note = FieldNote(
        client_uuid=uuid4(),
        submission_hash="x" * 64,
        created_by_id=user.id,
        observation="Abandoned couch on the sidewalk",
        **fields,
    )
    db.session.add(note)
    db.session.flush()
    return note


def image_bytes(size=(64, 48), image_format="PNG", color=(200, 30, 30), **save_options) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, image_format, **save_options)
    return output.getvalue()


def phone_jpeg() -> bytes:
    """A 2000x1000 JPEG stored sideways (orientation 6) with GPS and camera tags."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (37.0, 57.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (121.0, 17.0, 24.0),
    }
    image = Image.new("RGB", (2000, 1000), (20, 120, 200))
    image.paste((250, 250, 0), (0, 0, 1000, 1000))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=90, exif=exif)
    data = output.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the test image really carries GPS
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def upload(data: bytes, filename: str = "photo.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def photo_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Photo))


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_original_is_kept_and_copies_are_upright_and_stripped(app, users, store):
    author = users.cso()
    note = make_note(author)
    original = phone_jpeg()

    [photo] = save_photos([upload(original, "IMG_0001.JPG")], note, author)

    storage = get_storage()
    assert storage.read(photo.original_key) == original
    assert hashlib.sha256(storage.read(photo.original_key)).hexdigest() == photo.sha256
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert (photo.content_type, photo.byte_size) == ("image/jpeg", len(original))
    assert (photo.width, photo.height) == (1000, 2000)  # upright
    assert "IMG_0001" not in photo.original_key  # keys are generated, never the file name

    display_bytes = storage.read(photo.display_key)
    display = open_image(display_bytes)
    assert display.format == "JPEG"
    assert display.size == (800, 1600)  # turned upright and scaled to 1600 px
    assert len(display.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(display.info)
    assert b"Exif" not in display_bytes and b"TestPhone" not in display_bytes
    # The yellow half was on the left of the stored pixels; orientation 6 puts it on top.
    assert display.getpixel((400, 200))[2] < 100
    assert display.getpixel((400, 1400))[2] > 150

    thumbnail_bytes = storage.read(photo.thumbnail_key)
    thumbnail = open_image(thumbnail_bytes)
    assert max(thumbnail.size) <= 320 and thumbnail.size == (160, 320)
    assert len(thumbnail.getexif()) == 0 and b"Exif" not in thumbnail_bytes
    assert photo.thumbnail_size == thumbnail.size

    db.session.commit()
    assert [p.id for p in photos_for(note)] == [photo.id]


def test_png_and_webp_are_accepted_and_empty_inputs_skipped(app, users, store):
    author = users.cso()
    note = make_note(author)
    transparent = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(transparent, "PNG")
    files = [
        upload(transparent.getvalue(), "drawing.png", "image/png"),
        upload(image_bytes(image_format="WEBP"), "p.webp", "image/webp"),
        FileStorage(stream=io.BytesIO(b""), filename="", content_type="application/octet-stream"),
    ]

    photos = save_photos(files, note, author)

    assert [p.content_type for p in photos] == ["image/png", "image/webp"]
    assert photos[0].original_key.endswith(".png") and photos[1].original_key.endswith(".webp")
    display = open_image(get_storage().read(photos[0].display_key))
    assert display.mode == "RGB" and display.getpixel((5, 5)) == (255, 255, 255)
    assert len(store.stored_keys()) == 6


def test_no_files_chosen_saves_nothing(app, users, store):
    author = users.cso()
    empty = FileStorage(stream=io.BytesIO(b""), filename="")
    assert save_photos([empty], make_note(author), author) == []
    assert photo_count() == 0


def assert_refused(files, note, user, store, status) -> PhotoError:
    with pytest.raises(PhotoError) as refused:
        save_photos(files, note, user)
    assert refused.value.status == status
    assert str(refused.value.message) == str(refused.value)
    assert store.stored_keys() == []
    assert photo_count() == 0
    return refused.value


def test_html_named_jpg_is_refused_and_nothing_is_stored(app, users, store):
    author = users.cso()
    note = make_note(author)
    html = b"<!doctype html><html><script>alert(1)</script></html>"
    good = upload(image_bytes(), "first.png", "image/png")

    error = assert_refused([good, upload(html, "evidence.jpg")], note, author, store, status=422)
    assert "evidence.jpg" in str(error.message)


def test_gif_is_refused(app, users, store):
    author = users.cso()
    gif = upload(image_bytes(image_format="GIF"), "animation.gif", "image/gif")
    error = assert_refused([gif], make_note(author), author, store, status=422)
    assert "JPEG, PNG or WebP" in str(error.message)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb's calling card)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused(app, users, store):
    author = users.cso()
    bomb = upload(png_declaring(60_000, 60_000), "bomb.png", "image/png")
    error = assert_refused([bomb], make_note(author), author, store, status=422)
    assert "megapixels" in str(error.message)


@pytest.mark.parametrize("size", [(11, 10), (30, 30)])  # just over the limit, and over twice it
def test_pixel_limit_follows_the_setting(make_app, photo_store, size):
    app = make_app(PHOTO_MAX_PIXELS=100, **photo_store.config)
    with app.app_context(), app.test_request_context():
        author = UserFactory(app).cso()
        note = make_note(author)
        photo = upload(image_bytes(size=size), "big.png", "image/png")
        assert_refused([photo], note, author, photo_store, status=422)
        assert save_photos([upload(image_bytes(size=(10, 10)), "ok.png")], note, author)


def test_too_many_files_is_413(app, users, store):
    author = users.cso()
    files = [upload(image_bytes(), f"{n}.png", "image/png") for n in range(9)]
    error = assert_refused(files, make_note(author), author, store, status=413)
    assert "at most 8 photos" in str(error.message)


def test_too_large_file_is_413(app, users, store):
    app.config["PHOTO_MAX_FILE_BYTES"] = 2000
    author = users.cso()
    noise = Image.frombytes("RGB", (100, 100), os.urandom(30_000))
    output = io.BytesIO()
    noise.save(output, "PNG")
    assert len(output.getvalue()) > 2000
    big = upload(output.getvalue(), "huge.png", "image/png")
    error = assert_refused([big], make_note(author), author, store, status=413)
    assert "huge.png" in str(error.message)


def test_storage_that_cannot_be_written_is_a_clean_error(app, users, tmp_path):
    not_a_folder = tmp_path / "photos"
    not_a_folder.write_text("a file where the photo folder should be")
    app.config["PHOTO_STORAGE_DIR"] = str(not_a_folder)
    author = users.cso()

    with pytest.raises(PhotoError) as refused:
        save_photos([upload(image_bytes(), "a.png")], make_note(author), author)

    assert refused.value.status == 503
    assert isinstance(refused.value.__cause__, StorageError)
    assert photo_count() == 0
    assert not_a_folder.read_text() == "a file where the photo folder should be"


class FailsAfter:
    """The real storage, until it "fills up" after a number of writes."""

    def __init__(self, storage, writes: int):
        self.storage = storage
        self.writes_left = writes

    def put(self, key: str, data: bytes) -> None:
        if self.writes_left == 0:
            raise StorageError("No space left on device")
        self.writes_left -= 1
        self.storage.put(key, data)

    def __getattr__(self, name: str):
        return getattr(self.storage, name)


def test_failure_midway_removes_files_already_written(app, users, store):
    app.extensions["cso_storage"] = FailsAfter(get_storage(), writes=4)  # photo 2 fails
    author = users.cso()
    files = [upload(image_bytes(), f"{n}.png", "image/png") for n in range(3)]

    assert_refused(files, make_note(author), author, store, status=503)


def test_discard_files_after_the_transaction_fails(app, users, store):
    author = users.cso()
    photos = save_photos([upload(image_bytes(), "a.png")], make_note(author), author)
    assert len(store.stored_keys()) == 3

    db.session.rollback()
    discard_files(photos)

    assert store.stored_keys() == []
    assert photo_count() == 0


def test_a_unit_of_work_that_fails_keeps_no_row_and_no_file(app, users, store):
    author = users.cso()
    note = make_note(author)
    db.session.commit()
    with pytest.raises(RuntimeError), unit_of_work() as unit:
        unit.save([upload(image_bytes(), "a.png")], note, author)
        assert len(store.stored_keys()) == 3
        raise RuntimeError("a later step of the same unit fails")
    assert store.stored_keys() == []
    assert photo_count() == 0


def test_a_unit_of_work_commits_rows_and_keeps_files(app, users, store):
    author = users.cso()
    note = make_note(author)
    with unit_of_work() as unit:
        unit.save([upload(image_bytes(), "a.png")], note, author)
    db.session.rollback()  # nothing left to undo: the unit committed
    assert photo_count() == 1 and len(store.stored_keys()) == 3


def test_a_unit_of_work_removes_files_stored_for_rows_never_added(app, users, store):
    """A repeated submission stores its uploads before it knows the record exists."""
    with unit_of_work() as unit:
        unit.store([upload(image_bytes(), "a.png")])
        assert len(store.stored_keys()) == 3
    assert store.stored_keys() == [] and photo_count() == 0


def test_a_unit_of_work_keeps_the_files_of_attached_photos_only(app, users, store):
    author = users.cso()
    note = make_note(author)
    with unit_of_work() as unit:
        [kept] = unit.store([upload(image_bytes(), "a.png")])
        [photo] = unit.attach(note, author)
        unit.store([upload(image_bytes(), "b.png")])
    assert photo.original_key == kept.original_key and photo_count() == 1
    assert len(store.stored_keys()) == 3 and kept.original_key in store.stored_keys()


def test_storage_refuses_keys_that_leave_its_folder(app, store):
    storage = get_storage()
    for key in ("../secret", "a/../../b", "/etc/passwd", "ab/../x", "", "A.JPG", "a\\b"):
        with pytest.raises(InvalidKeyError):
            storage.put(key, b"x")
        with pytest.raises(InvalidKeyError):
            storage.open(key)
    storage.put("ab/abc-original.jpg", b"data")
    assert storage.exists("ab/abc-original.jpg") and storage.read("ab/abc-original.jpg") == b"data"
    assert store.stored_keys() == ["ab/abc-original.jpg"]  # no temporary files left
    with pytest.raises(MissingFileError):
        storage.open("ab/other-original.jpg")
    storage.delete("ab/abc-original.jpg")
    storage.delete("ab/abc-original.jpg")  # already gone: fine
    assert not storage.exists("ab/abc-original.jpg")


@pytest.fixture
def saved_photo(app, users, store):
    author = users.cso(username="photo.author")
    note = make_note(author)
    [photo] = save_photos([upload(phone_jpeg(), "IMG_0002.JPG")], note, author)
    db.session.commit()
    return author, note, photo


@pytest.mark.parametrize("kind", ["thumbnail", "display"])
def test_author_and_other_staff_see_the_copies(app, users, login, saved_photo, kind):
    author, _note, photo = saved_photo
    for viewer in (author, users.cso(), users.senior()):
        client = login(viewer, test_client=app.test_client())
        response = client.get(f"/photos/{photo.id}/{kind}")
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.data == get_storage().read(getattr(photo, f"{kind}_key"))


def test_anonymous_is_sent_to_login(client, saved_photo):
    _author, _note, photo = saved_photo
    for kind in ("thumbnail", "display", "original"):
        response = client.get(f"/photos/{photo.id}/{kind}")
        assert response.status_code == 302
        assert response.location.startswith("/login")


def test_photo_of_deleted_record_is_hidden_except_from_admins(app, users, login, saved_photo):
    author, note, photo = saved_photo
    note.deleted_at = utcnow()
    db.session.commit()

    for viewer in (author, users.senior()):
        client = login(viewer, test_client=app.test_client())
        for kind in ("thumbnail", "display", "original"):
            assert client.get(f"/photos/{photo.id}/{kind}").status_code == 404
    admin = login(users.admin(), test_client=app.test_client())
    assert admin.get(f"/photos/{photo.id}/display").status_code == 200
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "photo.original.view")
        )
        == 0
    )


def test_missing_photo_is_404(client, users, login, saved_photo):
    login(users.cso())
    assert client.get("/photos/999999/thumbnail").status_code == 404


def test_original_download_is_exact_and_audited(client, users, login, saved_photo):
    _author, _note, photo = saved_photo
    viewer = users.senior()
    login(viewer)

    response = client.get(f"/photos/{photo.id}/original")

    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"photo-{photo.id}-original.jpg" in response.headers["Content-Disposition"]
    assert response.headers["X-Photo-SHA256"] == photo.sha256
    assert hashlib.sha256(response.data).hexdigest() == photo.sha256
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "photo.original.view")
    ).one()
    assert (event.actor_id, event.object_type, event.object_id) == (
        viewer.id,
        "photo",
        str(photo.id),
    )


def test_partials_render(app, saved_photo):
    _author, note, photo = saved_photo
    with app.test_request_context("/"):
        field = render_template("photos/_upload_field.html", photo_error="Too big")
        gallery = render_template("photos/_gallery.html", photos=photos_for(note))
    assert 'name="photos"' in field and "multiple" in field
    assert 'accept="image/jpeg,image/png,image/webp"' in field
    assert 'capture="environment"' in field
    assert "<progress" in field and "hidden" in field.split("<progress", 1)[1].split(">")[0]
    assert "Too big" in field and 'aria-invalid="true"' in field
    assert f'src="/photos/{photo.id}/thumbnail"' in gallery
    assert f'href="/photos/{photo.id}/display"' in gallery
    assert 'alt="Photo 1 of 1' in gallery and 'width="160" height="320"' in gallery


def test_an_original_changed_in_storage_is_not_handed_out(client, users, login, store, saved_photo):
    """The SHA-256 taken at upload is checked on every download of the original: a file
    changed in the folder or the bucket afterwards is refused, and the finding audited."""
    _author, _note, photo = saved_photo
    store.write(photo.original_key, phone_jpeg()[:-1] + b"\x00")  # one byte differs
    login(users.senior())

    response = client.get(f"/photos/{photo.id}/original")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "does not match the fingerprint (SHA-256)" in page
    assert "X-Photo-SHA256" not in response.headers
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "photo")
    ).all()
    assert actions == ["photo.original.mismatch"]
    # The copies made at upload are still shown; only the evidence itself is withheld.
    assert client.get(f"/photos/{photo.id}/display").status_code == 200


def test_a_missing_stored_file_is_404(client, users, login, store, saved_photo):
    _author, _note, photo = saved_photo
    get_storage().delete(photo.thumbnail_key)
    login(users.cso())
    assert client.get(f"/photos/{photo.id}/thumbnail").status_code == 404


# -- S3 that fails: the user gets the storage message (503), never a 500, and nothing is kept --


def unreachable(s3_server) -> dict:
    """The test bucket's settings, but an endpoint where nothing listens (see tests/ports)."""
    return {
        **s3_server.app_config("unreachable"),
        "S3_ENDPOINT_URL": f"http://{HOST}:{reserve_port()}",
    }


@pytest.mark.parametrize("failure", ["unreachable", "missing bucket"])
def test_a_bucket_that_fails_keeps_nothing_and_says_so(
    make_app, s3_server, s3_credentials, failure
):
    prefix = f"test-{os.urandom(6).hex()}"
    settings = (
        unreachable(s3_server)
        if failure == "unreachable"
        else s3_server.app_config(prefix, bucket="no-such-bucket")
    )
    app = make_app(**settings)
    with app.app_context():
        author = UserFactory(app).cso()
        note = make_note(author)
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"username": author.username, "password": PASSWORD})

        response = client.post(
            f"/records/field_note/{note.id}/photos",
            data={"photos": [(io.BytesIO(image_bytes()), f"{n}.png") for n in range(2)]},
            content_type="multipart/form-data",
        )

        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "The photos could not be saved, so nothing was saved" in page
        assert photo_count() == 0
        assert db.session.scalar(select(func.count()).select_from(RecordVersion)) == 0
        assert s3_server.keys(prefix) == [] and s3_server.keys("unreachable") == []


def test_photos_in_a_bucket_that_stops_answering_are_503(make_app, s3_server, s3_credentials):
    app = make_app(**s3_server.app_config(f"test-{os.urandom(6).hex()}"))
    with app.app_context(), app.test_request_context():
        author = UserFactory(app).cso()
        [photo] = save_photos([upload(image_bytes(), "a.png")], make_note(author), author)
        db.session.commit()
        username, photo_id = author.username, photo.id
    app.config.update(unreachable(s3_server))
    app.extensions.pop("cso_storage")
    with app.app_context():
        client = app.test_client()
        client.post("/login", data={"username": username, "password": PASSWORD})
        for kind in ("thumbnail", "display", "original"):
            response = client.get(f"/photos/{photo_id}/{kind}")
            assert response.status_code == 503, kind
            assert "The photo could not be loaded" in response.get_data(as_text=True)
