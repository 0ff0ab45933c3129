"""Treatment insights: the treatment, symptom and compare pages and their JSON, by hand count."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from forum.extensions import db
from forum.services import posts
from tests.factories import make_experience, make_member, make_question

DISCLAIMER = "These are members’ own experiences, not medical advice."

ARTICLES_FILE = Path(__file__).resolve().parents[2] / "forum" / "data" / "articles.json"


def report(author, treatment: str = "baclofen", rating: int = 4, *, months: int | None = 6,
           still: bool | None = True, side_effects: str = "", tags: str = "spasms"):
    """Share an experience report with every structured field chosen by the test."""
    return posts.create_thread(
        author=author, kind="experience", title=f"How {treatment} went for me", tags=tags,
        body="What happened, in my words.",
        experience=posts.ExperienceInput(treatment=treatment, effectiveness=rating,
                                         side_effects=side_effects, duration_months=months,
                                         still_using=still))


def members_rating(treatment: str, *ratings: int, tags: str = "spasms") -> list:
    """Have one new member per rating report on a treatment."""
    return [report(make_member(), treatment, rating, tags=tags) for rating in ratings]


class Page(HTMLParser):
    """What a reader of the page gets: its tables (caption and cell texts) and links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.svg_links: list[str] = []
        self.svgs: list[dict] = []
        self._in: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in.append(tag)
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "sorted": None, "links": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.tables:
            self._cell = []
            if "aria-sort" in attrs:
                self.tables[-1]["sorted"] = attrs["aria-sort"]
        elif tag == "svg":
            self.svgs.append({"role": attrs.get("role"), "title": ""})
        elif tag == "a" and "svg" in self._in:
            self.svg_links.append(attrs["href"])
        elif tag == "a" and "table" in self._in:
            self.tables[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag):]
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("th", "td") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in and self._in[-1] == "title" and "svg" in self._in:
            self.svgs[-1]["title"] += data

    def table(self, caption_part: str) -> dict:
        found = [t for t in self.tables if caption_part in t["caption"]]
        assert len(found) == 1, [t["caption"] for t in self.tables]
        return found[0]

    def figures(self, caption_part: str) -> dict[str, str]:
        """Return a two-column table as {row heading: value}."""
        return {row[0]: row[1] for row in self.table(caption_part)["rows"][1:]}


def get_page(client, path: str) -> tuple[str, Page]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    return html, Page(html)


@pytest.fixture
def baclofen_reports():
    """Six members' reports on baclofen (one member reported twice) and one elsewhere."""
    m1, m2, m3, m4, m5, m6 = (make_member() for _ in range(6))
    report(m1, rating=2, months=3, still=False, side_effects="drowsiness, weakness")
    report(m2, rating=4, months=6, still=True, side_effects="drowsiness",
           tags="spasms, night-spasms")
    report(m3, rating=4, months=12, still=True, tags="stiffness")
    report(m4, rating=5, months=24, still=None, side_effects="nausea")
    report(m5, rating=1, months=None, still=False, side_effects="drowsiness",
           tags="night-spasms")
    report(m6, rating=5, months=1, still=True, side_effects="dizziness", tags="clonus")
    report(m6, rating=3, months=9, still=True, side_effects="weakness")  # m6's latest
    report(m1, "tizanidine", rating=1, side_effects="dry mouth", tags="clonus")
    make_question(m1, title="Does baclofen make anyone else dizzy?")


def test_treatment_summary_matches_a_hand_count_of_members_latest_reports(
        client, baclofen_reports):
    data = client.get("/api/v1/treatments/baclofen/summary").get_json()
    assert data == {
        "treatment": "baclofen",
        "members": 6,  # seven reports, six members: m6's first report is replaced by the latest
        "enough_data": True,
        "effectiveness": {"1": 1, "2": 1, "3": 1, "4": 2, "5": 1},
        "average": 3.17,  # (1 + 2 + 3 + 4 + 4 + 5) / 6
        "still_using_share": 0.6,  # 3 yes of the 5 who said
        "median_duration_months": 9,  # 3, 6, 9, 12, 24; one member did not say
        "side_effects": [{"name": "drowsiness", "count": 3}, {"name": "weakness", "count": 2},
                         {"name": "nausea", "count": 1}],
        "symptoms": [{"slug": "spasms", "count": 4}, {"slug": "night-spasms", "count": 2},
                     {"slug": "stiffness", "count": 1}],
    }


