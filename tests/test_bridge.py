"""The English bridge (index.text.english): programme ordinals and British spellings carried to the
archive's Chinese."""

from __future__ import annotations

import pytest

from index.text import english_words, translations
from index.text.english import american


@pytest.mark.parametrize(
    ("phrase", "archive"),
    [
        ("first", {"第一", "首届"}),
        ("second", {"第二"}),
        ("third", {"第三"}),
        ("2nd", {"第二"}),
        ("1st", {"第一"}),
        ("second phase", {"第二期", "二期", "第二阶段"}),
        ("phase two", {"第二期", "二期"}),
        ("phases two", {"第二期"}),
        ("3rd session", {"第三届"}),
        ("fifth batch", {"第五批"}),
        ("first round", {"第一轮", "首轮"}),
    ],
)
def test_ordinals_reach_the_archives_words(phrase: str, archive: set[str]) -> None:
    assert archive <= translations(phrase)


def test_ordinal_phrases_are_one_term_and_a_lone_number_word_stays_a_stop_word() -> None:
    assert english_words("What did the second phase of the programme build?") == [
        ("second phase", False),
        ("programme", False),
        ("build", False),
    ]
    assert english_words("How much went into phase two and the 3rd session?") == [
        ("went", False),
        ("phase two", False),
        ("3rd session", False),
    ]
    assert english_words("Which one of the two unions?") == [("unions", False)]
    # An ordinal phrase's words stand together: not 二 and 期 apart.
    assert "phase" not in [w for w, _ in english_words("the second phase")]


@pytest.mark.parametrize(
    ("british", "american_form", "archive"),
    [
        ("labour", "labor", "劳动"),
        ("organisation", "organization", "组织"),
        ("organise", "organize", "组织"),
        ("programme", "program", "方案"),
        ("centre", "center", "中心"),
        ("honour", "honor", "荣誉"),
        ("defence", "defense", "国防"),
        ("recognised", "recognized", "承认"),
    ],
)
def test_british_spellings_find_what_the_american_ones_do(
    british: str, american_form: str, archive: str
) -> None:
    assert american(british) == american_form
    assert archive in translations(american_form)
    assert translations(british) >= translations(american_form)


def test_american_and_plain_words_are_left_as_they_are() -> None:
    for word in ("union", "labor", "four", "hours", "tour", "rise", "worker", "county"):
        assert american(word) == word
    assert translations("labor") == translations("labor")  # and no worse for being looked up twice


@pytest.mark.parametrize(
    ("word", "archive"),
    [("legislative", "立法"), ("cilia", "纤毛"), ("divisional", "部门")],
)
def test_a_word_the_dictionary_lacks_reaches_its_root(word: str, archive: str) -> None:
    """An adjective the dictionary does not list is read as its verb or noun, a Latin plural as its
    singular."""
    assert archive in translations(word)


def test_a_word_the_dictionary_lists_keeps_its_own_senses() -> None:
    # national is 全国, 国立: not every sense of nation (国家, 国度) besides.
    assert "全国" in translations("national") and "国度" not in translations("national")


def test_a_word_given_one_character_reaches_the_compounds_ending_in_it() -> None:
    """CC-CEDICT gives craftsman only 匠, no term alone: a Chinese text writes the kind (工匠)."""
    assert {"工匠", "木匠"} <= translations("craftsman") and "工匠" in translations("craftsmen")
    # A word with a sense of two characters or more keeps its own (district: 区域, not 景区).
    assert "区域" in translations("district") and "景区" not in translations("district")


def test_a_person_is_found_by_family_name() -> None:
    """CC-CEDICT files a person under the full name (Antoine Lavoisier); a question names the family."""
    assert "拉瓦锡" in translations("Lavoisier") and "尼克松" in translations("Nixon")
    # A word that is also a common one keeps its own senses (Sino-French War (1883-1885) is no person).
    assert "中法战争" not in translations("war")


@pytest.mark.parametrize(
    ("question", "number"),
    [("What was the period 505 million years ago?", "5.05"), ("Who earned 1.5 million yuan?", "150")],
)
def test_millions_are_read_as_the_archive_writes_them(question: str, number: str) -> None:
    """Chinese counts in 万 and 亿: 5.05亿, 150万. The number the passage has is the term."""
    words = [w for w, _ in english_words(question)]
    assert number in words and "million" not in words
