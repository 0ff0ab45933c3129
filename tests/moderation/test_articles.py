"""Ranking reviewed articles for a thread."""

from __future__ import annotations

from datetime import date

from moderation.articles import ArticleRef, drug_topic, needs_recheck, rank_articles


def ids(articles: list[ArticleRef]) -> list[int]:
    return [a.id for a in articles]


LIBRARY = [
    ArticleRef(1, ("spasms", "stretching"), date(2021, 5, 1)),
    ArticleRef(2, ("spasms", "night-spasms", "sleep"), date(2019, 1, 1)),
    ArticleRef(3, ("spasms", "night-spasms", "sleep"), date(2023, 1, 1)),
    ArticleRef(4, ("botulinum-toxin", "hand-function"), None),
    ArticleRef(5, ("yoga",), date(2024, 1, 1)),
    ArticleRef(6, ("baclofen", "intrathecal-baclofen", "spasms"), date(2020, 1, 1)),
]


def test_most_overlapping_topics_come_first_then_most_recent() -> None:
    ranked = rank_articles(LIBRARY, tags=["spasms", "night-spasms", "sleep"])
    assert ids(ranked) == [3, 2, 1]


def test_articles_sharing_no_tag_are_left_out() -> None:
    assert ids(rank_articles(LIBRARY, tags=["stretching"], limit=10)) == [1]
    assert rank_articles(LIBRARY, tags=["fatigue"]) == []


def test_articles_covering_the_drug_come_first() -> None:
    ranked = rank_articles(LIBRARY, tags=["spasms", "night-spasms"], drug="baclofen")
    assert ids(ranked) == [6, 3, 2]


def test_generic_drug_name_maps_to_its_taxonomy_slug() -> None:
    assert drug_topic("botulinum toxin") == "botulinum-toxin"
    ranked = rank_articles(LIBRARY, tags=["hand-function"], drug="botulinum toxin")
    assert ids(ranked) == [4]


def test_limit_caps_the_list() -> None:
    assert len(rank_articles(LIBRARY, tags=["spasms"], limit=2)) == 2
    assert rank_articles(LIBRARY, tags=["spasms"], limit=0) == []


def test_unknown_review_date_needs_recheck() -> None:
    assert needs_recheck(None, date(2025, 1, 1))


def test_review_older_than_three_years_needs_recheck() -> None:
    today = date(2025, 6, 15)
    assert needs_recheck(date(2022, 6, 14), today)
    assert not needs_recheck(date(2022, 6, 15), today)
    assert not needs_recheck(date(2024, 12, 1), today)


def test_recheck_cutoff_handles_leap_day() -> None:
    assert not needs_recheck(date(2021, 2, 28), date(2024, 2, 29))
    assert needs_recheck(date(2021, 2, 27), date(2024, 2, 29))
