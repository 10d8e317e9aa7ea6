"""The restore drill: a database with records of every type and photos is backed up while an
officer keeps submitting notes, restored into an empty database and storage, and compared:
every row written before the backup began (records, versions, audit rows, photos' rows) is
there unchanged, every stored file byte-identical, and what arrived during the backup is
whole or absent. On SQLite and PostgreSQL (DATABASE_URL), on the local folder and on S3."""

import itertools
import json
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.operations.backup import MANIFEST, BackupError, restore
from cso_field.operations.models import BackupRun
from cso_field.photos.models import Photo
from cso_field.records.models import RecordVersion, ReviewTally
from cso_field.records.services import reviewed_models
from cso_field.records.tally import recount
from cso_field.storage import get_storage
from tests.conftest import PostgresDatabases
from tests.factories import PASSWORD, note_data
from tests.operations.department import fill

# Rows a request changes in place while the writer works (its session, login counters, and
# District numbers' kept counts, which its notes add to: checked against a recount instead).
COUNT_TABLE = "district_day_count"
VOLATILE_TABLES = {
    "user_session",
    "login_attempt",
    "login_throttle",
    "named_lock",
    "backup_run",
    COUNT_TABLE,
    "review_tally",  # counts that the writer's notes change; checked against a recount
}
_names = itertools.count()


@pytest.fixture
def empty_database(databases, tmp_path):
    """A new, empty database on the same server (or a new SQLite file)."""
    if not isinstance(databases, PostgresDatabases):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    name = f"{databases.template_url.database}_restore_{os.getpid()}_{next(_names)}"
    databases._execute(f'CREATE DATABASE "{name}"')
    yield databases.template_url.set(database=name).render_as_string(hide_password=False)
    databases._drop(name)


@pytest.fixture
def restored_store(photo_store, tmp_path, s3_server_or_none):
    """An empty storage of the same kind as the test's photo store."""
    if photo_store.kind == "local":
        return type(photo_store)(tmp_path / "restored-photos")
    return type(photo_store)(s3_server_or_none, f"restored-{os.urandom(6).hex()}")


@pytest.fixture
def s3_server_or_none(request, photo_store):
    return request.getfixturevalue("s3_server") if photo_store.kind == "s3" else None


