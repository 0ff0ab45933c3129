"""The taxonomy's synonyms as search reads them."""

from __future__ import annotations

import json

from search import Vocabulary
from search.analysis import stems
from search.vocabulary import WordFamily
from tests.search.conftest import TAXONOMY


def concepts(vocabulary: Vocabulary, text: str) -> list[str]:
    return vocabulary.concepts_in(text)


def test_brand_names_misspellings_and_lay_phrases_name_their_tag(vocabulary):
    assert concepts(vocabulary, "Lioresal") == ["baclofen"]
    assert concepts(vocabulary, "backlofen") == ["baclofen"]
    assert concepts(vocabulary, "my legs at night") == ["night-spasms"]
    assert concepts(vocabulary, "CBD oil for cramping") == ["cbd", "cramps"]


def test_longest_phrase_wins(vocabulary):
    assert concepts(vocabulary, "my baclofen pump") == ["intrathecal-baclofen"]
    assert concepts(vocabulary, "intrathecal baclofen") == ["intrathecal-baclofen"]


def test_ambiguous_synonyms_do_not_tag_posts(vocabulary):
    assert concepts(vocabulary, "the heat this period gave me a hug") == []
    assert concepts(vocabulary, "my pt and ot") == []


def test_ambiguous_synonyms_are_weak_hints_in_queries(vocabulary):
    matches = vocabulary.match(stems("pt for heat"), slop=1, include_weak=True)
    assert [(m.slug, m.weak) for m in matches] == [
        ("physiotherapy", True),
        ("triggers", True),
    ]


def test_a_query_phrase_may_have_one_extra_word_inside(vocabulary):
    matches = vocabulary.match(stems("legs jump at night"), slop=1)
    assert [m.slug for m in matches] == ["night-spasms"]
    assert vocabulary.match(stems("legs jump at night")) == []


def test_fuzzy_lookup_corrects_drug_names_but_not_short_or_distant_words(vocabulary):
    assert vocabulary.fuzzy("tizanidne") == ("tizanidine", "tizanidine")
    assert vocabulary.fuzzy("gabapenitn") == ("gabapentin", "gabapentin")
    assert vocabulary.fuzzy("stars") is None
    assert vocabulary.fuzzy("pt") is None


def test_unknown_taxonomy_keys_are_ignored():
    vocabulary = Vocabulary.from_taxonomy(
        {"about": "text", "symptoms": [{"slug": "clonus", "name": "Clonus"}], "other": [1]}
    )
    assert vocabulary.concepts_in("clonus") == ["clonus"]


def test_search_families_stand_in_for_a_word_but_name_no_concept(vocabulary):
    assert "hot" in dict(vocabulary.family(stems("heat")[0]))
    assert "uti" in dict(vocabulary.family(stems("infection")[0]))
    assert "asleep" in dict(vocabulary.family(stems("sleep")[0]))
    assert stems("pricey")[0] in dict(vocabulary.family(stems("money")[0]))
    assert concepts(vocabulary, "a heatwave and a sauna left me dizzy and queasy") == []


def test_a_near_spelling_listed_after_a_drug_name_is_a_misspelling(vocabulary):
    assert vocabulary.is_misspelling("klonipin")  # after its brand, klonopin
    assert vocabulary.is_misspelling("bacolfen")
    assert not vocabulary.is_misspelling("klonopin")
    assert not vocabulary.is_misspelling("lioresal")
    assert not vocabulary.is_misspelling("baclofen")


def test_a_combination_names_its_concept_once_beside_the_concepts_it_combines(vocabulary):
    assert concepts(vocabulary, "Spasms again: the spasms woke me twice last night") == [
        "spasms", "spasms", "night-spasms"]
    assert concepts(vocabulary, "I read in bed") == []


def test_a_family_phrase_that_stop_words_leave_as_one_word_is_left_out():
    vocabulary = Vocabulary((), families=[WordFamily("onset", ("take effect", "kick in"))])
    assert dict(vocabulary.family("tak effect")) == {}  # its only other member is dropped
    assert vocabulary.family("kick") == ()
    assert vocabulary.family_phrase(stems("when does it take effect"), 2) == 4


def test_lay_words_for_symptoms_name_them(vocabulary):
    assert concepts(vocabulary, "my knees gave way twice") == ["weakness"]
    assert concepts(vocabulary, "calves tight again") == ["stiffness"]
    assert concepts(vocabulary, "up all night again") == ["sleep"]


def test_cold_and_heat_treatments_by_other_names_are_heat_and_cold(vocabulary):
    assert concepts(vocabulary, "cryotherapy at the gym") == ["heat-cold"]
    assert concepts(vocabulary, "a hot water bottle on my calves") == ["heat-cold"]


def test_a_specific_trigger_is_ambiguous_to_search_only(vocabulary):
    taxonomy = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    assert "uti" in taxonomy["search_ambiguous"]
    assert "uti" not in taxonomy["ambiguous_synonyms"]  # tag suggestions still use it
    assert concepts(vocabulary, "another uti") == []  # it does not tag a post for search
