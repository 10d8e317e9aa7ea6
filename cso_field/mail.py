"""Outgoing mail: queued in the database in the same transaction as what caused it, sent later
by `flask --app app mail send` (run on a schedule), retried on failure, never sent twice.

Only one real address per message (`normalized_address`), and at most
MAIL_PER_RECIPIENT_PER_DAY messages to one address in any 24 hours, counted in the outbox
while holding that address's lock, so the limit is exact under parallel requests.
"""

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import Index, String, Text, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from cso_field import locks
from cso_field.extensions import db
from cso_field.i18n import resident_language
from cso_field.timeutil import utcnow

log = logging.getLogger(__name__)

# How long a sender holds a message it is sending. Long enough to cover one SMTP exchange with
# its time-outs; a sender that dies mid-send delays that message by at most this much.
CLAIM_DURATION = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)
ERROR_LENGTH = 300
# 7-bit transfer encodings (quoted-printable or base64, whichever is shorter) reach every
# server, including those that do not announce 8BITMIME.
MESSAGE_POLICY = policy.SMTP.clone(cte_type="7bit")
RECIPIENT_WINDOW = timedelta(hours=24)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_due", "sent_at", "next_attempt_at"),
        # The daily limit per recipient counts one address's recent messages.
        Index("ix_outbox_recipient_created", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same event never queues a second message (e.g. "check-summary:123").
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    # Set while one sender holds the message, so two senders never both send it.
    claimed_until: Mapped[datetime | None]


def normalized_address(address: str | None) -> str | None:
    """One real mailbox address, lower-cased, or None.

    email-validator's syntax rules without DNS (there may be no network): exactly one
    address (no comma lists, display names, quoting or line breaks), a domain with a dot
    that is not a special-use name (localhost, .local, .test, .invalid …) or an IP address.
    Lower case, so that Victim@Example.org and victim@example.org count as one recipient.
    """
    if not address or address != address.strip():
        return None
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return valid.normalized.lower()


def queue_mail(
    *,
    dedupe_key: str,
    recipient: str,
    subject: str,
    body_text: str,
    language: str,
    body_html: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; None if already queued, if
    the recipient is not one real address, or if that address had its share for the day."""
    address = normalized_address(recipient)
    if address is None:
        log.warning("mail %s not queued: not one valid address", dedupe_key)
        return None
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    # Held until the caller commits: parallel requests to one address are counted in turn.
    locks.hold(f"mail-recipient:{address}")
    if _sent_today(address) >= current_app.config["MAIL_PER_RECIPIENT_PER_DAY"]:
        log.warning("mail %s not queued: daily limit for its recipient", dedupe_key)
        return None
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        recipient=address,
        subject=subject[:200],
        body_text=body_text,
        body_html=body_html,
        language=language,
    )
    db.session.add(message)
    return message


def _sent_today(address: str) -> int:
    """Messages queued to `address` in the last 24 hours (recipients are stored lower-case)."""
    return (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.recipient == address,
                OutboxMessage.created_at >= utcnow() - RECIPIENT_WINDOW,
            )
        )
        or 0
    )


def render_email(template: str, language: str, **context) -> tuple[str, str]:
    """Subject and plain-text body of a text template (e.g. "special_checks/emails/
    summary.txt") in the given resident language; the template's first line is the subject."""
    with resident_language(language):
        text = render_template(template, **context)
    subject, _newline, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def queue_template(
    template: str, *, language: str, recipient: str, dedupe_key: str, **context
) -> OutboxMessage | None:
    """Render a text template in `language` and queue it (once per key)."""
    subject, body = render_email(template, language, **context)
    return queue_mail(
        dedupe_key=dedupe_key,
        recipient=recipient,
        subject=subject,
        body_text=body,
        language=language,
    )


@dataclass
class SendReport:
    """What one `send_due` run did."""

    sent: int = 0
    failed: int = 0  # will be retried
    gave_up: int = 0  # permanent refusal, or the last allowed attempt failed
    skipped: int = 0  # another sender claimed it first
    # Set when connecting, TLS or login failed: the server could not be used at all.
    connection_error: str | None = None

    @property
    def server_unreachable(self) -> bool:
        return self.connection_error is not None and self.sent == 0

    def summary(self) -> str:
        parts = [
            f"{self.sent} sent",
            f"{self.failed} failed (will retry)",
            f"{self.gave_up} given up",
        ]
        if self.skipped:
            parts.append(f"{self.skipped} taken by another sender")
        line = "mail: " + ", ".join(parts)
        if self.connection_error:
            line += f"; server unavailable: {self.connection_error}"
        return line


class _SendFailure(Exception):
    """A failed attempt: a short reason, and whether retrying is pointless."""

    def __init__(self, reason: str, *, permanent: bool = False, connection: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.connection = connection  # the SMTP connection is unusable afterwards


def send_due(limit: int = 50, now: datetime | None = None) -> SendReport:
    """Send up to `limit` due messages over one SMTP connection.

    Commits the current session: call it from a command or worker, not inside a request.
    Each message is claimed in its own committed transaction before it is sent, so several
    senders (cron runs that overlap, several servers) can run at once and still never send
    one message twice.
    """
    # A run can outlast CLAIM_DURATION (many slow messages), so each claim reads the clock
    # afresh; `now` pins it for tests.
    clock = (lambda: now) if now else utcnow
    report = SendReport()
    ids = _due_ids(limit, clock())
    db.session.commit()
    with _Connection(current_app.config) as connection:
        for message_id in ids:
            if not _claim(message_id, clock()):
                report.skipped += 1
                continue
            message = db.session.get(OutboxMessage, message_id)
            if message is not None:  # deleted since it was listed
                _send_one(message, connection, clock, report)
    return report


def pending_counts() -> dict[str, int]:
    """Messages waiting to be sent, waiting after a failure, given up, and sent."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    unsent = OutboxMessage.sent_at.is_(None)
    live = OutboxMessage.attempts < max_attempts

    def count(*conditions) -> int:
        return db.session.scalar(select(func.count(OutboxMessage.id)).where(*conditions)) or 0

    return {
        "pending": count(unsent, live, OutboxMessage.attempts == 0),
        "retrying": count(unsent, live, OutboxMessage.attempts > 0),
        "given_up": count(unsent, OutboxMessage.attempts >= max_attempts),
        "sent": count(OutboxMessage.sent_at.is_not(None)),
    }


def latest_failures(limit: int = 10) -> list[OutboxMessage]:
    """Unsent messages whose last attempt failed, most recently tried first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
            .order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def _due_ids(limit: int, now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(_is_due(now), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def _is_due(now: datetime):
    return (
        OutboxMessage.sent_at.is_(None)
        & (OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"])
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    )


def _claim(message_id: int, now: datetime) -> bool:
    """Take the message for this sender; False if another sender holds it or it is done.

    The condition is re-checked by the UPDATE itself, which both SQLite (one writer at a time)
    and PostgreSQL (re-evaluated after the row lock) apply atomically.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _is_due(now))
        .values(claimed_until=now + CLAIM_DURATION)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _send_one(
    message: OutboxMessage,
    connection: "_Connection",
    clock: Callable[[], datetime],
    report: SendReport,
) -> None:
    try:
        connection.send(build_email(message, current_app.config["MAIL_DEFAULT_SENDER"]))
    except _SendFailure as failure:
        _record_failure(message, failure, clock(), report)
        return
    # The server has the message. If this commit fails the claim stays set, so no sender
    # retries it before CLAIM_DURATION is over; past that it would be sent again. We accept
    # that rare duplicate (database lost between SMTP and commit) over losing the message.
    message.sent_at = clock()
    message.claimed_until = None
    message.last_error = None
    try:
        db.session.commit()
    except Exception:
        log.exception("mail %s was sent but could not be marked sent", message.id)
        raise
    report.sent += 1


def _record_failure(
    message: OutboxMessage, failure: _SendFailure, now: datetime, report: SendReport
) -> None:
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    message.attempts = max_attempts if failure.permanent else message.attempts + 1
    message.last_error = failure.reason[:ERROR_LENGTH]
    message.next_attempt_at = now + backoff(message.attempts)
    message.claimed_until = None
    db.session.commit()
    if message.attempts >= max_attempts:
        report.gave_up += 1
        log.warning("mail %s given up: %s", message.id, failure.reason)
    else:
        report.failed += 1
    if failure.connection and report.connection_error is None:
        report.connection_error = failure.reason


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4, 8 ... minutes after attempts 1, 2, 3, 4 ...,
    at most MAX_BACKOFF."""
    exponent = min(max(attempts - 1, 0), 16)  # bounded, so timedelta cannot overflow
    return min(timedelta(minutes=2**exponent), MAX_BACKOFF)


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The message as it goes on the wire; a bad address or header is a permanent failure."""
    try:
        email = EmailMessage(policy=MESSAGE_POLICY)
        email["From"] = sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = make_msgid(domain=_domain(sender))
        email.set_content(message.body_text, charset="utf-8")
        if message.body_html:
            email.add_alternative(message.body_html, subtype="html", charset="utf-8")
        # After the body: set_content() clears every Content-* header, this one included.
        email["Content-Language"] = message.language
    except (ValueError, TypeError) as exc:
        raise _SendFailure(f"invalid message: {_one_line(str(exc))}", permanent=True) from exc
    return email


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:ERROR_LENGTH]


class _Connection:
    """One SMTP session for a run, opened on first use and again after the server drops it.

    When connecting (or TLS, or login) fails, every later message of the run fails with the
    same reason instead of waiting out another time-out.
    """

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.connect_failure: _SendFailure | None = None

    def __enter__(self) -> "_Connection":
        return self

    def __exit__(self, *_exc) -> None:
        self._close()

    def send(self, email: EmailMessage) -> None:
        smtp = self._open()
        try:
            smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _SendFailure(_reply(code, reply), permanent=code >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the session
                self._close()
            raise _SendFailure(_reply(exc.smtp_code, exc.smtp_error)) from exc
        except smtplib.SMTPServerDisconnected as exc:
            self._close()
            raise _SendFailure(_os_error(exc)) from exc
        except smtplib.SMTPException as exc:
            raise _SendFailure(_os_error(exc)) from exc
        except OSError as exc:  # reset, time-out: the session is gone
            self._close()
            raise _SendFailure(_os_error(exc)) from exc

    def _open(self) -> smtplib.SMTP:
        if self.connect_failure:
            raise self.connect_failure
        if self.smtp is None:
            try:
                self.smtp = _connect(self.config)
            except smtplib.SMTPResponseException as exc:
                self.connect_failure = _SendFailure(
                    _reply(exc.smtp_code, exc.smtp_error), connection=True
                )
                raise self.connect_failure from exc
            except (smtplib.SMTPException, OSError) as exc:
                self.connect_failure = _SendFailure(_os_error(exc), connection=True)
                raise self.connect_failure from exc
        return self.smtp

    def _close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _connect(config) -> smtplib.SMTP:
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return _one_line(f"{code} {text}")


def _os_error(exc: BaseException) -> str:
    # str(exc) of socket errors holds no credentials; login failures arrive as SMTP replies.
    detail = getattr(exc, "strerror", None) or str(exc) or "no detail"
    return _one_line(f"{type(exc).__name__}: {detail}")
