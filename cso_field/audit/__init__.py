"""Audit trail: `record()` is the one function every write and sensitive view calls."""

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"
COMMAND_LINE = "cli"  # stored as the actor role of events from `flask` commands

ACTION_LABELS = {
    "login": _l("Log in"),
    "logout": _l("Log out"),
    "account.lock": _l("Account locked"),
    "account.unlock": _l("Account unlocked"),
    "account.create": _l("Account created"),
    "account.update": _l("Account changed"),
    "password.change": _l("Password changed"),
    "settings.language": _l("Language changed"),
    "access.denied": _l("Access refused"),
    "districts.upload": _l("Districts uploaded"),
    "photo.add": _l("Photos added"),
    "photo.original.view": _l("Original photo viewed"),
    "photo.original.mismatch": _l("Original photo did not match its SHA-256"),
    "settings.update": _l("Settings changed"),
    "retention.forget": _l("Personal details past their retention period removed"),
    "retention.run": _l("Retention run"),
    "retention.hold": _l("Retention hold placed"),
    "retention.release": _l("Retention hold released"),
}
# What non-record audit rows are about, e.g. object_type "user" is shown as "Account 7".
OBJECT_LABELS = {
    "user": _l("Account"),
    "photo": _l("Photo"),
    "route": _l("Page"),
    "district": _l("District"),
    "setting": _l("Setting"),
    "retention": _l("Retention"),
}
# Record types register their names, for actions such as "field_note.approved".
RECORD_TYPE_LABELS: dict = {}

# Record actions are "<record type>.<verb>", e.g. "field_note.approved".
RECORD_VERBS = {
    "create": _l("created"),
    "update": _l("edited"),
    "submitted": _l("submitted for review"),
    "approved": _l("approved"),
    "returned": _l("returned for changes"),
    "delete": _l("deleted"),
}


def register_labels(labels: dict) -> None:
    """A feature's own actions, e.g. {"special_check.cancel": _l("Special check cancelled")}."""
    ACTION_LABELS.update(labels)


def register_object_label(object_type: str, label) -> None:
    """How audit rows name a feature's objects that are not registered record types."""
    OBJECT_LABELS[object_type] = label


def register_record_type(name: str, label) -> None:
    RECORD_TYPE_LABELS[name] = label


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    record_type, _dot, verb = action.rpartition(".")
    if record_type in RECORD_TYPE_LABELS and verb in RECORD_VERBS:
        return _l(
            "%(type)s %(verb)s", type=RECORD_TYPE_LABELS[record_type], verb=RECORD_VERBS[verb]
        )
    return action


def record(
    action: str,
    *,
    outcome: str = SUCCESS,
    object_type: str | None = None,
    object_id: object = None,
    actor=None,
    detail: str | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction; the caller's commit writes it.

    `actor` defaults to the logged-in user; pass it for events before login completes.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    actor_role = getattr(actor, "role", None)
    if actor is None and not has_request_context():
        actor_role = COMMAND_LINE
    event = AuditEvent(
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:64],
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None),
        actor_role=actor_role,
        detail=detail[:200] if detail else None,
    )
    if has_request_context():
        event.client_address = (request.remote_addr or "")[:64] or None
        event.user_agent = (request.user_agent.string or "")[:300] or None
        event.request_id = g.get("request_id")
    db.session.add(event)
    return event
