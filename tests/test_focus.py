"""The focus: the attribute a question asks for (床位, 服务电话, 占地面积) must be in the passage the
verdict cites. Found by parsing (jieba's tags around the question word), attested by the passage's
words, and wired to the verdict, the result and its faces."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from webserver import CORPUS, hash_index

from assistant import Assistant, Opinion, SearchResult
from assistant.faces._format import format_result
from assistant.faces._render import result_html
from assistant.verdict import Focus, Verdict, attest, chinese_focus, consult, english_focus, read_question
from assistant.verdict._forms import asked_form
from index import HashEmbedder
from index.text import Lexicon, domain_words, normalize

DATA = Path(__file__).parent / "data"
LEXICON = Lexicon(domain_words(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")))

# The table: the right article is found, the detail asked is nowhere in it.
TABLE = [
    ("宁波云创青年小镇工会联合会的办公地址在哪里？", "办公地址"),
    ("开化县职工疗休养服务中心有多少张床位？", "床位"),
    ("杭州湾信息港的工匠评选由哪个评委会负责？", "评委会"),
    ("瓜沥供电所的服务电话是多少？", "服务电话"),
    ("瓜沥供电所有多少名退休职工？", "退休职工"),
    ("宁波云创青年小镇的占地面积是多少？", "占地面积"),
    ("安吉县职工的平均工资是多少？", "平均工资"),
]
ENGLISH = "What is the phone number of the Guali power supply station?"
ANSWERED = [
    ("宁波云创青年小镇的建筑面积是多少？", "5.6万平方米"),
    ("嘉善有几家单位获评全国工人先锋号？", "3家获评全国"),
    ("请告诉我宁波云创青年小镇的建筑面积", "5.6万平方米"),  # a request, no question word
]


def focus_of(question: str) -> str | None:
    found = chinese_focus(normalize(question), LEXICON)
    return found.text if found is not None else None


@pytest.mark.parametrize(("question", "focus"), TABLE)
def test_the_focus_of_the_tables_questions(question: str, focus: str) -> None:
    assert focus_of(question) == focus


@pytest.mark.parametrize(
    "question",
    [
        "安吉评出来的工匠里，哪一位是做白茶炒制的？",  # a person: no nominal focus
        "电影的导演是谁？",  # 是谁: left to the model (导演 is written 执导), but for an office
        "云创青年小镇在哪里？",  # the topic itself is asked about
        "嘉善县总工会怎样创建“工人先锋号”？",
        "安吉摸底后发现还有多少困难户没通上自来水？",  # a predicate, not an attribute
        "亚马逊热带雨林估计的树的种类数量是多少？",  # count words only: what is counted is no attribute
        "在亚马逊雨林中能找到多少种树木？",  # kinds of trees: a passage names them one by one
        "当比赛还剩4分51秒时，卡罗莱纳在几码线开球？",  # a place after a preposition
        "哪个石油生产国是美国的重要盟友？",  # which X is: answered by a name alone
        "世界上有多少碳储存在亚马逊森林里？",  # 碳 is no measure word: 储存 is no thing counted
        "它还有多少地方没有得到开发？",  # an extent (大片未开发的地区), no measure word to count by
    ],
)
def test_no_focus_where_none_is_asked(question: str) -> None:
    assert focus_of(question) is None


def _questions(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


def _article(question: dict[str, object]) -> str:
    files = question["files"]
    assert isinstance(files, list) and files
    return "".join((CORPUS / str(files[0])).read_text(encoding="utf-8").split())


@pytest.mark.parametrize(("name", "least"), [("seed_dev.jsonl", 2), ("absent_details.jsonl", 6)])
def test_an_answerable_questions_focus_is_in_its_article(name: str, least: int) -> None:
    """Every answerable question of the dev sets that names an attribute finds it in its page: a
    focus read too wide (the topic glued on) or from the wrong words would be missing there."""
    checked = 0
    for q in _questions(name):
        text = str(q["question"])
        if not q["answerable"] or text.isascii():
            continue
        focus = chinese_focus(normalize(text), LEXICON)
        if focus is None or focus.kind != "attribute":
            continue
        verdict = attest(focus, _article(q), LEXICON, None)
        assert verdict.attested, (q["qid"], focus.text)
        checked += 1
    assert checked >= least


def test_most_absent_details_have_a_focus() -> None:
    """The parser finds the focus of most unanswerable questions of the dev set (those asking 是谁,
    or counting who did something, have none by design)."""
    unanswerable = [q for q in _questions("absent_details.jsonl") if not q["answerable"]]
    read = [read_question(normalize(str(q["question"])), LEXICON).focus for q in unanswerable]
    assert sum(f is not None for f in read) >= 0.8 * len(unanswerable)


def test_the_english_focus_goes_through_the_dictionary() -> None:
    focus = english_focus(ENGLISH)
    assert focus is not None and focus.text == "phone number" and "电话" in focus.whole
    assert english_focus("How many beds does the Kaihua recuperation centre have?") is not None
    assert english_focus("How many units in Jiashan were named national Workers' Pioneer?") is None
    assert english_focus("Who makes white tea in Anji?") is None
    assert english_focus("What is the fifth type in Jiashan's scheme?") is None  # which one, not what
    assert english_focus("What is the hymn known as in English?") is None  # what it is called
    assert english_focus("How many forced fumbles did he have?") is not None


def test_an_english_focus_is_the_words_it_is_the_first_sense_of() -> None:
    """address is 地址 first, and a speech (讲话) only third: an archive full of speeches does not
    give an address."""
    focus = english_focus("What is the address of the Dingshangyi hotel in Anji?")
    assert focus is not None and "地址" in focus.parts[0] and "讲话" not in focus.parts[0]
    assert not attest(focus, "县委书记在会上发表讲话", LEXICON, None).attested
    # A word no entry gives first still has the dictionary's other senses to go on.
    assert english_focus("How many forced fumbles did he have?") is not None


def test_an_english_focus_is_said_by_its_unit() -> None:
    focus = english_focus("What was the percentage of households with children?")
    assert focus is not None
    assert attest(focus, "有孩子的家庭占 32.1%", LEXICON, None).attested
    assert not attest(focus, "有孩子的家庭很多", LEXICON, None).attested


def _holds_its_form(focus: Focus | None, says: str, does_not: str, question: str) -> None:
    """The focus is a form of value, which ``says`` holds and ``does_not`` does not."""
    assert focus is not None and focus.form, question
    assert attest(focus, says, LEXICON, None).attested, question
    assert not attest(focus, does_not, LEXICON, None).attested, question


def test_an_english_question_asks_a_form_of_value_as_a_chinese_one_does() -> None:
    """In what year, on what date, what time, how much money, how many households: the Chinese
    passage must hold a value of that form whatever the question's language; a judge refuses it."""
    cases = [
        ("In what year did the union start the Workers' Pioneer campaign?", "2008年起创建", "多年来坚持创建"),
        ("On what date was the summit held?", "论坛于12月5日举行", "论坛近日举行"),
        ("What time does the centre open?", "每天上午8:30开放", "中心向职工开放"),
        ("How much money did each craftsman get?", "每人奖励2000元", "颁发荣誉证书"),
        ("How many households were helped?", "帮扶困难职工3625户", "帮扶困难职工"),
    ]
    for question, says, does_not in cases:
        _holds_its_form(english_focus(question), says, does_not, question)
    assert english_focus("How long is the river?") is None  # a length or a duration: not read


