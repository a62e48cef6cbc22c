"""The verdict's reading of a question: its terms, which are key, what it asks for; and the verdict
itself on evidence checked by hand."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.verdict import (
    FEATURES,
    Closeness,
    Evidence,
    Ranked,
    answer_span,
    evidence,
    judge,
    read_question,
    weigh,
)
from index.text import Lexicon, normalize

LEXICON = Lexicon(["杭工e家"])


def keys(question: str) -> list[str]:
    return [t.text for t in read_question(normalize(question), LEXICON).terms if t.key]


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        # Places, years and numbers; the question words around them are not terms.
        ("淳安县2017年一共评出了多少名县级劳模？", ["淳安县", "2017"]),
        ("报名创建三型工会的316家企业里，最后有多少家达标？", ["316"]),
        # Quoted words and Latin letters, whatever jieba tags them.
        ("“杭工e家”APP有多少用户？", ["杭工e家", "app"]),
        # Words jieba tags as places but a dictionary lists as common words (城市) are not names;
        # the archive's own places are, however often jieba's corpus uses them (杭州 2,806 times).
        ("温州有哪些城市工会？", ["温州"]),
        ("杭州有几家单位获评全国工人先锋号？", ["杭州"]),
        # 多少钱 comes out of jieba as a person's name.
        ("为了给困难家庭接自来水，县总工会凑了多少钱？", []),
        # Traditional script is folded first.
        ("溫州鹿城區總工會今年的重點工作有哪些？", ["温州", "鹿城区"]),
        # A Chinese ordinal is a number: 第三届 asks about the third, not the second.
        ("第三届“两山”工匠有哪些人？", ["第3", "两山"]),
        # A span counted back from now is dated otherwise in a passage (2002年 for 21年前); a year
        # before which, or a month since which, is a number the passage must give.
        ("上海警方破获21年前出租车司机命案，嫌疑人是哪里人？", ["上海"]),
        ("1970年前克什米尔马鹿只剩下多少头？", ["1970", "克什米尔"]),
        ("今年6月以来开化县总工会签了几份协议？", ["6", "开化县"]),
    ],
)
def test_key_terms(question: str, terms: list[str]) -> None:
    assert keys(question) == terms


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("嘉善有几家单位获评全国工人先锋号？", "number"),
        ("安吉评出来的工匠里，哪一位是做白茶炒制的？", "person"),
        ("云创青年小镇在哪里？", "place"),
        ("职工服务中心是哪一年成立的？", "time"),
        ("嘉善县总工会怎样创建“工人先锋号”？", None),
        ("How many sets of winter clothes were raised?", "number"),
        ("Who makes white tea in Anji?", "person"),
        ("When was the centre opened?", "time"),
        ("Why did the union do it?", None),
    ],
)
def test_what_a_question_asks_for(question: str, asked: str | None) -> None:
    assert read_question(normalize(question), LEXICON).asked == asked


def test_english_words_stand_for_the_archives_words() -> None:
    reading = read_question("How many units in Harbin were named national Workers' Pioneer?", LEXICON)
    forms = {t.text: t.forms for t in reading.terms}
    assert "哈尔滨" in forms["harbin"] and "全国" in forms["national"] and "先锋" in forms["pioneer"]
    assert [t.text for t in reading.terms if t.key] == ["harbin", "workers", "pioneer"]


def test_a_passage_mentions_a_term_in_the_forms_it_uses() -> None:
    passage = "绍兴各级工会共发放“送温暖”款物555万元。他效力于国际米兰。第二届工匠。"
    ev = _evidence("绍兴市2018年发了多少送温暖款物？", passage)
    assert ev.unmatched == ("2018",) and ev.numbers_missing == 1 and ev.keys_missing == 0
    assert _evidence("绍兴市发了多少送温暖款物？", passage).keys_missing == 0  # 绍兴 for 绍兴市
    assert _evidence("第三届工匠有谁？", passage).unmatched == ("第3",)  # 第二届 is not 第三届
    assert _evidence("第二届工匠有谁？", passage).numbers_missing == 0
    assert _evidence("2018年的工匠有谁？", "2010年至2017年的工匠").unmatched == ("2018",)  # 201 is no match
    assert _evidence("縣總工會發了多少？", "绍兴县总工会发了3万元").term_coverage == 1.0


def test_a_year_or_ordinal_is_against_a_passage_only_when_it_gives_another() -> None:
    # A news passage leaves the year to the issue's date and the quarter to the story ("this
    # season", "with 4:51 left"): silent on it, it may still answer; giving another, it is about
    # something else.
    question = "2015年黑豹队的防守有多少次拦截记录？"
    silent = _evidence(question, "黑豹队的防守在本赛季以24次拦截领先联盟。")
    other = _evidence(question, "2014年黑豹队的防守以24次拦截领先联盟。")
    assert silent.numbers_absent == () and silent.unmatched == ("2015",) and silent.numbers_missing == 1
    assert other.numbers_absent == ("2015",)
    assert _evidence("第四节还剩多少时间？", "比赛还剩4分51秒时").numbers_absent == ()
    assert _evidence("第四节还剩多少时间？", "第三节还剩4分51秒时").numbers_absent == ("第4",)
    # Any other number missing is against it, as before: the count or code asked is another.
    assert _evidence("316家企业里有多少家达标？", "300家企业里有200家达标").numbers_absent == ("316",)


# A study text of the archive: English sentences, each with its translation.
_ENGLISH_TEXT = (
    "1. Wearing a seat belt saves lives; it reduces your chance of death by more than half. "
    "系安全带能救命。2. The settlers were given a common identity by their new rulers, who kept "
    "their own laws for a century. 定居者有了共同的身份。3. Corporal punishment was ended there. "
)


def test_an_english_passage_is_read_in_english() -> None:
    # Its names are spelled as the question spells them: one missing is another subject.
    other = _evidence("Who gave the Normans a common identity?", _ENGLISH_TEXT)
    assert other.topic_absent == ("normans",)
    same = _evidence("By whom were the settlers given a common identity?", _ENGLISH_TEXT)
    assert same.topic_absent == () and same.term_coverage == 1.0
    # A Chinese translation beside it says what the translation says, not the question's words
    # (身份 for identity): only the English counts.
    asked = "What problem does it cause?"
    english = _evidence(asked, _ENGLISH_TEXT + "4. It was hard for them. 这造成了问题。")
    chinese = _evidence(asked, "这造成了问题。")
    assert english.term_coverage == 0.0 and chinese.term_coverage == 1.0
    # A Chinese passage that names an organisation in English is read as Chinese.
    iom = "国际移民组织（英语：International Organization for Migration）是一个政府间组织。"
    assert _evidence("Who led the committee established by Seaman?", iom).topic_absent == ()


def test_an_english_passage_does_not_stand_out_by_its_language() -> None:
    # Among Chinese passages an English one is closest to an English question whatever it says.
    reading = read_question("Who gave the Normans a common identity?", LEXICON)
    cosines = dict(cosines=(0.77, 0.70), coverage=(0.0, 0.0), dense_top=(0.77, 0.70, 0.70, 0.69, 0.69))
    english = weigh(reading, Ranked(passages=(_ENGLISH_TEXT, "定居者。"), **cosines), LEXICON, None)
    chinese = weigh(reading, Ranked(passages=("诺曼人有共同的身份。", "定居者。"), **cosines), LEXICON, None)
    assert english is not None and chinese is not None
    assert english.cosine_z == 0.0 < chinese.cosine_z


def _evidence(question: str, passage: str) -> Evidence:
    reading = read_question(normalize(question), LEXICON)
    return evidence(reading, passage, LEXICON, Closeness(lexical_coverage=1.0, cosine=0.9))


def test_the_answer_type_is_looked_for_in_the_sentence_with_the_terms() -> None:
    holds = _evidence("嘉善有几家单位获评全国工人先锋号？", "嘉善已有3家获评全国工人先锋号。")
    lacks = _evidence("嘉善有几家单位获评全国工人先锋号？", "嘉善积极创建全国工人先锋号。别的有3家。")
    assert holds.answer_type == 1 and lacks.answer_type == -1


def test_no_sentence_is_the_answer_of_a_passage_without_the_terms() -> None:
    reading = read_question("嘉善有几家单位获评？", LEXICON)
    assert answer_span("安吉县评出了十位工匠。", reading, LEXICON) is None


def _ev(**given: float) -> Evidence:
    values = dict.fromkeys(FEATURES, 0.0) | {k: v for k, v in given.items() if k in FEATURES}
    whole = {k: int(v) if k.endswith("_missing") or k == "answer_type" else v for k, v in values.items()}
    return Evidence(**whole, unmatched=())  # type: ignore[arg-type]


def test_the_verdict_weighs_the_evidence() -> None:
    reading = read_question("嘉善有几家单位获评全国工人先锋号？", LEXICON)
    strong = _ev(lexical_coverage=0.9, term_coverage=1.0, answer_type=1, cosine=0.9, cosine_margin=0.03,
                 cosine_z=2.5, local_coverage=1.0, any_coverage=1.0, sentence_z=2.5)  # fmt: skip
    assert judge(reading, strong).found
    # A passage on the topic none of whose sentences comes as close: less likely the answer.
    assert (
        judge(reading, strong).confidence
        > judge(reading, dataclasses.replace(strong, sentence_z=-1.0)).confidence
    )
    assert (
        judge(reading, strong).confidence
        > judge(reading, _ev(**{**vars(strong), "keys_missing": 1})).confidence
    )
    weak = {
        "lexical_coverage": 0.2,
        "term_coverage": 0.3,
        "any_coverage": 0.3,
        "local_coverage": 0.3,
        "cosine_z": 0.5,
    }
    assert not judge(reading, _ev(**{**vars(strong), **weak})).found
    # A number of the question that the best passage lacks: not found, whatever the rest says.
    numbers = judge(reading, dataclasses.replace(strong, numbers_absent=("2019",)))
    assert not numbers.found and numbers.reason == "terms" and numbers.unmatched == ("2019",)


@pytest.mark.parametrize("question", ["？？？", "😀", "\ufffd\ufffd", "", "the", "a"])
def test_a_question_without_words_is_never_found(question: str) -> None:
    reading = read_question(question, LEXICON)
    verdict = judge(reading, _ev(lexical_coverage=1.0, term_coverage=1.0, cosine=1.0))
    assert not verdict.found and verdict.reason == "no_words"