def test_treatment_page_shows_the_same_figures_as_the_json(client, baclofen_reports):
    html, page = get_page(client, "/treatments/baclofen")
    assert "6 members have reported on Baclofen (oral)" in html
    assert page.figures("ratings of Baclofen") == {
        "Rated 1": "1", "Rated 2": "1", "Rated 3": "1", "Rated 4": "2", "Rated 5": "1"}
    assert page.figures("Side effects members reported") == {
        "Drowsiness (side effect)": "3", "Muscle weakness": "2", "nausea": "1"}
    assert page.figures("Symptoms members tagged") == {
        "Muscle spasms": "4", "Night-time spasms": "2", "Stiffness": "1"}
    assert "Average rating 3.2 of 5" in html
    assert "the middle half of members rated it 2 to 4, and ratings ran from 1 to 5" in html
    assert "60% still use it</strong> (3 of the 5 members who said)" in html
    assert "Used for 9 months</strong>" in html and "half of the 5 members who said" in html
    assert "dizziness" not in html.lower().replace("dizzy", "")  # only in m6's older report


def test_latest_report_is_chosen_by_date_then_id(client):
    members_rating("baclofen", 3, 3, 3, 3)
    member = make_member()
    newer_id_but_older = report(member, rating=5)
    older_id_but_newer = report(member, rating=1)
    newer_id_but_older.created_at = older_id_but_newer.created_at + timedelta(days=1)
    db.session.commit()
    data = client.get("/api/v1/treatments/baclofen/summary").get_json()
    assert data["members"] == 5
    assert data["effectiveness"] == {"1": 0, "2": 0, "3": 4, "4": 0, "5": 1}


def test_four_members_give_no_summary_and_the_page_says_why(client):
    members_rating("baclofen", 5, 4, 4, 2)
    html, page = get_page(client, "/treatments/baclofen")
    assert "Only 4 members have reported on Baclofen (oral) so far." in html
    assert "once at least 5 members have reported" in html
    assert "Their reports are below." in html
    assert html.count("How baclofen went for me") == 4
    assert 'class="bars"' not in html and "Average rating" not in html
    data = client.get("/api/v1/treatments/baclofen/summary").get_json()
    assert data == {"treatment": "baclofen", "members": 4, "enough_data": False,
                    "effectiveness": None, "average": None, "still_using_share": None,
                    "median_duration_months": None, "side_effects": None, "symptoms": None}


def test_five_members_give_a_summary(client):
    members_rating("baclofen", 5, 4, 4, 2, 5)
    html, page = get_page(client, "/treatments/baclofen")
    assert "No summary yet" not in html
    assert "Average rating 4 of 5" in html
    data = client.get("/api/v1/treatments/baclofen/summary").get_json()
    assert data["enough_data"] is True and data["members"] == 5 and data["average"] == 4.0


@pytest.mark.parametrize("status", ["held", "removed", "deleted"])
def test_reports_that_are_not_published_never_count(client, status):
    members_rating("baclofen", 4, 4, 4, 4)
    hidden = report(make_member(), rating=1, side_effects="nausea", tags="clonus")
    changed_mind = make_member()
    report(changed_mind, rating=5)
    newest = report(changed_mind, rating=2)
    for post in (hidden, newest):
        post.status = status
    db.session.commit()
    data = client.get("/api/v1/treatments/baclofen/summary").get_json()
    # The hidden member is gone; the other's latest *published* report (a 5) counts.
    assert data["members"] == 5
    assert data["effectiveness"] == {"1": 0, "2": 0, "3": 0, "4": 4, "5": 1}
    assert data["side_effects"] == []
    assert data["symptoms"] == [{"slug": "spasms", "count": 5}]
    table = client.get("/api/v1/symptoms/clonus/summary").get_json()
    assert table == {"symptom": "clonus", "treatments": []}


def test_figures_follow_an_edited_report(client):
    members_rating("baclofen", 4, 4, 4, 4)
    member = make_member()
    post = report(member, rating=4)
    assert client.get("/api/v1/treatments/baclofen/summary").get_json()["average"] == 4.0
    posts.edit_post(actor=member, post=post, title=post.title, body=post.body, tags="spasms",
                    experience=posts.ExperienceInput(treatment="baclofen", effectiveness=1))
    data = client.get("/api/v1/treatments/baclofen/summary").get_json()
    assert data["average"] == 3.4
    assert data["effectiveness"]["1"] == 1