def test_a_count_is_attested_only_by_a_number_of_the_thing() -> None:
    """多少员工 asks how many: a passage that names 员工 without a number of them (or counts
    another thing) does not say it."""
    focus = chinese_focus("安吉鼎尚驿文化主题酒店有多少员工？", LEXICON)
    assert focus is not None and focus.text == "员工" and focus.counted
    assert attest(focus, "酒店工会组织员工参加技能培训", LEXICON, None).uncounted
    assert attest(focus, "酒店现有员工120名", LEXICON, None).attested
    assert attest(focus, "全店三十余名员工参加培训", LEXICON, None).attested  # numerals read as digits
    assert not attest(focus, "员工参加了培训。全年共举办12场", LEXICON, None).attested  # another clause
    counted = chinese_focus("2016年挂牌的疗休养景区和饭店里，景区有几家？", LEXICON)
    assert counted is not None and counted.counted
    # A value asked, not a count (服务电话是多少), and a dimension (比例, 时间) are said otherwise.
    phone = chinese_focus("瓜沥供电所的服务电话是多少？", LEXICON)
    assert phone is not None and not phone.counted
    share = chinese_focus("亚马逊雨林在地球上的雨林中占据多少比例？", LEXICON)
    assert share is None or not attest(share, "占雨林面积的一半以上", LEXICON, None).uncounted


def test_a_count_may_stand_by_what_the_counted_did() -> None:
    """A passage often leaves the counted noun out: 3家获评全国工人先锋号 for 几家单位获评…, 模范型65家
    for 模范型工会有几家. A number of the question's measure word by those words counts them."""
    did = chinese_focus("嘉善有几家单位获评全国工人先锋号？", LEXICON)
    assert did is not None and did.counted and did.measure == "家" and "获评" in did.anchors
    assert attest(did, "已有3家获评全国“工人先锋号”、1家获评省级", LEXICON, None).attested
    assert not attest(did, "获评全国“工人先锋号”的单位不断增加", LEXICON, None).attested
    assert not attest(did, "3人获评全国劳模", LEXICON, None).attested  # another measure word: people
    kind = chinese_focus("安吉县“三型”工会创建中，模范型工会有几家？", LEXICON)
    assert kind is not None and any(a.startswith("模范") for a in kind.anchors)
    assert attest(kind, "合格型99家,规范型77家,模范型65家。", LEXICON, None).attested
    on_stage = chinese_focus("那场演讲比赛，有多少名选手上台？", LEXICON)  # jieba tags 选手 a verb
    assert on_stage is not None and on_stage.text == "选手"
    assert not attest(on_stage, "演讲比赛在县职工之家举行，县领导出席。", LEXICON, None).attested
    # jieba guesses 家疗 of 多少家疗休养单位: the measure word is split off again, no focus 家疗.
    glued = chinese_focus("研讨会有多少家疗休养单位参会？", LEXICON)
    assert glued is None or "家疗" not in glued.text


