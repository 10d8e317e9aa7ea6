"""Request ids and JSON logs.

Every request gets an id (12 upper-case hex characters): sent back as `X-Request-ID`, shown as the
reference on error pages, stored on the audit rows it writes, and on every log line it
causes. When the request ends, one JSON line says who asked for what and how it went.
"""

import json
import logging
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from flask_login import current_user

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_LOGGER = "cso_field.requests"


def new_request_id() -> str:
    return secrets.token_hex(6).upper()


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every log record made while it is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    FIELDS = ("user_id", "method", "route", "path", "status", "duration_ms", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({name: getattr(record, name) for name in self.FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def _configure_logging(app: Flask) -> None:
    """The app's loggers ("cso_field" and below) write JSON lines to stderr, once."""
    logger = logging.getLogger("cso_field")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        logger.addHandler(json_handler())
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)
    for handler in logger.handlers:  # records that propagate from elsewhere get the id too
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())


def start_request() -> None:
    g.request_id = new_request_id()
    g.request_started = time.perf_counter()


def finish_request(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    duration = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.endpoint or "unmatched"
    from cso_field.operations import metrics

    metrics.observe_request(route, request.method, response.status_code, duration)
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "user_id": _user_id(),
            "method": request.method,
            "route": route,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 1),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def _user_id() -> int | None:
    try:
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # the user could not be loaded (database down): still log the request
        return None


def init_app(app: Flask) -> None:
    _configure_logging(app)
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
