"""`flask --app app special-checks ...`: the scheduled work of special checks."""

from datetime import date

import click

from cso_field.special_checks import counts
from cso_field.special_checks.notices import queue_summaries

special_checks = click.Group("special-checks", help="Special checks.")


@special_checks.command("queue-summaries")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The department's date to count from (default: today).",
)
def queue_summaries_command(today):
    """Queue the visit summary email of every ended or cancelled check, once each."""
    day: date | None = today.date() if today else None
    count = queue_summaries(day)
    click.echo(f"Queued {count} special check summaries.")


@special_checks.command("rebuild-counts")
def rebuild_counts_command():
    """Recount the day counts behind the overview's and Today's numbers from the checks.

    The database's triggers keep them; this is for a database restored or copied without
    them, and is safe at any time (writers to checks wait while it counts)."""
    days = counts.rebuild()
    click.echo(f"Recounted the special checks of {days} days.")
