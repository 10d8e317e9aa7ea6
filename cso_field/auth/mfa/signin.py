"""Pieces the second-factor screens share: finishing a sign-in, its answers and cookies."""

import json

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field.auth import services as auth_services
from cso_field.auth.mfa import services as mfa
from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.redirects import safe_redirect_target
from cso_field.timeutil import utcnow

# One answer whatever failed (a wrong code, a used one, someone else's passkey, a locked
# account): what failed goes to the audit trail only. Throttling answers as at the password.
SECOND_STEP_ERRORS = {
    "invalid": (
        422,
        lambda: _(
            "That code or passkey was not accepted. Try again with a new code, or use a "
            "recovery code. After several failed attempts an account is locked for a while; "
            "a Senior CSO or an administrator can unlock it sooner."
        ),
    ),
    "throttled": (
        429,
        lambda: _("Too many failed logins from this device. Wait 15 minutes and try again."),
    ),
}


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def json_response(payload, status: int = 200):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    response = make_response(body, status)
    response.mimetype = "application/json"
    response.headers["Cache-Control"] = "no-store"
    return response


def restart_sign_in():
    """The half-done sign-in has expired or never began: back to the password."""
    flash(_("Sign in again with your user name and password."), "info")
    return redirect(url_for("auth.login"), 303)


def enrolling_user() -> User | None:
    """Who is setting up a second factor: the signed-in user, or the one whose sign-in the
    policy stopped right after the password."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    found = mfa.pending(mfa.ENROL)
    return found[0] if found else None


def start_signed_in_session(user: User, *, trust: bool, second_factor: bool) -> str | None:
    """Open the session (committed); returns a trusted-phone token when one was asked for."""
    token = mfa.trust_device(user)[0] if trust and second_factor else None
    auth_services.start_session(
        user, client_address(), second_factor_at=utcnow() if second_factor else None
    )
    db.session.commit()
    return token


def with_trust_cookie(response, token: str | None):
    if token:
        response.set_cookie(
            mfa.TRUST_COOKIE,
            token,
            max_age=int(current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def finish_sign_in(user: User, next_url: str | None, *, trust: bool, second_factor: bool):
    token = start_signed_in_session(user, trust=trust, second_factor=second_factor)
    target = safe_redirect_target(next_url, url_for("main.today"))
    return with_trust_cookie(redirect(target, 303), token)
