"""What every route answers to every role: the table test_access_control.py walks.

A new route needs rows here, or the walk fails and names the rows to add.

Roles: anon (logged out), author, other (another member), susp (a suspended member),
mod (moderator), admin.
Targets, for routes that take a post: `own`, `held` and `deleted` are posts by the author
(held: set directly, as moderation would); `others` is a published post by the other member.
Routes with <thread_id> get a question; routes with <post_id> get an answer, on a question the
author asked (so the author may accept it). Every case gets freshly made posts.

Answers: a status code; L = sent to the login page; a trailing "-" (303-) marks a polite
refusal that redirects with a message: like every 4xx and L, it must change nothing.
"""

from __future__ import annotations

ROLES = ("anon", "author", "other", "susp", "mod", "admin")
TARGETS = ("own", "held", "deleted", "others")

EXPECTED = """
# endpoint                   method target  anon author other susp  mod   admin
main.home                    GET    -       200  200    200   200   200   200
main.threads                 GET    -       200  200    200   200   200   200
main.tags                    GET    -       200  200    200   200   200   200
main.tag                     GET    -       200  200    200   200   200   200
members.profile              GET    -       200  200    200   200   200   200
members.edit_profile         GET    -       L    200    200   200   200   200
# A suspended member cannot change their profile; logged-in members cannot register again.
members.edit_profile         POST   -       L    303    303   403   303   303
auth.login                   GET    -       200  200    200   200   200   200
# Blank credentials: refused, whoever asks.
auth.login                   POST   -       401  401    401   401   401   401
auth.register                GET    -       200  302    302   302   302   302
auth.register                POST   -       303  303-   303-  303-  303-  303-
auth.logout                  POST   -       L    303    303   303   303   303
# Asking for a new password: the same answer for everyone, whatever was typed.
auth.forgot_password         GET    -       200  200    200   200   200   200
auth.forgot_password         POST   -       303  303    303   303   303   303
auth.check_email             GET    -       200  200    200   200   200   200
# The walk has no mailed link, so these answer 410 (gone); tests/test_accounts.py follows
# real ones.
auth.reset_password          GET    -       410  410    410   410   410   410
auth.reset_password          POST   -       410  410    410   410   410   410
auth.confirm_email           GET    -       410  410    410   410   410   410
auth.confirm_email           POST   -       410  410    410   410   410   410
# The member's own account (issue 15): every member may reach it, suspended or not (their
# data is theirs). The walk changes the email but gives a wrong current password to the
# password and delete forms (422: refused, nothing changes); tests/forum/test_account_data.py
# changes passwords and deletes accounts for real.
account.home                 GET    -       L    200    200   200   200   200
account.change_email         GET    -       L    200    200   200   200   200
account.change_email         POST   -       L    303    303   303   303   303
account.change_password      GET    -       L    200    200   200   200   200
account.change_password      POST   -       L    422    422   422   422   422
account.data                 GET    -       L    200    200   200   200   200
account.data_json            GET    -       L    200    200   200   200   200
account.delete               GET    -       L    200    200   200   200   200
account.delete               POST   -       L    422    422   422   422   422
# No mailed link in the walk: gone (410), as for auth.confirm_email.
account.confirm_email_change GET    -       410  410    410   410   410   410
account.confirm_email_change POST   -       410  410    410   410   410   410
pages.privacy                GET    -       200  200    200   200   200   200
pages.terms                  GET    -       200  200    200   200   200   200
posts.ask                    GET    -       L    200    200   403   200   200
posts.ask                    POST   -       L    303    303   403   303   303
posts.share                  GET    -       L    200    200   403   200   200
posts.share                  POST   -       L    303    303   403   303   303
api.tags                     GET    -       200  200    200   200   200   200
api.suggest                  GET    -       200  200    200   200   200   200
api.similar_threads          GET    -       200  200    200   200   200   200
search.page                  GET    -       200  200    200   200   200   200
search.api                   GET    -       200  200    200   200   200   200
# The reverse proxy's health check: no login, no secrets.
health.healthz               GET    -       200  200    200   200   200   200
insights.treatments          GET    -       200  200    200   200   200   200
insights.treatment           GET    -       200  200    200   200   200   200
insights.symptom             GET    -       200  200    200   200   200   200
insights.compare             GET    -       200  200    200   200   200   200
insights.treatment_summary_json GET -       200  200    200   200   200   200
insights.symptom_summary_json GET   -       200  200    200   200   200   200

# Threads (a question as the target). A deleted thread shows its stub to everyone.
posts.thread                 GET    own     200  200    200   200   200   200
posts.thread                 GET    held    404  200    404   404   200   200
posts.thread                 GET    deleted 200  200    200   200   200   200
posts.thread                 GET    others  200  200    200   200   200   200
api.thread                   GET    own     200  200    200   200   200   200
api.thread                   GET    held    404  200    404   404   200   200
api.thread                   GET    deleted 200  200    200   200   200   200
api.thread                   GET    others  200  200    200   200   200   200
# Answering a held thread is refused; a deleted thread still takes answers (its stub stays).
posts.answer                 POST   own     L    303    303   403   303   303
posts.answer                 POST   held    L    404    404   403   404   404
posts.answer                 POST   deleted L    404    404   403   404   404
posts.answer                 POST   others  L    303    303   403   303   303

# Posts (an answer as the target).
# /posts/<id> only redirects to the thread, which then decides what to show.
posts.show                   GET    own     302  302    302   302   302   302
posts.show                   GET    held    404  302    404   404   302   302
posts.show                   GET    deleted 302  302    302   302   302   302
posts.show                   GET    others  302  302    302   302   302   302
posts.history                GET    own     200  200    200   200   200   200
posts.history                GET    held    404  200    404   404   200   200
posts.history                GET    deleted 404  404    404   404   404   404
posts.history                GET    others  200  200    200   200   200   200
posts.edit                   GET    own     L    200    403   403   200   200
posts.edit                   GET    held    L    200    404   404   200   200
posts.edit                   GET    deleted L    404    404   404   404   404
posts.edit                   GET    others  L    403    200   403   200   200
posts.edit                   POST   own     L    303    403   403   303   303
posts.edit                   POST   held    L    303    404   404   303   303
posts.edit                   POST   deleted L    404    404   404   404   404
posts.edit                   POST   others  L    403    303   403   303   303
posts.delete                 GET    own     L    200    403   403   200   200
posts.delete                 GET    held    L    200    404   404   200   200
posts.delete                 GET    deleted L    404    404   404   404   404
posts.delete                 GET    others  L    403    200   403   200   200
posts.delete                 POST   own     L    303    403   403   303   303
posts.delete                 POST   held    L    303    404   404   303   303
posts.delete                 POST   deleted L    404    404   404   404   404
posts.delete                 POST   others  L    403    303   403   303   303
# Nobody marks their own post; a suspended member still can (see report).
posts.helpful                POST   own     L    403    303   403   303   303
posts.helpful                POST   held    L    404    404   403   404   404
posts.helpful                POST   deleted L    404    404   403   404   404
posts.helpful                POST   others  L    303    403   403   303   303
# Only the asker (the author) accepts; held and deleted answers are refused with a message.
posts.accept                 POST   own     L    303    403   403   403   403
posts.accept                 POST   held    L    303-   403   403   403   403
posts.accept                 POST   deleted L    303-   403   403   403   403
posts.accept                 POST   others  L    303    403   403   403   403

# Moderation (forum/views/moderation.py). Reporting: published posts of others, once each.
moderation.report            GET    own     L    403    200   403   200   200
moderation.report            GET    held    L    404    404   404   404   404
moderation.report            GET    deleted L    404    404   404   404   404
moderation.report            GET    others  L    200    403   403   200   200
moderation.report            POST   own     L    403    303   403   303   303
moderation.report            POST   held    L    404    404   404   404   404
moderation.report            POST   deleted L    404    404   404   404   404
moderation.report            POST   others  L    303    403   403   303   303
moderation.queue             GET    -       L    403    403   403   200   200
moderation.audit             GET    -       L    403    403   403   200   200
# Queue actions name an item that does not exist: moderators are sent back to the queue
# with a message and nothing changes (tests/test_moderation_queue.py covers real items).
moderation.approve           POST   -       L    403    403   403   303-  303-
moderation.remove            POST   -       L    403    403   403   303-  303-
moderation.dismiss           POST   -       L    403    403   403   303-  303-
moderation.suspend           POST   -       L    403    403   403   303-  303-
moderation.edit              GET    -       L    403    403   403   404   404
moderation.edit              POST   -       L    403    403   403   303-  303-
# The reading list (forum/views/admin.py): admins only.
admin.article_list           GET    -       L    403    403   403   403   200
admin.article_list           POST   -       L    403    403   403   403   303
admin.article_edit           GET    -       L    403    403   403   403   404
admin.article_edit           POST   -       L    403    403   403   403   303-
admin.article_retire         POST   -       L    403    403   403   403   303-
"""

