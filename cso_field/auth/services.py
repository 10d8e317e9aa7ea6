"""Authentication rules: password checks, lockout, address throttling, server-side sessions."""

import hashlib
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import and_, bindparam, case, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from cso_field import audit
from cso_field.auth.models import (
    LoginAttempt,
    LoginThrottle,
    User,
    UserSession,
    password_method,
)
from cso_field.extensions import db
from cso_field.timeutil import utcnow

# Refresh last_seen_at at most this often: the idle limit is exact to within this, and a
# burst of requests (a page and its fragments) writes once.
LAST_SEEN_RESOLUTION = timedelta(seconds=5)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None  # "invalid", "throttled" or "disabled"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def authenticate(
    username: str,
    password: str,
    client_address: str,
    second_step_follows: Callable[[User], bool] | None = None,
) -> LoginResult:
    """Check credentials within the address and account limits; lock when a limit is spent.

    Each limit is claimed before the password is checked, by a conditional UPDATE that
    counts and decides in one statement, committed before the check, so parallel requests
    cannot overrun it on SQLite or PostgreSQL. Unknown names, wrong passwords and locked accounts
    get the same answer ("invalid") after the same work (one password hash): the lock is
    told to supervisors (Accounts, Audit) and to the holder by the Today screen's count of
    failed logins, never to whoever types the name.

    When a second step follows (cso_field/mfa), a right password clears nothing: the count
    of checks goes on until the second factor is proved, so knowing the password does not
    buy fresh guesses at the code.
    """
    window = _claim_address_slot(client_address)
    if window is None:
        audit.record("login", outcome=audit.DENIED, detail="address throttled")
        return LoginResult(None, "throttled")
    user = find_user(username)
    number = _claim_password_check(user) if user is not None else None
    db.session.commit()  # the claims hold before any password is checked
    if number is None:
        # Same cost as a real check, so response time does not reveal which names exist.
        check_dummy_password(password)
        _record_attempt(user, client_address, succeeded=False)
        detail = "unknown user" if user is None else "account locked"
        audit.record("login", outcome=audit.FAILURE, actor=user, detail=detail)
        return LoginResult(None, "invalid")
    if not check_password(user, password):
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, actor=user, detail="wrong password")
        _lock_when_spent(user, number)
        return LoginResult(None, "invalid")
    if second_step_follows is not None and second_step_follows(user):
        return _password_step_passed(user, client_address, window)
    cleared = _clear_failures(user, number)
    # Commit before the address row is touched: a claim locks the address row, then the
    # account row; holding the account row while waiting for the address row would deadlock.
    db.session.commit()
    if not cleared:
        # Parallel guesses locked the account while this password was being checked.
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, actor=user, detail="account locked")
        return LoginResult(None, "invalid")
    if not user.is_active_account:
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, actor=user, detail="account disabled")
        return LoginResult(None, "disabled")
    _release_address_slot(client_address, window)
    _record_attempt(user, client_address, succeeded=True)
    return LoginResult(user, None)


def _password_step_passed(user: User, client_address: str, window: datetime) -> LoginResult:
    if not user.is_active_account:
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login", outcome=audit.FAILURE, actor=user, detail="account disabled")
        return LoginResult(None, "disabled")
    _release_address_slot(client_address, window)
    audit.record("login.password", actor=user, detail="second step follows")
    return LoginResult(user, None)


