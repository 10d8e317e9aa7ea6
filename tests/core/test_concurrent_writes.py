"""Writes under load: sixteen connections submitting at once to a real gunicorn server, on
SQLite and on PostgreSQL, and a slow geocoder that must not hold other submissions up.

On SQLite one writer at a time holds the database. Before, a burst of submissions made some
wait past the busy timeout ("database is locked", a 500), and a record with GPS but no
address was geocoded while its transaction held the lock, so a slow geocoder stopped every
other submission. The promise: every submission is answered with success, each is stored
exactly once with its version and audit row (and its email queued), none is lost, and a
submission waiting on the geocoder holds no lock.
"""

import re
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.auth.models import LoginAttempt, UserSession
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.mail import OutboxMessage
from cso_field.records.models import RecordVersion
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from tests import fault_helpers as faults
from tests.factories import HERE, PASSWORD, UserFactory, make_check, request_data
from tests.geocoder_stub import HELD, NominatimStub, Place

CONNECTIONS = 16
ROUNDS = 3  # each connection sends a note, a visit and a resident's request, three times
FORM = "application/x-www-form-urlencoded"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class Gunicorn(faults.GunicornServer):
    """The deployment's concurrency: 2 gthread workers x 8 threads, 16 requests at once."""

    def start(self, ready_within: float = 60.0) -> None:
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


@dataclass
class Answer:
    kind: str
    client_uuid: uuid.UUID
    status: int | None
    detail: str = ""


def _form_token(client: faults.Client, path: str) -> str:
    status, _headers, body = client.request(path)
    match = _CSRF.search(body)
    assert status == 200 and match, f"no form on {path} (status {status})"
    return match.group(1) or match.group(2)


def _post(client: faults.Client, kind: str, path: str, fields: dict) -> Answer:
    client_uuid = uuid.UUID(fields["client_uuid"])
    try:
        status, _headers, body = client.request(
            path, urlencode(fields).encode(), {"Content-Type": FORM}
        )
    except OSError as error:
        return Answer(kind, client_uuid, None, repr(error))
    return Answer(kind, client_uuid, status, body[:200] if status >= 400 else "")


@pytest.fixture
def busy_department(make_app, database_url_for_test, tmp_path, monkeypatch):
    """Sixteen CSOs and an active special check, served by gunicorn; stopped at the end."""
    monkeypatch.setattr(faults, "REQUEST_TIMEOUT", 60.0)  # a loaded 2-core machine
    app = make_app()
    usernames = [f"cso.burst{number:02d}" for number in range(CONNECTIONS)]
    with app.app_context():
        factory = UserFactory(app)
        for username in usernames:
            factory.cso(username=username)
        check_id = make_check().id
    server = Gunicorn(
        database_url=database_url_for_test,
        photo_dir=tmp_path / "photos",
        instance_dir=tmp_path / "instance",
        log=tmp_path / "gunicorn.log",
    )
    # Every resident here writes from 127.0.0.1: the hourly limit per address is not tested.
    server.env["CHECK_REQUESTS_PER_ADDRESS_PER_HOUR"] = "1000"
    try:
        server.start()
        # Sixteen logins at once: sessions, login attempts and throttle counters are writes too.
        officers = faults.logged_in_clients(server.base_url, usernames, PASSWORD)
        yield app, server, officers, check_id
    finally:
        server.stop()


def test_sixteen_connections_submitting_at_once_all_succeed_and_all_are_stored(
    busy_department,
):
    app, server, officers, check_id = busy_department
    residents = [faults.Client(server.base_url) for _ in range(CONNECTIONS)]
    resident_tokens = [_form_token(resident, "/check-request/") for resident in residents]
    with app.app_context():
        request_form = request_data()  # its dates follow the department's calendar
    start = threading.Barrier(CONNECTIONS)

    def connection(number: int) -> list[Answer]:
        officer, resident = officers[number], residents[number]
        start.wait(timeout=60)
        answers = []
        for round_number in range(ROUNDS):
            answers.append(_note(officer, number, round_number))
            answers.append(_visit(officer, check_id))
            email = f"resident{number}.{round_number}@example.org"
            fields = {**request_form, "csrf_token": resident_tokens[number], "email": email}
            answers.append(_request(resident, fields))
        return answers

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        answers = [answer for share in pool.map(connection, range(CONNECTIONS)) for answer in share]

    expected = {"note": 303, "visit": 303, "request": 201}
    wrong = [answer for answer in answers if answer.status != expected[answer.kind]]
    assert wrong == [], f"{len(wrong)} of {len(answers)} failed: {wrong[:5]}\n{server.tail(30)}"
    with app.app_context():
        _assert_each_stored_once(answers)
        logins = db.session.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded)
        )
        assert logins == CONNECTIONS
        assert _count(UserSession) == CONNECTIONS


def _note(officer: faults.Client, number: int, round_number: int) -> Answer:
    fields = {
        "csrf_token": officer.csrf_token,
        "client_uuid": str(uuid.uuid4()),
        "observation": f"Burst note {number}.{round_number}: broken streetlight",
        "address": "425 N El Dorado St",
        "latitude": "37.9577",
        "longitude": "-121.2908",
        "accuracy_m": "12",
        "submit": "1",
    }
    return _post(officer, "note", "/notes/new", fields)