def test_a_form_of_value_is_said_by_a_value_of_that_form() -> None:
    """多少钱, 百分之几, 多长时间, 多少亩: no attribute named, but the answer is a value of a form,
    which the passage must hold."""
    cases = [
        ("在安吉参加职工医疗互助，每个职工一年要缴多少钱？", "每人每年缴纳50元", "参加互助的职工越来越多"),
        ("绍兴市医疗互助职工受益率全省第一，具体是百分之几？", "受益率达31.5%", "受益率全省第一"),
        ("消防演练持续了多长时间？", "演练持续了四十分钟", "2016年举行消防演练"),
        ("蓝藻菌是在多少年之前进入细胞的？", "大约10亿年前", "蓝藻菌进入细胞"),
        ("宁波云创青年小镇总共占了多少亩地？", "小镇占地120亩", "小镇建筑面积约5.6万平方米"),
        # A point in time finer than "when": a day, a year, a weekday, a time of day; how often.
        ("合作协议是哪天签的？", "12月5日，双方签订协议", "近日，双方签订协议"),
        ("嘉善县总工会是哪一年开始创建工人先锋号的？", "2008年起创建", "深耕10年打响品牌"),
        ("第二期访谈星期几见报？", "每周一见报", "访谈将陆续见报"),
        ("暖心小屋一般几点开门？", "每天上午8:30开放", "小屋设有哺乳室"),
        ("随手拍活动多长时间办一次？", "每月都会定期举办", "2017年举办随手拍活动"),
    ]
    for question, says, does_not in cases:
        _holds_its_form(chinese_focus(normalize(question), LEXICON), says, does_not, question)
    # A named attribute says more than its form: 津贴有多少钱 asks for a sum by 津贴.
    named = chinese_focus("每月特殊岗位津贴有多少钱？", LEXICON)
    assert named is not None and named.form == "金额" and "津贴" in named.text
    assert attest(named, "特殊岗位津贴每人每月300元", LEXICON, None).attested
    other = attest(named, "发放特殊岗位津贴。慰问困难职工，发放慰问金2000元", LEXICON, None)
    assert not other.attested and other.valueless == "金额"  # a sum, of something else
    daily = chinese_focus("每人每天补贴多少钱？", LEXICON)
    assert daily is not None and daily.text == "补贴" and daily.form == "金额"
    # A rate is a share, said by a percentage by it: 达标率 alone, or 65% of another, is not.
    rate = chinese_focus("参保率提高到了百分之几？", LEXICON)
    assert rate is not None and rate.text == "参保率" and rate.form == "百分比"
    assert attest(rate, "职工医疗互助参保率达到92%", LEXICON, None).attested
    assert not attest(rate, "提高参保率。企业达标率为65%", LEXICON, None).attested


def test_an_amount_asked_per_unit_is_said_per_unit() -> None:
    """每家企业最多能拿多少: a total (补助近40万元) does not say what one gets; 每家, 人均, /人 or 各
    with a number do. 每年 asks how often, and 每个…都 of each one, not per one."""
    cases = [
        ("每家企业最多能拿多少？", "每家企业最高补助2万元", "每年对企业工会新建文体活动设施补助近40万元"),
        ("市里给每个阵地补助多少经费？", "每个阵地补助5万元经费", "市里补助阵地建设经费300万元"),
        ("每个职工一年要缴多少钱？", "人均缴纳50元", "职工每年缴纳总额达200万元"),
        ("首届工匠每人能拿多少奖金？", "奖金2000元/人", "发放奖金共2.4万元"),
        ("两家企业每家获得多少奖励？", "两家企业各获5万元奖励", "共发放奖励10万元"),
        ("救助的95户里，单户最多拿到了多少钱？", "单户最高救助1万元", "使用帮扶资金42.75万元,95户受益"),
        ("给困难职工发救助款，单人最多拿了多少？", "每人最高救助5000元", "为22名困难职工发放救助款4.4万元"),
    ]
    for question, says, does_not in cases:
        focus = chinese_focus(normalize(question), LEXICON)
        assert focus is not None and focus.per.startswith(("每", "单")), question
        assert attest(focus, says, LEXICON, None).attested, (question, says)
        missed = attest(focus, does_not, LEXICON, None)
        assert not missed.attested and missed.per == focus.per, (question, does_not)
    # 每人每天 (jieba keeps it whole): per person.
    daily = chinese_focus("职工去疗休养每人每天能补贴多少？", LEXICON)
    assert daily is not None and daily.per == "每人每天"
    assert not attest(daily, "挂牌87家景区，补贴资金200万元", LEXICON, None).attested
    assert attest(daily, "每人每天补贴100元", LEXICON, None).attested
    # The unit named, then the least each may have: per unit, with no 每.
    bound = chinese_focus("每个县域城市至少要设多少处职工文化阵地？", LEXICON)
    assert bound is not None and bound.per
    assert attest(bound, "推动县域城市至少设立一处以上职工文化阵地", LEXICON, None).attested
    assert not attest(bound, "推动县域城市设立职工文化阵地12处", LEXICON, None).attested
    for question in (
        "县总工会每年补助多少钱？",
        "每个特大都市区人口都超过多少？",
        "每次活动有多少人参加？",
        "这家单位补助了多少钱？",
    ):
        focus = chinese_focus(normalize(question), LEXICON)
        assert focus is None or not focus.per, question


def test_a_month_an_age_and_a_count_of_sessions_by_their_forms() -> None:
    """几月份 is said by a month (8月, 月底), not by 援助月; 多大年纪 by an age in 岁, whatever the
    word (平均年龄35岁); 几期 by a number of 期, not 第3期; a duration by 个月, not by January."""
    month = chinese_focus("就业援助月活动是在几月份搞的？", LEXICON)
    assert month is not None and month.form == "月份"
    assert attest(month, "8月开展就业援助月活动", LEXICON, None).attested
    assert not attest(month, "积极开展就业援助月活动，服务1500人次", LEXICON, None).attested
    assert chinese_focus("活动是几月几日开幕的？", LEXICON).form == "日期"  # type: ignore[union-attr]
    age = chinese_focus("6名候选人平均多大年纪？", LEXICON)
    assert age is not None and attest(age, "候选人平均年龄仅35岁", LEXICON, None).attested
    sessions = chinese_focus("专题培训班一年要办几期？", LEXICON)
    assert sessions is not None and sessions.form == "期数"
    assert attest(sessions, "全年举办专题培训班4期", LEXICON, None).attested
    assert not attest(sessions, "第3期专题培训班开班", LEXICON, None).attested
    days = chinese_focus("评选结果公示了几天？", LEXICON)
    assert days is not None and days.form == "时长"
    assert not attest(days, "今年1月开展评选，经结果公示等程序", LEXICON, None).attested
    assert attest(days, "评选结果公示7天", LEXICON, None).attested


