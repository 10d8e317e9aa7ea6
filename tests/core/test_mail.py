"""Outgoing mail: queued in the database, delivered to a real SMTP server, never twice."""

import smtplib
import threading
from datetime import timedelta

import pytest
from flask import current_app

from cso_field.extensions import db
from cso_field.mail import OutboxMessage, backoff, queue_mail, send_due
from cso_field.timeutil import utcnow

SPANISH_BODY = "Revisaremos su casa mañana por la mañana. ¡Gracias, señora Muñoz!\n"
KHMER_SUBJECT = "ការត្រួតពិនិត្យផ្ទះរបស់អ្នក"
KHMER_BODY = "យើងនឹងពិនិត្យផ្ទះរបស់អ្នកនៅថ្ងៃស្អែក។ សូមអរគុណ!\n"


@pytest.fixture
def mail_app(app, smtp_server):
    smtp_server.configure(app)
    app.config["MAIL_DEFAULT_SENDER"] = "CSO Field <noreply@stocktonpd.example>"
    # These tests send many messages to one address; the daily limit is tested on its own.
    app.config["MAIL_PER_RECIPIENT_PER_DAY"] = 1000
    return app


def _queue(key: str, **fields) -> OutboxMessage:
    values = {
        "recipient": "resident@example.org",
        "subject": f"Subject {key}",
        "body_text": "Hello.\n",
        "language": "en",
    }
    message = queue_mail(dedupe_key=key, **{**values, **fields})
    db.session.commit()
    return message


def _reload(message_id: int) -> OutboxMessage:
    db.session.commit()  # end this session's snapshot, so other senders' commits show
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _text(part) -> str:
    return part.get_content().replace("\r\n", "\n")  # lines end in CRLF on the wire


def _later(minutes: float):
    return utcnow() + timedelta(minutes=minutes)


def test_queued_mail_arrives_in_utf8_with_its_headers(mail_app, smtp_server):
    spanish = _queue(
        "check:1",
        recipient="maria@example.org",
        subject="Revisión de su casa — confirmación",
        body_text=SPANISH_BODY,
        body_html="<p>Revisaremos su casa <b>mañana</b>.</p>",
        language="es",
    )
    khmer = _queue("check:2", subject=KHMER_SUBJECT, body_text=KHMER_BODY, language="km")

    report = send_due()

    assert (report.sent, report.failed, report.gave_up) == (2, 0, 0)
    received = {message["To"]: message for message in smtp_server.messages}
    es = received["maria@example.org"]
    assert es["Subject"] == "Revisión de su casa — confirmación"
    assert es["From"] == "CSO Field <noreply@stocktonpd.example>"
    assert es["Content-Language"] == "es"
    assert es["Message-ID"].endswith("@stocktonpd.example>") and es["Date"]
    assert _text(es.get_body(("plain",))) == SPANISH_BODY
    assert "<b>mañana</b>" in es.get_body(("html",)).get_content()
    km = received["resident@example.org"]
    assert km["Subject"] == KHMER_SUBJECT and km["Content-Language"] == "km"
    assert _text(km) == KHMER_BODY
    assert not km.is_multipart()
    assert all(raw.isascii() for raw in smtp_server.handler.raw)  # 7-bit: any server takes it
    for message_id in (spanish.id, khmer.id):
        stored = _reload(message_id)
        assert stored.sent_at is not None and stored.claimed_until is None
    assert send_due().sent == 0
    assert len(smtp_server.messages) == 2


def test_the_same_event_queued_twice_is_sent_once(mail_app, smtp_server):
    assert _queue("check-summary:7") is not None
    assert (
        queue_mail(
            dedupe_key="check-summary:7",
            recipient="resident@example.org",
            subject="again",
            body_text="again",
            language="en",
        )
        is None
    )
    db.session.commit()

    assert send_due().sent == 1
    assert send_due(now=_later(60)).sent == 0
    assert [message["Subject"] for message in smtp_server.messages] == ["Subject check-summary:7"]


