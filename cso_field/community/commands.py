"""`flask --app app community ...`: the scheduled work of community programs."""

import click

from cso_field.community.services import queue_reminders

community = click.Group("community", help="Community programs.")


@community.command("queue-reminders")
def queue_reminders_command():
    """Queue the reminder email of every fingerprinting appointment in the next day and a
    half, once each (run it hourly from cron)."""
    count = queue_reminders()
    click.echo(f"Queued {count} fingerprinting reminders.")