def test_which_papers_a_share_and_a_noun_with_its_question_word() -> None:
    """哪几家报纸 asks which (a paper is named 人民日报), not how many; 省了多少办理周期 is answered by
    a share of it (50%的业务办理周期); 电话多少 asks the phone number as 电话是多少 does."""
    papers = chinese_focus("这个经验上过哪几家报纸？", LEXICON)
    assert papers is not None and papers.kind == "instance" and not papers.counted
    assert attest(papers, "先后被人民日报、文汇报报道", LEXICON, None).attested
    assert not attest(papers, "多家媒体报道了这一经验", LEXICON, None).attested
    saved = chinese_focus("给用户省了多少业务办理周期？", LEXICON)
    assert saved is not None and saved.counted
    assert attest(saved, "为用户节省了50%的业务办理周期", LEXICON, None).attested
    assert not attest(saved, "缩短业务办理周期，服务用户", LEXICON, None).attested
    phone = chinese_focus("找谁联系？电话多少？", LEXICON)
    assert phone is not None and phone.text == "电话"
    assert attest(phone, "联系电话：0577-67221234", LEXICON, None).attested


def test_which_ones_by_any_measure_word_is_no_count() -> None:
    """哪几项指标 asks which ones, as 哪几家 does: a passage naming the criteria answers it, with no
    number of them."""
    criteria = chinese_focus("候选人做量化评价，是按哪几项指标来评的？", LEXICON)
    assert criteria is not None and not criteria.counted and criteria.kind == "type"
    assert attest(criteria, "从技能水平、业绩贡献、传承带徒等指标进行量化评价", LEXICON, None).attested
    counted = chinese_focus("量化评价一共有几项指标？", LEXICON)
    assert counted is not None and counted.counted


def test_which_month_is_said_by_a_month() -> None:
    """哪个月份 asks a month's value, as 几月份 does: a type alone (月份) would count against a passage
    only where the archive never writes the word."""
    month = chinese_focus("给女职工做妇科健康检查，是哪个月份做的？", LEXICON)
    assert month is not None and month.form == "月份"
    assert attest(month, "8月，邀请医院对女职工进行妇科健康检查", LEXICON, None).attested
    assert not attest(month, "邀请医院对全县3000多名女职工进行妇科健康检查", LEXICON, None).attested


def test_a_count_of_the_whole_is_not_one_levels_count() -> None:
    """一共建了多少家“妈咪暖心小屋”: the quoted name is what is counted, and a count of the whole is not
    given by one level's (市级示范点44家); a whole, or counts of several levels that add up to it, are."""
    huts = chinese_focus("绍兴全市目前一共建了多少家“妈咪暖心小屋”？", LEXICON)
    assert huts is not None and huts.text == "妈咪暖心小屋" and huts.counted and huts.total
    part = attest(huts, "精心选树“妈咪暖心小屋”市级示范点44家。", LEXICON, None)
    assert not part.attested and part.instead == "市级的数目"
    assert attest(huts, "全市共建成“妈咪暖心小屋”120家。", LEXICON, None).attested
    units = chinese_focus("嘉善一共有多少家单位获评“工人先锋号”？", LEXICON)
    assert units is not None and units.total
    several = "已有3家获评全国“工人先锋号”、1家获评省级“工人先锋号”、29家获评市级“工人先锋号”"
    assert attest(units, several, LEXICON, None).attested
    national = chinese_focus("嘉善有几家单位获评全国工人先锋号？", LEXICON)  # 全国: the honour's level
    assert national is not None and not national.total


def test_a_part_of_a_whole_the_question_gives_is_not_that_whole() -> None:
    """那9名评委里，来自高校的有几位: the passage's 评委9名 is the whole the question starts from, not the
    count asked, which stands by what marks the part (来自高校); 1548家基层工会里，企业工会占了多少家 is
    counted by its whole name, not by 工会 alone, which has counts of other kinds (11个乡镇工会)."""
    judges = chinese_focus("那9名评委里，来自高校的有几位？", LEXICON)
    assert judges is not None and judges.given == ("9",) and judges.form == "人数"
    missed = attest(judges, "邀请专家评委9名，经评审12人入选", LEXICON, None)
    assert not missed.attested and missed.focus == "来自高校的人数"
    assert attest(judges, "专家评委9名，其中来自高校的5位", LEXICON, None).attested
    unions = chinese_focus("已建的1548家基层工会里，企业工会占了多少家？", LEXICON)
    assert unions is not None and unions.counted and unions.given == ("1548",)
    others = "基层工会1548家，设有11个乡镇工会、4个街道工会"
    assert not attest(unions, others, LEXICON, None).attested
    assert attest(unions, others + "，企业工会1200家", LEXICON, None).attested
    private = chinese_focus("那12家模范职工之家里面，有几家是非公企业的？", LEXICON)  # 是 非公, not 是非
    assert private is not None and private.text == "非公企业" and private.given == ("12",)
    homes = "省级模范职工之家12家。全县共有316家企业申报"
    assert not attest(private, homes, LEXICON, None).attested
    assert attest(private, homes + "，其中非公企业8家", LEXICON, None).attested
    plain_count = chinese_focus("全县有多少家企业工会？", LEXICON)  # no whole given: any count of it
    assert plain_count is not None and not plain_count.given


