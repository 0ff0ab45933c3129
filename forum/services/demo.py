"""Demo content for the embedded default: a small community, clearly marked, removable at once.

Everything the demo members say comes from the files in forum/data/demo/, combined by a
generator seeded with a fixed number: every load writes the same community, with dates counted
back from the moment of loading. Posts go through the real validation and screening, so the
posts written to be held are held by the screening itself, and the demo moderator's decisions
go through the review queue's own services.
"""

from __future__ import annotations

import json
import os
import random
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

import moderation
from forum.database import chunks, write_transaction
from forum.extensions import db
from forum.models import (
    AuditEntry,
    Member,
    MemberTreatment,
    ModerationLabel,
    Post,
    PostRevision,
    Report,
    ReviewItem,
    Vote,
    utcnow,
)
from forum.passwords import hash_password
from forum.services import drafts, indexing, review
from forum.services import screening as screening_service
from forum.services.demo_plan import (  # noqa: F401 - SEED, SPAN_DAYS: the plan's, named here
    MODERATOR,
    SEED,
    SPAN_DAYS,
    Plan,
    PlannedPost,
    plan_demo,
)
from forum.services.members import new_member
from forum.services.threads import refresh_thread

ACCOUNTS_FILE = "demo-accounts.txt"
REMOVED_ANSWERS_FILE = "demo-removed-answers.jsonl"

# Writing the plan ---------------------------------------------------------------------------

def accounts_file() -> Path:
    """Return where the demo members' passwords are written (readable by the owner only)."""
    return Path(current_app.instance_path) / ACCOUNTS_FILE


def _write_private(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)  # a fresh file, created 0600 whatever the old one's mode
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{line}\n" for line in lines)
    return path


def _write_accounts(passwords: dict[str, str]) -> Path:
    return _write_private(accounts_file(), [
        "# Thaw demo accounts of this instance. `flask demo remove` deletes them.",
        *(f"{username} {password}" for username, password in passwords.items())])


@dataclass
class _Checked:
    planned: PlannedPost
    draft: drafts.Draft
    screening: moderation.Screening


def _check(planned: PlannedPost) -> _Checked:
    """Validate and screen a planned post; a post written to be held must be held."""
    if planned.kind == "answer":
        draft = drafts.validate_answer(body=planned.body)
    else:
        draft = drafts.validate_thread(
            kind=planned.kind, title=planned.title, body=planned.body, tags=planned.tags,
            experience=drafts.ExperienceInput(**planned.experience) if planned.experience
            else None)
    screening = screening_service.screen_draft(draft)
    held = screening.verdict == moderation.HOLD
    if held != (planned.expect == "held"):
        raise RuntimeError(f"The demo post by {planned.author} starting "
                           f"{planned.body[:30]!r} was {'held' if held else 'published'} by "
                           f"the screening, but was written to be {planned.expect}: change "
                           "it in forum/data/demo/.")
    return _Checked(planned, draft, screening)


