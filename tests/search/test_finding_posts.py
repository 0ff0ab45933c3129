"""What members notice when they search: synonyms, misspellings, phrases, filters, paging."""

from __future__ import annotations

import pytest

from search import QueryError, SearchQuery
from tests.search.conftest import ids, make_doc, search


@pytest.fixture
def forum(index):
    index.add(
        [
            make_doc(1, "Baclofen made me sleepy", "Since starting baclofen I feel sleepy."),
            make_doc(2, "Tizanidine dose", "My neurologist raised my tizanidine to 4mg."),
            make_doc(3, "Nocturnal spasms", "Every night my legs have nocturnal spasms."),
            make_doc(4, "Oil for calves", "I tried CBD oil for the cramping in my calves."),
            make_doc(5, "Pump refill", "The intrathecal baclofen pump changed my life."),
            make_doc(6, "Night-spasms again", "Woke three times last week."),
            make_doc(7, "Physio exercises", "My physiotherapist gave me hamstring stretches."),
            make_doc(8, "Gardening", "The roses are out and the lawn needs mowing."),
        ]
    )
    return index


def test_brand_name_finds_posts_about_the_generic_drug(forum):
    assert search(forum, "Lioresal drowsy") == [1]


def test_known_misspelling_finds_the_right_drug(forum):
    assert search(forum, "tizanadine") == [2]


def test_unknown_misspelling_of_a_drug_still_finds_it_and_suggests_the_spelling(forum):
    results = forum.search(SearchQuery("tizanidne"))
    assert ids(results) == [2]
    assert results.suggestion == "tizanidine"


def test_lay_phrase_finds_the_symptom(forum):
    assert set(search(forum, "legs jump at night")) == {3, 6}


def test_question_words_do_not_have_to_appear_in_posts(forum):
    assert search(forum, "does cbd help cramps") == [4]


def test_baclofen_pump_finds_intrathecal_baclofen(forum):
    forum.add([make_doc(9, "ITB trial", "My ITB trial is booked.")])
    assert set(search(forum, "baclofen pump")) == {5, 9}


def test_phrase_search_respects_word_order(forum):
    assert search(forum, '"nocturnal spasms"') == [3]
    assert search(forum, '"spasms nocturnal"') == []


def test_excluded_word_removes_posts(forum):
    assert set(search(forum, "baclofen")) == {1, 5}
    assert search(forum, "baclofen -pump") == [1]
    assert search(forum, 'baclofen -"baclofen pump"') == [1]


def test_matches_are_marked_and_everything_else_escaped(index):
    index.add([make_doc(1, "<script>alert(1)</script> baclofen", "Baclofen & me <b>bold</b>")])
    hit = index.search(SearchQuery("baclofen")).hits[0]
    assert hit.title_html == ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>baclofen</mark>")
    assert hit.snippet_html == "<mark>Baclofen</mark> &amp; me &lt;b&gt;bold&lt;/b&gt;"


def test_synonyms_are_marked_in_snippets(forum):
    hit = forum.search(SearchQuery("Lioresal")).hits[0]
    assert "<mark>baclofen</mark>" in hit.snippet_html


def test_long_posts_get_a_short_snippet_around_the_match(index):
    filler = " ".join(["walking to the shops"] * 60)
    index.add([make_doc(1, "Long", f"{filler} then the clonus started. {filler}")])
    snippet = index.search(SearchQuery("clonus")).hits[0].snippet_html
    assert "<mark>clonus</mark>" in snippet
    assert snippet.startswith("\u2026 ") and snippet.endswith(" \u2026")
    assert len(snippet) < 400


def test_a_misspelled_ordinary_word_gets_a_did_you_mean(forum):
    results = forum.search(SearchQuery("hamstrng stretches"))
    assert results.suggestion == "hamstring stretches"


