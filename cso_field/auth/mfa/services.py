"""The second factor's rules: policy, authenticator codes, recovery codes, trusted phones,
the half-done sign-in between password and second factor, and resets."""

import binascii
import hashlib
import secrets
from datetime import date, datetime, timedelta

import pyotp
import segno
from flask import current_app, session
from sqlalchemy import delete, or_, select, update

from cso_field import audit
from cso_field.auth.mfa.models import Passkey, RecoveryCode, TrustedDevice
from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.roles import Role
from cso_field.settings import Setting, get_setting, register_defaults, set_setting
from cso_field.timeutil import department_today, utcnow

# Department settings (an admin changes them on Accounts > Second factor policy).
ROLES_SETTING = "second_factor_roles"  # roles that must have a second factor
CSO_FROM_SETTING = "second_factor_cso_from"  # ISO date from which CSOs must, or None
PASSKEY_ALONE_SETTING = "second_factor_passkey_alone"  # a discoverable passkey signs in alone
register_defaults({CSO_FROM_SETTING: None, PASSKEY_ALONE_SETTING: False})

TOTP_ISSUER = "CSO Field"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to misread
PENDING_KEY = "second_factor_pending"
PENDING_TIME = timedelta(minutes=5)  # from the right password to the second factor
STEP_UP_TIME = timedelta(minutes=5)  # a proof this recent lets a sensitive action through
TRUST_COOKIE = "cso_trusted_phone"
VERIFY, ENROL = "verify", "enrol"


# -- Policy ------------------------------------------------------------------------------


def required_roles() -> list[str]:
    """The roles that must have a second factor: the admin's choice once made, else the
    deployment's default (SECOND_FACTOR_ROLES: Senior CSOs and admins)."""
    stored = db.session.get(Setting, ROLES_SETTING)
    if stored is not None:
        return list(stored.value)
    return list(current_app.config["SECOND_FACTOR_ROLES"])


def cso_required_from() -> date | None:
    value = get_setting(CSO_FROM_SETTING)
    return date.fromisoformat(value) if value else None


def must_have_second_factor(user: User) -> bool:
    if user.second_factor_required or user.role in required_roles():
        return True
    start = cso_required_from()
    return user.role == Role.CSO and start is not None and department_today() >= start


def grace_until(user: User) -> date | None:
    """The day from which this user must have a second factor, while that is still ahead
    and they have none (shown on Today); None otherwise."""
    start = cso_required_from()
    if user.role != Role.CSO or start is None or start <= department_today():
        return None
    if must_have_second_factor(user) or has_second_factor(user):
        return None
    return start


def save_policy(roles: list[str], cso_from: date | None, passkey_alone: bool) -> None:
    stored = db.session.get(Setting, ROLES_SETTING)
    if stored is None:
        db.session.add(Setting(key=ROLES_SETTING, value=sorted(roles)))
    else:
        stored.value = sorted(roles)
    set_setting(CSO_FROM_SETTING, cso_from.isoformat() if cso_from else None)
    set_setting(PASSKEY_ALONE_SETTING, bool(passkey_alone))
    audit.record(
        "second_factor.policy",
        object_type="setting",
        object_id=ROLES_SETTING,
        detail=f"roles={','.join(sorted(roles))}; cso_from={cso_from or '-'}; "
        f"passkey_alone={bool(passkey_alone)}",
    )


def passkey_alone_allowed() -> bool:
    return bool(get_setting(PASSKEY_ALONE_SETTING))


# -- What a user has ---------------------------------------------------------------------


def passkeys_of(user: User) -> list[Passkey]:
    return list(
        db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id))
    )


def has_passkey(user: User) -> bool:
    return (
        db.session.scalar(select(Passkey.id).where(Passkey.user_id == user.id).limit(1)) is not None
    )


def has_second_factor(user: User) -> bool:
    return user.totp_secret is not None or has_passkey(user)


def recovery_codes_left(user: User) -> int:
    codes = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return len(db.session.scalars(codes).all())


# -- Authenticator codes (TOTP, RFC 6238) --------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def is_valid_secret(secret: str) -> bool:
    """A key pyotp accepts: base32, at least 112 bits (23 characters) once decoded."""
    try:
        pyotp.TOTP(secret)  # decodes the key and checks its length
    except (binascii.Error, ValueError, TypeError):
        return False
    return True


def set_totp_secret(user: User, secret: str) -> None:
    """Enrol a known secret (demo and benchmark accounts, from the command line)."""
    user.totp_secret, user.totp_last_step = secret, None
    _enrolled(user, "authenticator app (set by command)")


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn on the server (no script, no image request)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


