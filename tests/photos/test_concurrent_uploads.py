"""Officers sending large photos at once: eight field notes with two 12-megapixel JPEGs each,
all at the same moment, to a real gunicorn server at its own concurrency (2 gthread workers
x 8 threads), on SQLite and on PostgreSQL.

The promise: no answer >= 500 (on SQLite, "database is locked" came from photo processing
done while the write lock was held), every note confirmed and stored once with both photos,
and a repeat of the same submissions (the phone's outbox) stores nothing twice and leaves
no photo file behind.
"""

import hashlib
import io
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from PIL import Image

from tests import fault_helpers as faults
from tests.factories import PASSWORD, UserFactory

NOTES = 8
PHOTOS_PER_NOTE = 2
WIDTH, HEIGHT = 4000, 3000  # 12 megapixels, as a phone camera takes them
NOTE_PATH = re.compile(r"^(?:https?://[^/]+)?/notes/(\d+)$")
REQUEST_TIMEOUT = 60.0  # large uploads on a shared machine; a 500 is what we look for


class Gunicorn(faults.GunicornServer):
    """The fault harness's server at the deployment's concurrency: 2 workers x 8 threads."""

    def start(self, ready_within: float = 30.0) -> None:
        command = [
            *(sys.executable, "-m", "gunicorn"),
            *("--worker-class", "gthread", "--workers", "2", "--threads", "8"),
            *("--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "3"),
            *("--log-level", "warning", "--error-logfile", str(self.log)),
            "app:app",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=faults.REPO_ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self.wait_healthy(ready_within)


def camera_jpeg(seed: int) -> bytes:
    """A 4000x3000 JPEG with fine detail, so it is as large as a phone's (~4-6 MB)."""
    side_w, side_h = WIDTH // 4, HEIGHT // 4
    noise = Image.frombytes("RGB", (side_w, side_h), os.urandom(side_w * side_h * 3))
    image = noise.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    image.paste((seed * 40 % 256, 90, 160), (0, 0, 400, 300))  # each photo its own bytes
    output = io.BytesIO()
    image.save(output, "JPEG", quality=88)
    return output.getvalue()


@pytest.fixture(scope="session")
def camera_photos() -> list[bytes]:
    photos = [camera_jpeg(seed) for seed in range(PHOTOS_PER_NOTE)]
    assert all(len(photo) > 3_000_000 for photo in photos), [len(p) for p in photos]
    return photos


@dataclass
class Note:
    number: int
    photos: list[bytes]
    client_uuid: uuid.UUID = field(default_factory=uuid.uuid4)

    def body(self, csrf_token: str) -> tuple[bytes, str]:
        boundary = uuid.uuid4().hex
        fields = {
            "csrf_token": csrf_token,
            "client_uuid": str(self.client_uuid),
            "observation": f"Large photos note {self.number}: graffiti on the overpass",
            "address": "425 N El Dorado St",
            "latitude": "37.9577",
            "longitude": "-121.2908",
            "accuracy_m": "8",
            "submit": "1",
        }
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        ]
        body = "".join(parts).encode()
        for number, photo in enumerate(self.photos, start=1):
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
                f'filename="IMG_{number:04d}.JPG"\r\nContent-Type: image/jpeg\r\n\r\n'
            )
            body += head.encode() + photo + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return body, f"multipart/form-data; boundary={boundary}"


def send_all_at_once(clients, notes) -> list[tuple[int | None, int | None, str]]:
    """Every note posted by its own officer at the same moment; (status, note id, detail)."""
    bodies = [note.body(client.csrf_token) for client, note in zip(clients, notes, strict=True)]
    start = threading.Barrier(len(notes))

    def send(client, body_and_type):
        body, content_type = body_and_type
        start.wait(timeout=30)
        try:
            status, headers, text = client.request(
                "/notes/new", body, {"Content-Type": content_type}
            )
        except OSError as error:
            return None, None, repr(error)
        location = headers.get("Location", "") if status == 303 else ""
        match = NOTE_PATH.match(location)
        return status, int(match.group(1)) if match else None, text[:300]

    with ThreadPoolExecutor(max_workers=len(notes)) as pool:
        return list(pool.map(send, clients, bodies))


@pytest.fixture
def officers_at_work(make_app, database_url_for_test, tmp_path, monkeypatch):
    """Eight CSOs logged in to gunicorn on the test's database; stopped at the end."""
    monkeypatch.setattr(faults, "REQUEST_TIMEOUT", REQUEST_TIMEOUT)
    app = make_app()
    usernames = [f"cso.photos{number}" for number in range(NOTES)]
    with app.app_context():
        for username in usernames:
            UserFactory(app).cso(username=username)
    photo_dir = tmp_path / "photos"
    photo_dir.mkdir()
    server = Gunicorn(
        database_url=database_url_for_test,
        photo_dir=photo_dir,
        instance_dir=tmp_path / "instance",
        log=tmp_path / "gunicorn.log",
    )
    try:
        server.start()
        clients = faults.logged_in_clients(server.base_url, usernames, PASSWORD)
        yield app, server, clients, photo_dir
    finally:
        server.stop()


def test_eight_notes_with_two_large_photos_each_at_once(officers_at_work, camera_photos):
    app, server, clients, photo_dir = officers_at_work
    notes = [Note(number, camera_photos) for number in range(NOTES)]

    began = time.monotonic()
    answers = send_all_at_once(clients, notes)
    elapsed = time.monotonic() - began

    failures = [answer for answer in answers if answer[0] is None or answer[0] >= 500]
    assert failures == [], (
        f"{len(failures)} of {NOTES} answered >= 500 or not at all in {elapsed:.1f} s: "
        f"{[(status, detail[:120]) for status, _, detail in failures]}\n{server.tail(20)}"
    )
    assert [status for status, _, _ in answers] == [303] * NOTES, answers
    assert_stored_once(app, photo_dir, notes, [note_id for _, note_id, _ in answers])

    # The outbox sends them all again (the answers were lost): the same notes, no new files.
    repeats = send_all_at_once(clients, notes)
    assert [(status, note_id) for status, note_id, _ in repeats] == [
        (303, note_id) for _, note_id, _ in answers
    ], repeats
    assert_stored_once(app, photo_dir, notes, [note_id for _, note_id, _ in answers])
    print(f"\n{NOTES} notes x {PHOTOS_PER_NOTE} photos of {WIDTH}x{HEIGHT}: {elapsed:.1f} s")


def assert_stored_once(app, photo_dir, notes: list[Note], note_ids: list[int]) -> None:
    report = faults.inspect_store(app, photo_dir)
    assert report.problems == [], report.problems
    assert report.orphan_files == [], f"{len(report.orphan_files)} files without a photo row"
    assert sum(len(rows) for rows in report.notes_by_uuid.values()) == NOTES
    for note, note_id in zip(notes, note_ids, strict=True):
        assert [row.id for row in report.notes_by_uuid[note.client_uuid]] == [note_id]
        stored = sorted(photo.sha256 for photo in faults.photos_of(app, note_id))
        assert stored == sorted(hashlib.sha256(photo).hexdigest() for photo in note.photos)
    assert report.photo_count == NOTES * PHOTOS_PER_NOTE
