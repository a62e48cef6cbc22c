"""The topic: what a Chinese question is about must be in the passage the verdict cites. Read from
the question's leading noun phrase, checked in the passage by its rarest specific word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webserver import CORPUS, hash_index

from assistant import Assistant
from assistant.verdict._topic import Topic, chinese_topic, mentions
from index import HashEmbedder
from index.text import Lexicon, domain_words, is_chinese, normalize

DATA = Path(__file__).parent / "data"
LEXICON = Lexicon(domain_words(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")))


def topic_of(question: str) -> Topic | None:
    return chinese_topic(normalize(question), LEXICON)


@pytest.mark.parametrize(
    ("question", "phrase", "words"),
    [
        ("邹游为什么被河南建业挂牌？", "邹游", ("邹游",)),
        ("新西兰鸲鹟属于什么科目？", "新西兰鸲鹟", ("新西兰", "鸲鹟")),  # 鸲 鹟: a name jieba cuts apart
        ("五羊新城又称什么？", "五羊新城", ("五羊", "新城")),
        ("《战国无双3》是由哪两个公司合作开发的？", "战国无双3", ("战国无双3",)),
        ("宁波云创青年小镇的建筑面积是多少？", "宁波云创青年小镇", ("宁波", "云创")),
        ("韦斯·昂塞尔德在场上的位置是什么？", "韦斯·昂塞尔德", ("韦斯·昂塞尔德",)),  # one name
        ("涞滩镇隶属于哪个城市？", "涞滩镇", ("涞滩镇",)),  # 隶属于: a noun to jieba, a verb here
        ("余杭站位于哪里？", "余杭站", ("余杭站",)),  # a station, not the district; 站 a verb to jieba
        ("固始站的建筑有什么特点？", "固始站", ("固始站",)),  # 固始: an adjective to jieba, a county
        ("榅桲的果实有什么药用价值？", "榅桲", ("榅桲",)),  # characters jieba does not know: particles to it
        ("侏罗纪海岸包括哪些地形？", "侏罗纪海岸", ("侏罗纪",)),  # a period before a noun names the thing
        ("在野马队和钢人队中，哪支球队是分区冠军？", "野马队", ("野马队",)),  # the frame it opens with
        ("什么是五羊新城？", "五羊新城", ("五羊",)),  # what is to be defined
        ("坐轮椅的方夏明、方夏荣兄弟家在哪个村？", "方夏明", ("方夏",)),  # the person 的 points to
    ],
)
def test_the_topic_is_the_leading_noun_phrase(question: str, phrase: str, words: tuple[str, ...]) -> None:
    topic = topic_of(question)
    assert topic is not None and topic.phrase == phrase and set(words) <= set(topic.words)


@pytest.mark.parametrize(
    "question",
    [
        "人们什么时候又开始对特斯拉感兴趣了？",  # a pronoun
        "除了科学成就，特斯拉还有什么出名的？",  # a preposition
        "说出丰田的一个豪华汽车部门。",  # a verb
        "文章说女神卡卡得过几次格莱美奖？",  # common words only
        "哪几路公交车在余杭站北侧始发？",  # a question word
        "文中的“严重影响”指什么？",  # a place word, no name
        "药物法令规定哪些方面？",  # common words, then a question word
        "很久之前蓝藻菌进入了哪种细胞内？",  # single characters that are no name
        "今年的冠军是谁？",  # a time the question is set in, not a name
        "在哪里发现索齿兽目的化石？",  # 在 and a question word
        "在暴雨造成航班延误的期间发生了什么？",  # 在 and an event, not a place or a frame
    ],
)
def test_no_topic_where_the_question_does_not_start_with_one(question: str) -> None:
    topic = topic_of(question)  # common nouns count only where the archive writes them nowhere
    assert topic is None or not topic.words


def test_the_rarest_word_the_archive_has_decides() -> None:
    topic = Topic(phrase="五羊新城", words=("五羊", "新城"))
    rarity = {"五羊": (9.0, True), "新城": (3.0, True)}.__getitem__
    assert not mentions(topic, "松江新城综合交通体系规划", rarity)  # 新城 is everywhere
    assert mentions(topic, "五羊邨一带的新城", rarity)
    # A word the archive has nowhere cannot be the rarest it has: any of the words will do.
    assert mentions(topic, "新城", {"五羊": (12.0, False), "新城": (3.0, True)}.__getitem__)
    # Without its suffix (香港 for 香港地区, 英国 for 英国人).
    assert mentions(Topic(phrase="香港地区", words=("香港地区",)), "香港的码头", lambda w: (5.0, True))
    # Written another way: half the character bigrams of a longer word (千色汇 for 元朗千色汇).
    assert mentions(Topic(phrase="元朗千色汇", words=("元朗千色汇",)), "千色汇商场", lambda w: (5.0, True))


def test_a_word_the_archive_never_writes_is_mentioned_nowhere() -> None:
    """The archive has not one bigram of 五羊 (or of 鸲鹟): whatever the rest of the phrase
    matches (新城, 新西兰), the passage is about something else."""
    topic = Topic(phrase="五羊新城", words=("五羊", "新城"))
    rarity = {"五羊": (12.0, False), "新城": (3.0, True)}.__getitem__
    assert not mentions(topic, "松江新城", rarity, {"新城", "#新城"}.__contains__)
    # Its bigram somewhere: jieba cut it another way there, and the passage has it.
    assert mentions(topic, "五羊邨的新城", rarity, {"新城", "#新城", "#五羊"}.__contains__)
    bird = topic_of("新西兰鸲鹟属于什么科目？")
    assert bird is not None and "鸲鹟" in bird.words
    has = {"新西兰", "#新西", "#西兰"}.__contains__
    assert not mentions(bird, "新西兰的环境保护专业", lambda w: (5.0, True), has)


def test_a_persons_given_name_may_be_missing_from_the_archive() -> None:
    topic = topic_of("格雷厄姆特威格对疾病的传播提出了什么观点？")
    assert topic is not None and topic.given == ("格雷厄姆",)
    has = {"特威格", "#特威", "#威格", "#格雷"}.__contains__
    assert mentions(topic, "特威格认为起因是炭疽热", lambda w: (5.0, has(w)), has)


def test_a_three_character_word_is_its_first_two() -> None:
    """jieba glues the next character onto a name it knows (潘淑是); the last two characters of a
    name are another person's given name (晓飞 of 王晓飞)."""
    known = lambda w: (5.0, True)  # noqa: E731
    assert mentions(Topic(phrase="潘淑是", words=("淑是",)), "潘淑的父亲是吴国的小吏", known)
    assert not mentions(Topic(phrase="徐晓飞", words=("徐晓飞",)), "青年新农人王晓飞", known)


