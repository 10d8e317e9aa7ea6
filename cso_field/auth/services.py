"""Authentication rules: password checks, lockout, address throttling, server-side sessions."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from cso_field import audit
from cso_field.auth.models import PASSWORD_METHOD, LoginAttempt, User, UserSession
from cso_field.extensions import db
from cso_field.timeutil import utcnow

# Refresh last_seen_at at most this often, so reading a page rarely writes.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None  # "invalid", "locked" or "disabled"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def address_is_throttled(client_address: str) -> bool:
    since = utcnow() - current_app.config["LOCKOUT_WINDOW"]
    failures = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.client_address == client_address,
            LoginAttempt.attempted_at >= since,
            LoginAttempt.succeeded.is_(False),
        )
    )
    return failures >= current_app.config["ADDRESS_THROTTLE_LIMIT"]


def authenticate(username: str, password: str, client_address: str) -> LoginResult:
    """Check credentials, record the attempt and lock the account when it must be locked."""
    user = find_user(username)
    if user is None:
        # Same cost as a real check, so response time does not reveal which names exist.
        check_dummy_password(password)
        _record_attempt(None, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, detail="unknown user")
        return LoginResult(None, "invalid")
    if user.is_locked:
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, actor=user, detail="account locked")
        return LoginResult(None, "locked")
    if not user.check_password(password):
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, actor=user, detail="wrong password")
        if _recent_failures(user) >= current_app.config["LOCKOUT_THRESHOLD"]:
            user.locked_at = utcnow()
            audit.record(
                "account.lock",
                actor=user,
                object_type="user",
                object_id=user.id,
                detail="too many failed logins",
            )
            return LoginResult(None, "locked")
        return LoginResult(None, "invalid")
    if not user.is_active_account:
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, actor=user, detail="account disabled")
        return LoginResult(None, "disabled")
    _record_attempt(user, client_address, succeeded=True)
    user.failures_reset_at = utcnow()
    return LoginResult(user, None)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(), method=PASSWORD_METHOD)


def check_dummy_password(password: str) -> None:
    check_password_hash(_dummy_hash(), password)


def _record_attempt(user: User | None, client_address: str, *, succeeded: bool) -> None:
    db.session.add(
        LoginAttempt(
            client_address=client_address,
            user_id=user.id if user else None,
            succeeded=succeeded,
        )
    )
    db.session.flush()


def _recent_failures(user: User) -> int:
    since = max(utcnow() - current_app.config["LOCKOUT_WINDOW"], user.failures_reset_at)
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.user_id == user.id,
            LoginAttempt.attempted_at >= since,
            LoginAttempt.succeeded.is_(False),
        )
    )


def start_session(user: User, client_address: str, *, audit_action: str | None = "login") -> None:
    """Log the user in under a brand-new session identifier."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(token_hash=_hash_token(token), user=user, client_address=client_address)
    )
    user.session_token = token
    login_user(user)
    if audit_action:
        audit.record(audit_action, actor=user)


def load_session_user(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, or None."""
    user_session = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == _hash_token(token))
    )
    if user_session is None or user_session.ended_at is not None:
        return None
    now = utcnow()
    expired_by = _expiry_reason(user_session, now)
    if expired_by or not user_session.user.is_active:
        end_reason = expired_by or "account inactive"
        user_session.ended_at, user_session.end_reason = now, end_reason
        db.session.commit()
        g.session_expired = True
        return None
    if now - user_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        user_session.last_seen_at = now
        db.session.commit()
    user = user_session.user
    user.session_token = token
    return user


def _expiry_reason(user_session: UserSession, now) -> str | None:
    config = current_app.config
    if now - user_session.last_seen_at > config["SESSION_IDLE_TIMEOUT"]:
        return "idle timeout"
    if now - user_session.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]:
        return "absolute timeout"
    return None


def end_current_session(user: User) -> None:
    if user.session_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash_token(user.session_token))
            .values(ended_at=utcnow(), end_reason="logout")
        )
    audit.record("logout", actor=user)
    logout_user()
    session.clear()


def end_all_sessions(user: User, reason: str) -> int:
    """End every live session of the user; returns how many were ended."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount


def unlock(user: User) -> None:
    user.locked_at = None
    user.failures_reset_at = utcnow()
    audit.record("account.unlock", object_type="user", object_id=user.id)


def change_password(user: User, new_password: str, client_address: str) -> None:
    """Set a new password, end every session of the user and keep the current one going."""
    user.set_password(new_password)
    end_all_sessions(user, "password change")
    audit.record("password.change", object_type="user", object_id=user.id)
    start_session(user, client_address, audit_action=None)
