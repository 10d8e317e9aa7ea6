"""Two app servers, one department: the deployment the README describes for growing past one
machine. Two gunicorn servers on their own ports share one database (PostgreSQL in CI's
second run; the same SQLite file in its first) and one S3 bucket (moto's server, see
tests/s3_server.py), and nothing a user does depends on which of them answers:

- a session made on one works on the other, and logging out on either ends it on both;
- a photo uploaded through one is served, checked against its SHA-256, by the other;
- failed logins counted on both lock the account on both;
- two `flask mail send` workers running at the same moment deliver each message once.

Everything goes over real HTTP and SMTP on 127.0.0.1, CSRF tokens read from the forms.
"""

import asyncio
import contextlib
import hashlib
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.mail import OutboxMessage, queue_mail
from tests import fault_helpers as faults
from tests.factories import PASSWORD, UserFactory
from tests.smtp_server import RecordingHandler, SMTPServer

LOCKOUT_THRESHOLD = 3
WRONG = "not the password 123"
_PHOTO = re.compile(r"/photos/(\d+)/thumbnail")


def shared_settings(s3_server, prefix: str) -> dict[str, str]:
    """What every server of the department gets alike: the secret key (in GunicornServer),
    the bucket and its keys, and the limits."""
    return {**s3_server.environment(prefix), "LOCKOUT_THRESHOLD": str(LOCKOUT_THRESHOLD)}


@pytest.fixture
def department(make_app, database_url_for_test, s3_server, tmp_path):
    """The test's database with two officers, and the settings both servers share."""
    app = make_app()
    with app.app_context():
        users = UserFactory(app)
        users.cso(username="cso.first")
        users.cso(username="cso.locked")
    settings = shared_settings(s3_server, f"two-servers-{os.urandom(6).hex()}")
    return app, database_url_for_test, settings


@pytest.fixture
def two_servers(department, tmp_path):
    """Two gunicorn servers, each with its own instance folder and (unused) photo folder."""
    _app, database_url, settings = department
    servers = [
        faults.GunicornServer(
            database_url=database_url,
            photo_dir=tmp_path / f"photos-{name}",
            instance_dir=tmp_path / f"instance-{name}",
            log=tmp_path / f"gunicorn-{name}.log",
            env=settings,
            workers=1,
        )
        for name in ("a", "b")
    ]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def browser_on(first: faults.Client, server: faults.GunicornServer) -> faults.Client:
    """The same browser (its cookies) sending to another server, as a proxy would."""
    other = faults.Client(server.base_url)
    other.opener = first.opener
    return other