def test_a_three_character_name_ending_in_a_noun_counts_whole() -> None:
    """王金璐 is not 王金战, nor 林肯郡 林肯: a name's last character that is a noun or a name alone is
    part of it; one that is a verb or a particle (是, 封) is what jieba glued on."""
    known = lambda w: (5.0, True)  # noqa: E731
    person = topic_of("王金璐出身于什么学校？")
    assert person is not None and "王金璐" in person.whole
    assert not mentions(person, "王金战对此不以为然，他有很多学生考上了北大", known)
    assert mentions(person, "王金璐出身于富连成科班", known)
    county = topic_of("林肯郡在什么位置？")
    assert county is not None and not mentions(county, "林肯总统的演说", known)
    glued = topic_of("侯景封了宋子仙什么职位？")
    assert glued is not None and "侯景封" not in glued.whole
    assert mentions(glued, "侯景以宋子仙为司徒", known)


def test_a_common_noun_and_an_institutions_head_make_a_name() -> None:
    """萤火虫工作室 is a studio, not fireflies; 建筑公司 is a kind of company, not a name."""
    known = lambda w: (5.0, True)  # noqa: E731
    studio = topic_of("萤火虫工作室的总部设在哪里？")
    assert studio is not None and studio.whole == ("萤火虫工作室",)
    assert not mentions(studio, "萤火虫在夏夜的田野里飞舞", known)
    assert mentions(studio, "萤火虫工作室由宫崎骏创立", known)
    kind = topic_of("建筑公司的分类体系叫什么？")
    assert kind is None or not kind.words


