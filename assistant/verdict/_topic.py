"""The topic of a Chinese question: what it is about (邹游, 涞滩镇, 新西兰鸲鹟), as against its focus,
the attribute asked for (``_focus``).

An archive of news asked about something it never covers still hands back its closest passage, and
that passage can match the rest of the question well (分布在什么海域, 位于哪里). A passage that
answers names what the question is about, so the verdict checks the topic in the passage it cites.

The topic is the question's leading noun phrase, read by jieba's part-of-speech tags: the words
before the first verb, pronoun, preposition, adverb or question word (新西兰鸲鹟 in
新西兰鸲鹟属于什么科目？), or a title quoted at the start (《战国无双3》). A question that opens with 在
and a frame a localiser closes (在野马队和钢人队中，…) or with 什么是 is read from what follows; a period
before a noun is part of the phrase (侏罗纪海岸, not 今年的…), and characters jieba does not know, which
it tags as particles, are a name's pieces (榅 桲). Only its *specific* words
count: nouns and names that CC-CEDICT does not list as common words, a name joined by a middle dot
(韦斯·昂塞尔德), and runs of single characters, which is how jieba cuts a name it does not know
(鸲 鹟). A question that starts with anything else (人们…, 除了…, 说出…) or whose phrase has no
specific word (文章, 广场面积) has no topic here, and the rule does not fire. A word CC-CEDICT lists
only as a name is specific whatever jieba tags it (固始, an adjective to jieba), and a name followed
by a place's head (站, 路, 桥, 寺…) or an administrative suffix is one word with it, to be found
whole: 余杭站 is a station, and a passage about the district 余杭 does not answer where it is; so
does the head of an institution or a place (九龙酒店 is a hotel, not 九龙镇; 意大利大道). So is a
common noun followed by a noun of one character, a name jieba does not know (浪花鱼, 皱眉肌, 数珠丸:
浪花 alone is the waves), unless that character is a quantity, a part, a place or people
(会员数, 鱼体, 上岗时, 部分人), and one followed by an institution's head (萤火虫工作室); and
jieba's lone first character of such a name, tagged a morpheme or a number, is glued back (霁 虹桥,
日 月光集团).

A passage mentions the topic when it has the phrase, or the phrase's rarest specific word that the
archive has (五羊 of 五羊新城: 新城 is everywhere), each as terms are looked for (``plain``), also
without an administrative suffix, 人 or 队 (香港 for 香港地区, 英国 for 英国人, 野马 for 野马队) but
not beside another unit of the name (宝山区 is not 宝山镇), or written another way:
for a word of three characters its first two (jieba glues the next character onto a name it knows,
潘淑是; the last two are another person's given name, 晓飞 of 王晓飞) unless the third is a noun or a
name of its own (王金璐 is not 王金战, 林肯郡 not 林肯), for a longer one half of its
character bigrams (元朗千色汇 written 千色汇). A word of the topic that no passage of the archive
writes in any of these ways (not one character bigram of 五羊 anywhere) is mentioned by no passage,
whatever the phrase's other words match (新城, 新西兰 of 新西兰鸲鹟): the strongest evidence that
the archive does not cover what is asked about, as for the focus. The same holds for the phrase's
common nouns (``Topic.terms``: 牛肝菌 of 美味牛肝菌), which otherwise say nothing: a passage may speak
of a common thing in other words, but an archive with not one character bigram of it never does. A
person's given name before the family name is let off: translated text names a person by the family
name (特威格 for 格雷厄姆特威格).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from index.text import Lexicon, bigram_tokens, fold, is_common_word, is_proper_name, numerals

from ._instances import NAMED_BY_HEAD
from ._phrases import RELATIVE_TIME

__all__ = ["Topic", "chinese_topic", "mentions"]


@dataclass(frozen=True)
class Topic:
    """What a question is about: its leading noun phrase and the phrase's specific words (folded)."""

    phrase: str
    words: tuple[str, ...]
    # Its words that count whole only: a name with its head (余杭站: 余杭 alone is the district;
    # 浪花鱼: 浪花 alone is the waves).
    whole: tuple[str, ...] = ()
    # A person's given name before the family name (格雷厄姆 of 格雷厄姆特威格): an archive may
    # name the person by the family name alone, so it may have the given name nowhere.
    given: tuple[str, ...] = ()
    # Its common nouns (牛肝菌 of 美味牛肝菌, 蒲葵): a passage need not name them, but one the archive
    # writes nowhere, not one character bigram of it, says the archive does not cover the subject.
    terms: tuple[str, ...] = ()


