"""Query analysis: regions, years, enterprise types, intent, key terms, corpus coverage."""

from __future__ import annotations

import pytest

from assistant.query import (
    MAX_QUERY_CHARS,
    analyze,
    asked_parts,
    asked_unit,
    find_enterprise_types,
    find_years,
    states_part,
    states_unit,
    term_weights,
)
from common.errors import QuestionError
from tests.unit.answer_helpers import COVERAGE, NAMES, ask, regions

def test_regions_years_and_terms() -> None:
    qa = ask("阳江2015年专利申请量是多少？")
    assert qa.regions == ["阳江市"] and qa.region_mentions == {"阳江市": "阳江"}
    assert qa.years == [2015] and qa.year_mentions == ["2015年"]
    assert qa.intent == "fact" and qa.asks_quantity
    assert "专利申请量" in qa.key_terms
    assert not any(t in ("阳江", "2015", "多少") for t in qa.key_terms)
    assert not qa.uncovered_regions and not qa.uncovered_years


def test_year_forms() -> None:
    assert find_years("江门2015-2017年的方案")[0] == [2015, 2016, 2017]
    assert find_years("2015至2017年")[0] == [2015, 2016, 2017]
    assert find_years("投入2000万元，增长25.56%")[0] == []  # amounts are not years
    assert find_years("in 2016 and 2018")[0] == [2016, 2018]
    qa = ask("中山今年和明年的计划")
    assert qa.years == [] and qa.relative_years == ["今年", "明年"]  # relative to the document


def test_enterprise_types() -> None:
    assert find_enterprise_types("我是中山的科技型中小企业，也是高企") == ["科技型中小企业", "高新技术企业"]
    assert find_enterprise_types("小微企业有什么补贴") == ["中小企业"]  # the lexicon's kind for 小微企业
    assert find_enterprise_types("中小企业有什么补贴") == ["中小企业"]  # not 科技型中小企业


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("我是中山的科技型中小企业，有哪些补贴可以申请？", "subsidy"),
        ("在中山用专利质押贷款，利息、保险和评估费用能补多少？", "subsidy"),
        ("江门到2017年高新技术企业要达到多少家？", "target"),
        ("阳江和赣榆2015年的专利授权量各是多少？", "cross"),
        ("阳江的高新技术企业数量从2016年到2022年有什么变化？", "cross"),
        ("阳江2015年专利申请量是多少？", "fact"),
        ("科技创新", "other"),
    ],
)
def test_intent(question: str, intent: str) -> None:
    assert ask(question).intent == intent


def test_region_not_in_corpus_is_recognised() -> None:
    qa = ask("深圳市2018年新增了多少家高新技术企业？")
    assert qa.regions == ["深圳市"] and qa.uncovered_regions == ["深圳市"]
    assert qa.region_out_of_corpus
    # a covered region next to an uncovered one: not out of the corpus
    qa = ask("江门和深圳在哪些方面合作？")
    assert qa.uncovered_regions == ["深圳市"] and not qa.region_out_of_corpus
    # a district's city and province count as covered
    assert not ask("连云港2015年专利授权多少件？").region_out_of_corpus


def test_year_not_covered_for_the_region_asked() -> None:
    qa = ask("阳江2030年的目标是什么")
    assert qa.uncovered_years == [2030] and qa.year_out_of_corpus
    qa = ask("中山市2015年专利申请量是多少？")  # 2015 is covered, but not by 中山's documents
    assert qa.uncovered_years == [2015]
    assert not ask("江门2017年孵化器目标").year_out_of_corpus


def test_explicit_filters_are_kept_apart_from_inferred_values() -> None:
    qa = analyze(
        "专利申请量", region="中山", year=2018, doc="004.txt", find_regions=regions,
        normalize_region=NAMES.get, coverage=COVERAGE,
    )
    assert qa.regions == [] and qa.filter_region == "中山市"
    assert qa.wanted_regions == ["中山市"] and qa.wanted_years == [2018]
    assert qa.filter_doc == "004.txt"


def test_bad_questions() -> None:
    with pytest.raises(QuestionError) as err:
        analyze("   ")
    assert err.value.hint
    qa = analyze("？？！。。。", find_regions=regions)
    assert qa.language == "none" and qa.key_terms == []
    long = "阳江专利申请量" * 2000
    qa = analyze(long, find_regions=regions)
    assert qa.truncated and len(qa.text) == MAX_QUERY_CHARS and qa.question == long
    qa = analyze("How many patent applications did Yangjiang file in 2015?", find_regions=regions)
    assert qa.language == "en" and "patent" in qa.key_terms and qa.years == [2015]


