"""The second factor at sign-in, enrolment, recovery, resets, step-up and trusted phones,
under the department's default policy (Senior CSOs and admins must have one)."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cso_field.audit.models import AuditEvent
from cso_field.auth.mfa import services as mfa
from cso_field.auth.mfa.models import Passkey
from cso_field.auth.models import UserSession
from cso_field.extensions import db
from cso_field.timeutil import department_today, utcnow
from tests.factories import PASSWORD, totp_code
from tests.webauthn_device import SoftPasskey

REFUSED = "That code or passkey was not accepted"


@pytest.fixture
def app(make_app):
    """The app with the real default policy (the test default requires no second factor)."""
    app = make_app(SECOND_FACTOR_ROLES=["senior_cso", "admin"])
    with app.app_context():
        yield app


def password_step(client, user, password=PASSWORD):
    return client.post("/login", data={"username": user.username, "password": password})


def code_step(client, code, **extra):
    return client.post("/login/verify", data={"code": code, **extra})


def sign_in_with_code(client, user, step_offset=0, **extra):
    assert password_step(client, user).location == "/login/verify"
    return code_step(client, totp_code(user, step_offset), **extra)


def audited(action, outcome=None):
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    events = db.session.scalars(query).all()
    return [event.detail for event in events if outcome is None or event.outcome == outcome]


def signed_in(client) -> bool:
    return client.get("/today").status_code == 200


def enrol_app_at_sign_in(client, user):
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = page.split('name="secret" type="hidden" value="')[1].split('"')[0]
    response = client.post("/second-factor/app", data={"secret": secret, "code": totp_code(secret)})
    return response, secret


# -- Sign-in with a code ----------------------------------------------------------------------


def test_a_code_completes_the_sign_in_and_is_audited(client, users):
    cso = users.cso(totp=True)
    response = sign_in_with_code(client, cso)
    assert response.status_code == 303 and response.location == "/today"
    assert signed_in(client)
    assert audited("login.password") == ["second step follows"]
    assert audited("login") == [None]


def test_the_password_alone_opens_nothing_while_a_code_is_owed(client, users):
    cso = users.cso(totp=True)
    assert password_step(client, cso).location == "/login/verify"
    response = client.get("/today")
    assert response.location == "/login/verify"  # back to the step owed
    page = client.get(response.location).get_data(as_text=True)
    assert "Finish signing in first" in page
    assert audited("login.second_factor", "denied") == ["second step skipped"]


def test_a_wrong_code_is_refused_with_a_message_and_audited(client, users):
    cso = users.cso(totp=True)
    password_step(client, cso)
    wrong = f"{(int(totp_code(cso)) + 1) % 1_000_000:06d}"
    response = code_step(client, wrong)
    assert response.status_code == 422
    assert REFUSED in response.get_data(as_text=True)
    assert not signed_in(client)
    assert audited("login.second_factor", "failure") == ["wrong code"]


def test_a_code_is_never_accepted_twice(client, users, app):
    cso = users.cso(totp=True)
    code = totp_code(cso)
    sign_in_with_code(client, cso)
    other = app.test_client()
    password_step(other, cso)
    response = code_step(other, code)
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    assert audited("login.second_factor", "failure") == ["replayed code"]
    # The next step's code still works (one step of tolerance).
    assert code_step(other, totp_code(cso, 1)).location == "/today"


def test_second_step_failures_count_toward_the_lockout_with_the_same_answer(client, users, app):
    cso = users.cso(totp=True)
    password_step(client, cso)  # a right password does not clear the count: it goes on
    for _ in range(app.config["LOCKOUT_THRESHOLD"] - 1):
        assert code_step(client, "000000").status_code == 422
    db.session.refresh(cso)
    assert cso.is_locked
    response = code_step(client, totp_code(cso))  # the right code, too late: same answer
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    assert "account locked" in audited("login.second_factor", "failure")
    assert not signed_in(client)


def test_the_second_step_counts_toward_the_address_throttle(make_app, users):
    app = make_app(SECOND_FACTOR_ROLES=[], ADDRESS_THROTTLE_LIMIT=2)
    client = app.test_client()
    with app.app_context():
        cso = users.cso(totp=True)
        password_step(client, cso)
        for _ in range(2):
            code_step(client, "000000")
        response = code_step(client, totp_code(cso))
    assert response.status_code == 429
    assert "Too many failed logins from this device" in response.get_data(as_text=True)


def test_an_expired_half_done_sign_in_starts_again(client, users):
    cso = users.cso(totp=True)
    password_step(client, cso)
    with client.session_transaction() as session:
        state = session[mfa.PENDING_KEY]
        session[mfa.PENDING_KEY] = {**state, "at": (utcnow() - timedelta(minutes=6)).isoformat()}
    response = code_step(client, totp_code(cso))
    assert response.location == "/login"
    assert not signed_in(client)


# -- Recovery codes ------------------------------------------------------------------------------


def test_a_recovery_code_works_once_and_never_again(client, users, app):
    cso = users.cso(totp=True)
    codes = mfa.new_recovery_codes(cso)
    db.session.commit()
    password_step(client, cso)
    assert code_step(client, codes[0].lower()).location == "/today"
    again = app.test_client()
    password_step(again, cso)
    response = code_step(again, codes[0])
    assert response.status_code == 422
    assert audited("login.second_factor", "failure") == ["wrong or used recovery code"]
    assert mfa.recovery_codes_left(cso) == 9


# -- Enrolment the policy requires ---------------------------------------------------------------


def test_a_senior_without_a_factor_must_enrol_before_anything_else(client, users):
    senior = users.senior()
    assert password_step(client, senior).location == "/login/enrol"
    assert client.get("/records/review").location == "/login/enrol"
    assert audited("login.second_factor", "denied") == ["enrolment skipped"]
    response, secret = enrol_app_at_sign_in(client, senior)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Your recovery codes" in page
    assert page.count("<code>") == 10
    assert signed_in(client)
    db.session.refresh(senior)
    assert senior.totp_secret == secret
    assert audited("second_factor.enrol") == ["authenticator app"]


def test_enrolment_refuses_a_wrong_code_and_keeps_nothing(client, users):
    senior = users.senior()
    password_step(client, senior)
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = page.split('name="secret" type="hidden" value="')[1].split('"')[0]
    response = client.post("/second-factor/app", data={"secret": secret, "code": "12345"})
    assert response.status_code == 422
    assert "That code does not match" in response.get_data(as_text=True)
    assert secret in response.get_data(as_text=True)  # the same key to try again with
    db.session.refresh(senior)
    assert senior.totp_secret is None and not signed_in(client)
    assert audited("second_factor.enrol", "failure") == ["authenticator app: wrong code"]


def test_csos_see_the_date_on_today_then_must_enrol_from_it(client, users, login, app):
    cso = users.cso()
    mfa.save_policy(["senior_cso", "admin"], department_today() + timedelta(days=10), False)
    db.session.commit()
    login(cso)
    assert "Set up your second factor by" in client.get("/today").get_data(as_text=True)
    mfa.save_policy(["senior_cso", "admin"], department_today(), False)
    db.session.commit()
    later = app.test_client()
    assert password_step(later, cso).location == "/login/enrol"


# -- Passkeys -------------------------------------------------------------------------------------


def add_passkey(client, device, name="My phone"):
    options = client.post("/second-factor/passkey/options").get_json()
    assert options["authenticatorSelection"]["userVerification"] == "required"
    return client.post(
        "/second-factor/passkey", data={"credential": device.create(options), "name": name}
    )


def passkey_step(client, device):
    options = client.post("/login/passkey/options").get_json()
    answer = device.get(options)
    return client.post("/login/passkey", data={"credential": answer}), answer


def test_a_passkey_registers_at_enrolment_and_signs_in(client, users, app):
    senior = users.senior()
    device = SoftPasskey()
    password_step(client, senior)
    response = add_passkey(client, device)
    assert "Your recovery codes" in response.get_data(as_text=True)
    assert db.session.scalars(select(Passkey.name)).all() == ["My phone"]
    phone = app.test_client()
    assert password_step(phone, senior).location == "/login/verify"
    response, _answer = passkey_step(phone, device)
    assert response.location == "/today" and signed_in(phone)


def test_a_replayed_assertion_is_refused(client, users, app):
    senior = users.senior()
    device = SoftPasskey()
    password_step(client, senior)
    add_passkey(client, device)
    phone = app.test_client()
    password_step(phone, senior)
    _response, answer = passkey_step(phone, device)
    thief = app.test_client()
    password_step(thief, senior)
    thief.post("/login/passkey/options")  # a fresh challenge, which the copy does not sign
    response = thief.post("/login/passkey", data={"credential": answer})
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    assert not signed_in(thief)
    [failure] = audited("login.second_factor", "failure")
    assert failure.startswith("passkey:")


def test_another_users_passkey_is_refused(client, users, app):
    senior, other = users.senior(), users.admin()
    device = SoftPasskey()
    password_step(client, senior)
    add_passkey(client, device)
    theirs = app.test_client()
    password_step(theirs, other)
    enrol_app_at_sign_in(theirs, other)
    attacker = app.test_client()
    password_step(attacker, other)  # the admin's password, the senior's passkey
    response, _answer = passkey_step(attacker, device)
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    assert audited("login.second_factor", "failure") == ["passkey of another user"]


def test_a_discoverable_passkey_alone_signs_in_where_allowed(client, users, app):
    senior = users.senior()
    device = SoftPasskey()
    password_step(client, senior)
    add_passkey(client, device)
    phone = app.test_client()
    assert phone.post("/login/passkey/options").status_code == 409  # not allowed yet
    assert "Sign in with passkey" not in phone.get("/login").get_data(as_text=True)
    mfa.save_policy(["senior_cso", "admin"], None, True)
    db.session.commit()
    assert "Sign in with passkey" in phone.get("/login").get_data(as_text=True)
    response, _answer = passkey_step(phone, device)
    assert response.location == "/today" and signed_in(phone)


# -- Trusted phone --------------------------------------------------------------------------------


def test_a_trusted_phone_skips_the_code_for_the_shift_only_on_that_phone(client, users, app):
    cso = users.cso(totp=True)
    response = sign_in_with_code(client, cso, trust="y")
    cookie = response.headers.get_all("Set-Cookie")
    trusted = next(value for value in cookie if value.startswith(mfa.TRUST_COOKIE))
    assert "HttpOnly" in trusted and f"Max-Age={12 * 3600}" in trusted
    client.post("/logout")
    assert password_step(client, cso).location == "/today"  # the same phone: password only
    other = app.test_client()
    assert password_step(other, cso).location == "/login/verify"


def test_trust_ends_with_the_shift(client, users):
    cso = users.cso(totp=True)
    sign_in_with_code(client, cso, trust="y")
    client.post("/logout")
    db.session.execute(update(mfa.TrustedDevice).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert password_step(client, cso).location == "/login/verify"


# -- Resets and step-up ----------------------------------------------------------------------------


def test_nobody_resets_their_own_second_factor(client, users):
    senior = users.senior(totp=True)
    sign_in_with_code(client, senior)
    response = client.post(f"/accounts/{senior.id}/second-factor/reset", follow_redirects=True)
    assert "You cannot reset your own second factor" in response.get_data(as_text=True)
    db.session.refresh(senior)
    assert senior.totp_secret is not None
    assert audited("second_factor.reset", "denied") == ["own second factor"]


def test_a_senior_resets_a_csos_factor_who_then_enrols_again(client, users, app):
    senior, cso = users.senior(totp=True), users.cso(totp=True)
    phone = app.test_client()
    sign_in_with_code(phone, cso)
    sign_in_with_code(client, senior)
    response = client.post(f"/accounts/{cso.id}/second-factor/reset", follow_redirects=True)
    assert "second factor was reset" in response.get_data(as_text=True)
    assert audited("second_factor.reset") == [None]
    assert not signed_in(phone)  # the reset ends the CSO's sessions
    assert password_step(phone, cso).location == "/login/enrol"  # though CSOs need none yet


def test_an_admin_reset_asks_for_the_admins_factor_at_that_moment(client, users):
    admin, cso = users.admin(totp=True), users.cso(totp=True)
    sign_in_with_code(client, admin)
    db.session.execute(
        update(UserSession).values(second_factor_at=utcnow() - mfa.STEP_UP_TIME - timedelta(1))
    )
    db.session.commit()
    response = client.post(f"/accounts/{cso.id}/second-factor/reset")
    assert response.location.startswith("/account/confirm")
    db.session.refresh(cso)
    assert cso.totp_secret is not None
    assert audited("second_factor.step_up", "denied") == ["asked again"]
    wrong = client.post("/account/confirm", data={"code": "000000", "next": "/accounts/"})
    assert wrong.status_code == 422 and REFUSED in wrong.get_data(as_text=True)
    right = client.post(
        "/account/confirm", data={"code": totp_code(admin, 1), "next": "/accounts/"}
    )
    assert right.location == "/accounts/"
    client.post(f"/accounts/{cso.id}/second-factor/reset")
    db.session.refresh(cso)
    assert cso.totp_secret is None and cso.second_factor_required


def test_changing_a_role_needs_a_second_factor(make_app, users):
    app = make_app(SECOND_FACTOR_ROLES=[])  # an admin without one (the policy allows it)
    client = app.test_client()
    with app.app_context():
        admin, cso = users.admin(), users.cso()
        password_step(client, admin)
        response = client.post(
            f"/accounts/{cso.id}/edit",
            data={"display_name": cso.display_name, "role": "senior_cso", "is_active_account": "y"},
        )
        assert response.location == "/account/second-factor"
        db.session.refresh(cso)
        assert cso.role == "cso"
        assert audited("second_factor.step_up", "denied") == ["no second factor"]


def test_the_cli_resets_the_last_admins_factor(app, users):
    admin = users.admin(totp=True)
    result = app.test_cli_runner().invoke(args=["users", "reset-second-factor", admin.username])
    assert result.exit_code == 0, result.output
    db.session.refresh(admin)
    assert admin.totp_secret is None and admin.second_factor_required


def test_the_policy_page_saves_the_admins_choice(client, users, login):
    login(users.admin(totp=True))
    response = client.post(
        "/accounts/second-factor-policy",
        data={"roles": ["senior_cso", "admin", "cso"], "cso_from": "2027-01-04"},
    )
    assert response.status_code == 303
    assert sorted(mfa.required_roles()) == ["admin", "cso", "senior_cso"]
    assert mfa.cso_required_from().isoformat() == "2027-01-04"
    assert audited("second_factor.policy")


def test_pages_render_in_spanish(client, users):
    senior = users.senior()
    senior.locale = "es"
    db.session.commit()
    client.set_cookie("lang", "es")
    password_step(client, senior)
    page = client.get("/login/enrol").get_data(as_text=True)
    assert 'lang="es"' in page and "Set up your second factor" not in page
