"""Command-line commands: users, posts import/export, demo content."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from forum.errors import Invalid, NotFound
from forum.models import ROLES, utcnow

users_cli = AppGroup("users", help="Create members, change their roles, prune unconfirmed "
                                   "accounts.")
posts_cli = AppGroup("posts", help="Import and export posts (JSON lines).")
demo_cli = AppGroup("demo", help="Load or remove the demo content.")


def register_commands(app: Flask) -> None:
    """Attach the command groups to `flask`."""
    from forum import notifications_cli
    from forum.moderation_cli import articles_cli, moderation_cli

    notifications_cli.register(app)

    for group in (users_cli, posts_cli, demo_cli, search_cli, backup_cli, moderation_cli,
                  articles_cli):
        app.cli.add_command(group)


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _fail(error: Invalid) -> None:
    raise click.ClickException(" ".join(error.errors.values()))


@users_cli.command("create")
@click.argument("username")
@click.option("--email", help="Email address (never shown publicly).")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
def create_user(username: str, email: str | None, role: str) -> None:
    """Create a member; the password comes from a prompt or the first line of stdin."""
    from forum.services.members import register

    try:
        member = register(username=username, email=email or f"{username.lower()}@users.invalid",
                          password=_read_password(), role=role)
    except Invalid as error:
        _fail(error)
    click.echo(f"Created {member.username} ({member.role}).")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role(username: str, role: str) -> None:
    """Give a member the role member, moderator or admin."""
    from forum.services.members import set_role as change_role

    try:
        member = change_role(username=username, role=role)
    except NotFound:
        raise click.ClickException(f"No member is called {username!r}.") from None
    click.echo(f"{member.username} is now {member.role}.")


@users_cli.command("suspend")
@click.argument("username")
@click.option("--days", type=click.IntRange(0, 3650), default=7, show_default=True,
              help="0 lifts a suspension.")
@click.option("--reason", default="", help="Told to the member when they try to post.")
def suspend_user(username: str, days: int, reason: str) -> None:
    """Stop a member from posting for a number of days."""
    from forum.services.members import get_member, suspend

    try:
        member = get_member(username)
        suspend(actor=None, member=member, until=utcnow() + timedelta(days=days) if days else None,
                reason=reason)
    except NotFound:
        raise click.ClickException(f"No member is called {username!r}.") from None
    except Invalid as error:
        _fail(error)
    click.echo(f"{member.username} is suspended for {days} days." if days
               else f"{member.username} can post again.")


@users_cli.command("prune-unconfirmed")
def prune_unconfirmed() -> None:
    """Delete accounts still unconfirmed after EMAIL_CONFIRM_HOURS that have no posts, votes
    or reports, so their usernames are free again."""
    from forum.services.accounts import prune_unconfirmed as prune

    removed = prune()
    click.echo(f"Removed {removed} unconfirmed account{'' if removed == 1 else 's'}.")


@posts_cli.command("import")
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


def _moved_to(bar) -> Callable[[int], None]:
    """Turn a rebuild's "this many done" reports into the steps a click progress bar adds."""
    return lambda done: bar.update(done - bar.pos)


def _rebuild_with_bar(label: str, *, settle: bool = False) -> int:
    """Rebuild the search index from the database behind a progress bar; return its posts.

    With settle (after an import), also drop the jobs the rebuild covered: their high-water
    mark must be read before the posts, so rebuild_and_settle reads the posts itself.
    """
    from forum.services import indexing

    mark = indexing.log_mark()  # before the posts: later jobs are applied after the rebuild
    post_ids = list(indexing.expected_versions())
    with click.progressbar(length=len(post_ids), label=label, file=sys.stderr) as bar:
        if settle:
            return indexing.rebuild_and_settle(progress=_moved_to(bar))
        return indexing.rebuild(progress=_moved_to(bar), post_ids=post_ids, mark=mark)


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
            _rebuild_with_bar("Indexing", settle=True)
        elif added >= indexing.REBUILD_AFTER_IMPORT:
            _rebuild_with_bar("Indexing", settle=True)
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


@posts_cli.command("export")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
def export_posts(output) -> None:
    """Write every published post as JSON lines."""
    from forum.services.transfer import export_lines

    for line in export_lines():
        output.write(line + "\n")


@demo_cli.command("load")
def load_demo_content() -> None:
    """Add the demo members and posts (skipped if they are already here)."""
    from forum.services.demo import load_demo

    added = load_demo()
    click.echo(f"Added {added} demo posts." if added else "The demo content is already here.")


@demo_cli.command("remove")
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
    click.echo(f"Removed {removed} demo posts and the demo members, with their votes and "
               "reports.")


search_cli = AppGroup("search", help="Rebuild, check and catch up the search index.")


