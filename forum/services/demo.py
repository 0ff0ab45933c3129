"""Demo content for the embedded default: clearly marked, and removable in one command."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from forum.database import write_transaction
from forum.extensions import db
from forum.models import (
    AuditEntry,
    Member,
    Post,
    PostRevision,
    Report,
    ReviewItem,
    Vote,
    utcnow,
)
from forum.services import indexing, posts
from forum.services.members import register, update_profile

ACCOUNTS_FILE = "demo-accounts.txt"

MEMBERS = [
    ("demo_rowan", "member", "Diagnosed with RRMS in 2015. Spasms mostly in my calves at night.",
     ["baclofen", "stretching"]),
    ("demo_priya", "member", "SPMS, part-time wheelchair user, keen on hydrotherapy.",
     ["tizanidine", "exercise"]),
    ("demo_tomasz", "member", "Living with PPMS. I keep notes on everything I try.",
     ["botulinum-toxin", "orthotics", "physiotherapy"]),
    ("demo_ines", "member", "Retired nurse with MS. Happy to share what has helped me.",
     ["gabapentin", "yoga"]),
    ("demo_mod_sam", "moderator", "Demo moderator account.", []),
]

QUESTIONS = [
    ("demo_rowan", "Does tizanidine make anyone else groggy the next morning?",
     "My neuro suggested switching some of my evening baclofen to **tizanidine**. "
     "For those who take it at night: do you wake up foggy, and did it settle after a few "
     "weeks?", ["tizanidine", "drowsiness", "night-spasms"]),
    ("demo_priya", "How do you get through nights when your legs keep jumping?",
     "Most nights my legs jerk just as I fall asleep and again around 3am. I already stretch "
     "before bed. What else has worked for you, medicine or otherwise?",
     ["night-spasms", "sleep", "stretching"]),
    ("demo_tomasz", "What should I ask before my first Botox appointment for spasticity?",
     "I have my first botulinum toxin injections for my calf next month. What did you wish you "
     "had asked the clinic beforehand?", ["botulinum-toxin", "spasticity", "walking"]),
    ("demo_ines", "Tips for keeping hands flexible in the mornings?",
     "My fingers curl and are stiff for the first hour after waking. Any exercises, splints or "
     "tools that made mornings easier?", ["hand-function", "stiffness", "orthotics"]),
    ("demo_rowan", "Has anyone tried a TENS machine for spasms?",
     "Seen them in the pharmacy. Did a TENS unit do anything for your spasms or pain?",
     ["tens", "spasms", "pain"]),
]

EXPERIENCES = [
    ("demo_priya", "Hydrotherapy twice a week loosened me up more than I expected",
     "I started a warm-water class at the local pool. The stiffness eases for most of the "
     "evening afterwards, and I sleep better on class days. Getting changed is the hard part, "
     "so I go with a friend.", ["exercise", "stiffness", "sleep"],
     {"treatment": "exercise", "effectiveness": 4, "side_effects": ["fatigue"],
      "duration_months": 8, "still_using": True, "dose": "two 45-minute sessions a week"}),
    ("demo_tomasz", "Ankle-foot orthosis: a year on",
     "The AFO stopped me catching my toes and I fall far less. It took a few weeks to get the "
     "fit right with the orthotist, and I needed shoes a size larger.",
     ["orthotics", "drop-foot", "walking"],
     {"treatment": "orthotics", "effectiveness": 5, "side_effects": ["skin rubbing"],
      "duration_months": 12, "still_using": True, "dose": None}),
    ("demo_ines", "Gabapentin for night pain and spasms",
     "My GP started me low and increased slowly over a month. It takes the edge off the night "
     "spasms, but I was dizzy for the first two weeks.", ["gabapentin", "night-spasms", "pain"],
     {"treatment": "gabapentin", "effectiveness": 3, "side_effects": ["dizziness", "drowsiness"],
      "duration_months": 6, "still_using": True, "dose": "as prescribed, three times a day"}),
]

ANSWERS = [
    (0, "demo_ines", "Yes, for about the first fortnight. Taking it an hour earlier helped, "
     "and it settled after that. Worth telling your neuro if it doesn't."),
    (0, "demo_tomasz", "I found the grogginess lasted longer on days I hadn't drunk much water. "
     "Could be a coincidence, but staying hydrated seems to help me."),
    (1, "demo_rowan", "A warm bath then five minutes of calf stretches right before bed made "
     "the biggest difference for me. Also emptying my bladder: a full one sets my legs off."),
    (1, "demo_ines", "A weighted blanket on my legs calms the jumping a bit. Worth asking your "
     "team too, as night spasms are often treatable."),
    (2, "demo_priya", "Ask how long until it takes effect (mine was about ten days) and "
     "whether they will pair it with physio afterwards: the stretching is what made it work."),
    (3, "demo_tomasz", "A resting hand splint at night, fitted by an OT, helped my fingers a "
     "lot. Then warm water and gentle finger stretches in the morning."),
]


def accounts_file() -> Path:
    """Return where the demo members' passwords are written (readable by the owner only)."""
    return Path(current_app.instance_path) / ACCOUNTS_FILE


def _write_accounts(passwords: dict[str, str]) -> Path:
    path = accounts_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)  # a fresh file, created 0600 whatever the old one's mode
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("# Thaw demo accounts of this instance. `flask demo remove` deletes them.\n")
        for username, password in passwords.items():
            handle.write(f"{username} {password}\n")
    return path