def table_rows() -> dict[str, set]:
    """Every row of every table but the volatile ones, as tuples."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name not in VOLATILE_TABLES:
            rows[table.name] = {_hashable(row) for row in db.session.execute(select(table))}
    return rows


def _count_rows() -> set:
    """The kept counts that are not zero (a recount leaves out the zeros the kept ones keep)."""
    table = db.metadata.tables[COUNT_TABLE]
    query = select(table).where((table.c.count != 0) | (table.c.amount_cents != 0))
    return {_hashable(row) for row in db.session.execute(query)}


def _hashable(row) -> tuple:
    return tuple(
        json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
        for value in row
    )


def stored_files(store) -> dict[str, bytes]:
    storage = get_storage()
    return {key: storage.read(key) for key in store.stored_keys()}


class Writer(threading.Thread):
    """An officer submitting notes (one in three with a photo) until told to stop."""

    def __init__(self, app, username):
        super().__init__(daemon=True)
        self.client = app.test_client()
        response = self.client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302
        self.stop = threading.Event()
        self.statuses = []

    def run(self):
        for number in itertools.count():
            if self.stop.is_set():
                return
            data = note_data(observation=f"Note {number} written during the backup")
            if number % 3 == 0:
                from io import BytesIO

                from tests.factories import png

                data["photos"] = [(BytesIO(png()), "photo.png")]
            response = self.client.post("/notes/new", data=data, content_type="multipart/form-data")
            self.statuses.append(response.status_code)


def test_restore_drill(make_app, photo_store, restored_store, empty_database, tmp_path):
    app = make_app(**photo_store.config)
    photo_store.use(app)
    destination = tmp_path / "backup"
    with app.app_context():
        username = fill(app)
        writer = Writer(app, username)
        before_rows = table_rows()
        before_files = stored_files(photo_store)
        assert before_rows["field_note"] and before_rows["photo"] and before_files
        db.session.commit()
        writer.start()
        while len(writer.statuses) < 2:  # the writer is under way
            threading.Event().wait(0.05)
        result = app.test_cli_runner().invoke(args=["backup", str(destination)])
        writer.stop.set()
        writer.join(60)
        assert result.exit_code == 0, result.output
        assert "backup of the" in result.output
        assert set(writer.statuses) == {303}
        assert db.session.scalar(select(func.count(BackupRun.id))) == 1
    kind = make_url(empty_database).get_backend_name()
    assert (destination / ("database.sqlite" if kind == "sqlite" else "database.pgdump")).is_file()

    target = make_app(**restored_store.config, SQLALCHEMY_DATABASE_URI=empty_database)
    restored_store.use(target)
    result = target.test_cli_runner().invoke(args=["restore", str(destination)])
    assert result.exit_code == 0, result.output
    with target.app_context():
        after_rows = table_rows()
        for table, rows in before_rows.items():
            missing = rows - after_rows[table]
            assert not missing, f"{table}: {len(missing)} rows missing or changed"
        after_files = stored_files(restored_store)
        for key, data in before_files.items():
            assert after_files.get(key) == data, key
        _every_restored_note_is_whole(after_files)
        restored_counts = _count_rows()
        rebuilt = target.test_cli_runner().invoke(args=["numbers", "rebuild"])
        assert rebuilt.exit_code == 0, rebuilt.output
        assert _count_rows() == restored_counts  # the restored counts match the restored rows
        _the_review_tally_matches_the_restored_records()
        # The restored app works: it reads what it restored.
        client = target.test_client()
        client.post("/login", data={"username": username, "password": PASSWORD})
        assert client.get("/notes/").status_code == 200


def _the_review_tally_matches_the_restored_records() -> None:
    for model in reviewed_models():
        tallied = db.session.execute(
            select(ReviewTally.status, ReviewTally.author_id, ReviewTally.count).where(
                ReviewTally.record_type == model.record_type, ReviewTally.count != 0
            )
        )
        assert set(tallied) == set(db.session.execute(recount(model))), model.record_type


def _every_restored_note_is_whole(files: dict[str, bytes]) -> None:
    """Notes written during the backup: in it with their version, audit row and photo files,
    or not in it at all."""
    for note in db.session.scalars(select(FieldNote)):
        versions = db.session.scalar(
            select(func.count(RecordVersion.id)).where(
                RecordVersion.record_type == "field_note", RecordVersion.record_id == note.id
            )
        )
        audited = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.object_type == "field_note", AuditEvent.object_id == str(note.id)
            )
        )
        assert versions and audited, note.reference
    for photo in db.session.scalars(select(Photo)):
        assert photo.original_key in files and photo.thumbnail_key in files


def test_restore_names_a_corrupted_photo_and_restores_nothing(
    make_app, photo_store, restored_store, empty_database, tmp_path
):
    app = make_app(**photo_store.config)
    photo_store.use(app)
    destination = tmp_path / "backup"
    with app.app_context():
        fill(app)
        original = db.session.scalars(select(Photo.original_key)).first()
        assert app.test_cli_runner().invoke(args=["backup", str(destination)]).exit_code == 0
    damaged = destination / "files" / original
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")

    target = make_app(**restored_store.config, SQLALCHEMY_DATABASE_URI=empty_database)
    restored_store.use(target)
    result = target.test_cli_runner().invoke(args=["restore", str(destination)])
    assert result.exit_code != 0
    assert f"files/{original}" in result.output and "corrupted" in result.output
    assert restored_store.stored_keys() == []
    with target.app_context():
        assert db.inspect(db.engine).get_table_names() == []


def test_restore_refuses_a_database_that_is_not_empty(make_app, tmp_path, photo_store):
    app = make_app(**photo_store.config)
    photo_store.use(app)
    destination = tmp_path / "backup"
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["backup", str(destination)]).exit_code == 0
        assert (destination / MANIFEST).is_file()
        with pytest.raises(BackupError, match="database is not empty"):
            restore(destination)
    refused = app.test_cli_runner().invoke(args=["backup", str(destination)])
    assert refused.exit_code != 0 and "not empty" in refused.output
    assert not Path(tmp_path / "nothing").exists()