# Tags that end the phrase: verbs (but not verbal nouns), pronouns and question words, prepositions,
# conjunctions, adverbs, particles and localisers (上, 中, 里).
_ENDS = frozenset({"v", "vd", "vg", "vi", "vq", "r", "rr", "rz", "ry", "p", "c", "d", "u", "uj", "ul", "uz",
                   "ug", "uv", "ud", "y", "e", "o", "f"})  # fmt: skip
# Nor does a phrase start with a number, a measure word or a time word (jieba tags 青年 one too,
# inside 云创青年小镇, where it may stand).
_NOT_FIRST = frozenset({"m", "mq", "q", "t", "tg"})
# Words that end it whatever jieba tags them (又称 and 隶属于 are nouns to jieba), and any word
# holding a question word (哪些方面) or ending in 于 (隶属于, 始建于).
_END_WORDS = frozenset({"是", "的", "有", "在", "被", "由", "和", "与", "及", "所", "又称", "称为", "叫做",
                        "简称", "为", "共"})  # fmt: skip
_ENDING = re.compile(r"哪|什么|多少|几|谁|何|多[长久大高远重]|于$")
# The tags a specific word may have: nouns, names, the archive's own words, Latin words,
# abbreviations; and for a single character, a morpheme (how jieba tags a rare one: 鸲 g).
_NOUNS = frozenset({"n", "ng", "nr", "nrt", "nrfg", "nrf", "ns", "nt", "nz", "x", "eng", "j"})
_PIECES = _NOUNS | {"g"}
# A name's parts joined by a middle dot (韦斯·昂塞尔德) are one name.
_DOTS = frozenset("·•・")
# Suffixes a passage may leave out (香港 for 香港地区, 英国 for 英国人), as the terms' forms do.
_SUFFIX = re.compile(r"(.{2,}?)(?:地区|街道|省|市|县|区|镇|乡|人|队)$")
# Numbers and measure words may stand inside a phrase (18号线), never start it or make it specific.
_COUNTS = frozenset({"m", "mq", "q"})
_PARTICLES = frozenset("吗呢吧啊呀哦嘛啦么哈")
# Time words that set when a question is asked about, not name a thing (今年的冠军, 现在的教堂).
_WHEN = RELATIVE_TIME | frozenset("当今 如今 今天 以前 以后 之前 之后 最近 早期 后期 晚期 初期 同期".split())
_FUNCTION_CHARS = frozenset("的了是在和与及或也都又还就才被把将从对向于为以而之其所这那")
_QUOTED_START = re.compile(r"^[《“\"「『]([^》”\"」』]{2,20})[》”\"」』]")
# The bigrams the lexical index keeps (index.text.Lexicon.tokens: CJK Unified Ideographs only).
_INDEXED = re.compile(r"#[\u4e00-\u9fff]{2}")
# Characters jieba glues onto the word before (潘淑是, 莱茵河谷以, 王江泾镇内, 矢井田瞳的).
_GLUE = frozenset("是以用指内的为在于和与及")
_MAX_PHRASE = 12  # longer, and it is a clause, not a name
# A place's head after a name names a place of that name (余杭站 is a station, not 余杭; 卒 after
# 陈荣捷 is no head), unlike an administrative suffix (嘉善县 is 嘉善). jieba tags 站 a verb.
_HEADS = frozenset("站路街道桥港寺庙塔馆园村岛")
# So does the head of an institution or a place of more characters (九龙酒店 is a hotel, 意大利大道
# a street, 大麦地遗址 a site): the instances' heads (``_instances``), and places'.
_NAMED_HEADS = frozenset(
    # Not 公司 or 集团: a company is written by its short name as often (美安 for 美安公司).
    {h for heads in NAMED_BY_HEAD.values() for h in heads if len(h) >= 2} - {"公司", "集团"}
    | {"机场", "车站", "公园", "广场", "大厦", "大桥", "公路", "遗址", "水库", "体育场", "体育馆", "博物馆"}
)
# The administrative suffixes: 宝山 of 宝山镇 in a passage that names 宝山区 is the district.
_ADMIN = frozenset("省市县区镇乡")
# A noun of one character after a common noun makes a name jieba does not know (凤凰队, 浪花鱼,
# 皱眉肌), found whole as a place's head is (浪花 alone is the waves); not a quantity of the noun
# (会员数, 增长率), a part or a place of it (鱼体, 上岗时, 站内), people (部分人), or a case named by
# what happened (抛砖案: a report tells of 高空抛砖 and may never call it that).
_NOT_HEADS = frozenset("数量率额价费值度体身面部时后前里中上下内外间旁边人者们案")
# Heads of institutions a common noun names (萤火虫工作室, 自然史博物馆). Not 公司 or 学院: those
# follow a trade as often (建筑公司, 医学院), which is a kind, not a name.
_INSTITUTIONS = frozenset("工作室 协会 学会 研究所 研究院 基金会 俱乐部 出版社 电视台 博物馆".split())
# jieba cuts the first character off a name it does not know and tags it a morpheme or a number
# (霁 of 霁虹桥, 日 of 日月光集团); not a numeral or a word of quantity (第, 每, 多, 全).
_LOOSE_FIRST = frozenset({"vg", "ag", "g", "dg", "tg", "ng", "m"})
_QUANTITY_FIRST = frozenset("一二三四五六七八九十百千万亿两几多半首每第全整零单双各某本该")
_PERSON = frozenset({"nr", "nrt", "nrfg", "nrf"})
_NAMES = _PERSON | {"ns", "nt", "nz"}
_TERM_TAGS = _NAMES | {"n", "l"}
_HANZI3 = re.compile(r"[\u4e00-\u9fff]{3}")


