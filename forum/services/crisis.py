"""Help in a crisis: the crisis screen run on posts as they are written.

A post whose author may be in crisis is published as usual (never held for it); a
"member may be in crisis" item goes to the front of the review queue, and the author is shown
where to find help at once (the view does that, from the screen's answer).
"""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, ReviewItem
from moderation.crisis import CrisisScreen, screen_crisis

CRISIS_SOURCE = "crisis"
# Above every other severity (3 is high): the queue sorts by severity first.
CRISIS_SEVERITY = 4


def screen(*texts: str | None) -> CrisisScreen:
    """Screen a post's title and text (pure and fast: run it before the transaction)."""
    return screen_crisis("\n\n".join(text for text in texts if text))


def record(post: Post, result: CrisisScreen) -> bool:
    """Queue a crisis item for a post whose author may be in crisis (no commit); tell if so."""
    if not result.in_crisis:
        return False
    open_item = db.session.scalar(select(ReviewItem.id).where(
        ReviewItem.post_id == post.id, ReviewItem.source == CRISIS_SOURCE,
        ReviewItem.state == "open"))
    if open_item is None:
        db.session.add(ReviewItem(post_id=post.id, source=CRISIS_SOURCE,
                                  severity=CRISIS_SEVERITY))
    return True


def flagged(post: Post) -> bool:
    """Tell whether the crisis screen queued this post (its author is shown help)."""
    return db.session.scalar(select(ReviewItem.id).where(
        ReviewItem.post_id == post.id, ReviewItem.source == CRISIS_SOURCE).limit(1)) is not None