def login_status(server: faults.GunicornServer, username: str, password: str) -> int:
    """A fresh browser's login on `server`: 302 when logged in, 422 when refused."""
    client = faults.Client(server.base_url)
    token = client._token_from("/login")
    form = {"csrf_token": token, "username": username, "password": password}
    status, _headers, _body = client.request(
        "/login",
        urllib.parse.urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    return status


def test_two_servers_share_sessions_photos_and_lockouts(department, two_servers, s3_server):
    app, _database_url, settings = department
    server_a, server_b = two_servers

    # A session made on A works on B.
    on_a = faults.Client(server_a.base_url)
    on_a.log_in("cso.first", PASSWORD)
    on_b = browser_on(on_a, server_b)
    status, _headers, page = on_b.request("/notes/new")
    assert status == 200 and 'name="observation"' in page
    assert faults.Client(server_b.base_url).request("/notes/new")[0] == 302  # no cookie: login

    # A photo uploaded through B is served by A, the original checked and exact.
    on_b.csrf_token = on_b._token_from("/notes/new")
    submission = faults.Submission(1)
    outcome = on_b.submit(submission)
    assert outcome.confirmed, (outcome.status, outcome.body[:300])
    status, _headers, note_page = on_a.request(f"/notes/{outcome.note_id}")
    [photo_id] = _PHOTO.findall(note_page)
    original = raw_get(on_a, f"/photos/{photo_id}/original")
    assert original.status == 200
    assert hashlib.sha256(original.body).hexdigest() == submission.photo_sha256
    assert original.headers["X-Photo-SHA256"] == submission.photo_sha256
    assert raw_get(on_a, f"/photos/{photo_id}/thumbnail").body.startswith(b"\xff\xd8")
    prefix = settings["PHOTO_STORAGE_URL"].split("/", 3)[3]
    assert len(s3_server.keys(prefix)) == 3  # original, display copy, thumbnail: in the bucket
    for server in two_servers:  # and on neither server's disk
        assert not _has_files(Path(server.env["PHOTO_STORAGE_DIR"]))

    # Failed logins counted on both servers lock the account on both.
    failures = [
        login_status(server, "cso.locked", WRONG)
        for server in (server_a, server_b, server_a)[:LOCKOUT_THRESHOLD]
    ]
    assert failures == [422] * LOCKOUT_THRESHOLD
    assert login_status(server_b, "cso.locked", PASSWORD) == 422
    assert login_status(server_a, "cso.locked", PASSWORD) == 422
    with app.app_context():
        locked = db.session.scalars(select(User).where(User.username == "cso.locked")).one()
        assert locked.locked_until is not None

    # Logging out on B ends the session on A too (sessions live in the database).
    token = on_b._token_from("/notes/new")
    status, headers, _ = on_b.request(
        "/logout",
        urllib.parse.urlencode({"csrf_token": token}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302 and "/login" in headers["Location"]
    status, headers, _ = on_a.request("/notes/new")
    assert status == 302 and "/login" in headers["Location"]


class _Response:
    def __init__(self, status, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body


def raw_get(client: faults.Client, path: str) -> _Response:
    """A GET whose body stays bytes (photos)."""
    request = urllib.request.Request(client.base_url + path)  # noqa: S310 (http://127.0.0.1)
    with client.opener.open(request, timeout=faults.REQUEST_TIMEOUT) as response:
        return _Response(response.status, response.headers, response.read())


def _has_files(folder: Path) -> bool:
    return folder.exists() and any(path.is_file() for path in folder.rglob("*"))


# -- Two mail workers ------------------------------------------------------------------------


class HoldsTheFirstMessage(RecordingHandler):
    """Keeps the first message waiting at DATA until a message arrives over another
    connection: the two workers are then certainly sending at the same moment."""

    def __init__(self) -> None:
        super().__init__()
        self.first_session = None
        self.other_sender_seen = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.first_session is None:
            self.first_session = session
        if session is self.first_session:
            # A deadline for a broken run, not a measure: the test asserts the event itself.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.other_sender_seen.wait(), timeout=120)
        else:
            self.other_sender_seen.set()
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def held_smtp_server():
    server = SMTPServer()
    server.handler = HoldsTheFirstMessage()
    server.start()
    yield server
    server.stop()


def test_two_mail_workers_deliver_each_message_exactly_once(department, held_smtp_server, tmp_path):
    app, database_url, settings = department
    subjects = [f"Two servers message {number}" for number in range(20)]
    with app.app_context():
        for number, subject in enumerate(subjects):
            queue_mail(
                dedupe_key=f"two-servers:{number}",
                recipient=f"resident{number}@example.org",
                subject=subject,
                body_text="Hello.\n",
                language="en",
            )
        db.session.commit()

    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "mail", "send", "--limit", "100"],
            cwd=faults.REPO_ROOT,
            env={
                **os.environ,
                **settings,
                "DATABASE_URL": database_url,
                "SECRET_KEY": faults.SECRET_KEY,
                "CSO_ENV": "development",
                "CSO_INSTANCE_PATH": str(tmp_path / f"instance-mail-{number}"),
                "MAIL_SERVER": held_smtp_server.host,
                "MAIL_PORT": str(held_smtp_server.port),
                "MAIL_TIMEOUT_SECONDS": "150",  # the first message is held until both send
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for number in range(2)
    ]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert held_smtp_server.handler.other_sender_seen.is_set(), outputs
    received = sorted(message["Subject"] for message in held_smtp_server.messages)
    assert received == sorted(subjects)  # every message, each exactly once
    sent = [int(re.search(r"mail: (\d+) sent", output).group(1)) for output in outputs]
    assert sum(sent) == len(subjects) and min(sent) >= 1, outputs
    with app.app_context():
        unsent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
        assert unsent.all() == []