def test_senders_running_at_once_send_each_message_exactly_once(mail_app, smtp_server):
    keys = [f"parallel:{n}" for n in range(30)]
    for key in keys:
        _queue(key)
    start = threading.Barrier(4)
    reports = []

    def sender():
        with mail_app.app_context():
            start.wait()
            reports.append(send_due())

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    subjects = sorted(message["Subject"] for message in smtp_server.messages)
    assert subjects == sorted(f"Subject {key}" for key in keys)
    assert sum(report.sent for report in reports) == len(keys)
    assert sum(report.failed + report.gave_up for report in reports) == 0


def test_a_message_claimed_by_another_sender_is_left_alone(mail_app, smtp_server):
    message = _queue("claimed:1")
    message.claimed_until = _later(10)
    db.session.commit()

    report = send_due()

    assert (report.sent, report.skipped) == (0, 0)  # not even due while claimed
    assert smtp_server.messages == []
    assert send_due(now=_later(11)).sent == 1  # a claim that ran out is taken over


def test_server_down_is_retried_later_and_then_sent(mail_app, smtp_server):
    message = _queue("down:1")
    smtp_server.stop()

    report = send_due()

    assert report.sent == 0 and report.failed == 1 and report.server_unreachable
    stored = _reload(message.id)
    assert stored.sent_at is None and stored.attempts == 1 and stored.claimed_until is None
    assert stored.next_attempt_at > utcnow()
    assert "ConnectionRefused" in stored.last_error

    smtp_server.start()
    assert send_due().sent == 0  # not due yet: backing off
    assert send_due(now=_later(2)).sent == 1
    assert len(smtp_server.messages) == 1
    stored = _reload(message.id)
    assert stored.sent_at is not None and stored.last_error is None


def test_temporary_refusal_is_retried_with_growing_delays(mail_app, smtp_server):
    message = _queue("later:1")
    smtp_server.fail_data("451 4.3.0 Try again later")

    assert send_due().failed == 1
    first = _reload(message.id)
    assert (first.attempts, first.last_error) == (1, "451 4.3.0 Try again later")
    first_delay = first.next_attempt_at

    assert send_due(now=_later(1.5)).failed == 1
    second = _reload(message.id)
    assert second.attempts == 2
    assert second.next_attempt_at - first_delay > timedelta(minutes=1)  # 2 min after 1.5

    smtp_server.accept()
    assert send_due(now=_later(4)).sent == 1
    assert len(smtp_server.messages) == 1


def test_unknown_recipient_is_given_up_at_once(mail_app, smtp_server):
    message = _queue("nobody:1", recipient="nobody@example.org")
    smtp_server.refuse_recipients("550 5.1.1 No such user")

    report = send_due()

    assert (report.sent, report.failed, report.gave_up) == (0, 0, 1)
    assert not report.server_unreachable
    stored = _reload(message.id)
    assert stored.attempts == current_app.config["MAIL_MAX_ATTEMPTS"]
    assert stored.last_error == "550 5.1.1 No such user"
    smtp_server.accept()
    assert send_due(now=_later(24 * 60)).sent == 0
    assert smtp_server.messages == []


def test_other_refusals_stop_after_the_maximum_attempts(mail_app, smtp_server):
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    message = _queue("rejected:1")
    smtp_server.fail_data("554 5.6.0 Message rejected")

    results = [send_due(now=_later(hours * 60)) for hours in (0, 7, 14, 21)]

    assert [(r.failed, r.gave_up) for r in results] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    assert _reload(message.id).attempts == 3


def test_a_message_that_cannot_be_built_is_given_up(mail_app, smtp_server):
    bad = _queue("bad:1", subject="Line one\nBcc: everyone@example.org")
    good = _queue("good:1")

    report = send_due()

    assert (report.sent, report.gave_up) == (1, 1)
    assert _reload(bad.id).last_error.startswith("invalid message")
    assert _reload(good.id).sent_at is not None
    assert [message["Subject"] for message in smtp_server.messages] == ["Subject good:1"]


def test_one_connection_serves_the_whole_run(mail_app, smtp_server, monkeypatch):
    connects = []
    original = smtplib.SMTP.connect

    def counting_connect(self, *args, **kwargs):
        connects.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting_connect)
    for n in range(3):
        _queue(f"batch:{n}")

    assert send_due().sent == 3
    assert len(connects) == 1