def _fold(text: str) -> str:
    return "".join(fold(numerals(text)).split())


def _phrase(tagged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    dotted = False
    # 在野马队和钢人队中，哪支…: the place or frame a question opens with is what it is about (not an
    # event, 在太空服异味造成…的期间, which a passage tells in its own words); 什么是五羊新城: what is
    # asked to be defined.
    if tagged[:1] == [("在", "p")] and _frame(tagged[1:]):
        tagged = tagged[1:]
    elif [w for w, _ in tagged[:2]] in (["什么", "是"], ["谁", "是"]):
        tagged = tagged[2:]
    for i, (word, tag) in enumerate(tagged):
        if not word.strip():
            if kept:
                break
            continue
        if word in _DOTS and kept and kept[-1][1] in _NOUNS:
            kept[-1] = (kept[-1][0] + word, "nr")
            dotted = True
            continue
        if word in _HEADS and kept:
            tag = "n"
        # jieba tags a character it does not know a particle (榅 桲): a piece of a name, unless a
        # particle indeed (吗, 呢).
        if tag == "y" and word not in _PARTICLES:
            tag = "g"
        # A time word naming a period before a noun is part of the name (夏季剧院, 侏罗纪海岸), not a
        # time the question is set in (今年, 当时).
        then = tagged[i + 1][1] if i + 1 < len(tagged) else ""
        if not kept and tag == "t" and word not in _WHEN and (then in _NOUNS or then == "s"):
            tag = "n"
        ends = tag in _ENDS or word in _END_WORDS or bool(_ENDING.search(word)) or not re.search(r"\w", word)
        if ends or (not kept and tag in _NOT_FIRST):
            break
        if dotted and tag in _PIECES:
            kept[-1] = (kept[-1][0] + word, "nr")
            continue
        dotted = False
        kept.append((word, tag))
    return kept


def _frame(tagged: list[tuple[str, str]]) -> bool:
    """Whether the words after an opening 在 name a place or a frame: a localiser (中, 里, 上) closes
    them, no verb before it."""
    for _, tag in tagged:
        if tag == "f":
            return True
        if tag.startswith("v") or tag in ("r", "x"):
            return False
    return False


def _specific(kept: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The phrase's specific words, and those of them that are a name with its head."""
    words: list[str] = []
    headed: set[int] = set()
    run = ""
    pieces: list[str] = []  # the tags of the run's characters
    named = False  # the word before was a specific word
    noun = ""  # the word before, when a noun of two characters or more
    for word, tag in [*kept, ("", "")]:
        if named and _takes_head(words[-1], word):
            words[-1] += word  # 余杭站, 西湖路: a place of that name, not the name's place
            headed.add(len(words) - 1)
            noun = ""
            continue
        if noun and not named and _head(word, tag) and not is_common_word(noun + word):
            words.append(noun + word)
            headed.add(len(words) - 1)
            named, noun = True, ""
            continue
        noun = word if len(word) >= 2 and tag in _NOUNS and not re.search(r"\d", word) else ""
        named = False
        if len(word) == 1 and word not in _FUNCTION_CHARS and tag not in _COUNTS:
            run += word  # a name jieba does not know, cut into characters
            pieces.append(tag)
            continue
        if len(run) >= 2 and any(t in _PIECES for t in pieces):
            words.append(run)
        run, pieces = "", []
        if (
            len(word) >= 2
            and (tag in _NOUNS or is_proper_name(word))
            and not re.search(r"\d", word)
            and not is_common_word(word)
        ):
            words.append(word)
            named = True
    return [_fold(w) for w in words], [_fold(words[i]) for i in sorted(headed)]


def _takes_head(name: str, word: str) -> bool:
    """Whether ``word`` is a head that makes one name with the specific word before it (余杭站,
    宝山镇, 九龙酒店); not after a character jieba glued on (矢井田瞳在 大学), nor a head the
    name already has (福林德斯大学 大学)."""
    heads = word in _HEADS or word in _ADMIN or word in _NAMED_HEADS
    return heads and name[-1] not in _GLUE and not name.endswith(word)


def _head(word: str, tag: str) -> bool:
    """Whether ``word`` after a common noun makes a name of it: a noun of one character (浪花鱼), or
    the head of an institution (萤火虫工作室)."""
    if word in _INSTITUTIONS:
        return True
    return len(word) == 1 and tag in ("n", "ng") and word not in _FUNCTION_CHARS | _NOT_HEADS


def _glued(tagged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The words, the first character of a name glued back on (霁虹桥, 日月光)."""
    if len(tagged) < 2:
        return tagged
    (first, tag), (word, then) = tagged[0], tagged[1]
    loose = (
        len(first) == 1
        and re.fullmatch(r"[\u4e00-\u9fff]", first) is not None
        and tag in _LOOSE_FIRST
        and first not in _FUNCTION_CHARS | _QUANTITY_FIRST
    )
    if loose and len(word) >= 2 and then in _NOUNS:
        return [(first + word, "nz"), *tagged[2:]]
    return tagged


def chinese_topic(question: str, lexicon: Lexicon) -> Topic | None:
    """The topic of a Chinese question, or None when it names none (see the module's docstring).

    >>> lexicon = Lexicon()
    >>> chinese_topic("邹游为什么被河南建业挂牌？", lexicon)
    Topic(phrase='邹游', words=('邹游',), whole=(), given=(), terms=())
    >>> chinese_topic("余杭站位于哪里？", lexicon).whole
    ('余杭站',)
    >>> chinese_topic("《战国无双3》是由哪两个公司合作开发的？", lexicon).phrase
    '战国无双3'
    >>> chinese_topic("人们什么时候又开始对特斯拉感兴趣了？", lexicon).words  # common nouns only
    ()
    """
    text = question.strip()
    quoted = _QUOTED_START.match(text)
    if quoted:
        name = _fold(quoted.group(1))
        return Topic(phrase=name, words=(name,))
    tagged = _glued(lexicon.tagged(numerals(text)))
    kept = _phrase(tagged)
    # 坐轮椅的方夏明、方夏荣兄弟: a phrase with no name, before 的 and a person's name, says which
    # person; the name is what the question is about.
    end = len(kept)
    after = tagged[end + 1 : end + 5] if tagged[end : end + 1] == [("的", "uj")] else []
    if kept and not any(t in _NAMES for _, t in kept) and any(t in _PERSON for _, t in after):
        kept = _phrase(tagged[end + 1 :])
    phrase = _fold("".join(w for w, _ in kept))
    words, headed = _specific(kept)
    folded = {_fold(w) for w in words}
    terms = [_fold(w) for w, t in kept if t in _TERM_TAGS and len(w) >= 2 and not re.search(r"\d", w)]
    terms = [w for w in dict.fromkeys(terms) if w not in folded]
    if not 2 <= len(phrase) <= _MAX_PHRASE or not (words or terms):
        return None
    pairs = zip(kept, kept[1:], strict=False)
    given = [_fold(w) for (w, tag), (_, then) in pairs if tag in _PERSON and then in _PERSON]
    # A three-character name whose last character is a noun or a name of its own (王金璐, 林肯郡) is
    # the name whole: only a verb or a particle is glued on by jieba (潘淑是, 侯景封, 李翰曾).
    # Only a name jieba cut as one (not a run of characters it left single, 雀鲷幼; nor a noun, into
    # which it may glue the character before: 幼 鱼体色), in hanzi.
    tokens = {_fold(w) for w, t in kept if t in _NAMES}
    three = [w for w in words if w in tokens and _HANZI3.fullmatch(w) and _named_by(w[-1], lexicon)]
    whole = [*headed, *three]
    return Topic(
        phrase=phrase,
        words=tuple(dict.fromkeys(words)),
        whole=tuple(dict.fromkeys(whole)),
        given=tuple(given),
        terms=tuple(terms),
    )


def _named_by(char: str, lexicon: Lexicon) -> bool:
    """Whether a character alone is a noun or a name to jieba (璐, 郡), not a word it glues onto the
    name before (是, 封, 曾)."""
    tags = [t for _, t in lexicon.tagged(char)]
    return len(tags) == 1 and (tags[0].startswith("n") or tags[0] in ("x", "g"))


def _in(word: str, folded: str, whole: tuple[str, ...] = ()) -> bool:
    stem = _SUFFIX.match(word)
    if word in folded or (stem is not None and _stem_in(stem.group(1), word, folded)):
        return True
    if word in whole:
        return False
    if len(word) == 3:
        # jieba glues the next character onto a name (潘淑是, 侯景封): its first two are the name.
        # The last two are someone else's (晓飞 of 徐晓飞 is 王晓飞's too).
        return word[:2] in folded
    grams = {word[i : i + 2] for i in range(len(word) - 1)}
    return len(word) > 3 and 2 * sum(g in folded for g in grams) >= len(grams)


def _stem_in(stem: str, word: str, folded: str) -> bool:
    """Whether a passage names the place of an administrative word by its stem (嘉善 for 嘉善县),
    and not another unit of that name instead (宝山区 for 宝山镇)."""
    if stem not in folded:
        return False
    suffix = word[len(stem) :]
    return suffix[:1] not in _ADMIN or not any(stem + s in folded for s in _ADMIN - {suffix[:1]})


def _written(word: str, topic: Topic, has: Callable[[str], bool]) -> bool:
    """Whether the archive may write a word of the topic, going by what ``has`` says of its
    tokens (the word itself, and ``#`` and a character bigram): unless it is written whole, or
    without its suffix, or a name that counts whole, some character bigram of the phrase that
    takes in one of its characters must be there (jieba cuts across a name: 鲷鱼 of 黄天竺鲷鱼体 is
    written as 天竺鲷 and 鱼体). Left written: a word jieba glued a function character onto
    (潘淑是's 淑是, 镇内), and one with a character the index keeps no bigrams of (䲟)."""
    stem = _SUFFIX.match(word)
    if has(word) or (stem is not None and has(stem.group(1))) or word[-1] in _GLUE:
        return True
    at = topic.phrase.find(word)
    around = topic.phrase[max(0, at - 1) : at + len(word) + 1] if at >= 0 else word
    grams = bigram_tokens(word if word in topic.whole else around)
    if not grams or not all(_INDEXED.fullmatch(g) for g in grams):
        return True
    found = [has(g) for g in grams]
    return all(found) if word in topic.whole else any(found)


def _nowhere(term: str, has: Callable[[str], bool]) -> bool:
    """Whether the archive has neither the word nor one character bigram of it (牛肝菌)."""
    grams = bigram_tokens(term)
    indexed = bool(grams) and all(_INDEXED.fullmatch(g) for g in grams)
    return indexed and not has(term) and not any(has(g) for g in grams)


def mentions(
    topic: Topic,
    folded: str,
    rarity: Callable[[str], tuple[float, bool]],
    has: Callable[[str], bool] = lambda token: True,
) -> bool:
    """Whether a passage (``plain``) mentions the topic; ``rarity`` gives a word's IDF in the
    archive and whether the archive has it, ``has`` whether the archive has a lexical token.
    A topic with a word the archive never writes (``_written``: 五羊 where no passage has it) is
    mentioned nowhere, whatever its other words match: 元朗 does not make 元朗千色汇. A person's
    given name is let off (特威格 is 格雷厄姆特威格).

    >>> t = Topic(phrase="五羊新城", words=("五羊", "新城"))
    >>> idf = {"五羊": (9.0, True), "新城": (3.0, True)}.__getitem__
    >>> mentions(t, "松江新城综合交通", idf), mentions(t, "五羊邨的新城", idf)
    (False, True)
    """
    if not all(_written(w, topic, has) for w in topic.words if w not in topic.given):
        return False
    if any(_nowhere(term, has) for term in topic.terms):
        return False
    if not topic.words:  # common nouns alone: any passage may speak of them otherwise
        return True
    if _in(topic.phrase, folded, topic.whole):
        return True
    rated = [(*rarity(w), w) for w in topic.words]
    known = [(idf, len(w), w) for idf, has, w in rated if has]
    if not known:  # the archive has none of them: any one will do
        return any(_in(w, folded, topic.whole) for w in topic.words)
    return _in(max(known)[2], folded, topic.whole)
