from urllib.parse import urlsplit

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user

from cso_field import audit
from cso_field.auth import services as auth_services
from cso_field.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from cso_field.auth.mfa import services as mfa
from cso_field.auth.mfa.forms import PasskeyForm
from cso_field.errors import render_error
from cso_field.extensions import db, htmx, login_manager
from cso_field.htmx import client_redirect
from cso_field.i18n import LANGUAGE_COOKIE, current_language
from cso_field.redirects import safe_redirect_target
from cso_field.roles import public, staff

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(token: str):
    return auth_services.load_session_user(token)


@login_manager.unauthorized_handler
def _unauthorized():
    if htmx:
        # The page the fragment belongs to, so the officer comes back to it after login.
        next_url = safe_redirect_target(urlsplit(htmx.current_url or "").path, None)
        return client_redirect(url_for("auth.login", next=next_url))
    held_back = _second_step_owed()
    if held_back is not None:
        return held_back
    if g.get("session_expired"):
        flash(_l("Your session expired. Log in again to continue."), "info")
    next_url = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=safe_redirect_target(next_url, None)))


def _second_step_owed():
    """A user between password and second factor can do nothing else: the attempt is
    audited, and they are sent back to the step they owe."""
    found = mfa.pending()
    if found is None:
        return None
    user, state = found
    audit.record(
        "login.second_factor",
        outcome=audit.DENIED,
        actor=user,
        object_type="route",
        object_id=request.endpoint,
        detail="second step skipped" if state["step"] == mfa.VERIFY else "enrolment skipped",
    )
    db.session.commit()
    step_url = url_for("mfa.verify" if state["step"] == mfa.VERIFY else "mfa.enrol")
    if htmx:
        return client_redirect(step_url)
    flash(_l("Finish signing in first: your second factor is needed."), "error")
    return redirect(step_url)


# Unknown name, wrong password and locked account share one answer (issue 21): the lock is
# told to supervisors and to the account holder elsewhere, never to whoever types the name.
LOGIN_ERRORS = {
    "invalid": (
        422,
        lambda: _(
            "That user name and password do not match. Check them and try again. "
            "After several failed attempts an account is locked for a while; "
            "a Senior CSO or an administrator can unlock it sooner."
        ),
    ),
    "throttled": (
        429,
        lambda: _("Too many failed logins from this device. Wait 15 minutes and try again."),
    ),
    "disabled": (
        403,
        lambda: _("This account is disabled. Ask an administrator if you need it."),
    ),
}


def _client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _login_page(form: LoginForm, status: int = 200, login_error: str | None = None):
    language_form = LanguageForm(locale=current_language().code)
    page = render_template(
        "auth/login.html",
        form=form,
        language_form=language_form,
        login_error=login_error,
        passkey_form=PasskeyForm() if mfa.passkey_alone_allowed() else None,
    )
    return page, status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.today"))
    form = LoginForm()
    if request.method == "GET":
        return _login_page(form)
    if not form.validate():
        return _login_page(form, 422)
    trusted = request.cookies.get(mfa.TRUST_COOKIE)
    result = auth_services.authenticate(
        form.username.data,
        form.password.data,
        _client_address(),
        second_step_follows=lambda user: mfa.next_step(user, trusted) == mfa.VERIFY,
    )
    if result.user is None:
        db.session.commit()
        status, message = LOGIN_ERRORS[result.error]
        return _login_page(form, status, message())
    return _after_password(result.user, trusted)


def _after_password(user, trusted: str | None):
    """The second step the user owes (a code or passkey, or enrolment), or Today."""
    next_url = safe_redirect_target(request.args.get("next"), None)
    step = mfa.next_step(user, trusted)
    if step is None:
        auth_services.start_session(user, _client_address())
        db.session.commit()
        return redirect(next_url or url_for("main.today"))
    mfa.begin_pending(user, step, next_url)
    db.session.commit()
    return redirect(url_for("mfa.verify" if step == mfa.VERIFY else "mfa.enrol"))


@bp.post("/logout")
@staff
def logout():
    auth_services.end_current_session(current_user._get_current_object())
    db.session.commit()
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@staff
def change_password():
    form = ChangePasswordForm()
    if request.method == "GET":
        return render_template("auth/password.html", form=form)
    if not form.validate():
        return render_template("auth/password.html", form=form), 422
    user = current_user._get_current_object()
    if not user.check_password(form.current_password.data):
        form.current_password.errors.append(_("That is not your current password."))
        audit.record(
            "password.change",
            outcome=audit.FAILURE,
            object_type="user",
            object_id=user.id,
            detail="wrong current password",
        )
        db.session.commit()
        return render_template("auth/password.html", form=form), 422
    auth_services.change_password(user, form.new_password.data, _client_address())
    db.session.commit()
    flash(_("Your password has been changed. Other devices have been logged out."), "success")
    return redirect(url_for("main.menu"))


@bp.post("/language")
@public
def set_language():
    form = LanguageForm()
    back = safe_redirect_target(request.form.get("next"), url_for("main.today"))
    if not form.validate():
        return render_error(422, explanation=_("Choose one of the languages in the list."))
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        audit.record(
            "settings.language",
            object_type="user",
            object_id=current_user.id,
            detail=form.locale.data,
        )
        db.session.commit()
    refresh()
    response = make_response(redirect(back, 303))
    response.set_cookie(
        LANGUAGE_COOKIE,
        form.locale.data,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
