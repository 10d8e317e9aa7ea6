"""`flask --app app retention run [--dry-run]`: daily, from cron."""

import click
from flask.cli import with_appcontext

from cso_field.retention.services import run


@click.group("retention")
def retention() -> None:
    """Forget personal data past the department's retention periods."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be forgotten; change nothing.")
@with_appcontext
def run_command(dry_run: bool) -> None:
    """Empty personal fields, delete photos and documents of records past their period."""
    report = run(dry_run=dry_run)
    verb = "would forget" if dry_run else "forgot"
    for item in report.forgotten:
        fields = ", ".join(item.fields) or "-"
        also = f"; also {'; '.join(item.related)}" if item.related else ""
        click.echo(
            f"{verb} {item.record_type} {item.reference or item.record_id}: "
            f"fields {fields}; photos {item.photos}{also}"
        )
    counts = ", ".join(f"{rule} {count}" for rule, count in report.counts().items())
    click.echo(f"retention: {verb} {len(report.forgotten)} records ({counts or 'none due'})")