def _visit(officer: faults.Client, check_id: int) -> Answer:
    fields = {
        "csrf_token": officer.csrf_token,
        "client_uuid": str(uuid.uuid4()),
        "outcome": "all_secure",
        "notes": "",
        "latitude": "37.9577",
        "longitude": "-121.2908",
        "accuracy_m": "12",
    }
    return _post(officer, "visit", f"/checks/{check_id}/visits", fields)


def _request(resident: faults.Client, fields: dict) -> Answer:
    fields = {**fields, "client_uuid": str(uuid.uuid4())}
    return _post(resident, "request", "/check-request/?lang=en", fields)


def _assert_each_stored_once(answers: list[Answer]) -> None:
    sent = {
        kind: {answer.client_uuid for answer in answers if answer.kind == kind}
        for kind in ("note", "visit", "request")
    }
    per_kind = CONNECTIONS * ROUNDS
    assert {kind: len(uuids) for kind, uuids in sent.items()} == dict.fromkeys(sent, per_kind)
    for kind, model in (("note", FieldNote), ("visit", CheckVisit), ("request", SpecialCheck)):
        stored = set(db.session.scalars(select(model.client_uuid)))
        assert sent[kind] <= stored, f"{len(sent[kind] - stored)} {kind}s lost"
    assert _count(FieldNote) == per_kind
    assert _count(CheckVisit) == per_kind
    assert _count(SpecialCheck) == per_kind + 1  # and the check the visits were made to
    for action in ("field_note.create", "check_visit.create", "special_check.create"):
        assert _audited(action) == per_kind, action
    for record_type in ("field_note", "check_visit"):
        created = select(func.count()).where(
            RecordVersion.record_type == record_type, RecordVersion.action == "created"
        )
        assert db.session.scalar(created) == per_kind, record_type
    assert _count(OutboxMessage) == per_kind  # each request's confirmation, queued once


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audited(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


# -- A slow geocoder holds nobody up ---------------------------------------------------------

CITY_HALL = Place(HERE[0], HERE[1], "425 North El Dorado Street, Stockton, CA 95202")


@pytest.fixture
def held_geocoder():
    stub = NominatimStub(places={"1 held lane": CITY_HALL}, mode=HELD).start()
    yield stub
    stub.release()
    stub.stop()


@pytest.fixture
def geocoding_app(make_app, held_geocoder):
    """The geocoder answers only when the test says so; a writer that waited on it while
    holding SQLite's lock would make the others fail within 2 s."""
    app = make_app(
        GEOCODER="nominatim",
        GEOCODER_URL=held_geocoder.url,
        GEOCODER_MIN_DELAY_SECONDS=0.0,
        GEOCODER_TIMEOUT_SECONDS=60.0,
        SQLITE_BUSY_TIMEOUT_SECONDS=2.0,
    )
    with app.app_context():
        factory = UserFactory(app)
        for username in ("cso.waiting", "cso.other"):
            factory.cso(username=username)
    return app


def _logged_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _note_fields(**overrides) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "observation": "Abandoned couch on the sidewalk",
        "latitude": "37.9577",
        "longitude": "-121.2908",
        "accuracy_m": "12",
        "address": "",
        "submit": "1",
        **overrides,
    }


def test_a_note_waiting_on_the_geocoder_holds_no_other_submission_up(geocoding_app, held_geocoder):
    waiting = _logged_in(geocoding_app, "cso.waiting")
    other = _logged_in(geocoding_app, "cso.other")
    with ThreadPoolExecutor(max_workers=1) as pool:
        # GPS but no address: the note asks the geocoder for one, which does not answer yet.
        slow = pool.submit(waiting.post, "/notes/new", data=_note_fields())
        assert held_geocoder.wait_for_hit("/reverse"), "the note never asked the geocoder"

        # A position and an address: nothing to ask the geocoder.
        quick = other.post("/notes/new", data=_note_fields(address="425 N El Dorado St"))
        assert quick.status_code == 303
        assert not slow.done()  # it completed while the first still waited

        held_geocoder.release()
        assert slow.result(timeout=60).status_code == 303
    with geocoding_app.app_context():
        addresses = sorted(db.session.scalars(select(FieldNote.address)))
        assert addresses == ["425 N El Dorado St", CITY_HALL.display_name]


def test_a_request_waiting_on_the_geocoder_holds_no_other_submission_up(
    geocoding_app, held_geocoder
):
    other = _logged_in(geocoding_app, "cso.other")
    with geocoding_app.app_context():
        form = request_data(address="1 Held Lane")
    with ThreadPoolExecutor(max_workers=1) as pool:
        # An address and no position: the request asks the geocoder where it is.
        slow = pool.submit(geocoding_app.test_client().post, "/check-request/?lang=en", data=form)
        assert held_geocoder.wait_for_hit("/search"), "the request never asked the geocoder"

        quick = other.post("/notes/new", data=_note_fields(address="425 N El Dorado St"))
        assert quick.status_code == 303
        assert not slow.done()

        held_geocoder.release()
        assert slow.result(timeout=60).status_code == 201
    with geocoding_app.app_context():
        check = db.session.scalars(select(SpecialCheck)).one()
        assert (check.latitude, check.longitude) == pytest.approx(HERE)
        assert _count(FieldNote) == 1