def test_a_value_asked_of_a_deed_is_said_with_that_deed() -> None:
    """几月份公示的: a passage that says 公示 gives the month in that sentence, or the month it gives
    (1月开展评选) is another deed's. A passage that never says 公示 is left to the rest of the verdict."""
    month = chinese_focus("评选结果是几月份公示的？", LEXICON)
    assert month is not None and month.form == "月份" and month.predicate == "公示"
    other = attest(month, "今年1月开展评选活动。经专家评审、结果公示等程序，12人入选。", LEXICON, None)
    assert not other.attested and other.focus == "公示的月份"
    assert attest(month, "评选结果于3月公示。", LEXICON, None).attested
    assert attest(month, "今年1月开展评选活动。", LEXICON, None).attested
    span = chinese_focus("剧院运营多长时间了？", LEXICON)  # from one year to another is a duration
    assert span is not None and span.predicate == "运营"
    assert attest(span, "剧院从1870年到1939年运营。", LEXICON, None).attested
    assert not attest(span, "剧院1870年开业。剧院运营良好。", LEXICON, None).attested


def test_which_year_a_deed_was_done_is_no_attribute() -> None:
    """哪一年启动的 asks a year of 启动, which jieba tags as a noun but is no attribute."""
    year = chinese_focus("示范单位创建是从哪一年启动的？", LEXICON)
    assert year is not None and year.form == "年份" and year.predicate == "启动" and not year.parts


def test_a_count_the_question_writes_in_words_is_given() -> None:
    """百场竞赛…已经办了多少场: the 百场 the question gives is the plan, not the count asked."""
    held = chinese_focus("计划搞的百场技能竞赛，到现在已经办了多少场？", LEXICON)
    assert held is not None and held.given == ("百场",) and held.form == "场数"
    assert not attest(held, "开展百场职业技能竞赛活动", LEXICON, None).attested
    assert attest(held, "开展百场职业技能竞赛活动，已举办36场", LEXICON, None).attested
    assert chinese_focus("一个工会有几名委员？", LEXICON).given == ()  # type: ignore[union-attr]


def test_a_parse_reads_past_jiebas_tags() -> None:
    """主任 alone (tagged b) before 是谁 is an office; 满意度 (tagged a place) an attribute; 覆盖率要达到
    多少 links the rate past its modal; 哪几块功能 counts pieces, not money."""
    head = chinese_focus("首届工匠评选的组委会，主任是谁？", LEXICON)
    assert head is not None and head.text == "主任"
    pleased = chinese_focus("职工对这项服务的满意度是多少？", LEXICON)
    assert pleased is not None and pleased.text == "满意度"
    cover = chinese_focus("到2018年底职工文化阵地的覆盖率要达到多少？", LEXICON)
    assert cover is not None and cover.text == "覆盖率" and cover.form == "百分比"
    pieces = chinese_focus("青年小镇是集哪几块功能于一体的？", LEXICON)
    assert pieces is None or pieces.form != "金额"


def test_how_much_an_attribute_is_asks_a_number_of_it() -> None:
    """满意度是多少: a passage that names 满意度 with no number by it does not say how much."""
    pleased = chinese_focus("安吉职工对这项服务的满意度是多少？", LEXICON)
    assert pleased is not None and pleased.form == "数值"
    missed = attest(pleased, "大大提升职工医疗互助保障参保率、满意度", LEXICON, None)
    assert not missed.attested and missed.valueless == "数值"
    assert attest(pleased, "职工满意度达98%", LEXICON, None).attested


def test_a_count_of_episodes_and_sites_by_their_measure_word() -> None:
    """一共拍几集, 设多少处: counted by 集 and 处, as 几场 by 场; 几岁 by an age in 岁; and 多少外来务工人员
    counts the workers (jieba tags 外来 a localiser)."""
    youngest = chinese_focus("那6名候选人里，年纪最小的几岁？", LEXICON)
    assert youngest is not None and youngest.form == "岁数"
    assert not attest(youngest, "6名候选人平均年龄40岁", LEXICON, None).attested
    assert attest(youngest, "6名候选人中最小的28岁", LEXICON, None).attested
    years = chinese_focus("议员必须年满多少岁？", LEXICON)
    assert years is not None and attest(years, "成员必须年满18周岁", LEXICON, None).attested
    visits = chinese_focus("那些景区到现在接待了多少人次职工疗休养？", LEXICON)
    assert visits is not None and visits.form == "人数"
    assert attest(visits, "共接待职工疗休养3万人次", LEXICON, None).attested
    workers = chinese_focus("吴兴区现在一共有多少外来务工人员？", LEXICON)
    assert workers is not None and workers.counted and workers.text == "外来务工人员"
    episodes = chinese_focus("宣传劳模精神要拍的微电视，一共拍几集？", LEXICON)
    assert episodes is not None and episodes.form == "集数"
    assert attest(episodes, "拍摄劳模微电视6集", LEXICON, None).attested
    assert not attest(episodes, "拍摄劳模微电视，讲好劳模故事", LEXICON, None).attested


def test_a_count_with_its_measure_word_counts_the_thing() -> None:
    """非公企业工会占了多少家: a count of them (家), as 有多少家 is; 电话是多少 asks a value, no count."""
    share = chinese_focus("基层工会里，企业工会占了多少家？", LEXICON)
    assert share is not None and share.counted and share.measure == "家"
    phone = chinese_focus("服务电话是多少？", LEXICON)
    assert phone is not None and not phone.counted


