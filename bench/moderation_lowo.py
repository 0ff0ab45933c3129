"""Leave-one-writer-out: train the risk model on all writers but one, score the one left out.

Prints held and held-or-queued precision, recall and F1 per held-out file, and how many posts
of the benign search corpus the model trained on every training file holds or queues. Only
figures are printed; `--errors FILE_STEM` also lists that held-out file's errors.

- `--also FILE...` adds labelled files (our own writers') to every fold's training;
  `--hold-out-also` holds each of them out in turn too (train on all the rest).
- `--sweep X...` prints every fold's held-or-queued figures, and the pooled ones, at each check
  threshold (the threshold is chosen on these, never on a test file).
- `--unseen FILE...` scores test files no model here learned from, with the model trained on
  everything; their errors are never printed.

    python bench/moderation_lowo.py --also tests/moderation/writers/writer-*.jsonl \\
        --hold-out-also --sweep 0.35 0.4 0.45 \\
        --unseen tests/moderation/writers/test-f.jsonl tests/moderation/writers/test-k.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.evaluation import Evaluation, evaluate, rates, read_labelled  # noqa: E402
from moderation.screening import Thresholds, screen  # noqa: E402
from moderation.training import fit, model_version  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
FILES = [SHARED / "moderation" / name
         for name in ("dev-set.jsonl", "dev-set-w2.jsonl", "dev-set-w3.jsonl")]
BENIGN = SHARED / "search" / "dev-corpus.jsonl"


def benign_texts() -> list[str]:
    """Return the benign search corpus as post texts (title and body of each)."""
    texts = []
    for line in BENIGN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            post = json.loads(line)
            texts.append(((post.get("title") or "") + "\n\n" + post["body"]).strip())
    return texts


def _row(name: str, result: Evaluation) -> str:
    """Return a file's held, then held-or-queued, precision, recall and F1 as a table row."""
    both = result.held_or_queued
    return (f"{name:<18} {result.precision:>7.2f} {result.recall:>6.2f} {result.f1:>6.2f}   "
            f"{both['precision']:>13.2f} {both['recall']:>6.2f} {both['f1']:>6.2f}")


def _figures(stem: str, caught: list[tuple[bool, bool]]) -> str:
    """Return precision, recall and F1 of (unsafe, caught) pairs."""
    tp = sum(u and c for u, c in caught)
    fp = sum(c and not u for u, c in caught)
    fn = sum(u and not c for u, c in caught)
    precision, recall, f1 = rates(tp, fp, fn)
    return f"{stem} {precision:.2f}/{recall:.2f}/{f1:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=float, default=None, help="queue threshold")
    parser.add_argument("--errors", default=None, help="list errors of this held-out file")
    parser.add_argument("--extra-safe", action="store_true",
                        help="train every fold with the benign search corpus as extra safe posts "
                             "(the corpus count is then in-sample)")
    parser.add_argument("--also", nargs="+", type=Path, default=[],
                        help="labelled files added to every fold's training")
    parser.add_argument("--unseen", nargs="+", type=Path, default=[],
                        help="labelled files scored by the model trained on everything")
    parser.add_argument("--sweep", nargs="+", type=float, default=[],
                        help="also print held-or-queued figures at each of these thresholds")
    parser.add_argument("--hold-out-also", action="store_true",
                        help="also hold out each --also file in turn (train on all the rest)")
    args = parser.parse_args()
    extra_files = {path: read_labelled(path) for path in args.also}
    also = [r for rows in extra_files.values() for r in rows]
    thresholds = Thresholds(check=args.check) if args.check is not None else Thresholds()
    data = {path: read_labelled(path) for path in FILES}
    extra = benign_texts() if args.extra_safe else []
    print(f"{'held-out file':<18} {'held P':>7} {'R':>6} {'F1':>6}   "
          f"{'held|queued P':>13} {'R':>6} {'F1':>6}")
    models = {}
    folds = [*FILES, *(args.also if args.hold_out_also else [])]
    every = {**data, **extra_files}
    for held_out in folds:
        if args.hold_out_also:
            train = [r for path, rows in every.items() if path != held_out for r in rows]
        else:
            train = [r for path in FILES if path != held_out for r in data[path]] + also
        model = fit(train, version=model_version(train, 11), seed=11, extra_safe=extra)
        models[held_out] = model
        result = evaluate(every[held_out], partial(screen, thresholds=thresholds, model=model))
        print(_row(held_out.stem, result))
        if args.errors == held_out.stem:
            unsafe = {r["id"] for r in every[held_out] if r["label"] == "unsafe"}
            print("  missed:", ", ".join(result.missed))
            caught_safe = [c for c in result.wrong if c not in unsafe]
            print("  held safe:", ", ".join(caught_safe))
    for threshold in args.sweep:
        # Screened again at each threshold: a paragraph is read only when it could lift a post.
        outcomes = {held_out.stem: [
            (r["label"] == "unsafe", s.held or s.check_soon) for r in every[held_out]
            for s in [screen(r["text"], thresholds=Thresholds(check=threshold), model=model)]]
            for held_out, model in models.items()}
        print(f"check at {threshold:.2f}:", "   ".join(
            _figures(stem, rows) for stem, rows in
            [*outcomes.items(), ("pooled", [o for rows in outcomes.values() for o in rows])]))
    everything = [r for path in FILES for r in data[path]] + also
    model = fit(everything, version=model_version(everything, 11), seed=11, extra_safe=extra)
    for path in args.unseen:
        result = evaluate(read_labelled(path), partial(screen, thresholds=thresholds, model=model))
        print(_row(path.stem + " (unseen)", result))
    held = queued = 0
    benign = benign_texts()
    for text in benign:
        result = screen(text, thresholds=thresholds, model=model)
        held += result.held
        queued += result.check_soon
    print(f"benign search corpus: held {held}, queued {queued} "
          f"of {len(benign)} (model trained on every training file)")


if __name__ == "__main__":
    main()