def test_symptom_page_ranks_treatments_by_members_with_average_and_spread(client):
    members_rating("tizanidine", 1, 2, 2, 3, 5)
    members_rating("baclofen", 5, 4)
    report(make_member(), "baclofen", 5, tags="stiffness")
    moved_on = make_member()
    report(moved_on, "baclofen", 1, tags="spasms")
    report(moved_on, "baclofen", 2, tags="stiffness")  # the latest no longer names spasms
    data = client.get("/api/v1/symptoms/spasms/summary").get_json()
    assert data == {"symptom": "spasms", "treatments": [
        {"slug": "tizanidine", "members": 5, "average": 2.6},
        {"slug": "baclofen", "members": 2, "average": None},
    ]}
    html, page = get_page(client, "/symptoms/spasms")
    rows = page.table("Treatments for Muscle spasms")["rows"][1:]
    assert [row[:3] for row in rows] == [["Tizanidine", "5", "2.6"],
                                         ["Baclofen (oral)", "2", "Too few members to "
                                          "summarise (fewer than 5)."]]
    assert rows[0][3] == ("The middle half of members rated it 2 to 3, "
                          "and ratings ran from 1 to 5.")


def test_compare_table_lists_every_treatment_and_sorts_by_column(client):
    members_rating("baclofen", 4, 4, 4, 4, 4, 4)
    members_rating("tizanidine", 2, 2, 2, 2, 2)
    members_rating("gabapentin", 5, 5, 5)

    def order(path: str) -> tuple[list[str], str | None]:
        table = get_page(client, path)[1].table("Every treatment")
        return [row[0] for row in table["rows"][1:]], table["sorted"]

    names, sorted_as = order("/treatments")
    assert names[:3] == ["Baclofen (oral)", "Tizanidine", "Gabapentin"]
    assert len(names) == 26 and sorted_as == "descending"
    names, sorted_as = order("/treatments?sort=average&dir=desc")
    assert names[:2] == ["Baclofen (oral)", "Tizanidine"] and sorted_as == "descending"
    assert names.index("Gabapentin") > 1  # too few members: no average, so sorted last
    names, sorted_as = order("/treatments?sort=average&dir=asc")
    assert names[:2] == ["Tizanidine", "Baclofen (oral)"] and sorted_as == "ascending"
    names, _ = order("/treatments?sort=name&dir=asc")
    assert names == sorted(names, key=str.lower)
    names, _ = order("/treatments?sort=name&dir=desc")
    assert names == sorted(names, key=str.lower, reverse=True)


def test_compare_table_headers_link_to_the_other_direction(client):
    html = client.get("/treatments?sort=average&dir=desc").get_data(as_text=True)
    assert 'href="/treatments?sort=average&amp;dir=asc"' in html
    assert 'href="/treatments?sort=members&amp;dir=desc"' in html
    assert client.get("/treatments?sort=nonsense&dir=up").status_code == 200


def test_compare_shows_chosen_treatments_side_by_side(client):
    members_rating("baclofen", 4, 4, 4, 4, 5)
    members_rating("tizanidine", 2, 2)
    html, page = get_page(client, "/treatments/compare?t=baclofen&t=tizanidine")
    table = page.table("What members report about Baclofen (oral) and Tizanidine")
    rows = {row[0]: row[1:] for row in table["rows"][1:]}
    assert rows["Members reporting"] == ["5", "2"]
    assert rows["Average rating (of 5)"] == ["4.2", "Too few members to summarise (fewer than 5)"]
    assert rows["Rated 4"] == ["4", "–"]
    assert 'value="baclofen" id="t-baclofen" checked' in html


