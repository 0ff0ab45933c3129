"""`flask backup`: back up and restore the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from forum.commands.search import rebuild_with_bar

group = AppGroup("backup", help="Back up and restore the database (safe while serving).")


@group.command("create")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def create_backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH."""
    from forum.services.backup import BackupError
    from forum.services.backup import create_backup as backup

    try:
        backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the database to {path}.")


@group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-rebuild", is_flag=True, help="Leave the search index as it is.")
def restore_backup(path: Path, yes: bool, no_rebuild: bool) -> None:
    """Replace the database's content with PATH, then rebuild the search index."""
    from forum.services.backup import BackupError
    from forum.services.backup import restore_backup as restore

    if not yes:
        click.confirm("This replaces everything in the database with the backup. Go on?",
                      abort=True)
    try:
        restore(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the database from {path}.")
    if not no_rebuild:
        total = rebuild_with_bar("Rebuilding search")
        click.echo(f"Rebuilt the search index with {total} posts.")