def test_a_common_noun_the_archive_writes_nowhere_is_not_covered() -> None:
    """美味牛肝菌 names no one, but an archive with not one character bigram of 牛肝菌 does not cover
    it; a common noun the archive has (时期) says nothing either way."""
    topic = topic_of("美味牛肝菌又被称为什么？")
    assert topic is not None and "牛肝菌" in topic.terms
    idf = lambda w: (5.0, True)  # noqa: E731
    archive = {"美味", "#美味", "#时期", "时期"}
    assert not mentions(topic, "美味佳肴", idf, archive.__contains__)
    assert mentions(topic, "美味牛肝菌是一种真菌", idf, lambda token: True)
    period = topic_of("这个时期的西方世界处于什么阶段？")
    assert period is None or mentions(period, "西方世界", idf, archive.__contains__)


def test_a_place_named_after_a_name_counts_whole() -> None:
    topic = topic_of("余杭站的建筑有什么特点？")
    assert topic is not None and topic.whole == ("余杭站",)
    known = lambda w: (5.0, True)  # noqa: E731
    assert not mentions(topic, "余杭区的住宅用地出让", known)  # the district, not the station
    assert mentions(topic, "余杭站北侧的公交站", known)


@pytest.mark.parametrize(
    ("question", "word", "another"),
    [
        ("九龙酒店的地址是哪里？", "九龙酒店", "河北涞水县九龙镇的村庄"),  # a hotel, not the town
        ("意大利大道属于哪个国家？", "意大利大道", "意大利是中国在欧盟内的贸易伙伴"),
        ("成都道在什么地方？", "成都道", "大运会在成都举行"),
    ],
)
def test_an_institution_or_a_street_named_after_a_name_counts_whole(
    question: str, word: str, another: str
) -> None:
    topic = topic_of(question)
    assert topic is not None and topic.whole == (word,)
    known = lambda w: (5.0, True)  # noqa: E731
    assert not mentions(topic, another, known)
    assert mentions(topic, f"{word}始建于1900年", known)


def test_a_head_the_name_has_is_not_added_again() -> None:
    topic = topic_of("福林德斯大学大学开办第一年有多少学生？")  # a typo: the head twice
    assert topic is not None and topic.whole and not any(w.endswith("大学大学") for w in topic.whole)


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("浪花鱼在什么地方栖息？", "浪花鱼"),  # 浪花 alone is the waves
        ("皱眉肌的拉丁文意思是什么？", "皱眉肌"),
        ("数珠丸的名字有什么由来？", "数珠丸"),
    ],
)
def test_a_common_noun_and_a_one_character_head_make_a_name(question: str, word: str) -> None:
    topic = topic_of(question)
    assert topic is not None and topic.words == (word,) and topic.whole == (word,)
    known = lambda w: (5.0, True)  # noqa: E731
    assert not mentions(topic, word[:2] + "和沙滩", known)
    assert mentions(topic, "说到" + word + "，", known)


def test_a_team_may_be_named_without_its_head() -> None:
    topic = topic_of("野马队在分区赛中打败了谁？")
    assert topic is not None and mentions(topic, "丹佛野马在分区赛中", lambda w: (5.0, True))


@pytest.mark.parametrize(
    "question",
    ["会员数有多少？", "部分人抗议什么？", "鲷鱼体呈什么颜色？", "长春万达夜市抛砖案的嫌疑人是哪里人？"],
)
def test_a_quantity_a_part_or_people_is_no_head(question: str) -> None:
    topic = topic_of(question)
    assert topic is None or not topic.whole


@pytest.mark.parametrize(
    ("question", "word"), [("霁虹桥的位置是哪里？", "霁虹桥"), ("日月光集团的创办人是谁？", "日月光")]
)
def test_a_names_first_character_is_glued_back(question: str, word: str) -> None:
    """jieba cuts the first character off a name it does not know (霁 虹桥, 日 月光) and tags it a
    morpheme or a number; 虹桥 or 月光 alone is another thing."""
    topic = topic_of(question)
    assert topic is not None and word in topic.words
    assert not mentions(topic, "上海虹桥站的月光", lambda w: (5.0, True))