def load_demo(now: datetime | None = None, *, quiet: bool = False) -> int:
    """Add the demo community, each member with a random password, and its posts.

    The passwords are written to instance/demo-accounts.txt (mode 0600) and printed once;
    nobody outside this machine can know them. Return how many posts were added.
    """
    if db.session.scalar(select(Member.id).where(Member.is_demo.is_(True)).limit(1)):
        return 0
    now = now or utcnow()
    plan = plan_demo()
    passwords = {m.username: secrets.token_urlsafe(12) for m in plan.members if m.login}
    with ThreadPoolExecutor(max_workers=2) as pool:  # argon2 releases the GIL
        hashes = dict(zip(passwords, pool.map(hash_password, passwords.values()), strict=True))
    checked = {id(p): _check(p) for p in plan.all_posts()}  # before the write transaction

    def at(days_ago: float) -> datetime:
        return now - timedelta(days=days_ago)

    with write_transaction():
        people: dict[str, Member] = {}
        for who in plan.members:
            member = new_member(username=who.username, email=f"{who.username}@demo.invalid",
                                role=who.role, password_hash=hashes.get(who.username),
                                is_demo=True, confirmed=True)
            member.bio = who.bio
            member.created_at = member.confirmed_at = at(who.joined_days_ago)
            member.treatments = [MemberTreatment(slug=slug) for slug in who.treatments]
            db.session.add(member)
            people[who.username] = member
        rows: dict[int, Post] = {}
        for thread in plan.threads:
            rows[id(thread)] = _add(checked[id(thread)], people, at(thread.days_ago))
        db.session.flush()
        for thread in plan.threads:
            for answer in thread.answers:
                rows[id(answer)] = _add(checked[id(answer)], people, at(answer.days_ago),
                                        parent=rows[id(thread)])
        db.session.flush()
        for planned in plan.all_posts():
            _screen(rows[id(planned)], checked[id(planned)], at(planned.days_ago))
        for thread in plan.threads:
            _settle_thread(thread, rows)
            for post in (thread, *thread.answers):
                _votes(post, rows[id(post)], people, now)
                if post.edit:
                    _edit(post, rows[id(post)], people[post.author], now)
        indexing.queue(post.id for post in rows.values())
    _moderate(plan, rows, people, now)
    path = _write_accounts(passwords)
    if not quiet:
        print(f"Demo accounts (passwords also in {path}, readable only by you):", flush=True)
        for username, password in passwords.items():
            print(f"  {username}  {password}", flush=True)
    return len(rows)


def _add(checked: _Checked, people: dict[str, Member], when: datetime,
         parent: Post | None = None) -> Post:
    post = drafts.build_post(checked.draft, author=people[checked.planned.author], parent=parent,
                            created_at=when, is_demo=True)
    db.session.add(post)
    return post


def _screen(post: Post, checked: _Checked, when: datetime) -> None:
    """Record the screening as posting does, with the queue's items dated with the post."""
    screening_service.apply_screening(post, checked.screening,
                                      screening_service.screening_text(checked.draft), new=True)
    for item in db.session.new:
        if isinstance(item, ReviewItem) and item.post_id == post.id:
            item.created_at = when


def _settle_thread(thread: PlannedPost, rows: dict[int, Post]) -> None:
    root = rows[id(thread)]
    published = [rows[id(a)] for a in thread.answers if rows[id(a)].status == "published"]
    root.answer_count = len(published)
    root.last_activity_at = max([root.created_at, *(a.created_at for a in published)])
    if thread.accepted is not None:
        root.accepted_answer_id = rows[id(thread.answers[thread.accepted])].id


def _votes(planned: PlannedPost, post: Post, people: dict[str, Member], now: datetime) -> None:
    for voter in planned.voters:
        when = post.created_at + (now - post.created_at) * random.Random(
            f"{post.id}{voter}").uniform(0.01, 0.5)
        db.session.add(Vote(member_id=people[voter].id, post_id=post.id, created_at=when))
    post.helpful_count = len(planned.voters)


def _edit(planned: PlannedPost, post: Post, author: Member, now: datetime) -> None:
    draft = drafts.validate_edit(
        post, title=post.title, body=f"{post.body}\n\n{planned.edit}",
        experience=drafts.ExperienceInput.from_row(post.experience) if post.experience else None)
    drafts.apply_edit(post, draft, editor=author)
    post.edited_at = post.created_at + (now - post.created_at) / 3
    for item in db.session.new:
        if isinstance(item, PostRevision) and item.post_id == post.id:
            item.created_at = post.edited_at