def test_held_and_removed_posts_never_appear_publicly(index):
    index.add(
        [
            make_doc(1, "Baclofen public", "baclofen"),
            make_doc(2, "Baclofen held", "baclofen", visibility="held"),
            make_doc(3, "Baclofen removed", "baclofen", visibility="removed"),
            make_doc(4, "Baclofen deleted", "baclofen", visibility="deleted"),
        ]
    )
    assert search(index, "baclofen") == [1]
    assert index.search(SearchQuery("baclofen")).total == 1
    assert set(search(index, "baclofen", include_held=True)) == {1, 2}
    assert search(index, "", tags=(), kind="question") == [1]


def test_hiding_a_post_removes_it_from_results(index):
    index.add([make_doc(1, "Baclofen", "baclofen")])
    assert search(index, "baclofen") == [1]
    index.add([make_doc(1, "Baclofen", "baclofen", visibility="removed")])
    assert search(index, "baclofen") == []


def test_deleting_a_post_removes_it_from_results(index):
    index.add([make_doc(1, "Baclofen", "baclofen"), make_doc(2, "Baclofen too", "baclofen")])
    assert set(search(index, "baclofen")) == {1, 2}
    index.delete([2, 999])
    assert search(index, "baclofen") == [1]


def test_editing_a_post_replaces_it(index):
    index.add([make_doc(1, "Baclofen", "baclofen")])
    index.add([make_doc(1, "Tizanidine now", "switched to tizanidine")])
    assert search(index, "baclofen") == []
    assert search(index, "zanaflex") == [1]


@pytest.fixture
def tagged(index):
    index.add(
        [
            make_doc(1, "Baclofen at night", "baclofen", tags=("baclofen", "night-spasms")),
            make_doc(2, "Baclofen side effects", "baclofen", tags=("baclofen", "drowsiness")),
            make_doc(
                3,
                "Baclofen worked",
                "baclofen",
                kind="experience",
                tags=("baclofen",),
                treatment="baclofen",
                effectiveness=4,
                helpful=9,
            ),
            make_doc(
                4,
                "Baclofen barely helped",
                "baclofen",
                kind="experience",
                tags=("baclofen", "night-spasms"),
                treatment="baclofen",
                effectiveness=2,
                helpful=3,
            ),
            make_doc(5, "Answer about baclofen", "baclofen", kind="answer", tags=("baclofen",)),
            make_doc(6, "Held baclofen", "baclofen", tags=("baclofen",), visibility="held"),
            make_doc(7, "Tizanidine", "tizanidine", tags=("tizanidine",)),
        ]
    )
    return index


def test_facets_count_tags_of_the_matching_visible_posts(tagged):
    results = tagged.search(SearchQuery("baclofen"))
    assert results.total == 5
    assert dict(results.facets) == {"baclofen": 5, "night-spasms": 2, "drowsiness": 1}


def test_filtering_by_a_tag_gives_as_many_posts_as_its_facet_said(tagged):
    facets = tagged.search(SearchQuery("baclofen")).facets
    for tag, count in facets.items():
        results = tagged.search(SearchQuery("baclofen", tags=(tag,)))
        assert results.total == count
        assert results.facets[tag] == count


def test_filtering_by_several_tags_needs_all_of_them(tagged):
    assert search(tagged, "baclofen", tags=("baclofen", "night-spasms"), sort="new") == [4, 1]
    assert search(tagged, "baclofen", tags=("drowsiness", "night-spasms")) == []


def test_kind_treatment_and_effectiveness_filters(tagged):
    assert set(search(tagged, "baclofen", kind="experience")) == {3, 4}
    assert search(tagged, "baclofen", kind="answer") == [5]
    assert set(search(tagged, "", treatment="baclofen")) == {3, 4}
    assert search(tagged, "baclofen", min_effectiveness=3) == [3]


def test_sorting_by_newest_and_most_helpful(tagged):
    assert search(tagged, "baclofen", sort="new") == [5, 4, 3, 2, 1]
    assert search(tagged, "baclofen", sort="helpful")[:2] == [3, 4]


