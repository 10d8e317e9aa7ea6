"""Survived faults: field notes with a photo sent concurrently to a real gunicorn server
(2 gthread workers x 4 threads) while something breaks.

The promise to the officer: a note the server confirmed (303, or 200 + HX-Redirect for htmx)
is stored exactly once, with its version, its audit event and its photo whose original
matches its SHA-256. A note it did not confirm got a clear error (a 4xx/5xx page or no
response at all), left nothing half-written, and the phone's outbox can send it again with
the same client UUID until it is stored, once.

Faults: a worker killed with SIGKILL, PostgreSQL restarted, the photo folder gone.
"""

import io
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cso_field.photos.models import Photo
from tests import fault_helpers as faults
from tests.factories import PASSWORD, UserFactory
from tests.fault_helpers import _ensure_cluster_running

CLIENTS = 5
SUBMISSIONS = 20  # per burst
FAULT_AFTER = 6  # submissions started before the fault strikes
FILES_PER_PHOTO = 3  # original, display copy, thumbnail
USERNAME = "fault.cso"


@dataclass
class Field:
    app: object
    server: faults.GunicornServer
    photo_dir: Path
    database_url: str

    def clients(self) -> list[faults.Client]:
        """Five phones of one officer, each logged in once (its own session and CSRF token)."""
        return faults.logged_in_clients(self.server.base_url, [USERNAME] * CLIENTS, PASSWORD)

    def store(self) -> faults.StoreReport:
        return faults.inspect_store(self.app, self.photo_dir)


@pytest.fixture
def field(make_app, database_url_for_test, tmp_path):
    """The test's database with a CSO, and gunicorn serving it; stopped at the end."""
    app = make_app()
    with app.app_context():
        UserFactory(app).cso(username=USERNAME)
    photo_dir = tmp_path / "photos"
    photo_dir.mkdir()
    server = faults.GunicornServer(
        database_url=database_url_for_test,
        photo_dir=photo_dir,
        instance_dir=tmp_path / "instance",
        log=tmp_path / "gunicorn.log",
    )
    try:
        server.start()
        yield Field(app, server, photo_dir, database_url_for_test)
    finally:
        server.stop()


def assert_survived(
    field: Field,
    clients: list[faults.Client],
    first: list[faults.Outcome],
    *,
    orphans_allowed: int = 0,
    unconfirmed_have_no_rows: bool = False,
) -> dict:
    """The invariants, checked after the burst and again after the outbox retried."""
    for outcome in first:
        assert outcome.confirmed or faults.clean_failure(outcome), (
            f"submission {outcome.submission.number}: neither confirmed nor a clear error "
            f"(status {outcome.status}): {outcome.body[:300]}"
        )
    # Nothing half-written, whatever the fault interrupted.
    report = field.store()
    assert report.problems == [], report.problems
    for outcome in first:
        rows = report.notes_by_uuid.get(outcome.submission.client_uuid, [])
        if outcome.confirmed:
            assert [note.id for note in rows] == [outcome.note_id]
        else:
            assert len(rows) <= 1  # committed, but the answer was lost: the retry finds it
            if unconfirmed_have_no_rows:
                assert rows == [], f"a refused submission left note {rows[0].id}"

    # The outbox sends every unconfirmed note again, with the same UUID.
    retries = faults.retry_outbox(clients, first)
    for client_uuid, attempts in retries.items():
        assert attempts and attempts[-1].confirmed, (
            f"{client_uuid} never confirmed: {[(a.status, a.error) for a in attempts]}"
        )
        assert all(a.confirmed or faults.clean_failure(a) for a in attempts)

    # Exactly once: one note per submission, every confirmation pointing at it, and its
    # photo stored with the original's SHA-256.
    report = field.store()
    assert report.problems == [], report.problems
    submissions = [outcome.submission for outcome in first]
    assert sum(len(rows) for rows in report.notes_by_uuid.values()) == len(submissions)
    for outcome in first:
        submission = outcome.submission
        rows = report.notes_by_uuid.get(submission.client_uuid, [])
        assert len(rows) == 1, f"submission {submission.number}: {len(rows)} notes"
        confirmations = {outcome.note_id} | {
            attempt.note_id for attempt in retries.get(submission.client_uuid, [])
        }
        assert confirmations - {None} == {rows[0].id}
        assert rows[0].observation == submission.observation
        photos = faults.photos_of(field.app, rows[0].id)
        assert [photo.sha256 for photo in photos] == [submission.photo_sha256]
    assert report.photo_count == len(submissions)

    # Files of uploads that were cut short may stay on disk (nothing refers to them, no page
    # shows them); only as many as the unconfirmed uploads could have written.
    unconfirmed = sum(not outcome.confirmed for outcome in first)
    assert len(report.orphan_files) <= min(orphans_allowed, FILES_PER_PHOTO * unconfirmed), (
        report.orphan_files
    )
    return {
        "confirmed_first": len(first) - unconfirmed,
        "unconfirmed_first": unconfirmed,
        "statuses": sorted({str(outcome.status) for outcome in first}),
        "retries": sum(len(attempts) for attempts in retries.values()),
        "orphan_files": len(report.orphan_files),
    }


