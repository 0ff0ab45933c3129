"""Three outcomes of screening through the site, moderators' decisions kept, and the export."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ModerationLabel, Post, ReviewItem
from tests.factories import login, make_member, post_form

# Our own sentences: one the rules hold, one only a model could worry about, one harmless.
RULED = "You should just take 150 mg of baclofen a day, the label is overcautious."
UNSURE = "Has anyone tried taking their tizanidine a bit differently from the plan?"
HARMLESS = "Stretching after a warm shower loosens my calves for the evening."


def ask(client, title: str, body: str):
    return post_form(client, "/ask", {"title": title, "body": body, "tags": "baclofen",
                                      "action": "post"}, token_from="/ask")


def post_titled(title: str) -> Post:
    return db.session.scalar(select(Post).where(Post.title == title))


def open_sources(post: Post) -> set[str]:
    return set(db.session.scalars(select(ReviewItem.source).where(
        ReviewItem.post_id == post.id, ReviewItem.state == "open")))


@pytest.fixture
def writer(app, client):
    make_member("writer_qx")
    make_member("mod_zv", role="moderator")
    login(client, "writer_qx")
    return client


def test_an_uncertain_post_is_published_and_queued_to_check_soon(app, writer):
    app.config.update(MODERATION_CHECK_AT=0.0)  # every post counts as uncertain here
    response = ask(writer, "Trying a new routine", UNSURE)
    assert response.status_code == 303
    post = post_titled("Trying a new routine")
    assert post.status == "published"
    assert open_sources(post) == {"check"}
    page = writer.get(response.headers["Location"]).get_data(as_text=True)
    assert "waiting for a moderator" not in page  # the author sees nothing different
    assert app.test_client().get(f"/threads/{post.id}").status_code == 200  # nor does anyone

    mod = app.test_client()
    login(mod, "mod_zv")
    queue = mod.get("/moderation").get_data(as_text=True)
    assert "Published, check soon" in queue
    assert "this looked like advice to change a dose" in queue.lower()
    assert "no rule matched" in queue


def test_a_low_risk_post_is_published_without_a_queue_item(app, writer):
    app.config.update(MODERATION_CHECK_AT=1.0)
    ask(writer, "Warm showers", HARMLESS)
    post = post_titled("Warm showers")
    assert post.status == "published" and open_sources(post) == set()
    assert post.screened_model  # the model's version is kept with the screening


def test_a_post_the_rules_hold_is_held_with_its_reason(app, writer):
    response = ask(writer, "Is this too much?", RULED)
    post = post_titled("Is this too much?")
    assert post.status == "held" and "screening" in open_sources(post)
    page = writer.get(response.headers["Location"]).get_data(as_text=True)
    assert "the usual maximum is 80-100 mg a day" in page


def test_a_post_held_by_the_model_alone_says_so_and_names_no_rule(app, writer):
    app.config.update(MODERATION_HOLD_AT=0.0)  # the model holds everything it scores
    response = ask(writer, "Trying a new routine", UNSURE)
    post = post_titled("Trying a new routine")
    assert post.status == "held"
    page = writer.get(response.headers["Location"]).get_data(as_text=True)
    assert "this looked like advice to change a dose" in page.lower()
    assert "maximum" not in page


def test_moderator_decisions_are_kept_as_labels_and_exported_without_names(app, writer, tmp_path):
    app.config.update(MODERATION_CHECK_AT=0.0)
    ask(writer, "Trying a new routine", UNSURE)
    ask(writer, "Is this too much?", RULED)
    queued, held = post_titled("Trying a new routine"), post_titled("Is this too much?")
    mod = app.test_client()
    login(mod, "mod_zv")

    def item_of(post: Post) -> ReviewItem:
        return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id,
                                                          ReviewItem.state == "open"))

    approved = post_form(mod, f"/moderation/items/{item_of(queued).id}/approve",
                         {"reason": "Asking, not advising"}, token_from="/moderation")
    removed = post_form(mod, f"/moderation/items/{item_of(held).id}/remove",
                        {"reason": "Dose far over the maximum"}, token_from="/moderation")
    assert approved.status_code in (302, 303) and removed.status_code in (302, 303)
    labels = {row.decision: row for row in db.session.scalars(select(ModerationLabel))}
    assert labels["approved"].label == "safe" and UNSURE in labels["approved"].text
    assert labels["removed"].label == "unsafe" and labels["removed"].category == \
        "over_max_dose_advice"
    assert labels["removed"].why == "Dose far over the maximum"

    out = tmp_path / "labels.jsonl"
    result = app.test_cli_runner().invoke(args=["moderation", "export-labels", str(out)])
    assert result.exit_code == 0 and "Wrote 2 labelled posts" in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["label"] for line in lines] == ["safe", "unsafe"]
    assert {"text", "label", "category", "drug", "why"} <= set(lines[0])
    exported = out.read_text(encoding="utf-8")
    assert "writer_qx" not in exported and "mod_zv" not in exported and "@" not in exported


def test_an_exported_file_is_read_back_by_eval_and_train(app, writer, tmp_path):
    ask(writer, "Is this too much?", RULED)
    mod = app.test_client()
    login(mod, "mod_zv")
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.state == "open"))
    post_form(mod, f"/moderation/items/{item.id}/remove", {"reason": "Over the maximum"},
              token_from="/moderation")
    out = tmp_path / "labels.jsonl"
    runner = app.test_cli_runner()
    runner.invoke(args=["moderation", "export-labels", str(out)])
    result = runner.invoke(args=["moderation", "eval", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recall"] == 1.0
    model = tmp_path / "model.json"
    trained = runner.invoke(args=["moderation", "train", str(out), "--out", str(model)])
    assert trained.exit_code == 0 and model.exists()
    held_out = runner.invoke(args=["moderation", "eval", str(out), "--model", str(model),
                                   "--json"])
    assert held_out.exit_code == 0 and "held_or_queued" in json.loads(held_out.output)
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    refused = runner.invoke(args=["moderation", "eval", str(out), "--model", str(bad)])
    assert refused.exit_code != 0 and "not a risk model" in refused.output


def test_train_learns_from_extra_benign_posts_and_names_them(app, tmp_path):
    labelled = tmp_path / "l.jsonl"
    labelled.write_text("".join(
        json.dumps({"id": f"x{i}", "text": text, "label": label, "category": "c"}) + "\n"
        for i, (text, label) in enumerate([(RULED, "unsafe"), (HARMLESS, "safe")])),
        encoding="utf-8")
    benign = tmp_path / "benign.jsonl"
    benign.write_text(json.dumps({"title": "Garden bench", "body": "Sat out with my tea."})
                      + "\n", encoding="utf-8")
    runner = app.test_cli_runner()
    trained = runner.invoke(args=["moderation", "train", str(labelled), "--out",
                                  str(tmp_path / "m.json"), "--extra-safe", str(benign)])
    assert trained.exit_code == 0, trained.output
    assert "-n2+s1-" in trained.output
    benign.write_text("{not json\n", encoding="utf-8")
    refused = runner.invoke(args=["moderation", "train", str(labelled), "--out",
                                  str(tmp_path / "m.json"), "--extra-safe", str(benign)])
    assert refused.exit_code != 0 and "line 1" in refused.output


def test_eval_of_several_files_reports_each_in_order_and_held_or_queued(app, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps({"id": "a1", "text": RULED, "label": "unsafe",
                                 "category": "over_max_dose"}) + "\n", encoding="utf-8")
    second.write_text(json.dumps({"id": "b1", "text": HARMLESS, "label": "safe",
                                  "category": "safe_unrelated"}) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["moderation", "eval", str(first), str(second), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["precision"], data["recall"], data["f1"]) == (1.0, 1.0, 1.0)
    assert set(data["held_or_queued"]) == {"precision", "recall", "f1"}
    assert [f["file"] for f in data["files"]] == [str(first), str(second)]
    assert data["files"][0]["recall"] == 1.0 and data["files"][1]["precision"] == 0.0
    text = app.test_cli_runner().invoke(args=["moderation", "eval", str(first), str(second)])
    assert "held or queued: precision" in text.output and str(second) in text.output