def _moderate(plan: Plan, rows: dict[int, Post], people: dict[str, Member],
              now: datetime) -> None:
    """Report posts and decide the moderation history through the review services."""
    moderator = people[MODERATOR]
    for planned in plan.all_posts():
        post = rows[id(planned)]
        for report in planned.reports:
            review.report_post(reporter=people[report["reporter"]], post=post,
                               reason=report["reason"], note=report["note"])
    for planned in plan.all_posts():
        if planned.decision is None:
            continue
        post, decision = rows[id(planned)], planned.decision
        item_id = db.session.scalar(select(ReviewItem.id).where(
            ReviewItem.post_id == post.id, ReviewItem.state == "open"))
        if item_id is None:
            raise RuntimeError(f"The demo post by {planned.author} has no open review item "
                               "for the moderator's decision: check forum/data/demo/.")
        if decision["action"] == "remove":
            review.remove(actor=moderator, item_id=item_id, reason=decision["reason"])
        elif decision["action"] == "edit_approve":
            review.edit_and_approve(actor=moderator, item_id=item_id, body=decision["edited"],
                                    reason=decision["reason"])
        else:
            review.dismiss(actor=moderator, item_id=item_id, reason=decision["reason"])
    _date_moderation(plan, rows, now)


def _date_moderation(plan: Plan, rows: dict[int, Post], now: datetime) -> None:
    """Move the reports and decisions, made just now, to when the story says they happened."""
    with write_transaction():
        for planned in plan.all_posts():
            if not (planned.reports or planned.decision):
                continue
            post = rows[id(planned)]
            reported = post.created_at + timedelta(hours=3)
            decided = post.created_at + timedelta(hours=9)
            db.session.execute(update(Report).where(Report.post_id == post.id)
                               .values(created_at=reported))
            db.session.execute(update(ReviewItem).where(ReviewItem.post_id == post.id,
                                                        ReviewItem.source == "reports")
                               .values(created_at=reported))
            if planned.decision is None:
                continue
            db.session.execute(update(Report).where(Report.post_id == post.id,
                                                    Report.resolved_at.is_not(None))
                               .values(resolved_at=decided))
            db.session.execute(update(ReviewItem).where(ReviewItem.post_id == post.id,
                                                        ReviewItem.handled_at.is_not(None))
                               .values(handled_at=decided))
            db.session.execute(update(AuditEntry).where(AuditEntry.post_id == post.id)
                               .values(created_at=decided))
            db.session.execute(update(ModerationLabel).where(ModerationLabel.post_id == post.id)
                               .values(created_at=decided))
            db.session.execute(update(PostRevision).where(PostRevision.post_id == post.id)
                               .values(created_at=decided))
            db.session.execute(update(Post).where(Post.id == post.id, Post.edited_at.is_not(None))
                               .values(edited_at=decided))


# Removing it --------------------------------------------------------------------------------

def removed_answers_file() -> Path:
    """Return where answers by other members under demo threads are kept when those go."""
    return Path(current_app.instance_path) / REMOVED_ANSWERS_FILE


@dataclass(frozen=True)
class Removal:
    """What `remove_demo` deleted."""

    posts: int
    members: int
    kept_answers: int  # other members' answers under demo threads, saved to a file
    saved_to: Path | None


