"""Staff accounts, their server-side sessions and login attempts."""

from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from cso_field.extensions import db
from cso_field.roles import Role
from cso_field.timeutil import utcnow

# scrypt is Werkzeug's default KDF; spelled out so a library default change is a visible diff.
PASSWORD_METHOD = "scrypt:32768:8:1"  # noqa: S105 (a method name, not a password)


def password_method() -> str:
    """The KDF for new hashes. Only the test suite sets PASSWORD_HASH_METHOD (a cheaper
    scrypt cost): a check reads the cost from the stored hash, so nothing else changes."""
    return current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_METHOD)


PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
USERNAME_MAX_LENGTH = 64


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # A lock is timed (CJIS AC-7): it ends at locked_until, or earlier when a supervisor
    # releases it. It refuses new logins only; sessions already open go on.
    locked_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    # The lockout counter, changed only by conditional UPDATEs (auth/services.py): every
    # password check is numbered (login_seq) before it runs; checks numbered up to
    # failures_cleared_seq no longer count (a later success, an unlock, a new window).
    login_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    failures_cleared_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    # Start of the window in which the counted checks were made.
    failures_reset_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The second factor (cso_field/mfa): an authenticator app's secret (base32), the last
    # time step a code was accepted for (no code is accepted twice), and whether a reset
    # requires the user to enrol again at the next sign-in whatever the policy says.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    second_factor_required: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The random WebAuthn user handle of the user's passkeys (never the user name or id).
    webauthn_handle: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    sessions: Mapped[list["UserSession"]] = relationship(back_populates="user")

    # The raw token of the session this object was loaded for (Flask-Login's user id), and
    # when that session last proved the second factor (for step-up).
    session_token = None
    second_factor_at = None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_method())
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    # Flask-Login's user protocol. The id handed to Flask-Login is the session
    # token, so ending a session server-side makes a copied cookie worthless.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        # Not the lock: someone else's failed logins must not end an officer's open session.
        return self.is_active_account

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(30))
    client_address: Mapped[str | None] = mapped_column(String(64))
    # When this session last proved the second factor: at sign-in, then at each step-up.
    second_factor_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions")


class LoginAttempt(db.Model):
    """One login attempt, kept as a log; lockouts and throttling count on User and
    LoginThrottle, where a conditional UPDATE decides atomically."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_address_at", "client_address", "attempted_at"),
        Index("ix_login_attempt_user_at", "user_id", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_address: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    succeeded: Mapped[bool]


class LoginThrottle(db.Model):
    """Failed logins from one client address in the current window, counted atomically."""

    __tablename__ = "login_throttle"

    client_address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime]
    failures: Mapped[int]
