"""Step-up: the second factor asked again, at that moment, before the most sensitive actions
(changing someone's role, resetting a second factor, an internal export).

Two ways to apply it:

    @bp.post("/exports/<kind>")
    @roles(Role.SENIOR_CSO, Role.ADMIN)
    @step_up_required           # below the access rule: the rule is checked first
    def export(kind): ...

or, when only some submissions of a view are sensitive:

    refusal = step_up_refusal(url_for("accounts.edit", user_id=user.id))
    if refusal is not None:
        return refusal

A user who proved their second factor in this session within STEP_UP_TIME goes on; anyone
else is sent to /account/confirm (htmx: HX-Redirect), and comes back to `back_to` (a GET
view: the page from which they try again) once confirmed. A user with no second factor is
sent to set one up. Each refusal is audited.
"""

from functools import wraps

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import audit, htmx
from cso_field.auth.mfa import services as mfa
from cso_field.extensions import db
from cso_field.htmx import client_redirect
from cso_field.redirects import safe_redirect_target


def step_up_refusal(back_to: str | None = None):
    """None when the current user proved their second factor just now, else the response
    that asks them to (and the audit row saying what was held back)."""
    user = current_user._get_current_object()
    if mfa.step_up_is_recent(user):
        return None
    enrolled = mfa.has_second_factor(user)
    audit.record(
        "second_factor.step_up",
        outcome=audit.DENIED,
        object_type="route",
        object_id=request.endpoint,
        detail="asked again" if enrolled else "no second factor",
    )
    db.session.commit()
    if enrolled:
        flash(_("Confirm it is you with your second factor, then try again."), "info")
        back = back_to or (request.full_path if request.method == "GET" else None)
        target = url_for("mfa.step_up", next=safe_redirect_target(back, None))
    else:
        flash(_("Set up a second factor first: sensitive actions ask for it."), "error")
        target = url_for("mfa.account")
    return client_redirect(target) if htmx.wants_fragment() else redirect(target, 303)


def step_up_required(view):
    """Decorator form of step_up_refusal (see the module's docstring)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        refusal = step_up_refusal()
        return refusal if refusal is not None else view(*args, **kwargs)

    return guarded