def check_second_step(
    user: User, client_address: str, check: Callable[[], str | None]
) -> str | None:
    """Run one second-factor check within the same limits as a password.

    `check` returns None when the factor is proved, else what failed (for the audit
    trail only: the caller shows one answer whatever failed). Returns None on success,
    else "invalid" or "throttled", like `authenticate`. The caller commits.
    """
    window = _claim_address_slot(client_address)
    if window is None:
        audit.record(
            "login.second_factor", outcome=audit.DENIED, actor=user, detail="address throttled"
        )
        return "throttled"
    number = _claim_password_check(user)
    db.session.commit()  # the claims hold before the factor is checked
    failure = "account locked" if number is None else check()
    if failure is not None:
        _record_attempt(user, client_address, succeeded=False)
        audit.record("login.second_factor", outcome=audit.FAILURE, actor=user, detail=failure)
        if number is not None:
            _lock_when_spent(user, number)
        return "invalid"
    cleared = _clear_failures(user, number)
    db.session.commit()
    if not cleared:
        _record_attempt(user, client_address, succeeded=False)
        audit.record(
            "login.second_factor", outcome=audit.FAILURE, actor=user, detail="account locked"
        )
        return "invalid"
    _release_address_slot(client_address, window)
    _record_attempt(user, client_address, succeeded=True)
    return None


def _not_locked(now: datetime):
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def _claim_address_slot(client_address: str) -> datetime | None:
    """Count one more failure for the address unless its window is full; commits at once.

    A login is counted as a failure before its password is checked and given back when it
    succeeds, so parallel requests never check more than ADDRESS_THROTTLE_LIMIT failures.
    Returns the start of the address's window, or None when the address must wait.
    One statement, atomic on both databases; the caller commits.
    """
    config, now = current_app.config, utcnow()
    table = LoginThrottle.__table__
    expired = table.c.window_started_at < now - config["LOCKOUT_WINDOW"]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values(
        client_address=client_address, window_started_at=now, failures=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.client_address],
        set_={
            "failures": case((expired, 1), else_=table.c.failures + 1),
            "window_started_at": case((expired, now), else_=table.c.window_started_at),
        },
        where=or_(expired, table.c.failures < config["ADDRESS_THROTTLE_LIMIT"]),
    ).returning(table.c.window_started_at)
    return db.session.execute(statement).scalar()


def _release_address_slot(client_address: str, window: datetime) -> None:
    table = LoginThrottle.__table__
    db.session.execute(
        update(table)
        .where(
            table.c.client_address == client_address,
            table.c.window_started_at == window,
            table.c.failures > 0,
        )
        .values(failures=table.c.failures - 1)
    )


def _claim_password_check(user: User) -> int | None:
    """Number one more password check for the account, unless it is locked or its
    LOCKOUT_THRESHOLD checks in this window are taken (in flight or failed). One statement,
    atomic on both databases (a row lock on PostgreSQL, the write lock on SQLite); the caller
    commits. A lock that has ended, or a window that has passed, starts a fresh count.
    """
    config, now = current_app.config, utcnow()
    fresh = or_(
        User.failures_reset_at < now - config["LOCKOUT_WINDOW"],
        and_(User.locked_until.is_not(None), User.locked_until <= now),
    )
    counted = User.login_seq - User.failures_cleared_seq
    return db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            _not_locked(now),
            or_(fresh, counted < config["LOCKOUT_THRESHOLD"]),
        )
        .values(
            login_seq=User.login_seq + 1,
            failures_cleared_seq=case((fresh, User.login_seq), else_=User.failures_cleared_seq),
            failures_reset_at=case((fresh, now), else_=User.failures_reset_at),
            locked_at=None,
            locked_until=None,
        )
        .returning(User.login_seq)
        .execution_options(synchronize_session=False)
    ).scalar()


def _lock_when_spent(user: User, number: int) -> None:
    """Lock the account when this failure still counts and every check of the window is taken."""
    config, now = current_app.config, utcnow()
    locked = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            _not_locked(now),
            User.failures_cleared_seq < number,
            User.login_seq - User.failures_cleared_seq >= config["LOCKOUT_THRESHOLD"],
        )
        .values(locked_at=now, locked_until=now + config["LOCKOUT_PERIOD"])
        .execution_options(synchronize_session=False)
    ).rowcount
    if locked:
        audit.record(
            "account.lock",
            actor=user,
            object_type="user",
            object_id=user.id,
            detail="too many failed logins",
        )