def test_notes_survive_a_killed_worker(field):
    """SIGKILL one worker mid-burst: its requests get no answer, the master starts a new
    worker, and the outbox's retries are stored once."""
    started = time.monotonic()
    clients = field.clients()
    killed = []

    def kill_a_worker():
        killed.append(field.server.kill_one_worker())

    first, fault_error = faults.burst(
        clients, faults.make_submissions(SUBMISSIONS), fault=kill_a_worker, fault_after=FAULT_AFTER
    )
    assert fault_error is None, fault_error
    assert killed, "the fault never ran"
    field.server.wait_for_workers(replacing=killed[0])
    # A killed worker may leave the files of uploads it was writing; a later sweep can go.
    stats = assert_survived(field, clients, first, orphans_allowed=FILES_PER_PHOTO * SUBMISSIONS)
    print(f"killed worker: {stats}, {time.monotonic() - started:.1f} s")


def test_notes_survive_a_postgresql_restart(postgres_cluster, field):
    """Restart PostgreSQL mid-burst: requests in flight fail with an error page, the pool
    (pool_pre_ping) reconnects, and the outbox's retries are stored once."""
    version = postgres_cluster
    port = make_url(field.database_url).port or 5432
    started = time.monotonic()
    clients = field.clients()

    def restart():
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            timeout=30,
            check=True,
            capture_output=True,
        )

    try:
        first, fault_error = faults.burst(
            clients, faults.make_submissions(SUBMISSIONS), fault=restart, fault_after=FAULT_AFTER
        )
    finally:
        _ensure_cluster_running(version, port)
    assert fault_error is None, fault_error
    # A commit cut off by the restart may or may not have happened; its photo files are kept
    # when the database cannot tell (see discard_files_unless_committed).
    stats = assert_survived(field, clients, first, orphans_allowed=FILES_PER_PHOTO * CLIENTS)
    print(f"postgresql restart: {stats}, {time.monotonic() - started:.1f} s")


def test_notes_survive_an_unwritable_photo_folder(field):
    """The photo folder is replaced by a file mid-burst: uploads are refused with the
    storage message (503), nothing of them is stored, and once the folder is back the same
    UUIDs are stored once."""
    started = time.monotonic()
    clients = field.clients()
    away = field.photo_dir.with_name("photos.away")

    def break_the_folder():
        field.photo_dir.rename(away)
        field.photo_dir.write_text("not a folder")

    try:
        first, fault_error = faults.burst(
            clients,
            faults.make_submissions(SUBMISSIONS),
            fault=break_the_folder,
            fault_after=FAULT_AFTER,
        )
        assert fault_error is None, fault_error
        refused = [outcome for outcome in first if not outcome.confirmed]
        assert refused, "no upload was refused while the folder was gone"
        for outcome in refused:
            assert outcome.status == 503, (outcome.status, outcome.error, outcome.body[:300])
            assert faults.STORAGE_ERROR_TEXT in outcome.body
        # While the folder is gone, retries are refused the same way.
        retry = clients[0].submit(refused[0].submission)
        assert retry.status == 503 and not retry.confirmed
    finally:
        if away.is_dir():
            if field.photo_dir.is_file():
                field.photo_dir.unlink()
            away.rename(field.photo_dir)
    # An upload that straddled the swap may leave files it could not remove (the folder it
    # wrote them in was gone); nothing refers to them.
    stats = assert_survived(
        field,
        clients,
        first,
        unconfirmed_have_no_rows=True,
        orphans_allowed=FILES_PER_PHOTO * CLIENTS,
    )
    print(f"photo folder gone: {stats}, {time.monotonic() - started:.1f} s")


def test_a_commit_whose_answer_is_lost_keeps_the_photo_files(
    app, client, users, login, tmp_path, monkeypatch
):
    """The database committed, then the connection dropped before it said so (PostgreSQL
    going down at the wrong moment): the request fails, but the note and its photo are
    stored, so their files must stay, and the outbox's retry is confirmed with them."""
    photo_dir = tmp_path / "photos"
    app.config["PHOTO_STORAGE_DIR"] = str(photo_dir)
    login(users.cso())
    real_commit = Session.commit
    lost = []

    def commit_then_lose_the_answer(session):
        holds_photos = any(
            isinstance(obj, Photo) for obj in [*session.new, *session.identity_map.values()]
        )
        real_commit(session)
        if holds_photos and not lost:
            lost.append(True)
            raise OperationalError("COMMIT", {}, OSError("server closed the connection"))

    monkeypatch.setattr(Session, "commit", commit_then_lose_the_answer)
    submission = faults.Submission(0)
    data = {
        "client_uuid": str(submission.client_uuid),
        "observation": submission.observation,
        "address": "425 N El Dorado St",
        "submit": "1",
    }

    def send():
        return client.post(
            "/notes/new",
            data={**data, "photos": (io.BytesIO(submission.photo), "photo.png")},
            content_type="multipart/form-data",
        )

    failed = send()
    assert failed.status_code == 503 and failed.headers["Retry-After"]  # try again shortly
    assert lost, "the commit was never interrupted"
    report = faults.inspect_store(app, photo_dir)
    assert report.problems == [], report.problems
    (note,) = report.notes_by_uuid[submission.client_uuid]

    retry = send()
    assert retry.status_code == 303 and retry.location == f"/notes/{note.id}"
    assert [photo.sha256 for photo in faults.photos_of(app, note.id)] == [submission.photo_sha256]