def test_pages_do_not_overlap_and_add_up_to_the_total(tagged):
    first = tagged.search(SearchQuery("baclofen", per_page=2, sort="new"))
    second = tagged.search(SearchQuery("baclofen", per_page=2, page=2, sort="new"))
    third = tagged.search(SearchQuery("baclofen", per_page=2, page=3, sort="new"))
    assert ids(first) + ids(second) + ids(third) == [5, 4, 3, 2, 1]
    assert tagged.search(SearchQuery("baclofen", page=50)).hits == ()


def test_page_and_per_page_are_clamped(tagged):
    results = tagged.search(SearchQuery("baclofen", per_page=0, page=0))
    assert (results.page, results.per_page, len(results.hits)) == (1, 1, 1)
    assert tagged.search(SearchQuery("baclofen", per_page=10_000)).per_page == 100


def test_relevance_puts_title_matches_first(index):
    index.add(
        [
            make_doc(1, "Walking", "I mentioned clonus once in passing while walking."),
            make_doc(2, "Clonus in my ankle", "It bounces whenever I stand up."),
        ]
    )
    assert search(index, "clonus") == [2, 1]


def test_when_no_post_has_every_word_posts_with_some_are_shown(forum):
    # Ranked retrieval: a post about the drug named is a hit even without the other word.
    results = forum.search(SearchQuery("tizanidine zebra"))
    assert ids(results) == [2]


def test_bad_sort_or_kind_is_a_query_error(index):
    with pytest.raises(QueryError, match="sorted"):
        index.search(SearchQuery("baclofen", sort="random"))
    with pytest.raises(QueryError, match="questions"):
        index.search(SearchQuery("baclofen", kind="poll"))


def test_empty_search_without_filters_asks_for_words(index):
    index.add([make_doc(1, "Baclofen", "baclofen")])
    results = index.search(SearchQuery("   "))
    assert results.total == 0
    assert results.notice == "Type a word or phrase to search for."


def test_an_ambiguous_word_only_hints_at_its_tag(index):
    index.add(
        [
            make_doc(1, "Constipation", "Constipation sets my spasms off."),
            make_doc(2, "Summer", "The heat makes my legs worse, a trigger like constipation."),
            make_doc(3, "Cooking", "Turn up the heat and stir."),
        ]
    )
    assert search(index, "heat") == [2, 3]
    assert set(search(index, "constipation")) == {1, 2}


def test_a_post_is_found_by_its_tags_even_when_its_words_do_not_name_them(index):
    index.add([
        make_doc(1, "Stiff every morning", "Legs like planks until ten.", tags=("spasticity",)),
        make_doc(2, "Is this normal?", "Feeling woozy after the evening dose.",
                 tags=("baclofen",)),
        make_doc(3, "Stiff every morning too", "Same here, it eases by lunch."),
    ])
    assert search(index, "Lioresal") == [2]  # a brand name finds the generic tag
    assert search(index, "baclofen") == [2]
    # Both posts say "stiff"; only the one tagged spasticity is about it.
    assert search(index, "spasticity") == [1]


def test_a_past_tense_no_suffix_rule_reaches_still_names_its_concept(forum):
    # "legs give way" is a lay phrase for weakness; "slept" is "sleep".
    forum.add([make_doc(10, "Stairs", "Halfway up the stairs my legs gave way."),
               make_doc(11, "Nights", "I slept badly all week.")])
    assert search(forum, "weakness") == [10]
    assert search(forum, "sleeping badly")[0] == 11


def test_a_symptom_beside_a_word_for_bedtime_names_the_night_time_symptom(index):
    index.add([make_doc(12, "Hamstrings", "Every time I get into bed the spasms start."),
               make_doc(13, "Bedtime reading", "I read in bed most evenings."),
               make_doc(14, "Afternoons", "The spasms start after lunch.")])
    assert search(index, "nocturnal spasms")[0] == 12
    assert 13 not in search(index, "nocturnal spasms")


def test_a_two_word_lay_phrase_said_the_other_way_round_names_its_concept(index):
    index.add([make_doc(15, "Evenings", "By the evening my legs are weak and heavy."),
               make_doc(16, "Mornings", "Weak coffee and a slow start.")])
    assert search(index, "muscle weakness") == [15]