def test_latin_terms_kept_whole() -> None:
    qa = ask("阳江市2022年对R&D经费占GDP比重有什么要求？")
    assert "r&d" in qa.key_terms and "gdp" in qa.key_terms


def test_term_weights_favour_rare_terms() -> None:
    df = {"企业": 900, "专利申请量": 3}
    w = term_weights(["企业", "专利申请量"], df.__getitem__, 1000)
    assert w["专利申请量"] > 5 * w["企业"] and w["企业"] >= 0.1


def test_to_json_is_plain_data() -> None:
    import json

    data = ask("阳江2015年专利申请量是多少？").to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False))["regions"] == ["阳江市"]
    assert data["content_terms"]


def test_years_that_name_a_report() -> None:
    from assistant.query import CorpusCoverage, analyze

    cov = CorpusCoverage.from_documents(
        [{"region": "全国", "years": [2017, 2018]}, {"region": "全国", "years": [2018, 2019]},
         {"region": "全国", "years": [2021, 2022], "date": "2022-03-05"}]
    )  # fmt: skip
    qa = analyze("2019年报告里2018年技术合同成交额增长多少？", coverage=cov, find_regions=regions)
    assert qa.doc_years == [2019] and qa.years == [2018] and not qa.year_out_of_corpus
    qa = analyze("2018年和2019年的国务院报告里科技进步贡献率分别是多少？", coverage=cov, find_regions=regions)
    assert qa.doc_years == [2018, 2019] and qa.years == []
    qa = analyze("2023年国务院政府工作报告提出的研发经费增长目标是多少？", coverage=cov, find_regions=regions)
    assert qa.uncovered_doc_years == [2023] and qa.year_out_of_corpus


def test_long_range_is_compared_by_its_ends() -> None:
    qa = ask("阳江的高新技术企业数量从2016年到2022年有什么变化？")
    assert qa.years == list(range(2016, 2023)) and qa.focus_years == [2016, 2022]
    assert qa.intent == "cross"


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("江门市对新认定的国家高新技术企业一次性奖励多少钱？", "money"),
        ("江门中微子实验站总投资是多少亿元？", "money"),
        ("中山赛区的创新创业大赛一共发了多少奖金？", "money"),
        ("阳江2022年科技型中小企业贷款贴息比例是多少？", "share"),
        ("阳江2015年专利申请量是多少？", None),
        ("创新服务券按科技服务合同金额的多大比例兑现?", "share"),
        ("地方匹配资金一共拟匹配多少个项目？", "count"),
        ("试行办法是哪几家单位联合发的?", None),  # who, not how many
    ],
)
def test_the_kind_of_value_a_question_names(question: str, unit: str | None) -> None:
    assert asked_unit(question) == unit


def test_evidence_states_the_kind_of_figure() -> None:
    assert states_unit("一次性奖励30万元", "money") and states_unit("奖励二十万元", "money")
    assert not states_unit("新认定高新技术企业6家", "money")
    assert states_unit("补贴支出费用的50%", "share") and states_unit("1/3以上的资金", "share")
    assert states_unit("三分之一以上", "share")
    assert not states_unit("贷款贴息企业12家", "share")
    assert states_unit("新认定高新技术企业6家", None), "no unit asked: any figure will do"


def test_a_place_named_in_a_document_of_unstated_region_is_not_absent() -> None:
    """嘉善 in the text of a document whose region was read from its text (as 上海市): the
    question about 嘉善县 is not about a place no document is about."""
    from assistant.query import CorpusCoverage, analyze
    cov = CorpusCoverage.from_documents(
        [{"region": "上海市", "years": [2020], "provenance": {"region": "inferred"}}]
    )
    texts = {"d1": "嘉善与上海科技合作交流对接机制", "d2": "我县规上工业企业研发经费"}

    def naming(term: str) -> set[str]:
        return {d for d, t in texts.items() if term in t}

    qa = analyze("嘉善县规上工业企业研发经费支出是多少？", coverage=cov)
    assert qa.regions == ["嘉善县"] and qa.region_absent and not qa.region_out_of_corpus
    qa.note_text_mentions(naming)
    assert not qa.region_absent and qa.naming_docs == ["d1"]
    qa = analyze("临安区规上工业企业研发经费支出是多少？", coverage=cov).note_text_mentions(naming)
    assert qa.region_absent and qa.naming_docs == []


@pytest.mark.parametrize(
    ("question", "asking"),
    [("2016年初阳江全市有几家高新技术企业？", "几家"), ("赣榆和中山的创新券各发了多少钱？", "多少钱"),
     ("开化县2020年哪家企业被认定为创新型领军企业？", "哪家"), ("需要什么样的条件？", "什么样")],
)
def test_question_words_are_no_key_terms(question: str, asking: str) -> None:
    terms = ask(question).key_terms
    assert terms and not any(t.startswith(asking[:1]) and asking in t for t in terms)