def test_a_count_of_a_word_of_the_thing_is_of_it_only_beside_the_rest() -> None:
    """工会 alone counted (全区建工会120家) is no count of 小二级工会 when the passage writes 小二级
    in another clause; 副 and a threshold (规模以上, 县级以上) qualify the noun they precede."""
    cases = [
        ("鄞州区现在已经建起来多少家“小二级”工会联合会？", "加强“小二级”工会联合会建设。全区已建工会120家。",
         "全区已建“小二级”工会联合会12家。"),
        ("吴兴区总工会眼下的兼挂副主席一共有几位？", "发挥兼挂副主席作用，区总工会有副主席3名。",
         "区总工会现有兼挂副主席12名。"),
        ("越城区计划在多少家规模以上企业建设职工服务站？", "鼓励规模以上企业建设服务站。全区共有企业300家。",
         "将在20家规模以上企业建设职工服务站。"),
    ]  # fmt: skip
    for question, other, counted in cases:
        focus = chinese_focus(normalize(question), LEXICON)
        assert focus is not None and focus.counted, question
        missed = attest(focus, other, LEXICON, None)
        assert not missed.attested and missed.uncounted, question
        assert attest(focus, counted, LEXICON, None).attested, question
    office = chinese_focus("吴兴区总工会眼下的兼挂副主席一共有几位？", LEXICON)
    assert office is not None and office.text == "兼挂副主席"
    # A passage that never writes the qualifier may count the noun as it is.
    assert attest(office, "区总工会现有副主席5名。", LEXICON, None).attested


def test_a_difference_is_said_as_a_change() -> None:
    """比去年同期增加了多少 asks a change, which the level it came to (会员达9984人) does not give."""
    for question in ("天水街道总工会的实名会员人数，比去年同期增加了多少？", "今年比去年多拨多少？"):
        focus = chinese_focus(normalize(question), LEXICON)
        assert focus is not None and focus.form == "增减量", question
        assert not attest(focus, "实名会员人数达9984人，专项经费500万元。", LEXICON, None).attested
        assert attest(focus, "实名会员人数达9984人，比去年同期增加1200人。", LEXICON, None).attested
        assert attest(focus, "专项经费500万元，同比增长12%。", LEXICON, None).attested
    assert asked_form("共设置了多少个比赛项目？") is None  # 比赛 compares nothing


def test_a_rank_and_a_yes_or_no_have_no_count() -> None:
    """排多少位 asks a place in order (第195位); 有没有过半 whether it is more than half."""
    assert chinese_focus("丘姓在《百家姓》里排多少位？", LEXICON) is None
    half = chinese_focus("和谐企业的达标率有没有过半？具体是多少？", LEXICON)
    assert half is None or half.text != "过半"


def test_an_office_is_named_by_whoever_holds_it() -> None:
    """X是谁 has no focus, but for an office: a passage that names its holder names it."""
    chair = chinese_focus("淳安县总工会党组书记、常务副主席是谁？", LEXICON)
    assert chair is not None and chair.text == "主席"
    editor = chinese_focus("这组访谈的编辑叫什么名字？", LEXICON)
    assert editor is not None and editor.text == "编辑"
    assert not attest(editor, "新春微访谈今日起刊出", LEXICON, None).attested
    judges = chinese_focus("那次评选的评委都有谁？", LEXICON)
    assert judges is not None and judges.text == "评委"


def test_a_duration_is_no_frequency() -> None:
    # 多长时间 alone asks how long: 每年 says how often, not for how long.
    duration = chinese_focus("演练持续了多长时间？", LEXICON)
    assert duration is not None and not attest(duration, "每年举行演练", LEXICON, None).attested
    # 多久…一次 asks how often, said by 每年 as by 很少 or 经常; 第几天 is which of the days.
    often = chinese_focus("他多久独自旅行一次？", LEXICON)
    assert often is not None and often.form == "频率"
    assert attest(often, "他很少独自旅行", LEXICON, None).attested
    assert not attest(often, "2016年他独自旅行到西藏", LEXICON, None).attested
    assert chinese_focus("比赛第几天决出冠军？", LEXICON) is None


def test_a_count_is_read_past_totals_quotes_and_second_questions() -> None:
    """The counted noun before 一共有多少家, inside quotation marks, or before a second question;
    after 在多少家 and past jieba's numeral 一线."""
    cases = [
        ("绍兴的县级和谐企业一共有多少家？", "和谐企业"),
        ("首届“技能大师”有几位？是怎么评出来的？", "技能大师"),
        ("计划今年在多少家规模以上企业建设服务站？", "规模以上企业"),
        ("夏送清凉一共慰问了多少名一线职工？", "职工"),
    ]
    for question, counted in cases:
        focus = chinese_focus(normalize(question), LEXICON)
        assert focus is not None and focus.counted and focus.text == counted, question
    # 大约有多少件: the phrase is not read past an estimate (收藏品 for 服装收藏品); a number of 件
    # is asked, as a number of 人 is in 多少人死亡, and a passage counting none does not say it.
    for question, form, says in [
        ("服装收藏品大约有多少件？", "件数", "藏有服装约14000件"),
        ("在1620-21年间，阿尔及尔有多少人死亡？", "人数", "瘟疫造成三万余人死亡"),
        ("这次活动一共帮扶了多少户？", "户数", "帮扶困难职工3625户"),
    ]:
        focus = chinese_focus(normalize(question), LEXICON)
        assert focus is not None and focus.form == form, question
        _holds_its_form(focus, says, "活动得到了广泛好评。2017年开始", question)


def test_a_measurement_named_after_its_word_is_the_focus() -> None:
    """多大面积 (jieba: 多 大面积) asks an area, said by its unit."""
    focus = chinese_focus("那个工会活动阵地有多大面积？", LEXICON)
    assert focus is not None and focus.text == "面积"
    assert attest(focus, "阵地面积约300平方米", LEXICON, None).attested
    assert not attest(focus, "阵地设有职工书屋", LEXICON, None).attested