def load_demo() -> int:
    """Add the demo members, each with a random password, and their posts.

    The passwords are written to instance/demo-accounts.txt (mode 0600) and printed once;
    nobody outside this machine can know them. Return how many posts were added.
    """
    if db.session.scalar(select(Member.id).where(Member.is_demo.is_(True)).limit(1)):
        return 0
    people: dict[str, Member] = {}
    passwords = {username: secrets.token_urlsafe(12) for username, *_ in MEMBERS}
    for username, role, bio, treatments in MEMBERS:
        member = register(username=username, email=f"{username}@demo.invalid",
                          password=passwords[username], role=role, is_demo=True)
        update_profile(actor=member, member=member, bio=bio, treatments=treatments)
        people[username] = member
    threads: list[Post] = []
    for author, title, body, tags in QUESTIONS:
        threads.append(posts.create_thread(author=people[author], kind="question", title=title,
                                           body=body, tags=tags, is_demo=True))
    for author, title, body, tags, details in EXPERIENCES:
        threads.append(posts.create_thread(
            author=people[author], kind="experience", title=title, body=body, tags=tags,
            experience=posts.ExperienceInput(**details), is_demo=True))
    answers = [posts.create_answer(author=people[author], parent=threads[index], body=body,
                                   is_demo=True) for index, author, body in ANSWERS]
    posts.accept_answer(actor=people["demo_priya"], answer=answers[2])
    posts.toggle_helpful(actor=people["demo_rowan"], post=answers[0])
    posts.toggle_helpful(actor=people["demo_tomasz"], post=threads[5])
    # Spread the demo posts over the past weeks so lists look lived in.
    start = utcnow() - timedelta(days=21)
    with write_transaction():
        for offset, post in enumerate([*threads, *answers]):
            post.created_at = post.updated_at = post.last_activity_at = start + timedelta(
                hours=9 * offset)
        indexing.queue(post.id for post in [*threads, *answers])
    path = _write_accounts(passwords)
    print(f"Demo accounts (passwords also in {path}, readable only by you):", flush=True)
    for username, password in passwords.items():
        print(f"  {username}  {password}", flush=True)
    return len(threads) + len(answers)


def remove_demo() -> int:
    """Delete the demo members and everything they did; return how many posts went.

    Their posts go, with the answers under their threads; their votes and reports go, and
    helpful counts and answer counts are recounted. Moderation records they handled and
    versions they edited stay, without their name.
    """
    demo_members = select(Member.id).where(Member.is_demo.is_(True))
    demo_roots = select(Post.id).where(Post.parent_id.is_(None), or_(
        Post.is_demo.is_(True), Post.author_id.in_(demo_members)))
    doomed = select(Post.id).where(or_(Post.is_demo.is_(True), Post.author_id.in_(demo_members),
                                       Post.parent_id.in_(demo_roots)))
    with write_transaction():
        # Locked on PostgreSQL (SQLite's write transaction holds everything already): no
        # answer can join a demo thread between reading the ids and deleting them.
        db.session.execute(demo_roots.with_for_update())
        ids = list(db.session.scalars(doomed))
        member_ids = list(db.session.scalars(demo_members))
        if not ids and not member_ids:
            return 0
        threads = set(db.session.scalars(select(Post.parent_id).where(
            Post.id.in_(ids), Post.parent_id.is_not(None), Post.parent_id.not_in(ids))))
        voted = set(db.session.scalars(select(Vote.post_id).where(
            Vote.member_id.in_(member_ids), Vote.post_id.not_in(ids))))
        db.session.execute(delete(Vote).where(or_(Vote.post_id.in_(ids),
                                                  Vote.member_id.in_(member_ids))))
        db.session.execute(delete(Report).where(or_(Report.post_id.in_(ids),
                                                    Report.reporter_id.in_(member_ids))))
        db.session.execute(update(ReviewItem).where(ReviewItem.handled_by_id.in_(member_ids))
                           .values(handled_by_id=None))
        db.session.execute(update(PostRevision).where(PostRevision.editor_id.in_(member_ids))
                           .values(editor_id=None))
        db.session.execute(update(AuditEntry).where(AuditEntry.actor_id.in_(member_ids))
                           .values(actor_id=None))
        db.session.execute(update(AuditEntry).where(AuditEntry.member_id.in_(member_ids))
                           .values(member_id=None))
        db.session.execute(update(AuditEntry).where(AuditEntry.post_id.in_(ids))
                           .values(post_id=None))
        db.session.execute(update(Post).where(Post.accepted_answer_id.in_(ids))
                           .values(accepted_answer_id=None))
        db.session.execute(delete(Post).where(Post.id.in_(ids), Post.parent_id.is_not(None)))
        db.session.execute(delete(Post).where(Post.id.in_(ids)))
        db.session.execute(delete(Member).where(Member.id.in_(member_ids)))
        for post_id in voted:
            count = select(func.count()).select_from(Vote).where(Vote.post_id == post_id)
            db.session.execute(update(Post).where(Post.id == post_id)
                               .values(helpful_count=count.scalar_subquery()))
        db.session.expire_all()
        for thread_id in threads:
            root = db.session.get(Post, thread_id)
            if root is not None:
                posts.refresh_thread(root)
        indexing.queue([*ids, *voted, *threads])
    accounts_file().unlink(missing_ok=True)
    return len(ids)
