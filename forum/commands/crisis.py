"""`flask crisis`: screen text for crisis language, train the learned reader, measure it."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

group = AppGroup("crisis", help="Screen text for crisis language, train and measure the screen.")


def _read(file: Path) -> list[dict[str, str]]:
    from moderation.crisis_training import read_sentences

    try:
        return read_sentences(file)
    except ValueError as error:
        raise click.ClickException(f"{file}: {error}") from None


def _everyday(files: tuple[Path, ...]) -> list[str]:
    """Read ordinary posts (JSON lines with a 'text', or a 'title' and 'body')."""
    from forum.commands.moderation import read_post_texts

    return [text for file in files for text in read_post_texts(file)]


@group.command("screen")
@click.argument("text")
def screen_text(text: str) -> None:
    """Print what the crisis screen finds in a piece of text."""
    from moderation.crisis import screen_crisis

    result = screen_crisis(text)
    verdict = ("may be in crisis" if result.in_crisis
               else "someone else may be at risk" if result.about_someone_else
               else "no crisis language found")
    click.echo(f"Verdict: {verdict}")
    if result.risk is not None:
        click.echo(f"Learned reader: {result.risk:.2f} (fires at {result.threshold:.2f}, "
                   f"{result.model_version})")
    for finding in result.findings:
        strength = "strong" if finding.strong else "weak"
        click.echo(f"- {finding.cue} ({finding.family}, {strength}, about {finding.about}): "
                   f"{text[finding.start:finding.end]!r}")


@group.command("train")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--everyday", "everyday_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines of ordinary posts, none of them a crisis, learned as such with "
                   "a small weight (repeat for several files).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model (default: the one shipped in the package).")
def train_model(files: tuple[Path, ...], everyday_files: tuple[Path, ...],
                out: Path | None) -> None:
    """Train the crisis screen's learned reader on labelled sentence files, reproducibly."""
    from moderation import crisis_model
    from moderation.crisis_training import train

    records = [record for file in files for record in _read(file)]
    if len({record["label"] for record in records}) < 2:
        raise click.ClickException("The files need sentences of both labels "
                                   "(crisis and not_crisis).")
    try:
        built = train(records, everyday=_everyday(everyday_files))
    except RuntimeError as error:  # scikit-learn missing
        raise click.ClickException(str(error)) from None
    target = out or crisis_model.MODEL_PATH
    built.save(target)
    crisis_model.shipped_model.cache_clear()
    click.echo(f"Trained {built.version} on {len(records)} sentences from {len(files)} files; "
               f"wrote {target}.")


@group.command("eval")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Score with this trained model instead of the shipped one.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(files: tuple[Path, ...], model_file: Path | None, as_json: bool) -> None:
    """Measure the crisis screen on labelled files: rules alone, and rules + learned reader.

    The shipped reader learned from the files in tests/moderation/crisis*: scoring it on them
    is in-sample (bench/crisis_lowo.py gives the held-out figures).
    """
    from moderation.crisis_model import CrisisModel, shipped_model
    from moderation.crisis_training import measure_both

    try:
        model = CrisisModel.load(model_file) if model_file else shipped_model()
    except (ValueError, KeyError) as error:
        raise click.ClickException(f"{model_file}: not a crisis model ({error})") from None
    results = [(file, *measure_both(_read(file), model)) for file in files]
    if as_json:
        click.echo(json.dumps({"model": model.version if model else None, "files": [
            {"file": str(file), "rules": rules.as_dict(), "rules_and_model": both.as_dict()}
            for file, rules, both in results]}, indent=2))
        return
    click.echo(f"Model: {model.version if model else 'none (rules alone)'}")
    for file, rules, both in results:
        click.echo(f"{file}: {rules.n} sentences")
        for name, figures in (("rules", rules), ("rules + model", both)):
            click.echo(f"  {name:<14} precision {figures.precision:.2f}  "
                       f"recall {figures.recall:.2f}  F1 {figures.f1:.2f}")
        if both.missed:
            click.echo(f"  missed: {', '.join(both.missed)}")
        if both.wrong:
            click.echo(f"  wrongly caught: {', '.join(both.wrong)}")
