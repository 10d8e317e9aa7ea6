"""Access rules for every endpoint, enforced in one place with a default of deny.

Views declare their rule with the decorators in `cso_field.roles`. A view without a rule
is refused for everyone, and a test fails.
"""

from flask import abort, current_app, request
from flask_login import current_user

from cso_field import audit
from cso_field.extensions import db
from cso_field.roles import ACCESS_ATTRIBUTE, PUBLIC


def rule_for(endpoint: str | None):
    view = current_app.view_functions.get(endpoint) if endpoint else None
    if view is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    return getattr(view, ACCESS_ATTRIBUTE, None)


def enforce_access_rule():
    """before_request hook: 401 flow for anonymous users, 403 for the wrong role."""
    if request.endpoint is None:  # 404 and 405 are raised by routing itself
        return None
    rule = rule_for(request.endpoint)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if rule is None or current_user.role not in rule:
        _refuse()
    return None


def _refuse():
    audit.record(
        "access.denied", outcome=audit.DENIED, object_type="route", object_id=request.endpoint
    )
    db.session.commit()
    current_app.logger.warning("access denied: %s to %s", current_user.username, request.path)
    abort(403)
