"""Help in a crisis: the crisis screen run on posts as they are written and edited.

A post whose author may be in crisis is published as usual (never held for it); a
"member may be in crisis" item goes to the front of the review queue, and the author is shown
where to find help at once (the view does that, from `help_for`). A post saying someone else
may be at risk queues nothing; its author is shown where to find help for them.
"""

from __future__ import annotations

from typing import Literal
from weakref import WeakKeyDictionary

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, ReviewItem
from moderation.crisis import CrisisScreen, screen_crisis

CRISIS_SOURCE = "crisis"
# Above every other severity (3 is high): the queue sorts by severity first.
CRISIS_SEVERITY = 4

Help = Literal["self", "someone-else"]
SELF: Help = "self"
SOMEONE_ELSE: Help = "someone-else"

# The help each post just written calls for, kept with the post object (weakly: it goes when
# the request's post does) so the view need not run the screen a second time.
_help: WeakKeyDictionary[Post, Help] = WeakKeyDictionary()


def screen(*texts: str | None) -> CrisisScreen:
    """Screen a post's title and text (pure and fast: run it before the transaction)."""
    return screen_crisis("\n\n".join(text for text in texts if text))


def record(post: Post, result: CrisisScreen) -> bool:
    """Queue a crisis item for a post whose author may be in crisis (no commit); tell if so.

    An open crisis item for the post is not queued twice (an edit of a flagged post).
    """
    if result.in_crisis:
        _help[post] = SELF
    elif result.about_someone_else:
        _help[post] = SOMEONE_ELSE
    else:
        _help.pop(post, None)
    if not result.in_crisis:
        return False
    open_item = db.session.scalar(select(ReviewItem.id).where(
        ReviewItem.post_id == post.id, ReviewItem.source == CRISIS_SOURCE,
        ReviewItem.state == "open"))
    if open_item is None:
        db.session.add(ReviewItem(post_id=post.id, source=CRISIS_SOURCE,
                                  severity=CRISIS_SEVERITY))
    return True


def help_for(post: Post) -> Help | None:
    """Tell which help the author of a post just written or edited should see, if any."""
    return _help.get(post)


def why(post: Post) -> str:
    """Say in plain words why the crisis screen raised a post (read again from its text).

    Honest about which reader fired: a rule names the words it found; the learned reader
    only says how sure it was, since it names no rule.
    """
    result = screen(post.title, post.body)
    if result.rules_fire:
        families = ", ".join(f.replace("_", "-") for f in result.families) or "crisis"
        return f"The rules found words of {families}."
    if result.in_crisis and result.risk is not None:
        return (f"No rule matched; the learned reader scored it {result.risk:.2f} (it raises "
                f"posts from {result.threshold:.2f}). It looked like someone who may be "
                f"struggling: read it with care.")
    return ("The screen no longer fires on this text (it was edited, or the screen changed); "
            "read it to be sure.")
