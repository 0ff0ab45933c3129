"""`flask moderation`: screen text, measure and train the screening, re-screen posts."""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path

import click
from flask.cli import AppGroup

group = AppGroup("moderation", help="Screen text, measure the screening, re-screen posts.")


@group.command("screen")
@click.argument("text")
def screen_text(text: str) -> None:
    """Print the verdict and findings the screening gives a piece of text."""
    import moderation

    click.echo(moderation.format_screening(moderation.screen(text), text))


def _read(file: Path) -> list[dict]:
    from moderation.evaluation import read_labelled

    try:
        return read_labelled(file)
    except ValueError as error:
        raise click.ClickException(f"{file}: {error}") from None


def read_post_texts(file: Path) -> list[str]:
    """Read posts (JSON lines with a 'text', or a 'title' and 'body') as texts."""
    texts = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            post = json.loads(line)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"{file}: line {number}: not valid JSON ({error.msg})"
                                       ) from None
        text = post.get("text") if isinstance(post, dict) else None
        if not isinstance(text, str) and isinstance(post, dict):
            text = "\n\n".join(str(post[k]) for k in ("title", "body") if post.get(k))
        if not text:
            raise click.ClickException(f"{file}: line {number}: needs a 'text' or a 'body'")
        texts.append(text)
    return texts


@group.command("eval")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--model", "model_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Score with this trained model instead of the shipped one (for held-out runs).")
def evaluate(files: tuple[Path, ...], as_json: bool, model_file: Path | None) -> None:
    """Measure the screening on labelled JSON-lines files (no database needed).

    Held posts count as caught; "held or queued" also counts posts published but queued for
    a moderator to check soon. With several files, each file's figures follow the totals.
    """
    from flask import current_app

    from forum.services.screening import screening_thresholds
    from moderation.evaluation import evaluate as run
    from moderation.screening import screen

    thresholds = screening_thresholds(current_app.config)
    screener = partial(screen, thresholds=thresholds)
    if model_file is not None:
        from moderation.model import RiskModel

        try:
            screener = partial(screener, model=RiskModel.load(model_file))
        except (ValueError, KeyError) as error:
            raise click.ClickException(f"{model_file}: not a risk model ({error})") from None
    sets = [(file, _read(file)) for file in files]
    results = [run(records, screener) for _, records in sets]
    total = run([r for _, records in sets for r in records], screener) if len(sets) > 1 \
        else results[0]
    if as_json:
        data = total.as_dict()
        if len(sets) > 1:
            data["files"] = [dict(result.as_dict(), file=str(file))
                             for (file, _), result in zip(sets, results, strict=True)]
        click.echo(json.dumps(data, indent=2))
        return
    if len(sets) > 1:
        click.echo(f"{sum(len(r) for _, r in sets)} posts from {len(sets)} files")
        click.echo(total.format_text())
    for (file, records), result in zip(sets, results, strict=True):
        click.echo(f"{len(records)} posts from {file}")
        click.echo(result.format_text())


@group.command("train")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model (default: the one shipped in the package).")
@click.option("--seed", type=int, default=11, show_default=True)
@click.option("--extra-safe", "extra_safe_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines of posts known to be benign (a 'text', or 'title' and 'body'), "
                   "learned as safe with a small weight.")
def train_model(files: tuple[Path, ...], out: Path | None, seed: int,
                extra_safe_file: Path | None) -> None:
    """Train the risk model on labelled files, reproducibly, and write it as a data file."""
    from moderation import model, training

    records = [r for file in files for r in _read(file)]
    extra = read_post_texts(extra_safe_file) if extra_safe_file is not None else []
    built = training.fit(records, version=training.model_version(records, seed, extra),
                         seed=seed, extra_safe=extra)
    target = out or model.MODEL_PATH
    built.save(target)
    model.shipped_model.cache_clear()
    click.echo(f"Trained {built.version} on {len(records)} posts from {len(files)} files; "
               f"wrote {target}.")


@group.command("export-labels")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_labels(file: Path) -> None:
    """Write moderators' decisions on screened or reported posts as a labelled JSON-lines file.

    The lines have the dev set's fields (text, label, category, drug, why), so the next
    `flask moderation train` can learn from real posts. No usernames or emails are written.
    """
    from forum.services import review

    rows = review.export_labels()
    try:
        with file.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as error:
        raise click.ClickException(f"{file}: {error.strerror}") from None
    click.echo(f"Wrote {len(rows)} labelled posts to {file}.")


@group.command("rescreen")
def rescreen_posts() -> None:
    """Screen every published and held post again, after the drug knowledge changed."""
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Post, Status
    from forum.services import screening

    total = db.session.scalar(select(func.count()).select_from(Post).where(
        Post.status.in_((Status.PUBLISHED, Status.HELD)))) or 0
    with click.progressbar(length=total, label="Screening", file=sys.stderr) as bar:
        result = screening.rescreen(progress=bar.update)
    click.echo(f"Screened {result.checked} posts: {result.held} newly held for review, "
               f"{result.released} released.")