def test_a_login_failure_fails_the_run_without_revealing_the_password(mail_app, smtp_server):
    mail_app.config.update(MAIL_USERNAME="cso-field", MAIL_PASSWORD="s3cret-pa55word")
    message = _queue("auth:1")
    _queue("auth:2")

    report = send_due()

    assert report.server_unreachable and report.failed == 2
    assert "s3cret" not in _reload(message.id).last_error
    assert "s3cret" not in report.summary()
    assert smtp_server.messages == []


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(9) == timedelta(minutes=256)
    assert backoff(10) == timedelta(hours=6)
    assert backoff(1000) == timedelta(hours=6)


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["mail", *args])


def test_cli_send_prints_a_summary(mail_app, smtp_server):
    _queue("cli:1")
    _queue("cli:2")

    result = _cli(mail_app, "send")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "mail: 2 sent, 0 failed (will retry), 0 given up"
    assert len(smtp_server.messages) == 2


def test_cli_send_succeeds_when_some_fail_and_fails_when_the_server_is_down(mail_app, smtp_server):
    _queue("cli:refused")
    smtp_server.refuse_recipients()
    result = _cli(mail_app, "send")
    assert result.exit_code == 0 and "1 given up" in result.output

    _queue("cli:down")
    smtp_server.stop()
    result = _cli(mail_app, "send")
    assert result.exit_code == 1
    assert "1 failed (will retry)" in result.output and "server unavailable" in result.output


def test_cli_list_shows_counts_and_latest_errors(mail_app, smtp_server):
    _queue("cli-list:sent")
    send_due()
    _queue("cli-list:refused", recipient="private.person@example.org")
    smtp_server.refuse_recipients("550 5.1.1 No such user")
    send_due()
    smtp_server.accept()
    _queue("cli-list:retry")
    smtp_server.fail_data("451 4.3.0 Try again later")
    send_due()
    _queue("cli-list:new")

    result = _cli(mail_app, "list")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "pending: 1, retrying: 1, given up: 1, sent: 1"
    assert any("cli-list:retry" in line and "451 4.3.0" in line for line in lines)
    assert any("cli-list:refused" in line and "550 5.1.1" in line for line in lines)
    assert "private.person" not in result.output


def test_cli_loop_keeps_sending(mail_app, smtp_server):
    _queue("loop:1")

    result = _cli(mail_app, "send", "--loop", "0.01", "--max-runs", "3")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "mail: 1 sent, 0 failed (will retry), 0 given up"
    assert len(smtp_server.messages) == 1
    assert _cli(mail_app, "send", "--loop", "0").exit_code != 0


# -- Limits on mail to one address (issue 21, finding 5) -----------------------------------


@pytest.mark.parametrize(
    "recipient",
    ["a@c1.example,root", "root", "root@localhost", "a@c1.example\nBcc: b@c2.example", ""],
)
def test_a_recipient_that_is_not_one_real_address_is_not_queued(app, recipient):
    message = queue_mail(
        dedupe_key="bad-recipient", recipient=recipient, subject="s", body_text="b", language="en"
    )
    db.session.commit()
    assert message is None
    assert db.session.query(OutboxMessage).count() == 0


def test_mail_to_one_address_stops_at_the_daily_limit_under_parallel_requests(app):
    app.config["MAIL_PER_RECIPIENT_PER_DAY"] = 3
    start = threading.Barrier(12)
    queued = []

    def queue(number):
        with app.app_context():
            start.wait()
            recipient = "Victim@example.org" if number % 2 else "victim@example.org"
            message = queue_mail(
                dedupe_key=f"flood:{number}",
                recipient=recipient,
                subject="s",
                body_text="b",
                language="en",
            )
            db.session.commit()
            queued.append(message is not None)

    threads = [threading.Thread(target=queue, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(queued) == [False] * 9 + [True] * 3
    assert db.session.query(OutboxMessage).count() == 3
    # Another address has its own share; a day later this one has a new one.
    assert _queue("other:1", recipient="someone@example.org") is not None
    db.session.execute(
        OutboxMessage.__table__.update().values(created_at=utcnow() - timedelta(hours=25))
    )
    db.session.commit()
    assert _queue("later:1", recipient="victim@example.org") is not None
