"""Leave-one-writer-out: train the risk model on two writers' files, score the third.

Prints held and held-or-queued precision, recall and F1 per held-out file, and how many posts
of the benign search corpus the model trained on all three files holds or queues. Only
figures are printed; `--errors FILE_STEM` also lists that held-out file's errors (the
protocol reads only w3's errors, so w1 and w2 stay the less-contaminated signal).

    python bench/moderation_lowo.py [--check 0.4] [--errors dev-set-w3] [--extra-safe]
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.evaluation import evaluate, read_labelled  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=float, default=None, help="queue threshold")
    parser.add_argument("--errors", default=None, help="list errors of this held-out file")
    parser.add_argument("--extra-safe", action="store_true",
                        help="train every fold with the benign search corpus as extra safe posts "
                             "(the corpus count is then in-sample)")
    args = parser.parse_args()
    thresholds = Thresholds(check=args.check) if args.check is not None else Thresholds()
    data = {path: read_labelled(path) for path in FILES}
    extra = benign_texts() if args.extra_safe else []
    print(f"{'held-out file':<18} {'held P':>7} {'R':>6} {'F1':>6}   "
          f"{'held|queued P':>13} {'R':>6} {'F1':>6}")
    for held_out in FILES:
        train = [r for path in FILES if path != held_out for r in data[path]]
        model = fit(train, version=model_version(train, 11), seed=11, extra_safe=extra)
        result = evaluate(data[held_out], partial(screen, thresholds=thresholds, model=model))
        both = result.held_or_queued
        print(f"{held_out.stem:<18} {result.precision:>7.2f} {result.recall:>6.2f} "
              f"{result.f1:>6.2f}   {both['precision']:>13.2f} {both['recall']:>6.2f} "
              f"{both['f1']:>6.2f}")
        if args.errors == held_out.stem:
            unsafe = {r["id"] for r in data[held_out] if r["label"] == "unsafe"}
            print("  missed:", ", ".join(result.missed))
            caught_safe = [c for c in result.wrong if c not in unsafe]
            print("  held safe:", ", ".join(caught_safe))
    everything = [r for path in FILES for r in data[path]]
    model = fit(everything, version=model_version(everything, 11), seed=11, extra_safe=extra)
    held = queued = 0
    for text in benign_texts():
        result = screen(text, thresholds=thresholds, model=model)
        held += result.held
        queued += result.check_soon
    print(f"benign search corpus: held {held}, queued {queued} "
          f"of {len(benign_texts())} (model trained on all three files)")


if __name__ == "__main__":
    main()
