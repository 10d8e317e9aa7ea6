"""`/healthz`, `/readyz` and `/metrics`: for load balancers and monitoring, without a login.

They answer in JSON (metrics in Prometheus' text format) and say nothing about people:
only which part works and which does not. Details of a failure go to the log.
"""

import os
import socket
from datetime import timedelta
from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import func, select, text

from cso_field.extensions import db
from cso_field.mail import OutboxMessage
from cso_field.operations import metrics
from cso_field.roles import public
from cso_field.storage import get_storage
from cso_field.timeutil import utcnow

bp = Blueprint("operations", __name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
PROBE_KEY = "readyz/{host}-{pid}"


@bp.get("/healthz")
@public
def healthz():
    """The process is alive and answers: nothing else is checked."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    checks = {"database": _run("database", _database)}
    for name, check in CHECKS.items():  # without the database, its checks cannot run
        needs_database = name in NEEDS_DATABASE and checks["database"] != "ok"
        checks[name] = "skipped" if needs_database else _run(name, check)
    failing = [name for name, result in checks.items() if result == "fail"]
    body = {"status": "fail" if failing else "ok", "checks": checks, "failing": failing}
    return jsonify(body), 503 if failing else 200


@bp.get("/metrics", endpoint="metrics")
@public
def metrics_view():
    if not metrics.address_allowed(request.remote_addr, current_app.config["METRICS_ALLOW_IPS"]):
        abort(404)  # like a page that is not there: no hint that it exists
    body, content_type = metrics.exposition()
    db.session.rollback()
    return Response(body, content_type=content_type)


def _run(name: str, check) -> str:
    try:
        return "ok" if check() else "fail"
    except Exception:
        current_app.logger.exception("readyz: %s check failed", name)
        db.session.rollback()
        return "fail"


def _database() -> bool:
    return db.session.execute(text("SELECT 1")).scalar() == 1


@cache
def _migration_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def _migrations() -> bool:
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return frozenset(current) == _migration_heads()


def _storage() -> bool:
    """A small file written and removed: proves the storage takes writes right now."""
    storage = get_storage()
    key = PROBE_KEY.format(host=_host(), pid=os.getpid())
    storage.put(key, b"ok")
    storage.delete(key)
    return True


@cache
def _host() -> str:
    name = "".join(c for c in socket.gethostname().lower() if c.isalnum() or c in "-.")
    return name[:60] or "host"


def _mail() -> bool:
    """Not stuck: no message has been due for longer than MAIL_STUCK_MINUTES."""
    limit = utcnow() - timedelta(minutes=current_app.config["MAIL_STUCK_MINUTES"])
    stuck = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
            OutboxMessage.next_attempt_at < limit,
        )
    )
    return not stuck


CHECKS = {"migrations": _migrations, "storage": _storage, "mail": _mail}
NEEDS_DATABASE = {"migrations", "mail"}
