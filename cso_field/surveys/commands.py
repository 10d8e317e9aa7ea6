"""`flask --app app surveys ...`: the surveys' maintenance commands."""

import click

from cso_field.surveys import tallies

surveys = click.Group("surveys", help="Door-to-door surveys.")


@surveys.command("rebuild-tallies")
def rebuild_tallies_command():
    """Recount the tallies behind the results, the canvasses' progress and the needs
    assessment from the responses.

    The database's triggers keep them; this is for a database restored or copied without
    them, and is safe at any time (writers of responses wait while it counts)."""
    choices, outcomes = tallies.rebuild()
    click.echo(f"Recounted the survey tallies: {choices} choice rows, {outcomes} outcome rows.")
