"""`flask posts`: import and export posts as JSON lines."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from forum.commands.search import rebuild_with_bar

group = AppGroup("posts", help="Import and export posts (JSON lines).")


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_posts(file: Path) -> None:
    """Import posts from a JSON-lines file; the whole file is checked before anything is kept."""
    from forum.services.transfer import ImportFailed, import_rows, read_rows

    try:
        with file.open(encoding="utf-8") as handle:
            rows = read_rows(handle)
    except ImportFailed as error:
        raise click.ClickException(f"{file}, line {error.line}: {error.reason}. "
                                   "Nothing was imported.") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text. Nothing was imported.") from None
    with click.progressbar(length=len(rows), label="Importing", file=sys.stderr) as bar:
        result = import_rows(rows, progress=bar.update)
    click.echo(f"Imported {result.added} posts; {result.skipped} were already here.")
    if result.added:
        _index_imported(result.added)


def _index_imported(added: int) -> None:
    """Make imported posts searchable: replay their jobs, or rebuild after a large import.

    A fresh instance has no index yet: build it, since replaying jobs into nothing would
    only keep them for later.
    """
    from forum.services import indexing
    from search import IndexBusy, IndexUnavailable

    try:
        if not indexing.get_index().available():
            click.echo("There is no search index yet: building it (flask search rebuild).")
            rebuild_with_bar("Indexing", settle=True)
        elif added >= indexing.REBUILD_AFTER_IMPORT:
            rebuild_with_bar("Indexing", settle=True)
        else:
            while indexing.process_jobs():
                pass
            if not indexing.get_index().available():
                raise IndexUnavailable("the search index cannot be read")
    except (IndexBusy, IndexUnavailable) as error:
        click.echo(f"The posts are saved but not yet searchable ({error}). "
                   "Run: flask --app app search rebuild")
        return
    click.echo("The imported posts are searchable.")


@group.command("export")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
def export_posts(output) -> None:
    """Write every published post as JSON lines."""
    from forum.services.transfer import export_lines

    for line in export_lines():
        output.write(line + "\n")