def remove_demo() -> Removal:
    """Delete the demo members and everything they did or that was done about them.

    Demo posts go with their votes, reports, review items, screening flags, revisions,
    moderators' labels and audit entries. Answers that other members wrote under demo threads
    cannot stay without their thread: they go too, but are first saved, with the thread's
    title, to instance/demo-removed-answers.jsonl (mode 0600) so nothing anyone wrote is lost.
    Other members' votes and reports on demo posts go with the posts; what demo members did
    to other members' posts (votes, reports, a demo moderator's decisions) is taken back or
    kept without their name, and helpful and answer counts are recounted.
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
            return Removal(posts=0, members=0, kept_answers=0, saved_to=None)
        saved = _save_other_members_answers(ids, member_ids)
        threads: set[int] = set()
        voted: set[int] = set()
        for part in chunks(ids):
            threads.update(db.session.scalars(select(Post.parent_id).where(
                Post.id.in_(part), Post.parent_id.is_not(None))))
        for part in chunks(member_ids):
            voted.update(db.session.scalars(select(Vote.post_id).where(
                Vote.member_id.in_(part))))
        reported: set[int] = set()
        for part in chunks(member_ids):
            reported.update(db.session.scalars(select(Report.post_id).where(
                Report.reporter_id.in_(part))))
        threads -= set(ids)
        voted -= set(ids)
        reported -= set(ids)
        for part in chunks(reported):  # a post hidden by reports may come back: recount
            threads.update(db.session.scalars(select(Post.parent_id).where(
                Post.id.in_(part), Post.parent_id.is_not(None))))
        for part in chunks(ids):
            db.session.execute(delete(Vote).where(Vote.post_id.in_(part)))
            db.session.execute(delete(Report).where(Report.post_id.in_(part)))
            db.session.execute(delete(AuditEntry).where(AuditEntry.post_id.in_(part)))
            db.session.execute(delete(ModerationLabel).where(ModerationLabel.post_id.in_(part)))
            db.session.execute(update(Post).where(Post.accepted_answer_id.in_(part))
                               .values(accepted_answer_id=None))
        for part in chunks(member_ids):
            db.session.execute(delete(Vote).where(Vote.member_id.in_(part)))
            db.session.execute(delete(Report).where(Report.reporter_id.in_(part)))
            db.session.execute(delete(AuditEntry).where(AuditEntry.member_id.in_(part)))
            # A demo moderator's decisions on other members' posts stay, without the name.
            db.session.execute(update(AuditEntry).where(AuditEntry.actor_id.in_(part))
                               .values(actor_id=None))
            db.session.execute(update(ReviewItem).where(ReviewItem.handled_by_id.in_(part))
                               .values(handled_by_id=None))
            db.session.execute(update(PostRevision).where(PostRevision.editor_id.in_(part))
                               .values(editor_id=None))
        for part in chunks(ids):
            db.session.execute(delete(Post).where(Post.id.in_(part), Post.parent_id.is_not(None)))
        for part in chunks(ids):
            db.session.execute(delete(Post).where(Post.id.in_(part)))
        for part in chunks(member_ids):
            db.session.execute(delete(Member).where(Member.id.in_(part)))
        _withdraw_reports(reported)
        for post_id in voted:
            count = select(func.count()).select_from(Vote).where(Vote.post_id == post_id)
            db.session.execute(update(Post).where(Post.id == post_id)
                               .values(helpful_count=count.scalar_subquery()))
        db.session.expire_all()
        for thread_id in threads:
            root = db.session.get(Post, thread_id)
            if root is not None:
                refresh_thread(root)
        indexing.queue([*ids, *voted, *threads, *reported])
    accounts_file().unlink(missing_ok=True)
    path = _write_private(removed_answers_file(), saved) if saved else None
    return Removal(posts=len(ids), members=len(member_ids), kept_answers=len(saved),
                   saved_to=path)


def _withdraw_reports(post_ids: set[int]) -> None:
    """Close what only demo members' reports opened on other members' posts (no commit)."""
    for post_id in post_ids:
        if db.session.scalar(select(Report.id).where(Report.post_id == post_id).limit(1)):
            continue  # someone else reported it too: it still waits for a moderator
        db.session.execute(delete(ReviewItem).where(ReviewItem.post_id == post_id,
                                                    ReviewItem.source == "reports",
                                                    ReviewItem.state == "open"))
        screening = select(ReviewItem.id).where(ReviewItem.post_id == post_id,
                                                ReviewItem.state == "open",
                                                ReviewItem.source == "screening")
        db.session.execute(update(Post).where(Post.id == post_id, Post.status == "held",
                                              ~screening.exists())
                           .values(status="published"))


def _save_other_members_answers(ids: list[int], member_ids: list[int]) -> list[str]:
    """Return, as JSON lines, the answers by other members among the posts about to go."""
    lines = []
    for part in chunks(ids):
        answers = db.session.scalars(select(Post).where(
            Post.id.in_(part), Post.parent_id.is_not(None), Post.is_demo.is_(False),
            Post.author_id.not_in(member_ids), Post.status != "deleted").order_by(Post.id))
        for answer in answers:
            thread = db.session.get(Post, answer.parent_id)
            lines.append(json.dumps({
                "id": answer.id, "author": answer.author.username,
                "thread_title": thread.title if thread is not None else None,
                "body": answer.body, "status": answer.status,
                "created_at": answer.created_at.isoformat()}, ensure_ascii=False))
    return lines
