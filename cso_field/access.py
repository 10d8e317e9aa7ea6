"""Access rules for every endpoint, enforced in one place with a default of deny.

A view declares its rule with @public, @staff (any signed-in role) or
@roles(...). A view without a rule is refused for everyone, and a test fails.
"""

from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user

from cso_field.auth.models import Role
from cso_field.extensions import db

ALL_ROLES = frozenset(Role)
PUBLIC = "public"
ACCESS_ATTRIBUTE = "_access_rule"


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def roles(*allowed: Role) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTRIBUTE, frozenset(allowed))
        return view

    return decorate


staff = roles(*ALL_ROLES)


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
    from cso_field import audit  # audit's routes import this module

    audit.record(
        "access.denied", outcome=audit.DENIED, object_type="route", object_id=request.endpoint
    )
    db.session.commit()
    current_app.logger.warning("access denied: %s to %s", current_user.username, request.path)
    abort(403)