def normalise_code(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def code_step(secret: str, code: str, at: datetime | None = None) -> int | None:
    """The time step (30 s) whose code `code` is, within one step either side of now."""
    if not (code.isascii() and code.isdigit() and len(code) == 6):  # compare_digest: ASCII only
        return None
    totp, moment = pyotp.TOTP(secret), at or datetime.now()
    step = totp.timecode(moment)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def use_totp_code(user: User, code: str) -> str | None:
    """Accept a code once: None when accepted, else why not (for the audit trail)."""
    if user.totp_secret is None:
        return "no authenticator app"
    step = code_step(user.totp_secret, code)
    if step is None:
        return "wrong code"
    # One conditional UPDATE: two requests with the same code cannot both pass.
    taken = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    return None if taken else "replayed code"


def enrol_totp(user: User, secret: str, code: str) -> bool:
    """Keep the secret when the officer proves their app shows its codes."""
    step = code_step(secret, code)
    if step is None:
        audit.record(
            "second_factor.enrol",
            outcome=audit.FAILURE,
            actor=user,
            object_type="user",
            object_id=user.id,
            detail="authenticator app: wrong code",
        )
        return False
    user.totp_secret, user.totp_last_step = secret, step
    _enrolled(user, "authenticator app")
    return True


def _enrolled(user: User, what: str) -> None:
    user.second_factor_required = False
    audit.record(
        "second_factor.enrol", actor=user, object_type="user", object_id=user.id, detail=what
    )


# -- Recovery codes ------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh single-use codes, shown once; any earlier ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    audit.record("second_factor.recovery_codes", object_type="user", object_id=user.id)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(user: User, code: str) -> str | None:
    """Spend a recovery code: None when it was unused, else why not."""
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return None if spent else "wrong or used recovery code"


def use_code(user: User, code: str) -> str | None:
    """The sign-in code field takes an authenticator code (6 digits) or a recovery code."""
    code = normalise_code(code)
    if code.isdigit():
        return use_totp_code(user, code)
    return use_recovery_code(user, code)


# -- Reset -----------------------------------------------------------------------------------


def reset_second_factor(user: User, *, actor: User | None) -> None:
    """Remove every factor of `user`, end their sessions and trusted phones; they enrol
    again at their next sign-in. Nobody resets their own (the CLI has no actor)."""
    if actor is not None and actor.id == user.id:
        raise PermissionError("own second factor")
    from cso_field.auth.services import end_all_sessions

    user.totp_secret = user.totp_last_step = None
    user.second_factor_required = True
    for model in (Passkey, RecoveryCode, TrustedDevice):
        db.session.execute(delete(model).where(model.user_id == user.id))
    end_all_sessions(user, "second factor reset")
    audit.record("second_factor.reset", object_type="user", object_id=user.id)


# -- Trusted phones ("trust this phone for my shift") --------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def trust_device(user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    db.session.add(
        TrustedDevice(token_hash=_token_hash(token), user_id=user.id, expires_at=expires)
    )
    audit.record("second_factor.trust_phone", actor=user, object_type="user", object_id=user.id)
    return token, expires


def is_trusted(user: User, token: str | None) -> bool:
    if not token:
        return False
    found = db.session.scalar(
        select(TrustedDevice.id).where(
            TrustedDevice.token_hash == _token_hash(token),
            TrustedDevice.user_id == user.id,
            TrustedDevice.expires_at > utcnow(),
        )
    )
    return found is not None


# -- The half-done sign-in ---------------------------------------------------------------------


def next_step(user: User, trusted_token: str | None) -> str | None:
    """What the sign-in asks for after the right password: VERIFY, ENROL or nothing."""
    if has_second_factor(user):
        return None if is_trusted(user, trusted_token) else VERIFY
    return ENROL if must_have_second_factor(user) else None


def begin_pending(user: User, step: str, next_url: str | None) -> None:
    session.clear()
    session[PENDING_KEY] = {
        "user": user.id,
        "step": step,
        "at": utcnow().isoformat(),
        "next": next_url,
    }


def pending(step: str | None = None) -> tuple[User, dict] | None:
    """The user between password and second factor (at `step`), or None when there is
    none or it has expired."""
    state = session.get(PENDING_KEY)
    if not state or (step is not None and state.get("step") != step):
        return None
    if utcnow() - datetime.fromisoformat(state["at"]) > PENDING_TIME:
        return None
    user = db.session.get(User, state["user"])
    if user is None or not user.is_active_account:
        return None
    return user, state


def step_up_is_recent(user: User) -> bool:
    proved = user.second_factor_at
    return proved is not None and utcnow() - proved <= STEP_UP_TIME
