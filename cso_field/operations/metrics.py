"""Prometheus metrics: requests and their latency, counted in each process; the mail
outbox, the review queues and the age of the last backup, read from the database when
`/metrics` is scraped.

Several gunicorn workers: each process counts its own requests. Set PROMETHEUS_MULTIPROC_DIR
to an empty folder (emptied before gunicorn starts) and prometheus_client keeps every
worker's counts in files there, which `/metrics` adds up (its multiprocess mode). Without it,
a scrape shows the counts of whichever worker answered: fine for one worker, misleading for
several.
"""

import os
from ipaddress import ip_address, ip_network

from flask import current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from cso_field.extensions import db
from cso_field.mail import OutboxMessage
from cso_field.operations.models import BackupRun
from cso_field.records.models import Reviewed, Status, models_with
from cso_field.timeutil import utcnow

# The request metrics of this process (or, in multiprocess mode, its files).
REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "cso_http_requests",
    "Requests answered, by route (endpoint), method and status.",
    ("route", "method", "status"),
    registry=REQUEST_REGISTRY,
)
LATENCY = Histogram(
    "cso_http_request_duration_seconds",
    "Time to answer a request, by route (endpoint).",
    ("route",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REQUEST_REGISTRY,
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


def address_allowed(address: str | None, allowed: str) -> bool:
    """Whether `address` is in METRICS_ALLOW_IPS (addresses or networks, comma-separated)."""
    try:
        client = ip_address(address or "")
    except ValueError:
        return False
    for entry in filter(None, (part.strip() for part in allowed.split(","))):
        try:
            if client in ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class DatabaseCollector:
    """Gauges read from the database at scrape time (indexed queries only)."""

    def collect(self):
        now = utcnow()
        yield from _outbox_gauges(now)
        yield _review_queue_gauge(now)
        yield _backup_gauge(now)


def _age(now, then) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def _outbox_gauges(now):
    unsent = (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
    )
    depth, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.next_attempt_at)).where(*unsent)
    ).one()
    yield GaugeMetricFamily("cso_mail_outbox_depth", "Messages waiting to be sent.", depth or 0)
    yield GaugeMetricFamily(
        "cso_mail_outbox_oldest_due_age_seconds",
        "How long the longest-waiting message has been due (0: none waiting).",
        _age(now, oldest) if oldest and oldest <= now else 0.0,
    )


def _review_queue_gauge(now):
    gauge = GaugeMetricFamily(
        "cso_review_queue_oldest_age_seconds",
        "Age of the oldest record waiting for a Senior CSO's review, by record type.",
        labels=("record_type",),
    )
    waiting = (Status.SUBMITTED.value, Status.RESUBMITTED.value)
    for model in models_with(Reviewed):
        if not model.supervisor_review:
            continue
        live = (model.deleted_at.is_(None),) if hasattr(model, "deleted_at") else ()
        oldest = db.session.scalar(
            select(func.min(model.created_at)).where(model.status.in_(waiting), *live)
        )
        gauge.add_metric([model.record_type], _age(now, oldest))
    return gauge


def _backup_gauge(now):
    last = db.session.scalar(select(func.max(BackupRun.finished_at)))
    return GaugeMetricFamily(
        "cso_backup_age_seconds",
        "Seconds since the last backup finished (-1: no backup yet).",
        _age(now, last) if last is not None else -1.0,
    )


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REQUEST_REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(requests) + generate_latest(database), CONTENT_TYPE_LATEST
