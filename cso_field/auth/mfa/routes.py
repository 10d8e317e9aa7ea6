"""Second-factor screens: the sign-in's second step, enrolment (at sign-in when the policy
requires it, or from the account page), step-up before sensitive actions, and the policy."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field.auth import services as auth_services
from cso_field.auth.mfa import passkeys
from cso_field.auth.mfa import services as mfa
from cso_field.auth.mfa.forms import (
    CodeForm,
    NewPasskeyForm,
    PasskeyForm,
    PolicyForm,
    StepUpForm,
    TotpEnrolForm,
)
from cso_field.auth.mfa.signin import (
    SECOND_STEP_ERRORS,
    client_address,
    enrolling_user,
    finish_sign_in,
    json_response,
    restart_sign_in,
    start_signed_in_session,
)
from cso_field.auth.mfa.step_up import step_up_refusal
from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.redirects import safe_redirect_target
from cso_field.roles import Role, public, roles, staff

bp = Blueprint("mfa", __name__)


# -- The sign-in's second step -------------------------------------------------------------


def _verify_page(user: User, form=None, passkey_form=None, error=None, status=200):
    return render_template(
        "mfa/verify.html",
        form=form or CodeForm(),
        passkey_form=passkey_form or PasskeyForm(),
        has_passkey=mfa.has_passkey(user),
        has_code=user.totp_secret is not None,
        error=error,
    ), status


@bp.route("/login/verify", methods=["GET", "POST"])
@public
def verify():
    found = mfa.pending(mfa.VERIFY)
    if found is None:
        return restart_sign_in()
    user, state = found
    form = CodeForm()
    if request.method == "GET":
        return _verify_page(user)
    if not form.validate():
        return _verify_page(user, form, status=422)
    failed = auth_services.check_second_step(
        user, client_address(), lambda: mfa.use_code(user, form.code.data)
    )
    return _second_step_done(user, state, failed, form.trust.data, form=form)


def _second_step_done(user, state, failed, trust, **forms):
    if failed:
        db.session.commit()
        status, message = SECOND_STEP_ERRORS[failed]
        return _verify_page(user, error=message(), status=status, **forms)
    return finish_sign_in(user, state.get("next"), trust=trust, second_factor=True)


@bp.post("/login/passkey/options")
@public
def passkey_options():
    found = mfa.pending(mfa.VERIFY)
    if found is None and not mfa.passkey_alone_allowed():
        return json_response({"error": _("Sign in again with your user name and password.")}, 409)
    options = passkeys.authentication_options(found[0] if found else None)
    db.session.commit()
    return json_response(options)


@bp.post("/login/passkey")
@public
def passkey_sign_in():
    form = PasskeyForm()
    found = mfa.pending(mfa.VERIFY)
    key = passkeys.find_passkey(form.credential.data or "")
    if found is None and key is not None and mfa.passkey_alone_allowed():
        owner = db.session.get(User, key.user_id)  # a discoverable passkey names its user
        found = (owner, {"next": form.next.data}) if owner.is_active_account else None
    if found is None or not form.validate():
        return restart_sign_in()
    user, state = found
    failed = auth_services.check_second_step(
        user, client_address(), lambda: passkeys.check_assertion(user, key, form.credential.data)
    )
    return _second_step_done(user, state, failed, form.trust.data, passkey_form=form)


# -- Enrolment: at sign-in (the policy requires it) or from the account page ----------------


def _enrol_page(user: User, totp_form=None, passkey_form=None, status=200):
    secret = totp_form.secret.data if totp_form else None
    if not mfa.is_valid_secret(secret or ""):  # a key sent back altered: show a new one
        secret = mfa.new_totp_secret()
    totp_form = totp_form or TotpEnrolForm(secret=secret)
    totp_form.secret.data = secret
    template = "mfa/account.html" if current_user.is_authenticated else "mfa/enrol.html"
    return render_template(
        template,
        user=user,
        totp_form=totp_form,
        passkey_form=passkey_form or NewPasskeyForm(),
        qr_svg=mfa.qr_svg(mfa.totp_uri(user, secret)),
        secret=secret,
        passkeys=mfa.passkeys_of(user),
        codes_left=mfa.recovery_codes_left(user),
    ), status


@bp.get("/login/enrol")
@public
def enrol():
    user = enrolling_user()
    if user is None:
        return restart_sign_in()
    return _enrol_page(user)


@bp.get("/account/second-factor")
@staff
def account():
    return _enrol_page(current_user._get_current_object())


def _adding_refusal(user: User | None):
    """Who may add a factor: the user the sign-in sent here, or a signed-in user; one who
    already has a factor proves it first (a borrowed session must not add its own)."""
    if user is None:
        return restart_sign_in()
    if current_user.is_authenticated and mfa.has_second_factor(user):
        return step_up_refusal(url_for("mfa.account"))
    return None


@bp.post("/second-factor/app")
@public
def enrol_app():
    user, form = enrolling_user(), TotpEnrolForm()
    refusal = _adding_refusal(user)
    if refusal is not None:
        return refusal
    if (
        not form.validate()
        or not mfa.is_valid_secret(form.secret.data)  # the hidden key, sent back altered
        or not mfa.enrol_totp(user, form.secret.data, mfa.normalise_code(form.code.data))
    ):
        db.session.commit()
        form.code.errors = [
            _("That code does not match. Check the app's clock and try the new code.")
        ]
        return _enrol_page(user, totp_form=form, status=422)
    return _enrolled(user)


@bp.post("/second-factor/passkey/options")
@public
def new_passkey_options():
    user = enrolling_user()
    if user is None:
        return json_response({"error": _("Sign in again with your user name and password.")}, 409)
    options = passkeys.registration_options(user)
    db.session.commit()
    return json_response(options)


@bp.post("/second-factor/passkey")
@public
def enrol_passkey():
    user, form = enrolling_user(), NewPasskeyForm()
    refusal = _adding_refusal(user)
    if refusal is not None:
        return refusal
    name = (form.name.data or "").strip() or _("Passkey")
    failed = passkeys.register(user, form.credential.data, name) if form.validate() else "invalid"
    if failed:
        db.session.commit()
        flash(
            _("That passkey could not be added. Try again, or use an authenticator app."), "error"
        )
        return _enrol_page(user, passkey_form=form, status=422)
    return _enrolled(user)


def _enrolled(user: User):
    codes = mfa.new_recovery_codes(user) if mfa.recovery_codes_left(user) == 0 else None
    if current_user.is_authenticated:
        db.session.commit()
    else:
        start_signed_in_session(user, trust=False, second_factor=True)
    if codes is None:
        flash(_("Your second factor is on."), "success")
        return redirect(url_for("mfa.account"), 303)
    return render_template("mfa/recovery_codes.html", codes=codes)


@bp.post("/account/second-factor/passkeys/<id:passkey_id>/delete")
@staff
def remove_passkey(passkey_id: int):
    user = current_user._get_current_object()
    if passkeys.remove_passkey(user, passkey_id):
        db.session.commit()
        flash(_("The passkey was removed."), "success")
    return redirect(url_for("mfa.account"), 303)


@bp.post("/account/second-factor/recovery-codes")
@staff
def new_recovery_codes():
    refusal = step_up_refusal(url_for("mfa.account"))
    if refusal is not None:
        return refusal
    codes = mfa.new_recovery_codes(current_user._get_current_object())
    db.session.commit()
    return render_template("mfa/recovery_codes.html", codes=codes)


# -- Step-up -----------------------------------------------------------------------------------


@bp.route("/account/confirm", methods=["GET", "POST"])
@staff
def step_up():
    user = current_user._get_current_object()
    form = StepUpForm(next=request.args.get("next"))
    if not mfa.has_second_factor(user):
        flash(_("Set up a second factor first: sensitive actions ask for it."), "error")
        return redirect(url_for("mfa.account"), 303)
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return _step_up_page(user, form, status=status)
    failed = auth_services.check_second_step(
        user, client_address(), lambda: mfa.use_code(user, form.code.data)
    )
    return _stepped_up(user, form, failed)


def _step_up_page(user, form, passkey_form=None, error=None, status=200):
    return render_template(
        "mfa/step_up.html",
        form=form,
        passkey_form=passkey_form or PasskeyForm(next=form.next.data),
        has_passkey=mfa.has_passkey(user),
        has_code=user.totp_secret is not None,
        error=error,
    ), status


def _stepped_up(user, form, failed, passkey_form=None):
    if failed:
        db.session.commit()
        status, message = SECOND_STEP_ERRORS[failed]
        return _step_up_page(user, form, passkey_form, error=message(), status=status)
    auth_services.mark_second_factor(user)
    db.session.commit()
    flash(_("Confirmed. You can go on for the next few minutes."), "success")
    return redirect(safe_redirect_target(form.next.data, url_for("main.today")), 303)


@bp.post("/account/confirm/passkey/options")
@staff
def step_up_options():
    options = passkeys.authentication_options(current_user._get_current_object())
    db.session.commit()
    return json_response(options)


@bp.post("/account/confirm/passkey")
@staff
def step_up_passkey():
    user, form = current_user._get_current_object(), PasskeyForm()
    step_form = StepUpForm(formdata=None, next=form.next.data)
    if not form.validate():
        return _step_up_page(user, step_form, form, status=422)
    key = passkeys.find_passkey(form.credential.data)
    failed = auth_services.check_second_step(
        user, client_address(), lambda: passkeys.check_assertion(user, key, form.credential.data)
    )
    return _stepped_up(user, step_form, failed, form)


# -- The department's policy -----------------------------------------------------------------


@bp.route("/accounts/second-factor-policy", methods=["GET", "POST"])
@roles(Role.ADMIN)
def policy():
    form = PolicyForm(
        data={
            "roles": mfa.required_roles(),
            "cso_from": mfa.cso_required_from(),
            "passkey_alone": mfa.passkey_alone_allowed(),
        }
        if request.method == "GET"
        else None
    )
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("mfa/policy.html", form=form), status
    mfa.save_policy(form.roles.data or [], form.cso_from.data, form.passkey_alone.data)
    db.session.commit()
    flash(_("The second factor policy is saved."), "success")
    return redirect(url_for("accounts.index"), 303)
