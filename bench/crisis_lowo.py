"""Measure the crisis screen: leave one writer out, then untouched test files.

For each training writer, the learned reader is trained on the other writers and scored on
that one (rules alone, and rules + reader). `--test FILE...` scores the shipped model on files
it never learned from; `--benign` counts the posts of the benign search corpus (ordinary forum
posts, none in crisis) the shipped screen fires on. `--thresholds` prints the pooled
leave-one-writer-out figures at several thresholds (how THRESHOLD was chosen). Only figures are
printed unless `--errors WRITER` asks for one held-out writer's errors.

    python bench/crisis_lowo.py [--thresholds] [--test FILE...] [--benign] [--errors a]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.crisis import screen_crisis  # noqa: E402
from moderation.crisis_training import (  # noqa: E402
    THRESHOLD,
    Figures,
    fold_models,
    leave_one_writer_out,
    measure_both,
    read_sentences,
    train,
)

SETS = ROOT / "tests" / "moderation"
TRAINING = {"t": SETS / "crisis_set.jsonl",
            **{path.stem.removeprefix("writer-"): path
               for path in sorted((SETS / "crisis").glob("writer-*.jsonl"))}}
BENIGN = ROOT.parent / "shared" / "search" / "dev-corpus.jsonl"
# Everyday medicine talk, none of it a crisis: the moderation dev sets' posts.
EVERYDAY = sorted((ROOT.parent / "shared" / "moderation").glob("dev-set*.jsonl"))


def everyday_posts() -> list[str]:
    """Return the texts of the moderation dev sets (ordinary posts, none in crisis)."""
    return [json.loads(line)["text"] for path in EVERYDAY
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def benign_halves() -> tuple[list[str], list[str]]:
    """Return the benign search corpus split in two by post number: the first half is learned
    from with the everyday posts, the second only counted (never read)."""
    learned, counted = [], []
    for line in BENIGN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            post = json.loads(line)
            text = ((post.get("title") or "") + "\n\n" + post["body"]).strip()
            number = int("".join(filter(str.isdigit, post["source_id"])) or 0)
            (learned if number % 2 == 0 else counted).append(text)
    return learned, counted


def _row(name: str, figures: Figures) -> str:
    return (f"{figures.n:>4} {figures.precision:>6.2f} {figures.recall:>6.2f} "
            f"{figures.f1:>6.2f}")


def _pooled(rows: list[Figures]) -> Figures:
    return Figures(sum(f.n for f in rows), sum(f.true_positives for f in rows),
                   sum(f.false_positives for f in rows), sum(f.false_negatives for f in rows),
                   (), ())


def _speed() -> None:
    """Print how many posts a second the shipped crisis screen reads, rules alone and with
    the learned reader, in CPU time of this process."""
    texts = everyday_posts()
    lengths = sorted(len(text) for text in texts)
    print(f"{len(texts)} everyday posts, median {lengths[len(lengths) // 2]} characters")
    screen_crisis("warm up: loads the model and compiles the rules")
    for name, learned in (("rules alone", False), ("rules + reader", True)):
        start = time.process_time()
        for _ in range(3):
            for text in texts:
                screen_crisis(text, learned=learned)
        spent = time.process_time() - start
        print(f"{name:<15} {3 * len(texts) / spent:>6.0f} posts/s "
              f"({1000 * spent / (3 * len(texts)):.2f} ms a post)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", action="store_true")
    parser.add_argument("--test", nargs="*", type=Path, default=[])
    parser.add_argument("--benign", action="store_true")
    parser.add_argument("--errors", default=None)
    parser.add_argument("--speed", action="store_true",
                        help="time the shipped screen on the everyday posts (one core)")
    args = parser.parse_args()
    if args.speed:
        _speed()
        return
    sets = {writer: read_sentences(path) for writer, path in TRAINING.items()}
    print(f"training writers: {', '.join(f'{w} ({len(r)})' for w, r in sets.items())}; "
          f"threshold {THRESHOLD}")
    learned, counted = benign_halves() if BENIGN.exists() else ([], [])
    everyday = everyday_posts() + learned
    print(f"everyday posts learned as not in crisis: {len(everyday)} (moderation dev sets and "
          f"half the search corpus)")
    print(f"{'held-out writer':<16} {'n':>4} {'rules P':>6} {'R':>6} {'F1':>6}   "
          f"{'n':>4} {'+model P':>6} {'R':>6} {'F1':>6}")
    models = fold_models(sets, everyday=everyday)
    scores = leave_one_writer_out(sets, models)
    for writer, (rules, both) in scores.items():
        print(f"{writer:<16} {_row(writer, rules)}   {_row(writer, both)}")
    others = [both for writer, (_rules, both) in scores.items() if writer != "t"]
    rules_pooled = _pooled([rules for writer, (rules, _b) in scores.items() if writer != "t"])
    print(f"{'pooled, not t':<16} {_row('', rules_pooled)}   {_row('', _pooled(others))}")
    print("(t, the first set, is the one the rules were tuned on: its rules column is in-sample)")
    if args.errors:
        rules, both = scores[args.errors]
        print(f"missed in {args.errors}: {', '.join(both.missed) or 'none'}")
        print(f"wrongly caught in {args.errors}: {', '.join(both.wrong) or 'none'}")
    if args.thresholds:
        for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55):
            pooled = _pooled([both for writer, (_r, both) in leave_one_writer_out(
                sets, models, threshold=threshold).items() if writer != "t"])
            print(f"threshold {threshold:.2f}: pooled P {pooled.precision:.2f} "
                  f"R {pooled.recall:.2f} F1 {pooled.f1:.2f}")
    if args.test or args.benign:
        model = train([r for rows in sets.values() for r in rows], everyday=everyday)
        print(f"model trained on every training writer: {model.version}")
    for path in args.test:
        records = read_sentences(path)
        rules, both = measure_both(records, model)
        print(f"untouched {path.name:<22} rules P {rules.precision:.2f} R {rules.recall:.2f} | "
              f"rules + model P {both.precision:.2f} R {both.recall:.2f} F1 {both.f1:.2f} "
              f"(n {len(records)})")
    if args.benign and counted:
        texts = counted
        screens = [screen_crisis(t, model=model) for t in texts]
        by_rules = sum(s.rules_fire for s in screens)
        print(f"the other half of the benign search corpus ({len(texts)} posts), rules alone "
              f"fire on {by_rules}; with the model, by threshold: " + ", ".join(
                  f"{t:.2f}: {sum(s.rules_fire or (s.risk or 0) >= t for s in screens)}"
                  for t in (0.3, 0.35, 0.4, 0.45, 0.5)))


if __name__ == "__main__":
    main()
