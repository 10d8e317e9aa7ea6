"""`flask --app app mail send` (once, or `--loop SECONDS` as a worker) and `mail list`."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.exc import SQLAlchemyError

from cso_field.extensions import db
from cso_field.mail import latest_failures, pending_counts, send_due

mail = click.Group("mail", help="Send and inspect outgoing mail.")


@mail.command("send")
@click.option("--limit", default=50, show_default=True, help="Most messages sent per run.")
@click.option(
    "--loop",
    "interval",
    type=click.FloatRange(min=0, min_open=True),
    help="Keep running, sending due mail every SECONDS, until stopped.",
    metavar="SECONDS",
)
@click.option("--max-runs", type=click.IntRange(min=1), hidden=True)
def send_command(limit: int, interval: float | None, max_runs: int | None) -> None:
    """Send the mail that is due. Exits non-zero when the mail server cannot be used."""
    if interval is None:
        report = send_due(limit)
        click.echo(report.summary())
        if report.server_unreachable:
            raise SystemExit(1)
        return
    _work(limit, interval, max_runs)


def _work(limit: int, interval: float, max_runs: int | None) -> None:
    """Run until SIGTERM or SIGINT; a failing server or database is logged, not fatal."""
    stop = threading.Event()
    with _stop_on_signals(stop):
        runs = 0
        while not stop.is_set():
            _run_once(limit)
            runs += 1
            if max_runs and runs >= max_runs:
                break
            stop.wait(interval)


def _run_once(limit: int) -> None:
    try:
        report = send_due(limit)
    except SQLAlchemyError as exc:
        db.session.rollback()
        click.echo(f"mail: database error: {type(exc).__name__}", err=True)
        return
    if report.sent or report.failed or report.gave_up or report.connection_error:
        click.echo(report.summary())


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Finish the message in hand on SIGTERM/SIGINT rather than die mid-send with it claimed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.getsignal(signum) for signum in signals}
    for signum in signals:
        signal.signal(signum, lambda *_args: stop.set())
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@mail.command("list")
@click.option("--errors", default=10, show_default=True, help="How many recent failures.")
def list_command(errors: int) -> None:
    """Counts of queued, retrying, given-up and sent mail, and the latest errors."""
    counts = pending_counts()
    click.echo(
        f"pending: {counts['pending']}, retrying: {counts['retrying']}, "
        f"given up: {counts['given_up']}, sent: {counts['sent']}"
    )
    for message in latest_failures(errors):
        # The dedupe key names the event without printing the resident's address.
        click.echo(
            f"{message.id}\t{message.dedupe_key}\tattempts={message.attempts}\t"
            f"next={message.next_attempt_at:%Y-%m-%d %H:%M} UTC\t{message.last_error}"
        )
