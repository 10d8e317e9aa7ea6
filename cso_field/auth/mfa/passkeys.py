"""Passkeys (WebAuthn) with py_webauthn: options for the browser, and checking its answers.

The relying party is PUBLIC_BASE_URL's host (the address the officers use), or the
request's own host where that is not set (`make run`, tests). Each challenge is kept in the
signed session cookie and spent by the first answer to it, so an answer sent twice fails.
"""

import json
import secrets
from urllib.parse import urlsplit

from flask import current_app, request, session
from sqlalchemy import select
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from cso_field import audit
from cso_field.auth.mfa.models import Passkey
from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.timeutil import utcnow

CHALLENGE_KEY = "webauthn_challenge"
RP_NAME = "CSO Field"


def relying_party() -> tuple[str, str]:
    """(relying party id, origin)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    parts = urlsplit(base)
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"


def _keep_challenge(challenge: bytes, purpose: str) -> None:
    session[CHALLENGE_KEY] = {"challenge": bytes_to_base64url(challenge), "purpose": purpose}


def _spend_challenge(purpose: str) -> bytes | None:
    kept = session.pop(CHALLENGE_KEY, None)
    if not kept or kept.get("purpose") != purpose:
        return None
    return base64url_to_bytes(kept["challenge"])


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    ids = db.session.scalars(select(Passkey.credential_id).where(Passkey.user_id == user.id))
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(value)) for value in ids]


def registration_options(user: User) -> str:
    if user.webauthn_handle is None:
        user.webauthn_handle = bytes_to_base64url(secrets.token_bytes(32))
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=base64url_to_bytes(user.webauthn_handle),
        user_display_name=user.display_name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    _keep_challenge(options.challenge, "register")
    return options_to_json(options)


def register(user: User, credential: str, name: str) -> str | None:
    """Keep a new passkey: None when the browser's answer checks out, else why not."""
    challenge = _spend_challenge("register")
    rp_id, origin = relying_party()
    try:
        if challenge is None:
            raise InvalidRegistrationResponse("no challenge")
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as error:
        audit.record(
            "second_factor.enrol",
            outcome=audit.FAILURE,
            actor=user,
            object_type="user",
            object_id=user.id,
            detail=f"passkey: {str(error)[:150]}",
        )
        return "invalid"
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        return "exists"
    transports = _transports(credential)
    db.session.add(
        Passkey(
            user_id=user.id,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            name=name,
            transports=transports,
        )
    )
    user.second_factor_required = False
    audit.record(
        "second_factor.enrol", actor=user, object_type="user", object_id=user.id, detail="passkey"
    )
    return None


def _transports(credential: str) -> str:
    try:
        found = json.loads(credential).get("response", {}).get("transports") or []
    except (ValueError, AttributeError):
        return ""
    return ",".join(str(value) for value in found)[:120]


def authentication_options(user: User | None) -> str:
    """Options for a sign-in: `user`'s passkeys, or any discoverable passkey when None."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(user) if user is not None else None,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _keep_challenge(options.challenge, "authenticate")
    return options_to_json(options)


def _credential_id(credential: str) -> str | None:
    try:
        value = json.loads(credential).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def find_passkey(credential: str) -> Passkey | None:
    credential_id = _credential_id(credential)
    if not credential_id:
        return None
    return db.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))


def check_assertion(user: User, passkey: Passkey | None, credential: str) -> str | None:
    """None when `credential` proves `user` holds `passkey`, else why not (for the audit)."""
    challenge = _spend_challenge("authenticate")
    if passkey is None:
        return "unknown passkey"
    if passkey.user_id != user.id:
        return "passkey of another user"
    if challenge is None:
        return "no challenge (replayed assertion?)"
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as error:
        return f"passkey: {str(error)[:150]}"
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    return None


def remove_passkey(user: User, passkey_id: int) -> bool:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        return False
    db.session.delete(passkey)
    audit.record("second_factor.remove", object_type="user", object_id=user.id, detail="passkey")
    return True
