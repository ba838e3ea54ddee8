"""Follow-up questions rewritten into standalone ones from the previous turn."""

from __future__ import annotations

import pytest

from assistant.conversation import resolve_followup, standalone_history
from assistant.models import Answer
from tests.unit.answer_helpers import COVERAGE, ask


def resolve(question: str, history: list) -> str:
    return resolve_followup(question, history, analyzer=ask, coverage=COVERAGE)


@pytest.mark.parametrize(
    ("previous", "followup", "standalone"),
    [
        # region swapped in
        ("江门到2017年要有多少家高新技术企业？", "那中山呢？", "中山要有多少家高新技术企业？"),
        ("四川2024年高新技术企业总量多少？", "湖北呢？", "湖北2024年高新技术企业总量多少？"),
        ("中山有哪些补贴？", "江门呢", "江门有哪些补贴？"),
        # the same year kept on request
        ("赣榆2015年专利授权了多少件？", "阳江同一年呢？", "阳江2015年专利授权了多少件？"),
        # year swapped in
        ("阳江2016年的时候有多少家高新技术企业？", "那2022年呢？", "阳江2022年的时候有多少家高新技术企业？"),
        # an aspect of the previous topic
        ("湖北2024年的技术合同成交额是多少？", "2025年的目标呢？", "湖北2025年技术合同成交额的目标是什么？"),
        # a noun phrase replaces the topic word it resembles
        ("中山2018年发明专利申请量是多少？", "授权量呢？", "中山2018年发明专利授权量是多少？"),
        ("江门2017年新型研发机构目标是多少？", "国家级研发机构呢？", "江门2017年国家级研发机构目标是多少？"),
        ("中山对专利质押融资有什么补贴？", "那科技保险呢？", "中山对科技保险有什么补贴？"),
        # a short question without a region inherits region and topic
        ("中山2018年发放了多少科技创新券？", "2019年还会继续发吗？", "中山2019年科技创新券还会继续发？"),
    ],
)
def test_followups(previous: str, followup: str, standalone: str) -> None:
    assert resolve(followup, [(previous, None)]) == standalone


def test_previous_year_dropped_when_the_new_region_does_not_cover_it() -> None:
    # 中山's documents cover 2018-2019: asking about 2015 there would only produce an abstention.
    assert resolve("那中山呢？", ["阳江2015年专利申请量是多少？"]) == "中山专利申请量是多少？"
    # 湖北 covers 2024: kept
    assert resolve("湖北呢？", ["四川2024年高新技术企业总量多少？"]).startswith("湖北2024年")


def test_chain_of_followups_and_demonstratives() -> None:
    history = ["赣榆2015年苏科贷发放了多少？", "2016年的计划呢？"]
    assert standalone_history(history, analyzer=ask, coverage=COVERAGE)[1] == "赣榆2016年苏科贷发放的计划是什么？"
    assert resolve("要组织申报几个这类项目？", history) == "赣榆2016年要组织申报几个苏科贷项目？"


def test_recorded_resolution_is_reused() -> None:
    first = Answer(question="2016年的计划呢？", answer="…", abstained=False, resolved_question="赣榆2016年苏科贷的计划")
    out = resolve("那江门呢？", [("赣榆2015年苏科贷发放了多少？", None), ("2016年的计划呢？", first)])
    assert out.startswith("江门") and "苏科贷" in out


def test_standalone_questions_pass_through() -> None:
    prev = [("中山有哪些补贴？", None)]
    q = "阳江2015年专利申请量是多少？"
    assert resolve(q, prev) == q
    q = "2016年国务院报告提出到2020年科技进步贡献率要达到多少？"
    assert resolve(q, prev) == q
    assert resolve("那中山呢？", []) == "那中山呢？"  # nothing to lean on
    assert resolve("？？", prev) == "？？"


def test_uncovered_region_stays_recognisable() -> None:
    out = resolve("那东莞呢？", ["阳江2022年计划新增多少家高新技术企业？"])
    assert out == "东莞2022年计划新增多少家高新技术企业？"
    assert ask(out).region_out_of_corpus
