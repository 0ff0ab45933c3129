"""`flask demo`: load or remove the demo content."""

from __future__ import annotations

import click
from flask.cli import AppGroup

group = AppGroup("demo", help="Load or remove the demo content.")


@group.command("load")
def load_demo_content() -> None:
    """Add the demo members and posts (skipped if they are already here)."""
    from forum.services.demo import load_demo

    added = load_demo()
    click.echo(f"Added {added} demo posts." if added else "The demo content is already here.")


@group.command("remove")
def remove_demo_content() -> None:
    """Delete the demo members and everything they did, or say in one line why not."""
    from sqlalchemy.exc import SQLAlchemyError

    from forum.services.demo import remove_demo

    try:
        removed = remove_demo()
    except SQLAlchemyError as error:
        raise click.ClickException(
            "The demo content was not removed (nothing changed): the database refused "
            f"({type(error).__name__}). Check that it is reachable and at the latest "
            "migration (flask --app app db upgrade), then run this again.") from None
    click.echo(f"Removed {removed.posts} demo posts and {removed.members} demo members, with "
               "their votes, reports and moderation records.")
    if removed.saved_to is not None:
        click.echo(f"{removed.kept_answers} answers by other members were under demo threads "
                   f"and went with them; their text is saved in {removed.saved_to}.")