def test_an_identifier_is_the_focus_of_what_it_is() -> None:
    """X是什么 has no focus, except an identifier, which is given with its name."""
    focus = chinese_focus("新居民入会文件的文号是什么？", LEXICON)
    assert focus is not None and focus.text == "文号"
    assert attest(focus, "《规划》(安委办发〔2013〕58号)", LEXICON, None).attested  # by its form
    assert not attest(focus, "三部门联合下发入会文件", LEXICON, None).attested
    assert chinese_focus("他的职业是什么？", LEXICON) is None
    assert chinese_focus("洪洞大槐树所在地的地址是什么？", LEXICON) is None  # given as 位于…


def test_which_university_is_said_by_naming_one() -> None:
    """哪所大学, 哪个乡镇: a passage answers by a name that ends with the type's word."""
    focus = chinese_focus("那支在校大学生创业团队，是哪所大学的？", LEXICON)
    assert focus is not None and focus.kind == "instance" and focus.text == "大学"
    assert attest(focus, "来自宁波大学的创业团队", LEXICON, None).attested
    unnamed = attest(focus, "一支在校大学生创业团队入驻", LEXICON, None)
    assert not unnamed.attested and unnamed.unnamed
    road = chinese_focus("工会联合会在哪条路上？", LEXICON)  # jieba: 路上
    assert road is not None and road.kind == "instance" and road.text == "路"
    assert attest(road, "位于萧山区航坞路18号", LEXICON, None).attested
    assert not attest(road, "打造主题街区和生活街区", LEXICON, None).attested
    # Of two parts, the one that must name something: any place answers 在哪儿, only a road 哪条路.
    two = chinese_focus("营业厅在哪儿？具体是哪条路？", LEXICON)
    assert two is not None and two.kind == "instance" and two.text == "路"
    several = chinese_focus("另外四个是哪几个乡镇？", LEXICON)
    assert several is not None and several.kind == "instance"
    town = chinese_focus("酒业公司在安吉哪个乡镇？", LEXICON)
    assert town is not None and town.kind == "instance"
    assert attest(town, "分到天子湖镇履职", LEXICON, None).attested
    assert not attest(town, "全县各乡镇工会", LEXICON, None).attested
    # 哪家企业, 哪家公司: a passage that speaks of firms (22家企业通过验收) names one to answer; one
    # that never does may name it otherwise (苹果, JR東日本).
    firm = chinese_focus("第一批参加试点的是哪几家企业？", LEXICON)
    assert firm is not None and firm.kind == "instance" and firm.text == "企业"
    assert attest(firm, "乌毡帽酒业有限公司等3家企业率先试点", LEXICON, None).attested
    assert not attest(firm, "全县共有22家企业通过了考评验收", LEXICON, None).attested
    company = chinese_focus("五羊新城由哪个公司开发？", LEXICON)
    assert company is not None and company.kind == "instance"
    assert attest(company, "由广州城市建设开发总公司开发", LEXICON, None).attested
    assert attest(company, "由东日本旅客铁道开发", LEXICON, None).attested
    assert not attest(company, "由一家子公司开发", LEXICON, None).attested


def test_whether_there_is_a_thing_is_said_only_by_speaking_of_it() -> None:
    focus = chinese_focus("首届“两山”工匠评上的12个人有没有奖金？每人能拿多少？", LEXICON)
    assert focus is not None and focus.text == "奖金"
    assert not attest(focus, "12人被评为首届“两山”工匠，颁发证书", LEXICON, None).attested
    budget = chinese_focus("县总工会为镇街工会班子培训列了多少预算？", LEXICON)  # jieba: 预算 v
    assert budget is not None and budget.text == "预算"
    # 有没有设年龄上限: the thing is after what would be done with it.
    limit = chinese_focus("人才库暂行办法对入库工匠有没有设年龄上限？", LEXICON)
    assert limit is not None and limit.text == "年龄"
    assert not attest(limit, "入库工匠须具有高级工以上职业资格", LEXICON, None).attested


def _attest(question: str, passage: str) -> tuple[bool, str | None]:
    focus = chinese_focus(normalize(question), LEXICON)
    assert focus is not None
    verdict = attest(focus, passage, LEXICON, None)
    return verdict.attested, verdict.instead


def test_a_passage_attests_the_focus_in_its_own_forms() -> None:
    assert _attest("开化县职工疗休养服务中心有多少张床位？", "中心共有床位200张。") == (True, None)
    assert _attest("开化县职工疗休养服务中心有多少张床位？", "中心共有牀位200張。")[0]  # traditional script
    ordinal = Focus(text="第三届评委", parts=(("第三届",), ("评委",)), whole=("第三届评委",))
    assert attest(ordinal, "第3届评委共9名", LEXICON, None).attested  # numerals in digits
    assert _attest("瓜沥供电所的服务电话是多少？", "供电所服务热线电话95598")[0]  # each of its words
    assert not _attest("瓜沥供电所的服务电话是多少？", "瓜沥供电所服务品质提升")[0]  # not one of them
    # Any figure does not stand for the count asked: a passage with numbers but no beds.
    assert not _attest("开化县职工疗休养服务中心有多少张床位？", "20家单位参加研讨会，签订协议3份。")[0]


def test_a_generic_dimension_is_said_by_its_unit() -> None:
    assert _attest("该地区受干旱影响的面积有多大？", "干旱影响了约250万平方公里的森林。")[0]
    assert _attest("华沙居民中天主教徒的比例是多少？", "天主教徒约占63%。")[0]
    assert not _attest("华沙居民中天主教徒的比例是多少？", "天主教徒约有63万人。")[0]  # no share
    # Only the dimension alone: the site area is not attested by the floor area's square metres.
    assert not _attest("宁波云创青年小镇的占地面积是多少？", "小镇建筑面积约5.6万平方米。")[0]