@pytest.mark.parametrize(("query", "message"), [
    ("t=baclofen&t=tizanidine&t=gabapentin&t=diazepam",
     "Choose at most 3 treatments to compare; you chose 4."),
    ("t=baclofen&t=wonderpill", "“wonderpill” is not a treatment we know."),
    ("t=baclofen&t=spasms", "“Muscle spasms” is a symptom, not a treatment."),
])
def test_compare_refuses_too_many_or_unknown_treatments_with_a_clear_message(
        client, query, message):
    response = client.get(f"/treatments/compare?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'role="alert"' in html


def test_unknown_slugs_give_404_pages_and_json_404s(client):
    for path in ("/treatments/wonderpill", "/treatments/spasms", "/symptoms/baclofen"):
        assert client.get(path).status_code == 404, path
    for path in ("/api/v1/treatments/wonderpill/summary", "/api/v1/treatments/spasms/summary",
                 "/api/v1/symptoms/baclofen/summary"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["status"] == 404


def test_brand_names_lead_to_the_treatment_page(client):
    response = client.get("/treatments/lioresal")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/treatments/baclofen")


def test_every_insights_page_says_not_medical_advice_and_links_to_reviewed_articles(client):
    members_rating("baclofen", 4, 4, 4, 4, 4)
    for path in ("/treatments/baclofen", "/treatments/tizanidine", "/symptoms/spasms",
                 "/treatments", "/treatments/compare?t=baclofen&t=tizanidine",
                 "/treatments/compare?t=wonderpill"):
        html = client.get(path).get_data(as_text=True)
        assert DISCLAIMER in html, path
        assert 'href="#articles"' in html and 'id="articles"' in html, path
        assert html.count("<h1") == 1, path


def test_articles_show_reviewer_and_date_only_when_known(app, client):
    result = app.test_cli_runner().invoke(args=["articles", "import", str(ARTICLES_FILE)])
    assert result.exit_code == 0, result.output
    html = client.get("/treatments/baclofen").get_data(as_text=True)
    articles = html.split('id="articles"')[1]
    items = {line.split("</a>")[0].split(">")[-1]: line for line in articles.split("<li>")[1:]}
    assert ("reviewed by Aaron Boster, M.D. on 22 June 2020"
            in items["MS Spasticity: Causes and Treatments"])
    assert "NHS" in items["About baclofen"] and "reviewed" not in items["About baclofen"]
    assert 'href="https://nhs.uk/medicines/baclofen/about-baclofen"' in articles
    assert "Gabapentin" not in items  # an article about another treatment


def test_charts_are_svg_images_with_a_table_of_the_same_numbers(client, baclofen_reports):
    html, page = get_page(client, "/treatments/baclofen")
    assert len(page.svgs) == 3
    # A group, not an image: its bars are links (hidden from assistive technology, whose
    # users follow the table's), and an image may not hold anything focusable (axe).
    assert all(svg["role"] == "group" for svg in page.svgs)
    ratings_title = page.svgs[0]["title"]
    assert "Rated 4: 2" in ratings_title and "Rated 1: 1" in ratings_title
    for caption in ("ratings of Baclofen", "Side effects members reported",
                    "Symptoms members tagged"):
        assert page.table(caption)["rows"][0] != []


def test_each_bar_links_to_the_matching_search_results(client, baclofen_reports):
    _, page = get_page(client, "/treatments/baclofen")
    rating_links = page.svg_links[:5]
    for rating, link in enumerate(rating_links, start=1):
        url = urlsplit(link)
        assert url.path == "/search"
        assert parse_qs(url.query) == {"kind": ["experience"], "treatment": ["baclofen"],
                                       "rating": [str(rating)]}
    assert page.table("ratings of Baclofen")["links"] == rating_links  # the same in the table
    symptom_link = parse_qs(urlsplit(page.svg_links[-3]).query)
    assert symptom_link == {"kind": ["experience"], "treatment": ["baclofen"],
                            "tag": ["spasms"]}


def test_treatment_page_lists_latest_reports_and_top_questions(client):
    author = make_member()
    make_experience(author, title="Baclofen at night was enough for me")
    make_question(author, title="Quiet question about baclofen")
    busy = make_question(author, title="Busy question about baclofen")
    posts.create_answer(author=make_member(), parent=busy, body="Try taking it earlier.")
    html = client.get("/treatments/baclofen").get_data(as_text=True)
    reports = html.split('id="reports-heading"')[1].split('id="questions-heading"')[0]
    questions = html.split('id="questions-heading"')[1].split('id="articles"')[0]
    assert "Baclofen at night was enough for me" in reports
    assert questions.index("Busy question") < questions.index("Quiet question")


def test_a_retired_article_leaves_the_treatment_page(app, client):
    from sqlalchemy import select

    from forum.models import Article
    from forum.services import articles

    app.test_cli_runner().invoke(args=["articles", "import", str(ARTICLES_FILE)])
    admin = make_member("reading_admin", role="admin")
    article = db.session.scalar(select(Article).where(Article.title == "About baclofen"))
    articles.set_retired(actor=admin, article=article, retired=True)
    html = client.get("/treatments/baclofen").get_data(as_text=True)
    assert "MS Spasticity: Causes and Treatments" in html
    assert "About baclofen" not in html.split('id="articles"')[1]
