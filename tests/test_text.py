"""index.text, the one home of text analysis: cases checked by hand."""

from __future__ import annotations

import pytest

from index import text
from index.text import (
    Lexicon,
    bigrams,
    content_words,
    english_words,
    fold,
    has_words,
    is_chinese,
    is_common_word,
    normalize,
    numerals,
    pinyin_key,
    sentence_spans,
    split_sentences,
    strip_markup,
    translations,
)


def test_normalize_folds_width_and_script_once() -> None:
    assert normalize("嘉善縣總工會２０１８年ＡＰＰ") == "嘉善县总工会2018年APP"
    assert normalize(normalize("臺灣")) == normalize("臺灣") == "台湾"


def test_fold_keeps_offsets() -> None:
    raw = "獲評全國“工人先鋒號”ＡＰＰ㈱"
    folded = fold(raw)
    assert len(folded) == len(raw)
    assert folded.index("先锋号") == raw.index("先鋒號")
    assert folded.endswith("app㈱")  # ㈱ would become three characters: kept as it is


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("第三届", "第3届"),
        ("两千名职工", "2000名职工"),
        ("一百二十三家", "123家"),
        ("一起统一", "一起统一"),  # not numbers
        ("三重一新", "三重一新"),
        ("哪一位", "哪一位"),
        ("2018年", "2018年"),
    ],
)
def test_numerals(raw: str, digits: str) -> None:
    assert numerals(raw) == digits


def test_one_test_of_a_questions_language() -> None:
    assert is_chinese("嘉善有几家单位获评全国工人先锋号？")
    assert is_chinese("嘉善縣總工會怎樣創建工人先鋒號")
    assert not is_chinese("How many units in 嘉善 were named Workers' Pioneer?")
    assert not is_chinese("asdfghjkl")


@pytest.mark.parametrize("nonsense", ["？？？", "😀", "\ufffd\ufffd", "", " \n", "……", "<br/>"])
def test_nothing_to_search_for(nonsense: str) -> None:
    assert not has_words(strip_markup(nonsense))


def test_markup_is_no_part_of_a_question() -> None:
    assert strip_markup("<script>alert(1)</script>") == ""
    assert strip_markup("<img src=x onerror=alert(1)>嘉善") == "嘉善"
    assert strip_markup("a < b and 3>2") == "a < b and 3>2"  # not tags


def test_sentences() -> None:
    assert split_sentences("他说:“好。”然后走了。") == ["他说:“好。”", "然后走了。"]
    passage = "打响“五型”品牌,拓“先锋号”内涵\n为了使“工人先锋号”更具针对性。在2009年提出开展。 "
    assert [passage[s:e] for s, e in sentence_spans(passage)] == [
        "打响“五型”品牌,拓“先锋号”内涵",
        "为了使“工人先锋号”更具针对性。",
        "在2009年提出开展。",
    ]


def test_bigrams() -> None:
    assert bigrams("工人先锋号") == {"工人", "人先", "先锋", "锋号"}
    assert bigrams("How many? 400多套") == {"how", "many", "400", "多套"}
    assert bigrams("？！、") == set()


def test_one_tokeniser_for_build_and_search() -> None:
    lexicon = Lexicon(["杭工e家"])
    # The same tokens whichever width or script the text is in.
    assert (
        lexicon.tokens("推进“杭工ｅ家”") == lexicon.tokens("推進“杭工e家”") == lexicon.tokens("推进“杭工e家”")
    )


def test_content_words_leave_out_question_words() -> None:
    words = content_words("嘉善有几家单位获评全国工人先锋号？", Lexicon())
    assert "几家" not in words and {"嘉善", "获评", "全国"} <= set(words)
    # Nor words that only ask: a request (能告诉我), a question word with its measure word (几道),
    # 哪些方面 and its pieces; a name that starts like one (哪吒) stays.
    asked = content_words("能告诉我名单是经过哪几道程序，在哪些方面定下来的？", Lexicon())
    assert not {"告诉", "几道", "哪几", "哪些方面", "些方面"} & set(asked) and "程序" in asked
    assert "哪吒" in content_words("哪吒的父亲是谁？", Lexicon())
    # Nor the article itself, or a pointer to this one of them (这趟): no passage repeats them.
    meta = content_words("文章说吴江区总工会这趟来安吉，想学什么？", Lexicon())
    assert not {"文章", "这趟"} & set(meta) and "吴江" in meta
    # Nor words that only shape it (已经建起来的, 除了…): an answer says 全县建有…家.
    shaped = content_words("除了工会主席，安吉已经建起来的基层工会有多少家？", Lexicon())
    assert not {"已经", "起来", "除了"} & set(shaped) and "基层" in shaped


def test_english_words_and_names() -> None:
    assert english_words("Who runs the 'Hangzhou Workers' e-Home'?") == [
        ("runs", False),
        ("hangzhou", True),
        ("workers", True),
        ("e-home", False),  # lower-case: not taken for a name
    ]
    assert english_words("the a of") == []


def test_dictionary_and_pinyin() -> None:
    assert "哈尔滨" in translations("Harbin")
    assert "工会" in translations("trade unions")
    assert translations("asdfghjkl") == frozenset()
    assert pinyin_key("嘉善") == "jiashan" and pinyin_key("永康") == "yongkang"


def test_names_and_common_words() -> None:
    assert is_common_word("城市") and is_common_word("东西")
    assert not is_common_word("杭州") and not is_common_word("嘉善")
    assert not is_common_word("杭工e家")  # not in the dictionary: jieba's tag decides


def test_every_name_is_exported() -> None:
    assert all(hasattr(text, name) for name in text.__all__)


def test_folding_skips_the_converter_only_where_it_would_change_nothing() -> None:
    # Characters the character table keeps but a phrase changes (覆 in 反覆, 沈 in 沈默), a
    # traditional clause inside a long simplified text, and simplified text left alone.
    assert normalize("他沈默了，反覆思量，一目瞭然。") == "他沉默了,反复思量,一目了然。"  # NFKC: ，to ,
    assert normalize("覆盖全县。") == "覆盖全县。"
    page = "嘉善县总工会深耕10年。" * 200 + "嘉善有幾家單位獲評全國工人先鋒號？"
    assert normalize(page).endswith("嘉善有几家单位获评全国工人先锋号?")
    assert fold(page) == fold(page[:-17]) + "嘉善有几家单位获评全国工人先锋号?"
    assert len(fold(page)) == len(page)