@search_cli.command("rebuild")
def rebuild_index() -> None:
    """Rebuild the index from the database in a fresh directory and swap it in."""
    total = _rebuild_with_bar("Indexing")
    click.echo(f"Rebuilt the search index with {total} posts.")


NO_INDEX = "There is no usable search index; build it with: flask --app app search rebuild"


def _require_index() -> None:
    """Stop with one line naming the rebuild command when the index is missing or damaged."""
    from forum.services import indexing

    if not indexing.get_index().available():
        raise click.ClickException(NO_INDEX)


@search_cli.command("check")
@click.option("--fix", is_flag=True, help="Re-index what is missing, stale or extra.")
def check_index(fix: bool) -> None:
    """Report posts missing, stale or extra in the index (exit 1 if any, unless fixed)."""
    from forum.services import indexing
    from search import IndexUnavailable

    _require_index()
    try:
        report = indexing.check(fix=fix)
    except IndexUnavailable:
        raise click.ClickException(NO_INDEX) from None
    for label, ids in (("missing", report.missing), ("stale", report.stale),
                       ("extra", report.extra)):
        shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f" ({shown})" if ids else ""))
    if report.ok:
        click.echo("The index matches the database.")
    elif fix:
        click.echo("Fixed: the differences were indexed again.")
    else:
        raise click.ClickException("The index differs from the database; run with --fix.")


@search_cli.command("catch-up")
def catch_up() -> None:
    """Apply the index jobs this node has not applied (rebuilding first if it fell behind
    the pruned log or has no index)."""
    from forum.services import indexing

    done = indexing.catch_up()
    click.echo(f"Replayed {done} index jobs.")


@search_cli.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead.")
def evaluate(queries: Path, as_json: bool) -> None:
    """Score the search on judged QUERIES (JSON lines): nDCG@10, recall@20, MRR by type.

    Posts are matched to judgments by their source_id, so import the collection's corpus
    first. Queries run as an anonymous visitor would search, 20 results a query.
    """
    import json

    from forum.services.finding import find
    from search import IndexUnavailable, QueryError, SearchQuery
    from search import evaluation as ev

    _require_index()
    try:
        with queries.open(encoding="utf-8") as handle:
            judged = ev.read_queries(handle)
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{queries}: {error}") from None
    outcomes = []
    for query in judged:
        request = SearchQuery(text=query.text, tags=query.tags, kind=query.kind,
                              per_page=ev.RECALL_DEPTH)
        try:
            found = find(request, None)
        except QueryError:
            outcomes.append(ev.Outcome(query, [], [], 0))
            continue
        except IndexUnavailable:
            raise click.ClickException(NO_INDEX) from None
        outcomes.append(ev.Outcome(
            query,
            [item.post.source_id or f"post-{item.post.id}" for item in found.items],
            [item.hit.score for item in found.items],
            found.results.total,
        ))
    reference = ev.score(outcomes)
    report = ev.summary(outcomes)
    if as_json:
        report["reference_top_score"] = reference
        report["queries"] = {o.query.qid: {"type": o.query.type, "ndcg@10": o.ndcg,
                                           "recall@20": o.recall, "mrr": o.rr,
                                           "total": o.total, "passed": o.passed}
                             for o in outcomes}
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(ev.table(report))
    if reference is not None:
        click.echo(f"Absent topics pass with no results or a top score below "
                   f"{ev.LOW_SCORE_RATIO:g} x {reference:.3f} (the median top score).")


# Several nodes, each with its own index, following the job log (issue 17)


@search_cli.command("follow")
@click.option("--interval", type=float, default=None,
              help="Seconds between polls when no NOTIFY arrives (default 1).")
def follow_log(interval: float | None) -> None:
    """Keep this node's index following the log until stopped (beside a server without
    the gunicorn hooks); rebuilds first if the index is missing or too far behind."""
    import signal
    import threading

    from flask import current_app

    from forum.services import indexing

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"Following the search log as node {indexing.node_name()}.")
    try:
        indexing.follow(current_app._get_current_object(), stop, interval)
    except KeyboardInterrupt:
        pass


@search_cli.command("nodes")
def list_nodes() -> None:
    """List every node with its place in the log and its lag in jobs."""
    from forum.services import indexing

    found = indexing.nodes()
    if not found:
        click.echo("No node has registered yet.")
    for node in found:
        state = "live" if node.live else "gone (past the retention period)"
        click.echo(f"{node.name}: applied job {node.applied_id}, {node.lag_rows} behind, "
                   f"last seen {node.seen_at:%Y-%m-%d %H:%M:%S} UTC, {state}")
    click.echo(f"Log pruned through job {indexing.pruned_through()}.")


backup_cli = AppGroup("backup", help="Back up and restore the database (safe while serving).")


@backup_cli.command("create")
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


@backup_cli.command("restore")
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
        total = _rebuild_with_bar("Rebuilding search")
        click.echo(f"Rebuilt the search index with {total} posts.")