def test_another_unit_of_the_same_name_is_not_the_place() -> None:
    topic = Topic(phrase="宝山镇", words=("宝山镇",), whole=("宝山镇",))
    known = lambda w: (5.0, True)  # noqa: E731
    assert not mentions(topic, "上海宝山区月浦镇与上海宝山创新中心", known)  # the district
    assert mentions(topic, "宝山是一个山区小镇", known)  # without its suffix


def _questions(name: str) -> list[dict[str, object]]:
    return [
        json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.mark.parametrize(("name", "least"), [("seed_dev.jsonl", 15), ("absent_details.jsonl", 15)])
def test_an_answerable_questions_topic_is_in_its_article(name: str, least: int) -> None:
    """Every answerable question of the dev sets whose topic is read finds it in its page, by the
    rarity of its words there: a topic read too wide (a verb glued on) would be missing."""
    texts = {p.name: "".join(p.read_text(encoding="utf-8").split()) for p in CORPUS.glob("*.txt")}
    checked = 0
    for q in _questions(name):
        text = str(q["question"])
        topic = topic_of(text)
        if not q["answerable"] or not is_chinese(text) or topic is None:
            continue
        files = q["files"]
        assert isinstance(files, list)
        page = texts[str(files[0])]

        def rarity(word: str) -> tuple[float, bool]:
            count = sum(word in t for t in texts.values())
            return (1.0 / count if count else 0.0, count > 0)

        assert mentions(topic, page, rarity), (q["qid"], topic)
        checked += 1
    assert checked >= least


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant.open(hash_index(tmp_path_factory.mktemp("ix")), HashEmbedder())


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("王建国凭酿酒手艺评上了两山工匠，他是哪家企业的？", "王建国"),
        ("邹游为什么获评全国工人先锋号？", "邹游"),
    ],
)
def test_a_question_about_someone_the_archive_lacks_is_not_found(
    assistant: Assistant, question: str, topic: str
) -> None:
    result = assistant.search(question, k=3)
    assert not result.found and result.reason == "terms" and result.unmatched[0] == topic


# A news article given without a title (as news feeds give them): its subject, 台风“杜苏芮”, is named
# in its opening, and the paragraph that answers, further on, says only 台风.
_LEAD = "来源：人民网 漳州7月26日电 为应对台风“杜苏芮”带来的风雨，漳州海警局启动防台部署，派出巡逻艇。"
_MIDDLE = "执法人员帮助渔民加固渔排，检查消防设备，转移物资，通报最新动态。" * 20
_ANSWER = "漳州海警局提醒广大渔民朋友，台风过境期间如在海上遇险，请及时拨打报警电话95110求助。"


def _storm_archive(where: Path, title: str) -> Path:
    (where / "corpus").mkdir(parents=True)
    article = {"id": "a1", "title": title, "text": f"{_LEAD}\n{_MIDDLE}\n{_ANSWER}"}
    other = {"id": "b1", "title": "", "text": "台风“卡努”逼近，温州渔船回港避风。" * 3}
    lines = [json.dumps(a, ensure_ascii=False) for a in (article, other)]
    (where / "corpus" / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return hash_index(where / "ix", where / "corpus")


@pytest.mark.parametrize("title", ["", "漳州海警全力防御台风“杜苏芮”"])
def test_a_passage_is_about_what_its_article_named_before_it(tmp_path: Path, title: str) -> None:
    with Assistant.open(_storm_archive(tmp_path, title), HashEmbedder()) as assistant:
        asked = assistant.search("台风杜苏芮来袭前，漳州海警提醒渔民海上遇险打哪个报警电话？", k=3)
        best = asked.hits[0]
        assert "95110" in best.text and "杜苏芮" not in best.text and best.start > 0
        # Named in the article's opening (or its title), the storm is what the passage is about.
        assert asked.found, (asked.reason, asked.unmatched)
        # Another storm is named neither there nor in the passage: not what it is about.
        other = assistant.search("台风卡努来袭前，漳州海警提醒渔民海上遇险打哪个报警电话？", k=3)
        assert not other.found and other.reason == "terms"
