"""Pieces for tests/test_faults.py: a real gunicorn server, a browser-like client with an
outbox, bursts of concurrent field notes, and a check of everything that was stored.

Only 127.0.0.1; every request has a time-out and every loop a deadline.
"""

import hashlib
import http.client
import http.cookiejar
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.ports import reserve_port

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 5.0
SECRET_KEY = "fault-test-secret-key-not-for-production"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_NOTE_PATH = re.compile(r"^(?:https?://[^/]+)?/notes/(\d+)$")
STORAGE_ERROR_TEXT = "The photos could not be saved"


# -- The server ---------------------------------------------------------------------------


class GunicornServer:
    """`gunicorn app:app` with 2 gthread workers of 4 threads, on a free local port (one that
    no other xdist worker can take meanwhile: see tests/ports.py); `env` adds settings."""

    def __init__(
        self,
        *,
        database_url: str,
        photo_dir: Path,
        instance_dir: Path,
        log: Path,
        env: dict[str, str] | None = None,
        workers: int = 2,
    ):
        self.port = reserve_port()
        self.workers = workers
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "CSO_ENV": "development",
            "PHOTO_STORAGE_DIR": str(photo_dir),
            "CSO_INSTANCE_PATH": str(instance_dir),
            "GEOCODER": "none",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, ready_within: float = 60.0) -> None:
        """Start gunicorn and wait until both workers answer; a 2-core machine that also runs
        the other xdist workers' tests may need a good part of a minute for that."""
        command = [
            *(sys.executable, "-m", "gunicorn"),
            *("--worker-class", "gthread", "--workers", str(self.workers), "--threads", "4"),
            *("--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "3"),
            *("--log-level", "warning", "--error-logfile", str(self.log)),
            "app:app",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self.wait_healthy(ready_within)

    def wait_healthy(self, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/login", timeout=1) as response:  # noqa: S310
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not healthy within {within} s:\n{self.tail()}")

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (gunicorn's workers are its only ones)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                pids.append(int(entry.name))
        return sorted(pids)

    def kill_one_worker(self) -> int:
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def wait_for_workers(self, replacing: int, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == self.workers and replacing not in pids:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the master did not replace worker {replacing}:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # quick shutdown: nothing is left to serve
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# -- The client ---------------------------------------------------------------------------


@dataclass
class Submission:
    """One field note in a phone's outbox: the same UUID and bytes on every retry."""

    number: int
    client_uuid: uuid.UUID = field(default_factory=uuid.uuid4)
    photo: bytes = b""
    htmx: bool = False

    def __post_init__(self):
        if not self.photo:
            self.photo = random_png()

    @property
    def observation(self) -> str:
        return f"Fault test note {self.number}: broken streetlight"

    @property
    def photo_sha256(self) -> str:
        return hashlib.sha256(self.photo).hexdigest()


@dataclass
class Outcome:
    submission: Submission
    status: int | None  # None: no HTTP response at all (connection refused, reset, time-out)
    note_id: int | None = None
    error: str = ""
    body: str = ""

    @property
    def confirmed(self) -> bool:
        return self.note_id is not None


def random_png(side: int = 24) -> bytes:
    output = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(output, "PNG")
    return output.getvalue()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A phone's browser: a cookie jar, a CSRF token from the form, no redirects followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.csrf_token = ""

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        """(status, headers, body); an HTTP error status is a response, not an exception."""
        request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
            self.base_url + path, data=data, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.headers, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read().decode(errors="replace")

    def _token_from(self, path: str) -> str:
        status, _headers, body = self.request(path)
        match = _CSRF.search(body)
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token on {path} (status {status})")
        return match.group(1) or match.group(2)

    def log_in(self, username: str, password: str) -> None:
        status, headers, _ = self.request("/login")
        if status in (302, 303) and "/login" not in headers.get("Location", "/login"):
            # A retry after an earlier try logged in but lost a later answer.
            self.csrf_token = self._token_from("/notes/new")
            return
        token = self._token_from("/login")
        body = urllib.parse.urlencode(
            {"csrf_token": token, "username": username, "password": password}
        ).encode()
        status, headers, _ = self.request(
            "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status in (302, 303) and headers.get("Location", "").endswith("/login/verify"):
            status, headers = self._second_step(username)
        if status not in (302, 303) or "/login" in headers.get("Location", "/login"):
            raise RuntimeError(f"login refused for {username} (status {status})")
        self.csrf_token = self._token_from("/notes/new")

    def _second_step(self, username: str):
        """A user enrolled with the factory's key answers the code of the moment."""
        from tests.factories import TOTP_SECRET, totp_code

        body = urllib.parse.urlencode(
            {"csrf_token": self._token_from("/login/verify"), "code": totp_code(TOTP_SECRET)}
        ).encode()
        status, headers, _ = self.request(
            "/login/verify", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        return status, headers

    def submit(self, submission: Submission) -> Outcome:
        fields = {
            "csrf_token": self.csrf_token,
            "client_uuid": str(submission.client_uuid),
            "observation": submission.observation,
            "address": "425 N El Dorado St",
            "latitude": "37.9577",
            "longitude": "-121.2908",
            "accuracy_m": "12",
            "submit": "1",
        }
        body, content_type = multipart(fields, [("photos", "photo.png", submission.photo)])
        headers = {"Content-Type": content_type}
        if submission.htmx:
            headers |= {"HX-Request": "true", "HX-Current-URL": f"{self.base_url}/notes/new"}
        try:
            status, response_headers, text = self.request("/notes/new", body, headers)
        except (OSError, http.client.HTTPException) as error:  # URLError, reset, time-out
            return Outcome(submission, None, error=repr(error))
        location = (
            response_headers.get("HX-Redirect")
            if submission.htmx and status == 200
            else response_headers.get("Location")
            if status == 303
            else None
        )
        match = _NOTE_PATH.match(location or "")
        note_id = int(match.group(1)) if match else None
        return Outcome(submission, status, note_id=note_id, body=text)


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# -- Bursts and the outbox ----------------------------------------------------------------


def logged_in_clients(base_url: str, usernames: list[str], password: str) -> list[Client]:
    """Log each client in once, all at once; a slow machine gets three tries each."""
    clients = [Client(base_url) for _ in usernames]

    def log_in(client: Client, username: str) -> None:
        for attempt in range(3):
            try:
                client.log_in(username, password)
                return
            except (OSError, http.client.HTTPException, RuntimeError):
                if attempt == 2:
                    raise
                time.sleep(0.5)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(log_in, clients, usernames))
    return clients


def make_submissions(count: int) -> list[Submission]:
    """Every other one sent the htmx way (200 + HX-Redirect), the rest as a plain form (303)."""
    return [Submission(number, htmx=number % 2 == 1) for number in range(count)]


def burst(
    clients: list[Client],
    submissions: list[Submission],
    *,
    fault: Callable[[], None] | None = None,
    fault_after: int = 0,
) -> tuple[list[Outcome], BaseException | None]:
    """Each client sends its share one after another, all clients at once; `fault` runs in
    its own thread as soon as `fault_after` submissions have been started.

    Returns the outcomes in submission order and whatever the fault raised.
    """
    started = 0
    lock = threading.Lock()
    go = threading.Event()
    fault_error: list[BaseException] = []

    def send(client: Client, share: list[Submission]) -> list[Outcome]:
        nonlocal started
        outcomes = []
        for submission in share:
            with lock:
                started += 1
                if started > fault_after:
                    go.set()
            outcomes.append(client.submit(submission))
        return outcomes

    def inject():
        if go.wait(timeout=30):
            try:
                fault()
            except BaseException as error:  # reported to the test, never swallowed
                fault_error.append(error)

    injector = threading.Thread(target=inject, daemon=True) if fault else None
    if injector:
        injector.start()
    shares = [submissions[index :: len(clients)] for index in range(len(clients))]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = list(pool.map(send, clients, shares))
    go.set()
    if injector:
        injector.join(timeout=40)
    by_number = {outcome.submission.number: outcome for result in results for outcome in result}
    return [by_number[number] for number in sorted(by_number)], (
        fault_error[0] if fault_error else None
    )


def retry_outbox(
    clients: list[Client], outcomes: list[Outcome], within: float = 20.0
) -> dict[uuid.UUID, list[Outcome]]:
    """Resend every unconfirmed submission with its own UUID until the server confirms it,
    as the phone's outbox does; returns each one's retry outcomes (last one confirmed unless
    the deadline passed)."""
    deadline = time.monotonic() + within
    pending = [outcome.submission for outcome in outcomes if not outcome.confirmed]
    attempts: dict[uuid.UUID, list[Outcome]] = {item.client_uuid: [] for item in pending}

    def resend(client: Client, share: list[Submission]) -> None:
        for submission in share:
            while time.monotonic() < deadline:
                outcome = client.submit(submission)
                attempts[submission.client_uuid].append(outcome)
                if outcome.confirmed:
                    break
                time.sleep(0.25)

    if pending:
        shares = [pending[index :: len(clients)] for index in range(len(clients))]
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            list(pool.map(resend, clients, shares))
    return attempts


def clean_failure(outcome: Outcome) -> bool:
    """Not confirmed, and told so plainly: an error status or no response at all."""
    return not outcome.confirmed and (outcome.status is None or outcome.status >= 400)


# -- What was stored ----------------------------------------------------------------------


@dataclass
class StoreReport:
    notes_by_uuid: dict[uuid.UUID, list] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)
    photo_count: int = 0


def inspect_store(app, photo_dir: Path) -> StoreReport:
    """Every note with its version and audit rows; every photo row with its files, whose
    original matches its SHA-256; and every file on disk belonging to a photo row."""
    from cso_field.audit.models import AuditEvent
    from cso_field.extensions import db
    from cso_field.field_notes.models import FieldNote
    from cso_field.photos.models import Photo
    from cso_field.records.models import RecordVersion

    report = StoreReport()
    with app.app_context():
        try:
            notes = db.session.scalars(select(FieldNote)).all()
            photos = db.session.scalars(select(Photo)).all()
            created = {
                record_id
                for (record_id,) in db.session.execute(
                    select(RecordVersion.record_id).where(
                        RecordVersion.record_type == "field_note",
                        RecordVersion.action == "created",
                    )
                )
            }
            audited = {
                object_id
                for (object_id,) in db.session.execute(
                    select(AuditEvent.object_id).where(AuditEvent.action == "field_note.create")
                )
            }
            note_ids = {note.id for note in notes}
            for note in notes:
                report.notes_by_uuid.setdefault(note.client_uuid, []).append(note)
                if note.id not in created:
                    report.problems.append(f"note {note.id} has no 'created' version")
                if str(note.id) not in audited:
                    report.problems.append(f"note {note.id} has no audit event")
                if not note.reference:
                    report.problems.append(f"note {note.id} has no reference")
            keys = set()
            for photo in photos:
                report.photo_count += 1
                if photo.record_type == "field_note" and photo.record_id not in note_ids:
                    report.problems.append(f"photo {photo.id} belongs to no note")
                for key in (photo.original_key, photo.display_key, photo.thumbnail_key):
                    keys.add(key)
                    if not (photo_dir / key).is_file():
                        report.problems.append(f"photo {photo.id} is missing its file {key}")
                original = photo_dir / photo.original_key
                if original.is_file() and (
                    hashlib.sha256(original.read_bytes()).hexdigest() != photo.sha256
                ):
                    report.problems.append(f"photo {photo.id}: original does not match")
            if photo_dir.is_dir():
                for path in sorted(photo_dir.rglob("*")):
                    key = path.relative_to(photo_dir).as_posix()
                    if path.is_file() and key not in keys:
                        report.orphan_files.append(key)
        finally:
            db.session.remove()
    return report


def photos_of(app, note_id: int) -> list:
    from cso_field.extensions import db
    from cso_field.photos.models import Photo

    with app.app_context():
        try:
            return db.session.scalars(
                select(Photo).where(Photo.record_type == "field_note", Photo.record_id == note_id)
            ).all()
        finally:
            db.session.remove()


# -- Restarting the local PostgreSQL cluster (tests marked restarts_postgresql run alone) ----


@pytest.fixture
def postgres_cluster(database_url_for_test) -> str:
    """The local cluster's version to restart, or skip with the reason (before any server
    is started)."""
    url = make_url(database_url_for_test)
    if not url.drivername.startswith("postgresql"):
        pytest.skip("PostgreSQL restart: the suite runs on SQLite (no server to restart)")
    if url.host not in ("127.0.0.1", "localhost"):
        pytest.skip(f"PostgreSQL restart: the server at {url.host} is not this machine's")
    if os.geteuid() != 0:
        pytest.skip("PostgreSQL restart: needs root to run pg_ctlcluster")
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        pytest.skip("PostgreSQL restart: pg_ctlcluster is not installed")
    port = url.port or 5432
    for version_dir in sorted(Path("/etc/postgresql").iterdir(), reverse=True):
        conf = version_dir / "main" / "postgresql.conf"
        if not conf.is_file():
            continue
        found = re.search(r"^\s*port\s*=\s*(\d+)", conf.read_text(), re.MULTILINE)
        if int(found.group(1) if found else 5432) == port:
            return version_dir.name
    pytest.skip(f"PostgreSQL restart: no local cluster listens on port {port}")


def _pg_ready(port: int) -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], timeout=10, check=False
        ).returncode
        == 0
    )


def _ensure_cluster_running(version: str, port: int) -> None:
    """Whatever happened, leave PostgreSQL up: the rest of the suite needs it."""
    if _pg_ready(port):
        return
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
        timeout=60,
        check=False,
        capture_output=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _pg_ready(port):
        time.sleep(0.5)
    assert _pg_ready(port), "PostgreSQL did not come back after the test"
