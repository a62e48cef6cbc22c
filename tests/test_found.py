"""The key-term test of "found": which words of a question an answer must repeat, and matching them."""

from __future__ import annotations

import pytest

from assistant._found import judge_found, key_terms, unmatched_terms
from index._lexical import Lexicon

LEXICON = Lexicon(["杭工e家"])


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        # Places, years and numbers; the question words around them are not terms.
        ("淳安县2017年一共评出了多少名县级劳模？", ["淳安县", "2017"]),
        ("报名创建三型工会的316家企业里，最后有多少家达标？", ["316"]),
        # Quoted words and Latin letters, whatever jieba tags them.
        ("“杭工e家”APP有多少用户？", ["APP", "杭工e家"]),
        # Common words jieba tags as places (城市, 东西) are not names.
        ("温州有哪些城市工会？", ["温州"]),
        ("长鼻王的配料表中有哪些东西？", ["长鼻"]),
        # 多少钱 comes out of jieba as a person's name.
        ("为了给困难家庭接自来水，县总工会凑了多少钱？", []),
        # Traditional script is folded first.
        ("溫州鹿城區總工會今年的重點工作有哪些？", ["温州", "鹿城区"]),
    ],
)
def test_key_terms(question: str, terms: list[str]) -> None:
    assert key_terms(question, LEXICON) == terms


def test_unmatched_terms_allow_the_forms_a_passage_uses() -> None:
    passage = "绍兴各级工会共发放“送温暖”款物555万元。他效力于国际米兰。"
    assert unmatched_terms(["绍兴市", "送温暖", "555"], [passage], LEXICON) == []
    assert unmatched_terms(["曾效力"], [passage], LEXICON) == []  # a character jieba glued on
    assert unmatched_terms(["2018", "鹿城区"], [passage], LEXICON) == ["2018", "鹿城区"]
    assert unmatched_terms(["APP"], ["下载app"], LEXICON) == []  # case
    assert unmatched_terms(["总工会"], ["縣總工會"], LEXICON) == []  # traditional in the passage
    # A year is never shortened: 201 is not 2018.
    assert unmatched_terms(["2018"], ["2010年至2017年"], LEXICON) == ["2018"]
    # The passage that misses the fewest terms counts; no passage misses them all.
    assert unmatched_terms(["温州", "2018"], ["温州2017", "2018年温州"], LEXICON) == []
    assert unmatched_terms(["温州"], [], LEXICON) == ["温州"]


def test_judge_found() -> None:
    assert judge_found(0.9, 12.0, True) and not judge_found(0.9, 9.9, True)
    assert not judge_found(0.95, 50.0, True, ["2018"])
    # Another language: the cosine alone, whatever the lexical leg says.
    assert judge_found(0.79, 0.0, False) and not judge_found(0.77, 99.0, False)
