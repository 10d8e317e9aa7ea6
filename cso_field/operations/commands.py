"""`flask --app app backup DEST` and `flask --app app restore SRC`."""

import time

import click
from flask.cli import with_appcontext

from cso_field.operations.backup import BackupError
from cso_field.operations.backup import backup as make_backup
from cso_field.operations.backup import restore as restore_backup


@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False))
@with_appcontext
def backup(destination: str) -> None:
    """Back up the database and every stored file into DESTINATION (a new folder)."""
    started = time.monotonic()
    try:
        report = make_backup(destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"backup of the {report.database_kind} database and {report.files - 1} files in "
        f"{report.folder}: {report.total_bytes / 1e6:.1f} MB, "
        f"{time.monotonic() - started:.1f} s"
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore(source: str) -> None:
    """Restore the backup in SOURCE into this app's empty database and storage."""
    started = time.monotonic()
    try:
        report = restore_backup(source)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"restored the {report.database_kind} database and {report.files} files, every "
        f"SHA-256 checked, in {time.monotonic() - started:.1f} s"
    )