@pytest.mark.parametrize(
    ("question", "unit"),
    [("南山区知识产权质押融资按什么比例贴息？", "share"), ("芜湖市2021年计划全社会研发投入强度达到多少？", "share"),
     ("入库的科技型中小企业每家能获得多少补助？", "money"), ("阳江对来阳工作的外籍专家给多少奖励？", "money")],
)
def test_the_kind_of_figure_asked_for(question: str, unit: str) -> None:
    qa = ask(question)
    assert qa.asks_quantity and qa.asks_unit == unit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("省里的信息系统几点关闭？", "when"),
        ("启动会上县委副书记要求做到哪几点？", "list"),  # the points of a speech, not a time
        ("意见反馈的截止时间是什么时间？", "when"),
        ("拟立项名单的公示期是哪几天？", "when"),  # days, not a list (哪几)
        ("对拟奖名单有异议，必须在多长时间内提出？", "when"),
        ("提出异议的期限是多长？", "when"),
        ("申报系统由哪个部门负责？", "who"),
        ("高企认定有哪些条件？", "list"),
    ],
)
def test_the_shape_of_answer_asked_for(question: str, kind: str) -> None:
    from assistant.query import answer_kind

    assert answer_kind(question, asks_quantity=False) == kind


@pytest.mark.parametrize(
    "question, parts",
    [
        ("邯郸市科技局征集报奖项目,截止日期和联系人是什么?", ["date", "contact"]),
        ("征求意见稿的反馈截止时间和接收邮箱是什么?", ["date", "email"]),
        ("要在什么时间前把推荐函报到市科技局?找谁联系?", ["date", "contact"]),
        ("有业务问题应该打哪个部门的电话，号码多少？", ["phone"]),
        ("那个试行办法是哪几家单位联合发的?文号多少?", ["docno"]),  # asked by name: always checked
        ("中期评估得了多少分?后续会拿到多少建设资金?", ["score", "money"]),
        ("高企预申报的联系人是谁，电话多少？", ["contact", "phone"]),
        ("申报截止到哪天？", ["date"]),  # a when-question's answer gives a date
        ("公示期是哪几天？", ["date"]),
        ("对名单有异议，必须在多长时间内提出？", ["date"]),
        ("每家奖励多少万元？", []),  # an amount alone: the ranker's unit features weigh it
        ("阳江2022年新增多少高企？", []),
    ],
)
def test_the_values_a_question_asks_for_by_name(question: str, parts: list[str]) -> None:
    assert asked_parts(question) == parts


def test_a_text_gives_the_value_asked() -> None:
    assert states_part("联系人:代昊  附件1", "contact") and not states_part("联系人:代昊", "phone")
    assert states_part("联系人:远绍春 联系电话:0310-3118089", "phone")
    assert states_part("联系人：丽水市科技局高新处尹瑚联系电话:2051677", "contact") and states_part("联系人及电话:蒲进,陈明伟38168880", "contact")
    assert not states_part("请将项目所属单位联系人及联系方式于3月30日前发送", "contact"), "names the word, not a person"
    assert states_part("电子邮箱:cdkjcgc@163.com", "email") and not states_part("通过电子邮箱反馈", "email")
    assert states_part("丰科技发〔2024〕46号", "docno") and not states_part("第46号", "docno")
    assert states_part("截止时间为2023年9月13日18时", "date") and not states_part("截止时间另行通知", "date")


@pytest.mark.parametrize(
    "question, asked",
    [
        ("福州市科技局印发2015年科技工作总结的文件落款日期是哪天?", "date"),
        ("运城市科技局公布科技特派员选派名单是哪天发文的?", "date"),
        ("大渡口区的“十四五”科技创新规划是由哪个部门编制的？", "issuer"),
        ("高企认定奖励的受理通知是哪个单位发布的？", "issuer"),
        ("那个试行办法是哪几家单位联合发的?", "issuer"),
        ("申报材料报送哪个部门？", None),  # asks the passage, not who issued the document
        ("申报截止到哪天？", None),
        ("阳江2022年新增多少高企？", None),
    ],
)
def test_a_question_about_the_document_itself(question: str, asked: str | None) -> None:
    qa = ask(question)
    assert qa.about_document == asked
    if asked:  # what is asked of the document is not what its passages must say
        assert not {"落款", "日期", "发文", "发布", "部门", "单位", "编制"} & set(qa.content_terms)
