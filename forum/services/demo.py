"""Demo content for the embedded default: clearly marked, and removable in one command."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Member, Post, Vote, utcnow
from forum.services import indexing, posts
from forum.services.members import register, update_profile

DEMO_PASSWORD = "thaw-demo-only"

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


def load_demo() -> int:
    """Add the demo members and posts; return how many posts were added."""
    if db.session.scalar(select(Member.id).where(Member.is_demo.is_(True)).limit(1)):
        return 0
    people: dict[str, Member] = {}
    for username, role, bio, treatments in MEMBERS:
        member = register(username=username, email=f"{username}@demo.invalid",
                          password=DEMO_PASSWORD, role=role, is_demo=True)
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
    indexing.after_commit()
    return len(threads) + len(answers)


def remove_demo() -> int:
    """Delete the demo members and posts (and answers under demo threads); return the count."""
    demo_roots = select(Post.id).where(Post.is_demo.is_(True), Post.parent_id.is_(None))
    doomed = select(Post.id).where(or_(Post.is_demo.is_(True), Post.parent_id.in_(demo_roots)))
    with write_transaction():
        # Locked on PostgreSQL (SQLite's write transaction holds everything already): no
        # answer can join a demo thread between reading the ids and deleting them.
        db.session.execute(demo_roots.with_for_update())
        ids = list(db.session.scalars(doomed))
        db.session.execute(delete(Vote).where(Vote.post_id.in_(ids)))
        db.session.execute(
            Post.__table__.update().where(Post.accepted_answer_id.in_(ids)).values(
                accepted_answer_id=None))
        db.session.execute(delete(Post).where(Post.id.in_(ids), Post.parent_id.is_not(None)))
        db.session.execute(delete(Post).where(Post.id.in_(ids)))
        demo_members = select(Member.id).where(Member.is_demo.is_(True))
        db.session.execute(delete(Vote).where(Vote.member_id.in_(demo_members)))
        db.session.execute(delete(Member).where(Member.is_demo.is_(True)))
        indexing.queue(ids)
    indexing.after_commit()
    return len(ids)
