"""`flask --app app missing-persons ...`: the daily list of overdue deadline steps."""

import click

from cso_field.missing_persons import services
from cso_field.timeutil import utcnow


@click.group("missing-persons", help="Missing persons.")
def missing_persons():
    pass


@missing_persons.command("overdue")
def overdue_command():
    """List the open reports with overdue steps (run daily from cron): reference, step, due
    time and minutes overdue. References only, no names (juvenile records, WIC 827). Exits 1
    when something is overdue, so cron mails the list."""
    now = utcnow()
    steps = services.overdue_steps(now)
    for step in steps:
        minutes = int((now - step.due_at).total_seconds() // 60)
        click.echo(
            f"{step.report.reference}\t{step.kind}\tdue {step.due_at:%Y-%m-%d %H:%M} UTC"
            f"\t{minutes} min overdue"
        )
    click.echo(f"{len(steps)} overdue steps.")
    if steps:
        raise SystemExit(1)
