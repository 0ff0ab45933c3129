"""The demo community as a plan: who says what and when, decided without touching the database.

The text comes from forum/data/demo/*.json, combined by one random generator seeded with a
fixed number, so every load plans the same community; dates are days before the load.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from forum.taxonomy import load_taxonomy

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
SEED = 15  # the community is the same on every load; change it to meet another one
SPAN_DAYS = 540  # eighteen months of history
MODERATOR = "demo_mod_sam"


@cache
def demo_data() -> dict[str, Any]:
    """Return the demo community's text files, by name (members, experiences, ...)."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(DATA_DIR.glob("*.json"))}


# The plan: what the community holds, decided before anything touches the database ----------

@dataclass
class PlannedPost:
    """A post to write: an opening post (with its answers) or an answer."""

    author: str
    body: str
    days_ago: float
    kind: str = "answer"
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    experience: dict[str, Any] | None = None
    answers: list[PlannedPost] = field(default_factory=list)
    accepted: int | None = None  # index into answers
    voters: list[str] = field(default_factory=list)
    edit: str | None = None  # text appended by a later edit by the author
    expect: str = "published"  # "held": written for the screening to hold

    @property
    def report(self) -> dict[str, Any]:
        """Return the experience details of a planned experience report."""
        if self.experience is None:
            raise ValueError("not an experience report")
        return self.experience
    reports: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] | None = None  # the demo moderator's decision, from moderation.json


@dataclass
class PlannedMember:
    username: str
    role: str
    bio: str
    treatments: list[str]
    joined_days_ago: float
    login: bool = False


@dataclass
class Plan:
    members: list[PlannedMember]
    threads: list[PlannedPost]

    def all_posts(self) -> list[PlannedPost]:
        return [post for thread in self.threads for post in (thread, *thread.answers)]


def _short_name(slug: str) -> str:
    """Return a treatment's name as it reads mid-sentence: "baclofen", "FES", "botulinum toxin"."""
    name = load_taxonomy().tags[slug].name.split(" (")[0]
    return name if name[1:2].isupper() else name[0].lower() + name[1:]


def _symptom_words(slug: str) -> str:
    name = load_taxonomy().tags[slug].name.split(" (")[0]
    return name if name[1:2].isupper() else name[0].lower() + name[1:]


def _months_words(months: int) -> str:
    if months < 2:
        return "a month"
    if months < 24:
        return f"{months} months" if months != 12 else "a year"
    return f"{months // 12} years"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _bucket(rating: int) -> str:
    return "low" if rating <= 2 else "mid" if rating == 3 else "high"


