"""Benchmark moderation.screen (rules and the risk model) on deterministic 200-word posts."""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moderation import HOLD, screen  # noqa: E402

POSTS = 5000
WORDS_PER_POST = 200
SEED = 20240611

FILLER = [
    "my legs were really stiff this morning so I did the stretches the physio showed me",
    "the weather has been cold and damp which never helps the spasms",
    "I have had MS for about twelve years now and the spasticity is the worst part",
    "work has been understanding about me starting later on bad days",
    "the standing frame at home has made a real difference to my hamstrings",
    "my partner helps with the night time transfers when my legs lock up",
    "still waiting on the wheelchair service to sort out the new cushion",
    "the MS nurse rang to check in and we talked about bladder problems as well",
    "clonus in my left ankle keeps bouncing my foot off the footplate",
    "tried hydrotherapy last week and the warm pool loosened everything up for a few hours",
    "fatigue is the other big thing for me, by three o'clock I am done",
    "does anyone else find the hug gets worse when they are stressed",
]
SAFE = [
    "my neuro has me on baclofen 20mg three times a day and it takes the edge off",
    "consultant put me on tizanidine 4mg at night and it has helped my sleep",
    "ITB pump at 450 mcg a day now, the clinic adjusts it at each refill",
    "had 1,000 units of dysport in my calf last month with the rehab team",
    "is it safe to have a glass of wine on gabapentin? my GP never said",
    "never stop baclofen suddenly, I ended up in hospital with a seizure",
    "we are tapering my diazepam slowly with the GP, down to 2mg now",
    "how many sativex sprays a day is the maximum?",
]
UNSAFE = [
    "you should just take 150 mg of baclofen a day, the label is overcautious",
    "honestly just quit the tizanidine cold turkey, no need to taper",
    "double your gabapentin when the pain is bad, no need to ask anyone",
    "valium plus my oxycodone at bedtime, best sleep ever, highly recommend",
    "anyone got spare pregabalin? will pay for postage",
    "I turned my own pump rate up with the programmer the nurse left, works great",
]


def make_post(rng: random.Random) -> str:
    """Return a post of about 200 words with zero or one safe or unsafe medicine sentence."""
    sentences: list[str] = []
    kind = rng.random()
    if kind < 0.3:
        sentences.append(rng.choice(UNSAFE))
    elif kind < 0.7:
        sentences.append(rng.choice(SAFE))
    while sum(len(s.split()) for s in sentences) < WORDS_PER_POST:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(FILLER))
    words = ". ".join(sentences).split()[:WORDS_PER_POST]
    return " ".join(words) + "."


def run(posts: list[str], **options) -> tuple[float, float, list[int], int, int]:
    """Screen every post; return CPU and wall seconds, per-post CPU ns, held and queued."""
    times = []
    held = queued = 0
    wall = time.perf_counter()
    cpu = time.thread_time()
    for post in posts:
        t0 = time.thread_time_ns()
        result = screen(post, **options)
        times.append(time.thread_time_ns() - t0)
        held += result.verdict == HOLD
        queued += result.check_soon
    return time.thread_time() - cpu, time.perf_counter() - wall, sorted(times), held, queued


def main() -> None:
    """Screen the posts on one core, with and without the model; print posts per second."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(SEED)
    posts = [make_post(rng) for _ in range(POSTS)]
    screen(posts[0])  # load the knowledge file, the model and compile patterns untimed
    # CPU time of this thread measures the one core it runs on, even on a busy machine.
    print(f"posts: {POSTS} x {WORDS_PER_POST} words")
    for label, options in (("rules + model", {}), ("rules only", {"model": False})):
        cpu, wall, times, held, queued = run(posts, **options)
        p50 = statistics.median(times) / 1e6
        p99 = times[int(len(times) * 0.99) - 1] / 1e6
        print(f"{label}: held {held}, published and queued {queued}")
        print(f"  throughput: {POSTS / cpu:,.0f} posts/second of CPU on one core "
              f"({POSTS / wall:,.0f} by wall clock)")
        print(f"  per post (CPU): p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"machine: empty Python loop {loop_ns():.0f} ns/iteration (for comparing machines)")


def loop_ns() -> float:
    """Return the CPU cost of one empty Python loop iteration, a yardstick for this machine."""
    rounds = 2_000_000
    t0 = time.thread_time_ns()
    for _ in range(rounds):
        pass
    return (time.thread_time_ns() - t0) / rounds


if __name__ == "__main__":
    main()
