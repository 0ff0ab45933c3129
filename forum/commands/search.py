"""`flask search`: rebuild, check and catch up the search index, and score the search."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup

group = AppGroup("search", help="Rebuild, check and catch up the search index.")


def _moved_to(bar) -> Callable[[int], None]:
    """Turn a rebuild's "this many done" reports into the steps a click progress bar adds."""
    return lambda done: bar.update(done - bar.pos)


def rebuild_with_bar(label: str, *, settle: bool = False) -> int:
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


@group.command("rebuild")
def rebuild_index() -> None:
    """Rebuild the index from the database in a fresh directory and swap it in."""
    total = rebuild_with_bar("Indexing")
    click.echo(f"Rebuilt the search index with {total} posts.")


NO_INDEX = "There is no usable search index; build it with: flask --app app search rebuild"


def _require_index() -> None:
    """Stop with one line naming the rebuild command when the index is missing or damaged."""
    from forum.services import indexing

    if not indexing.get_index().available():
        raise click.ClickException(NO_INDEX)


@group.command("check")
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


@group.command("catch-up")
def catch_up() -> None:
    """Apply the index jobs this node has not applied (rebuilding first if it fell behind
    the pruned log or has no index)."""
    from forum.services import indexing

    done = indexing.catch_up()
    click.echo(f"Replayed {done} index jobs.")


@group.command("eval")
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


@group.command("follow")
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


@group.command("nodes")
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