class _Writer:
    """Compose the community from the data files with one seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        data = demo_data()
        self.people = data["members"]
        self.reports = data["experiences"]
        self.asked = data["questions"]
        self.moderation = data["moderation"]
        self.names = [m["username"] for m in self.people["members"]]

    def others(self, exclude: set[str], count: int) -> list[str]:
        pool = [name for name in self.names if name not in exclude]
        return self.rng.sample(pool, min(count, len(pool)))

    def answer_times(self, start: float, count: int) -> list[float]:
        """Days ago for answers after a thread started `start` days ago, oldest first."""
        times, when = [], start
        for _ in range(count):
            when = max(0.01, when - self.rng.uniform(0.05, 2.5))
            times.append(when)
        return times

    def experience(self, slug: str, author: str, days_ago: float,
                   note: str | None = None) -> PlannedPost:
        spec = self.reports["treatments"][slug]
        rng = self.rng
        rating = rng.choices(range(1, 6), weights=spec["ratings"])[0]
        bucket = _bucket(rating)
        months = rng.randint(*spec["duration"])
        # The first symptom listed is what the treatment is mostly used for: every report
        # names it, so the symptom pages have figures too.
        main, *others = spec["symptoms"]
        symptoms = [main, *rng.sample(others, min(len(others), rng.randint(0, 1)))]
        rng.shuffle(symptoms)
        effects: list[str] = []
        if spec["side_effects"]:
            names = [name for name, _ in spec["side_effects"]]
            weights = [weight for _, weight in spec["side_effects"]]
            for _ in range(rng.choice((0, 1, 1, 2))):
                effect = rng.choices(names, weights=weights)[0]
                if effect not in effects:
                    effects.append(effect)
        keeps_on = {1: 0.1, 2: 0.2, 3: 0.75, 4: 0.9, 5: 0.95}[rating]
        still = (rng.random() < keeps_on) if rng.random() > 0.1 else None
        words = {"name": spec.get("phrase") or _short_name(slug), "months": _months_words(months),
                 "symptom": _symptom_words(symptoms[0])}
        title = _capitalised(rng.choice(self.reports["titles"][bucket]).format(**words))
        if note:
            title = f"Update: {title}"
        lines = [rng.choice(spec["starts"]), rng.choice(spec["effects"][bucket])]
        first = " ".join(lines)
        if effects:
            effect_line = rng.choice(self.reports["side_effect_lines"])
            second = [effect_line.format(effect=" and ".join(effects),
                                         Effect=_capitalised(" and ".join(effects)))]
        else:
            second = [rng.choice(self.reports["no_side_effect_lines"])]
        if still is not None:
            second.append(rng.choice(self.reports["still_using_lines"]["yes" if still else "no"]))
        second.append(rng.choice(self.reports["closings"][bucket]))
        body = "\n\n".join(part for part in (note, first, " ".join(second)) if part)
        details = {"treatment": slug, "effectiveness": rating, "side_effects": effects,
                   "duration_months": months, "still_using": still,
                   "dose": rng.choice(spec["doses"])}
        return PlannedPost(author=author, kind="experience", title=title, body=body,
                           tags=[slug, *symptoms], experience=details, days_ago=days_ago)

    def replies_to_report(self, report: PlannedPost) -> None:
        count = self.rng.choice((0, 0, 1, 1, 2, 3))
        words = {"name": _short_name(report.report["treatment"]),
                 "effect": (report.report["side_effects"] or ["tiredness"])[0]}
        lines = self.rng.sample(self.reports["replies"], count)
        times = self.answer_times(report.days_ago, count)
        for author, line, when in zip(self.others({report.author, MODERATOR}, count), lines,
                                      times, strict=False):
            report.answers.append(PlannedPost(author=author, body=line.format(**words),
                                              days_ago=when))

    def question(self, spec: dict[str, Any], days_ago: float) -> PlannedPost:
        asker, *answerers = self.others({MODERATOR}, 1 + len(spec["answers"]))
        thread = PlannedPost(author=asker, kind="question", title=spec["title"],
                             body=spec["body"], tags=spec["tags"], days_ago=days_ago)
        times = self.answer_times(days_ago, len(spec["answers"]))
        thread.answers = [PlannedPost(author=who, body=text, days_ago=when)
                          for who, text, when in zip(answerers, spec["answers"], times,
                                                     strict=False)]
        return thread

    def question_about(self, slug: str, number: int, reports: list[PlannedPost],
                       days_ago: float) -> PlannedPost:
        template = self.asked["ask_about"]
        spec = self.reports["treatments"][slug]
        symptom = spec["symptoms"][number % len(spec["symptoms"])]
        words = {"name": _short_name(slug), "symptom": _symptom_words(symptom)}
        reporters = [r for r in reports if r.report["treatment"] == slug]
        asker = self.others({MODERATOR, *(r.author for r in reporters)}, 1)[0]
        title = template["titles"][number % len(template["titles"])].format(**words)
        body = self.rng.choice(template["bodies"]).format(**words)
        thread = PlannedPost(author=asker, kind="question", title=_capitalised(title),
                             body=body, tags=[slug, symptom], days_ago=days_ago)
        chosen = self.rng.sample(reporters, min(len(reporters), self.rng.randint(2, 3)))
        times = self.answer_times(days_ago, len(chosen))
        for report, when in zip(chosen, times, strict=True):
            bucket = _bucket(report.report["effectiveness"])
            opening = self.rng.choice(template["answer_openings"]).format(
                months=_months_words(report.report["duration_months"]))
            effect = self.rng.choice(spec["effects"][bucket])
            closing = self.rng.choice(self.reports["closings"][bucket])
            thread.answers.append(PlannedPost(author=report.author, days_ago=when,
                                              body=f"{opening}{effect} {closing}"))
        return thread

    def moderated(self, spec: dict[str, Any], threads: dict[str, PlannedPost], days_ago: float,
                  expect: str) -> PlannedPost:
        thread = threads[spec["thread"]]
        answer = PlannedPost(author=spec["author"], body=spec["body"], expect=expect,
                             days_ago=min(days_ago, thread.days_ago - 0.1),
                             reports=spec.get("reports", []))
        thread.answers.append(answer)
        return answer

    def write(self) -> Plan:
        rng = self.rng
        reports: list[PlannedPost] = []
        for slug, spec in self.reports["treatments"].items():
            for author in rng.sample(self.names, spec["reporters"]):
                reports.append(self.experience(slug, author, rng.uniform(30, SPAN_DAYS)))
        for follow_up in self.reports["updates"]:
            earlier = next(r for r in reports if r.report["treatment"] == follow_up["treatment"]
                           and r.days_ago > 200)
            reports.append(self.experience(follow_up["treatment"], earlier.author,
                                           rng.uniform(3, earlier.days_ago - 120),
                                           note=follow_up["note"]))
        for report in reports:
            self.replies_to_report(report)
        questions = [self.question(spec, rng.uniform(1, SPAN_DAYS))
                     for spec in self.asked["questions"]]
        questions += [self.question_about(slug, number, reports, rng.uniform(1, SPAN_DAYS))
                      for number, slug in enumerate(self.asked["ask_about"]["treatments"])]
        by_title = {q.title: q for q in questions if q.title is not None}
        for spec in self.moderation["held"]:
            self.moderated(spec, by_title, rng.uniform(0.2, 3), "held")
        reported = self.moderation["reported"]
        self.moderated(reported, by_title, rng.uniform(0.5, 2), "published")
        for spec in self.moderation["history"]:
            answer = self.moderated(spec, by_title, spec["days_ago"],
                                    "held" if spec["action"] != "dismiss" else "published")
            answer.decision = spec
        threads = sorted([*reports, *questions], key=lambda t: -t.days_ago)
        self.mark_helpful(threads)
        self.accept(questions)
        self.edits(threads)
        return Plan(members=self.members(threads), threads=threads)

    def mark_helpful(self, threads: list[PlannedPost]) -> None:
        for thread in threads:
            candidates = [a for a in thread.answers if a.expect == "published"
                          and a.decision is None and not a.reports]
            if thread.kind == "experience":
                candidates.append(thread)
            for post in candidates:
                count = min(int(self.rng.expovariate(0.45)), 12)
                post.voters = self.others({post.author, MODERATOR}, count)

    def accept(self, questions: list[PlannedPost]) -> None:
        for question in questions:
            fine = [i for i, a in enumerate(question.answers)
                    if a.expect == "published" and not a.reports and a.decision is None]
            if fine and self.rng.random() < 0.6:
                question.accepted = max(fine, key=lambda i: len(question.answers[i].voters))

    def edits(self, threads: list[PlannedPost]) -> None:
        specs = {spec["kind"]: spec for spec in self.moderation["edits"]}
        reports = [t for t in threads if t.kind == "experience" and t.days_ago > 60]
        for report in self.rng.sample(reports, 4):
            report.edit = specs["experience"]["append"]
        answers = [a for t in threads for a in t.answers
                   if a.expect == "published" and a.decision is None and not a.reports]
        for answer in self.rng.sample(answers, 6):
            answer.edit = specs["answer"]["append"]

    def members(self, threads: list[PlannedPost]) -> list[PlannedMember]:
        forms = self.people["forms"]
        first_post: dict[str, float] = {}
        treatments: dict[str, list[str]] = {}
        for thread in threads:
            for post in (thread, *thread.answers):
                first_post[post.author] = max(first_post.get(post.author, 0), post.days_ago)
            if thread.experience:
                treatments.setdefault(thread.author, []).append(thread.report["treatment"])
        people = []
        for spec in self.people["members"]:
            name = spec["username"]
            bio = " ".join([f"{forms[spec['form']]} since {spec['year']}.", *spec["details"]])
            people.append(PlannedMember(
                username=name, role="member", bio=bio,
                treatments=list(dict.fromkeys(treatments.get(name, []))),
                joined_days_ago=first_post.get(name, 30) + self.rng.uniform(5, 120),
                login=spec.get("login", False)))
        moderator = self.people["moderator"]
        people.append(PlannedMember(username=moderator["username"], role="moderator",
                                    bio=moderator["bio"], treatments=[],
                                    joined_days_ago=SPAN_DAYS + 30, login=True))
        return people


def plan_demo(seed: int = SEED) -> Plan:
    """Return the demo community to write: the same for the same seed and data files."""
    return _Writer(seed).write()


