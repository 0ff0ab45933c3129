"""Command-line commands for moderation: screening, evaluation, re-screening and articles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from forum.errors import Invalid

moderation_cli = AppGroup("moderation", help="Screen text, measure the screening, re-screen posts.")
articles_cli = AppGroup("articles", help="Load the medically reviewed reading list.")


@moderation_cli.command("screen")
@click.argument("text")
def screen_text(text: str) -> None:
    """Print the verdict and findings the screening gives a piece of text."""
    import moderation

    click.echo(moderation.format_screening(moderation.screen(text), text))


@moderation_cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(file: Path, as_json: bool) -> None:
    """Measure the screening on a labelled JSON-lines file (no database needed)."""
    from moderation.evaluation import evaluate as run
    from moderation.evaluation import read_labelled

    try:
        records = read_labelled(file)
    except ValueError as error:
        raise click.ClickException(f"{file}: {error}") from None
    result = run(records)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        click.echo(f"{len(records)} posts from {file}")
        click.echo(result.format_text())


@moderation_cli.command("rescreen")
def rescreen_posts() -> None:
    """Screen every published and held post again, after the drug knowledge changed."""
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Post
    from forum.services import review

    total = db.session.scalar(select(func.count()).select_from(Post).where(
        Post.status.in_(("published", "held")))) or 0
    with click.progressbar(length=total, label="Screening", file=sys.stderr) as bar:
        result = review.rescreen(progress=bar.update)
    click.echo(f"Screened {result.checked} posts: {result.held} newly held for review, "
               f"{result.released} released.")


@articles_cli.command("import")
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
