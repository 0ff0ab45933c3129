"""`flask articles`: load the medically reviewed reading list."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from forum.errors import Invalid

group = AppGroup("articles", help="Load the medically reviewed reading list.")


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_articles(file: Path) -> None:
    """Add the articles of a JSON file that are not here yet (the same URL counts once)."""
    from forum.services.articles import import_articles as load

    try:
        result = load(file)
    except Invalid as error:
        raise click.ClickException(" ".join(error.errors.values()) + " Nothing was imported.") \
            from None
    click.echo(f"Added {result.added} articles; {result.existing} were already here.")
