"""/healthz, /readyz and /metrics, and the request id on responses, error pages, log lines and
audit rows."""

import json
import logging
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.mail import OutboxMessage
from cso_field.operations.requests import JsonFormatter, RequestIdFilter
from cso_field.timeutil import utcnow
from tests.factories import PASSWORD
from tests.fault_helpers import _ensure_cluster_running, _pg_ready

PERSONAL = ("@", "Ana", "209-555")


def test_healthz_and_readyz_answer_json_without_a_login(client):
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "storage": "ok", "mail": "ok"},
        "failing": [],
    }
    assert not any(word in ready.get_data(as_text=True) for word in PERSONAL)


def _read_only(folder: Path) -> bool:
    """Make `folder` refuse writes, even to root (chattr +i); False if this machine can't."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return True
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    return done.returncode == 0


def _writable(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)
    folder.chmod(0o755)


def test_readyz_names_read_only_storage_and_recovers(make_app, tmp_path):
    folder = tmp_path / "photos"
    client = make_app(PHOTO_STORAGE_DIR=str(folder)).test_client()
    if not shutil.which("chattr") or not _read_only(folder):
        pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
    try:
        refused = client.get("/readyz")
        assert refused.status_code == 503
        assert refused.json["failing"] == ["storage"]
        assert refused.json["checks"]["database"] == "ok"
    finally:
        _writable(folder)
    assert client.get("/readyz").status_code == 200


def test_readyz_names_a_stuck_mail_outbox(app, client):
    db.session.add(
        OutboxMessage(
            dedupe_key="stuck",
            recipient="ana@example.org",
            subject="s",
            body_text="b",
            language="en",
            next_attempt_at=utcnow().replace(year=2020),
        )
    )
    db.session.commit()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json["failing"] == ["mail"]
    assert "ana@example.org" not in answer.get_data(as_text=True)


def test_readyz_names_the_database_when_sqlite_breaks_and_recovers(make_app, tmp_path):
    app = make_app(PHOTO_STORAGE_DIR=str(tmp_path / "photos"))
    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    if path is None or not Path(path).is_file():
        pytest.skip("SQLite only: the PostgreSQL test below stops the server instead")
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    saved = Path(path).read_bytes()
    with app.app_context():
        db.engine.dispose()
    Path(path).write_bytes(b"this is not a database" * 200)
    try:
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json["failing"] == ["database"]
        assert down.json["checks"]["migrations"] == "skipped"
    finally:
        with app.app_context():
            db.engine.dispose()
        Path(path).write_bytes(saved)
    assert client.get("/readyz").status_code == 200


def test_readyz_names_the_database_while_postgresql_is_down(postgres_cluster, make_app, tmp_path):
    version = postgres_cluster
    app = make_app(PHOTO_STORAGE_DIR=str(tmp_path / "photos"))
    port = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).port or 5432
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop"],
        timeout=60,
        check=True,
    )
    try:
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json["failing"] == ["database"] and down.json["checks"]["storage"] == "ok"
        assert client.get("/healthz").status_code == 200  # the process itself is alive
    finally:
        _ensure_cluster_running(version, port)
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _pg_ready(port)
    assert client.get("/readyz").status_code == 200


def test_metrics_count_requests_and_read_queues_only_from_allowed_addresses(make_app, tmp_path):
    app = make_app(PHOTO_STORAGE_DIR=str(tmp_path / "photos"))
    client = app.test_client()
    client.get("/healthz")
    client.get("/no/such/page")
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")
    text = answer.get_data(as_text=True)
    assert re.search(
        r'cso_http_requests_total\{method="GET",route="operations.healthz",status="200"\} \d', text
    )
    assert 'route="unmatched",status="404"' in text
    assert 'cso_http_request_duration_seconds_bucket{le="0.005",route="operations.healthz"}' in text
    assert "cso_mail_outbox_depth 0.0" in text
    assert "cso_backup_age_seconds -1.0" in text  # no backup yet
    assert 'cso_review_queue_oldest_age_seconds{record_type="field_note"}' in text

    app.config["METRICS_ALLOW_IPS"] = "10.20.0.0/16"
    assert client.get("/metrics").status_code == 404
    allowed = client.get("/metrics", environ_overrides={"REMOTE_ADDR": "10.20.3.4"})
    assert allowed.status_code == 200


def test_request_id_is_on_the_response_the_error_page_the_log_and_the_audit_row(
    client, users, caplog
):
    user = users.cso()
    with caplog.at_level(logging.INFO, logger="cso_field"):
        login = client.post("/login", data={"username": user.username, "password": PASSWORD})
    request_id = login.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9A-F]{12}", request_id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
    assert event.request_id == request_id
    lines = [r for r in caplog.records if r.name == "cso_field.requests"]
    assert lines[-1].request_id == request_id and lines[-1].route == "auth.login"
    line = json.loads(JsonFormatter().format(lines[-1]))
    assert line["status"] == 302 and line["user_id"] == user.id and line["duration_ms"] >= 0

    with caplog.at_level(logging.INFO, logger="cso_field"):
        missing = client.get("/no/such/page")
    request_id = missing.headers["X-Request-ID"]
    assert f'<span class="ref">{request_id}</span>' in missing.get_data(as_text=True)
    same_request = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert {r.name for r in same_request} >= {"cso_field", "cso_field.requests"}  # both lines
    assert client.get("/healthz").headers["X-Request-ID"] != request_id


def test_log_lines_outside_a_request_have_no_id():
    record = logging.LogRecord("cso_field", logging.INFO, __file__, 1, "hello", (), None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] is None