def _clear_failures(user: User, number: int) -> bool:
    """A right password clears the failures before it, when no other check was numbered
    after it (the sequential case: failures are "consecutive" as CJIS counts them). Under
    parallel guesses it clears nothing, so they never get more than LOCKOUT_THRESHOLD checks.
    False if the account was locked meanwhile: then the right password does not log in.
    """
    cleared = case((User.login_seq == number, number), else_=User.failures_cleared_seq)
    return bool(
        db.session.execute(
            update(User)
            .where(User.id == user.id, _not_locked(utcnow()))
            .values(failures_cleared_seq=cleared)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(), method=method)


# scrypt takes 32 MB and a core's worth of work: a burst of logins runs a few at a time,
# so the rest of the server (and the database lock holders) keep a share of the CPU.
_hashing = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def check_password(user: User, password: str) -> bool:
    stored = user.password_hash  # loaded before the wait, not while holding a turn
    with _hashing:
        return check_password_hash(stored, password)


def check_dummy_password(password: str) -> None:
    with _hashing:
        check_password_hash(_dummy_hash(password_method()), password)


def _record_attempt(user: User | None, client_address: str, *, succeeded: bool) -> None:
    db.session.add(
        LoginAttempt(
            client_address=client_address,
            user_id=user.id if user else None,
            succeeded=succeeded,
        )
    )
    db.session.flush()


def start_session(
    user: User,
    client_address: str,
    *,
    audit_action: str | None = "login",
    second_factor_at: datetime | None = None,
) -> None:
    """Log the user in under a brand-new session identifier."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_hash_token(token),
            user=user,
            client_address=client_address,
            second_factor_at=second_factor_at,
        )
    )
    user.session_token = token
    user.second_factor_at = second_factor_at
    login_user(user)
    if audit_action:
        audit.record(audit_action, actor=user)


_SESSION_WITH_USER = (
    select(UserSession, User)
    .join(UserSession.user)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


def load_session_user(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, or None.

    Every signed-in request starts here: the session and its user come in one query, built
    once (building a statement and its cache key costs more than running this one).
    """
    found = db.session.execute(_SESSION_WITH_USER, {"token_hash": _hash_token(token)}).first()
    if found is None or found.UserSession.ended_at is not None:
        return None
    user_session = found.UserSession
    now = utcnow()
    expired_by = _expiry_reason(user_session, now)
    if expired_by or not user_session.user.is_active:
        end_reason = expired_by or "account inactive"
        user_session.ended_at, user_session.end_reason = now, end_reason
        db.session.commit()
        g.session_expired = True
        return None
    if now - user_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        # Conditional, so parallel requests of one session write it once.
        db.session.execute(
            update(UserSession)
            .where(
                UserSession.id == user_session.id,
                UserSession.last_seen_at <= now - LAST_SEEN_RESOLUTION,
            )
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    user = user_session.user
    user.session_token = token
    user.second_factor_at = user_session.second_factor_at
    return user


def mark_second_factor(user: User) -> None:
    """Record that the current session proved the second factor just now (step-up)."""
    now = utcnow()
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash_token(user.session_token))
        .values(second_factor_at=now)
    )
    user.second_factor_at = now


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
    """Release the lock before its time and start a fresh count of failures."""
    user.locked_at = user.locked_until = None
    user.failures_cleared_seq = User.login_seq
    user.failures_reset_at = utcnow()
    audit.record("account.unlock", object_type="user", object_id=user.id)


def change_password(user: User, new_password: str, client_address: str) -> None:
    """Set a new password, end every session of the user and keep the current one going."""
    user.set_password(new_password)
    end_all_sessions(user, "password change")
    audit.record("password.change", object_type="user", object_id=user.id)
    start_session(user, client_address, audit_action=None, second_factor_at=user.second_factor_at)
