"""`flask --app app checks ...`: scheduled jobs for special checks."""

from datetime import date

import click

from cso_field.extensions import db
from cso_field.special_checks.requests import queue_summaries

checks = click.Group("checks", help="Special checks.")


@checks.command("queue-summaries")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The department's date to count from (default: today).",
)
def queue_summaries_command(today):
    """Queue the visit summary email of every ended or cancelled check, once each."""
    day: date | None = today.date() if today else None
    count = queue_summaries(day)
    db.session.commit()
    click.echo(f"Queued {count} special check summaries.")
