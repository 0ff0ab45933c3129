"""The reading list and the moderation commands: import, admin page, rescreen, eval."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from forum.extensions import db
from forum.models import Article, AuditEntry, Post, ReviewItem
from forum.services import posts, review
from forum.services.transfer import import_rows, read_rows
from tests.factories import login, make_member, make_question, post_form

SHARED = Path(__file__).resolve().parents[3] / "shared"
ARTICLES = Path(__file__).resolve().parents[2] / "forum" / "data" / "articles.json"
DEV_SET = SHARED / "moderation" / "dev-set.jsonl"
UNSAFE_BODY = "You should just take 150 mg of baclofen a day, the label is overcautious."


def test_importing_articles_twice_adds_them_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["articles", "import", str(ARTICLES)])
    assert first.exit_code == 0, first.output
    count = len(json.loads(ARTICLES.read_text()))
    assert f"Added {count} articles; 0 were already here." in first.output
    second = runner.invoke(args=["articles", "import", str(ARTICLES)])
    assert f"Added 0 articles; {count} were already here." in second.output
    assert db.session.scalar(select(func.count()).select_from(Article)) == count


def test_a_broken_article_file_imports_nothing_and_says_which_entry(app, tmp_path):
    broken = tmp_path / "articles.json"
    broken.write_text(json.dumps([
        {"title": "Fine", "publisher": "P", "url": "https://example.org/a", "topics": ["spasms"]},
        {"title": "No address", "publisher": "P", "url": "", "topics": ["spasms"]},
    ]))
    result = app.test_cli_runner().invoke(args=["articles", "import", str(broken)])
    assert result.exit_code != 0
    assert "Article 2" in result.output and "Nothing was imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


@pytest.fixture
def admin(app):
    make_member("boss", role="admin")
    client = app.test_client()
    login(client, "boss")
    return client


ARTICLE_FORM = {"title": "Baclofen and you", "publisher": "MS Trust",
                "url": "https://example.org/baclofen", "reviewed_by": "",
                "reviewed_on": "", "topics": "baclofen, spasms"}


def test_admins_add_edit_and_retire_articles_and_moderators_cannot(app, admin):
    make_member("mod", role="moderator")
    moderator = app.test_client()
    login(moderator, "mod")
    assert moderator.get("/admin/articles").status_code == 403
    response = post_form(admin, "/admin/articles", ARTICLE_FORM, token_from="/admin/articles")
    assert response.status_code == 303
    article = db.session.scalar(select(Article))
    assert (article.topics, article.reviewed_by, article.reviewed_on) == ("baclofen spasms",
                                                                          None, None)
    bad = post_form(admin, "/admin/articles", {**ARTICLE_FORM, "topics": "not-a-tag"},
                    token_from="/admin/articles")
    assert bad.status_code == 422 and "Unknown topic: not-a-tag" in bad.get_data(as_text=True)
    edit_url = f"/admin/articles/{article.id}/edit"
    post_form(admin, edit_url, {**ARTICLE_FORM, "reviewed_by": "Dr B. Checked",
                                "reviewed_on": "2025-03-01"}, token_from=edit_url)
    db.session.expire_all()
    article = db.session.get(Article, article.id)
    assert (article.reviewed_by, article.reviewed_on) == ("Dr B. Checked", date(2025, 3, 1))
    question = make_question(make_member(), tags="baclofen")
    assert "Baclofen and you" in app.test_client().get(f"/threads/{question.id}") \
        .get_data(as_text=True)
    post_form(admin, f"/admin/articles/{article.id}/retire", {"retired": "1"},
              token_from="/admin/articles")
    db.session.expire_all()
    assert db.session.get(Article, article.id).retired
    assert "Baclofen and you" not in app.test_client().get(f"/threads/{question.id}") \
        .get_data(as_text=True)
    assert list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))) == [
        "article_add", "article_edit", "article_retire"]


def test_the_admin_page_marks_old_or_undated_reviews_for_a_recheck(app, admin):
    today = date.today()
    for title, reviewed_on in (("Fresh", today - timedelta(days=100)),
                               ("Stale", today - timedelta(days=4 * 365)),
                               ("Undated", None)):
        db.session.add(Article(title=title, publisher="P", url=f"https://example.org/{title}",
                               reviewed_by="Dr R", reviewed_on=reviewed_on, topics="spasms"))
    db.session.commit()
    page = admin.get("/admin/articles").get_data(as_text=True)
    rows = {title: page.split(f">{title}</a>")[1].split("</tr>")[0]
            for title in ("Fresh", "Stale", "Undated")}
    assert "Re-check" not in rows["Fresh"]
    assert "Re-check" in rows["Stale"] and "Re-check" in rows["Undated"]
    assert "date unknown" in rows["Undated"]


def test_rescreen_holds_newly_unsafe_posts_but_never_releases_a_removed_one(app, monkeypatch):
    author = make_member("author")
    mod = make_member("mod", role="moderator")
    clean = make_question(author, title="Quiet question about baclofen",
                          body="I take baclofen every day.")
    removed = posts.create_thread(author=author, kind="question", title="Unsafe and removed",
                                  body=UNSAFE_BODY, tags="baclofen")
    review.remove(actor=mod, item_id=db.session.scalar(
        select(ReviewItem.id).where(ReviewItem.post_id == removed.id)), reason="Unsafe")
    by_screening = posts.create_thread(author=author, kind="question",
                                       title="Held by the screening", body=UNSAFE_BODY,
                                       tags="baclofen")
    by_hand = make_question(author, title="Held by a moderator by hand")
    by_hand.status = "held"
    db.session.commit()

    import moderation

    real_screen = moderation.screen

    def new_knowledge(text: str, **options):  # as if the knowledge file called all unsafe
        if "every day" in text:
            return moderation.Screening(moderation.HOLD, real_screen(UNSAFE_BODY).findings,
                                        ("baclofen",))
        return moderation.Screening(moderation.PUBLISH, (), ())

    ids = {"clean": clean.id, "removed": removed.id, "by_screening": by_screening.id,
           "by_hand": by_hand.id}
    monkeypatch.setattr(moderation, "screen", new_knowledge)
    result = app.test_cli_runner().invoke(args=["moderation", "rescreen"])
    assert result.exit_code == 0, result.output
    assert "1 newly held for review, 1 released" in result.output
    db.session.expire_all()
    status = {name: db.session.get(Post, post_id).status for name, post_id in ids.items()}
    assert status == {"clean": "held", "removed": "removed", "by_screening": "published",
                      "by_hand": "held"}
    assert "screening" in set(db.session.scalars(select(ReviewItem.source).where(
        ReviewItem.post_id == ids["clean"], ReviewItem.state == "open")))
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["remove", "rescreen_hold", "rescreen_release"]


def test_imported_unsafe_posts_are_held_like_new_ones(app):
    lines = [json.dumps({"source_id": "old-1", "kind": "question", "author": "importer",
                         "title": "Is this too much?", "body": UNSAFE_BODY,
                         "tags": ["baclofen"]}),
             json.dumps({"source_id": "old-2", "kind": "question", "author": "importer",
                         "title": "Stretching every morning", "body": "It helps my legs.",
                         "tags": ["stretching"]})]
    import_rows(read_rows(lines))
    held = db.session.scalar(select(Post).where(Post.source_id == "old-1"))
    fine = db.session.scalar(select(Post).where(Post.source_id == "old-2"))
    assert (held.status, fine.status) == ("held", "published")
    assert db.session.scalar(select(ReviewItem.source).where(ReviewItem.post_id == held.id)) \
        == "screening"


def test_screen_prints_the_findings(app):
    result = app.test_cli_runner().invoke(args=["moderation", "screen", UNSAFE_BODY])
    assert result.exit_code == 0
    assert "verdict: hold" in result.output and 'evidence: "150 mg"' in result.output


@pytest.fixture
def unreachable_app(tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": "test",
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
                       "INSTANCE_PATH": str(tmp_path / "instance"), "AUTO_SETUP": False,
                       "SCHEMA_CHECK": False})


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"the shared dev set is not at {DEV_SET}")
def test_eval_on_the_dev_set_reaches_090_without_a_database(unreachable_app):
    runner = unreachable_app.test_cli_runner()
    text = runner.invoke(args=["moderation", "eval", str(DEV_SET)])
    assert text.exit_code == 0, text.output
    figures = text.output.split("precision ")[1].split()
    precision, recall = float(figures[0]), float(figures[2])
    assert precision >= 0.90 and recall >= 0.90
    as_json = runner.invoke(args=["moderation", "eval", str(DEV_SET), "--json"])
    data = json.loads(as_json.output)
    assert {"precision", "recall", "f1", "per_category", "wrong"} <= data.keys()
    assert data["precision"] >= 0.90 and data["recall"] >= 0.90


def test_eval_refuses_a_malformed_file_naming_the_line(unreachable_app, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "t", "label": "unsafe", "category": "c"}\nnot json\n')
    result = unreachable_app.test_cli_runner().invoke(args=["moderation", "eval", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output