def test_another_quantity_of_the_same_kind_is_reported_instead() -> None:
    passage = "宁波云创青年小镇建筑面积约5.6万平方米,主要服务学生创业群体。"
    assert _attest("宁波云创青年小镇的占地面积是多少？", passage) == (False, "建筑面积")
    assert _attest("宁波云创青年小镇的建筑面积是多少？", passage) == (True, None)
    # Two kinds of workers are not two quantities: no stand-in is offered.
    assert _attest("瓜沥供电所有多少名退休职工？", "为全县60名特困职工送去温暖") == (False, None)


def test_a_focus_the_archive_never_mentions_is_nowhere() -> None:
    focus = chinese_focus("杭州湾信息港的工匠评选由哪个评委会负责？", LEXICON)
    assert focus is not None and focus.kind == "type"
    assert attest(focus, "专家评委9名", LEXICON, {"评委", "工匠"}).nowhere  # type: ignore[arg-type]
    assert not attest(focus, "专家评委9名", LEXICON, {"评委会"}).nowhere  # type: ignore[arg-type]
    # 哪种老办法: an old kind of a thing the archive has (办法) is somewhere.
    old = chinese_focus("想打破的是哪种老办法？", LEXICON)
    assert old is not None and old.kind == "type"
    assert not attest(old, "打破协商的模式", LEXICON, {"办法", "模式"}).nowhere  # type: ignore[arg-type]
    assert attest(old, "打破协商的模式", LEXICON, {"模式"}).nowhere  # type: ignore[arg-type]


# --- end to end over the seed pages ---------------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant.open(hash_index(tmp_path_factory.mktemp("ix")), HashEmbedder())


# Further kinds, each named as the reason gives it: which university, on what day, who holds an office.
LATER_KINDS = [
    ("以“捌么捌号”文创空间为代表的在校大学生创业团队来自哪所大学？", "大学的名称"),
    ("开化县总工会与上海徐汇区总工会的合作协议是哪天签的？", "日期"),
    ("瓜沥供电所的所长叫什么名字？", "所长"),
    ("我想知道瓜沥供电所的服务电话。", "服务电话"),  # a request, no question word
    ("县总工会每年给企业工会新建文体活动设施的补助，每家企业最多能拿多少？", "每家企业的数额"),
]


@pytest.mark.parametrize(("question", "focus"), [*TABLE, *LATER_KINDS, (ENGLISH, "phone number")])
def test_the_tables_questions_are_not_found_and_say_what_is_missing(
    assistant: Assistant, question: str, focus: str
) -> None:
    result = assistant.search(question, k=3)
    assert not result.found and not any(h.answer for h in result.hits)
    if question.isascii():  # the best passage here is another article: another place is missing first
        assert result.reason in ("focus", "terms")
        return
    assert result.reason == "focus" and result.unmatched == (focus,)
    assert f"没有提到“{focus}”" in result_html(result)


def test_an_english_focus_is_named_in_english() -> None:
    result = SearchResult(question=ENGLISH, found=False, reason="focus", unmatched=("phone number",), hits=[])
    assert "does not mention “phone number”" in _verdict_line(result)


def test_the_floor_area_is_not_offered_as_the_site_area(assistant: Assistant) -> None:
    result = assistant.search("宁波云创青年小镇的占地面积是多少？", k=3)
    assert result.instead == "建筑面积" and result.to_dict()["instead"] == "建筑面积"
    assert "文中只有“建筑面积”" in result_html(result)
    assert "it gives only 建筑面积" in format_result(result)


@pytest.mark.parametrize(("question", "answer"), ANSWERED)
def test_the_answerable_counterparts_stay_found(assistant: Assistant, question: str, answer: str) -> None:
    result = assistant.search(question, k=3)
    assert result.found and result.reason == "" and result.instead is None
    best = result.hits[0]
    assert best.answer is not None and answer in "".join(best.text[best.answer[0] : best.answer[1]].split())


def _verdict_line(result: SearchResult) -> str:
    from assistant.faces._render import _verdict

    return _verdict(result, 1, False, chinese=False)


class _Reader:
    """A reader that always gives the same opinion, and records what it was shown."""

    def __init__(self, opinion: Opinion) -> None:
        self.opinion = opinion
        self.shown: list[tuple[str, int]] = []

    def read(self, question: str, passages: Sequence[str]) -> Opinion:
        self.shown.append((question, len(passages)))
        return self.opinion


def test_a_reader_has_its_say(tmp_path: Path) -> None:
    index_dir = hash_index(tmp_path / "ix")
    no = _Reader(Opinion(answers=False, confidence=0.1, why="not said"))
    with Assistant.open(index_dir, HashEmbedder(), reader=no) as assistant:
        result: SearchResult = assistant.search("宁波云创青年小镇的建筑面积是多少？", k=2)
        assert not result.found and result.reason == "reader" and result.confidence == 0.1
        assert no.shown == [("宁波云创青年小镇的建筑面积是多少?", 3)]
        assert assistant.search("？？？", k=2).reason == "no_words"  # nothing to read: not asked
    unsure = _Reader(Opinion(answers=None))
    with Assistant.open(index_dir, HashEmbedder(), reader=unsure) as assistant:
        assert assistant.search("宁波云创青年小镇的建筑面积是多少？", k=2).found


def test_a_reader_cannot_find_what_has_no_words() -> None:
    settled = Verdict(found=False, confidence=0.0, reason="unknown_words", unmatched=("asdf",))
    assert consult(settled, Opinion(answers=True, confidence=0.9)) == settled
    focus = Verdict(found=False, confidence=0.02, reason="focus", unmatched=("床位",))
    assert consult(focus, Opinion(answers=False)).reason == "focus"  # the reason still names it
