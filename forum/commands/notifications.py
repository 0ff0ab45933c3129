"""`flask notifications digest`: the daily or weekly digest, run from cron."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

group = AppGroup("notifications", help="Mail the notification digests.")


@group.command("digest")
@click.option("--period", type=click.Choice(["daily", "weekly"]), required=True,
              help="Which members' digests to send: those who chose this period.")
def digest(period: str) -> None:
    """Mail each member one digest for this period; a second run sends nothing again."""
    from forum.services import notifications

    result = notifications.send_digests(period=period)
    click.echo(f"{result.sent} digest{'s' if result.sent != 1 else ''} sent; "
               f"{result.skipped} already sent for this {'day' if period == 'daily' else 'week'}.")


def register(app: Flask) -> None:
    """Attach the notifications command group to `flask`."""
    app.cli.add_command(group)
