"""Field notes, the rules called directly: made once per client UUID with their photos and
place, nothing kept when a photo is refused, edits placed again, lists nearest first."""

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import event, func, select, update
from werkzeug.datastructures import FileStorage

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.field_notes.services import create_note, edit_note, list_notes, search
from cso_field.photos.models import Photo
from cso_field.photos.services import PhotoError
from cso_field.records.models import RecordVersion
from cso_field.records.services import RecordRuleError, SubmissionConflict
from cso_field.storage import get_storage
from tests.factories import FAR, HERE, NEAR

CONTENT = {
    "observation": "Streetlight out at the corner",
    "latitude": HERE[0],
    "longitude": HERE[1],
    "accuracy_m": 8.0,
    "address": "425 N El Dorado St",
}


@pytest.fixture
def author(app, users, tmp_path):
    app.config["PHOTO_STORAGE_DIR"] = str(tmp_path / "photos")
    app.extensions.pop("cso_storage", None)
    with app.test_request_context():
        yield users.cso()


def _photo(content: bytes | None = None) -> FileStorage:
    if content is None:
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
        content = buffer.getvalue()
    return FileStorage(io.BytesIO(content), filename="photo.png", content_type="image/png")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _create(author, client_uuid, content=CONTENT, uploads=()):
    return create_note(
        dict(content), draft=False, client_uuid=client_uuid, author=author, uploads=list(uploads)
    )


def test_a_note_is_made_once_per_client_uuid(author):
    key = uuid.uuid4()
    note, created = _create(author, key, uploads=[_photo()])
    again, created_again = _create(author, key, uploads=[_photo()])
    assert created and not created_again and again.id == note.id
    assert note.reference.startswith("FN-") and note.status == "submitted"
    assert _count(FieldNote) == 1 and _count(Photo) == 1 and _count(RecordVersion) == 1


def test_a_repeat_leaves_no_photo_files_behind(app, author, photo_store):
    photo_store.use(app)
    key = uuid.uuid4()
    _create(author, key, uploads=[_photo(), _photo()])
    assert len(photo_store.stored_keys()) == 6  # original, display copy, thumbnail of each
    _create(author, key, uploads=[_photo(), _photo()])
    assert len(photo_store.stored_keys()) == 6 and _count(Photo) == 2


def test_photos_are_stored_before_the_first_write(app, author):
    """On SQLite the first write takes the database's only write lock until the commit:
    decoding, resizing and writing photo files must all be done by then."""
    events = []
    storage = get_storage()
    put = storage.put

    def recording_put(key, data):
        events.append("file")
        put(key, data)

    def on_execute(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            events.append("write")

    storage.put = recording_put
    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        _create(author, uuid.uuid4(), uploads=[_photo(), _photo()])
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
        del storage.put
    assert events[:6] == ["file"] * 6 and "file" not in events[6:], events


def test_the_same_uuid_with_other_content_is_a_conflict(author):
    key = uuid.uuid4()
    _create(author, key)
    with pytest.raises(SubmissionConflict):
        _create(author, key, content={**CONTENT, "observation": "Something else"})


def test_a_refused_photo_keeps_nothing(author):
    with pytest.raises(PhotoError):
        _create(author, uuid.uuid4(), uploads=[_photo(b"<html>not a photo</html>")])
    assert _count(FieldNote) == 0 and _count(RecordVersion) == 0 and _count(Photo) == 0


def test_an_edit_is_versioned_and_a_new_place_is_placed_again(author):
    note, _created = _create(author, uuid.uuid4())
    changes = edit_note(note, author, {**CONTENT, "latitude": None, "longitude": None})
    assert set(changes) == {"latitude", "longitude"}
    assert edit_note(note, author, {**CONTENT, "latitude": None, "longitude": None}) == {}
    assert _count(RecordVersion) == 2


def test_notes_are_listed_nearest_first_or_newest_first(author):
    far, _ = _create(author, uuid.uuid4(), {**CONTENT, "latitude": FAR[0], "longitude": FAR[1]})
    near, _ = _create(author, uuid.uuid4(), {**CONTENT, "latitude": NEAR[0], "longitude": NEAR[1]})
    assert [note for note, _metres in list_notes(None, *HERE)[0]] == [near, far]
    assert [note for note, metres in list_notes(None, None, None)[0]] == [near, far]
    assert search("corner", author, 10)[0].reference in {near.reference, far.reference}


def test_an_edit_that_loses_the_race_to_an_approval_keeps_nothing(author):
    note, _created = create_note(
        {**CONTENT}, draft=False, client_uuid=uuid.uuid4(), author=author, uploads=[]
    )
    db.session.commit()
    with db.engine.connect() as reviewer:  # a Senior CSO approves it meanwhile
        reviewer.execute(update(FieldNote).where(FieldNote.id == note.id).values(status="approved"))
        reviewer.commit()
    with pytest.raises(RecordRuleError):
        edit_note(note, author, {**CONTENT, "observation": "Changed after approval"})
    db.session.expire_all()
    stored = db.session.get(FieldNote, note.id)
    assert stored.observation == CONTENT["observation"] and stored.status == "approved"