# Values for the URL's other parts, by endpoint then argument name (default: DEFAULT_VALUES).
DEFAULT_VALUES = {"slug": "baclofen"}
URL_VALUES = {
    **{f"moderation.{name}": {"item_id": 999999}
       for name in ("approve", "remove", "dismiss", "suspend", "edit")},
    "admin.article_edit": {"article_id": 999999},
    "admin.article_retire": {"article_id": 999999},
    "insights.symptom": {"slug": "spasms"},
    "insights.symptom_summary_json": {"slug": "spasms"},
}
QUERY = {"api.suggest": "?text=baclofen+at+night", "search.page": "?q=baclofen",
         "search.api": "?q=baclofen", "insights.compare": "?t=baclofen&t=tizanidine",
         "api.similar_threads": "?title=baclofen+at+night"}

# Form data that makes an allowed request succeed; {n} is a number unique to the case.
FORMS = {
    "members.edit_profile": {"bio": "I use a cane on bad days.", "treatments": "baclofen"},
    "auth.login": {"username": "", "password": ""},
    "auth.register": {"username": "newcomer{n}", "email": "newcomer{n}@example.org",
                      "password": "a long enough password", "consent": "y"},
    "auth.logout": {},
    "account.change_email": {"email": "moved{n}@example.org",
                             "current_password": "correct horse battery"},
    "account.change_password": {"current_password": "not my password",
                                "password": "a new long password"},
    "account.confirm_email_change": {"token": "not-a-mailed-link-{n}"},
    "account.delete": {"posts": "keep", "password": "not my password"},
    "auth.forgot_password": {"identifier": "nobody{n}"},
    "auth.reset_password": {"token": "not-a-mailed-link-{n}", "password": "a new long password"},
    "auth.confirm_email": {"token": "not-a-mailed-link-{n}"},
    "posts.ask": {"title": "Does tizanidine make anyone groggy?", "body": "Asking for me.",
                  "tags": "tizanidine", "action": "post"},
    "posts.share": {"title": "Stretching helped my mornings", "body": "Every day, slowly.",
                    "treatment": "stretching", "effectiveness": "4", "tags": "stiffness",
                    "action": "post"},
    "posts.answer": {"body": "Warm showers help me."},
    "posts.edit": {"body": "Edited: stretching before bed helps me."},
    "posts.delete": {},
    "posts.helpful": {},
    "posts.accept": {},
    "moderation.report": {"reason": "spam", "note": ""},
    "moderation.remove": {"reason": "Unsafe dosing advice"},
    "moderation.suspend": {"days": "7", "reason": "Selling medicine"},
    "moderation.edit": {"body": "Edited by a moderator.", "title": "A question, edited",
                        "tags": "baclofen"},
    "admin.article_list": {"title": "Spasticity basics", "publisher": "MS Trust",
                           "url": "https://example.org/article-{n}", "topics": "spasticity",
                           "reviewed_by": "", "reviewed_on": ""},
    "admin.article_edit": {"title": "Spasticity basics", "publisher": "MS Trust",
                           "url": "https://example.org/edited-{n}", "topics": "spasticity"},
    "admin.article_retire": {"retired": "1"},
}


def parse(table: str = EXPECTED) -> dict[tuple[str, str, str], dict[str, str]]:
    """Return {(endpoint, method, target): {role: answer}} from the table text."""
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        endpoint, method, target, *answers = line.split()
        if len(answers) != len(ROLES):
            raise ValueError(f"{line!r}: give one answer for each of {', '.join(ROLES)}")
        key = (endpoint, method, target)
        if key in rows:
            raise ValueError(f"{line!r}: this row appears twice")
        rows[key] = dict(zip(ROLES, answers, strict=True))
    return rows
