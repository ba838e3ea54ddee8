"""Number and citation checks of generated answers."""

from __future__ import annotations

import pytest

from assistant.verify import (
    check_sentence,
    chinese_to_int,
    drop_failed,
    numbers_in,
    verify_answer,
)
from tests.unit.answer_helpers import passage

P = [
    passage("zs", "对企业贷款时产生的银行利息、保险费用、评估费用分别补贴支出费用的50％，2018年发放专利质押贷款6,730万元。", n=1),
    passage("yj", "2015年全市专利申请量达1724件，同比增长25.56%。省给我市的任务是2016年底前组建一家省级孵化器。", n=2),
    passage("jm", "力争到2017年，国家级孵化器达到2家，省级孵化器达到3家，市级孵化器达到7家。", n=3),
]


@pytest.mark.parametrize(
    ("text", "value"),
    [("三", 3), ("十", 10), ("十五", 15), ("五十", 50), ("一百零五", 105), ("两千", 2000), ("二〇一九", 2019)],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


def test_numbers_normalised() -> None:
    assert numbers_in("补贴50％，贷款6,730万元，增长25.560%") == {"50", "6730", "25.56"}
    assert numbers_in("百分之五十，五十家，两个") == {"50", "2"}
    assert numbers_in("一是进一步统一思想") == set(), "一是 / 进一步 are words, not numbers"
    assert numbers_in("见[3]和[12]") == set(), "citation markers are not numbers"


def test_correct_sentence_passes() -> None:
    c = check_sentence("中山对利息、保险、评估费用分别补贴50%[1]。", P)
    assert c.ok and c.citations == [1] and c.problems == []
    assert check_sentence("补贴比例为百分之五十[1]。", P).ok, "五十 and 50％ are the same number"
    assert check_sentence("阳江2015年专利申请量1,724件[2]。", P).ok
    assert check_sentence("根据以下文件作答：", P).ok, "no number, no citation needed"


def test_wrong_number_is_flagged() -> None:
    c = check_sentence("中山对利息补贴60%[1]。", P)
    assert not c.ok and "60" in c.problems[0] and "[1]" in c.problems[0]
    # the number exists, but in another passage than the one cited
    c = check_sentence("阳江专利申请量1724件[3]。", P)
    assert not c.ok


def test_missing_passage_is_flagged() -> None:
    c = check_sentence("江门省级孵化器达到3家[9]。", P)
    assert not c.ok and "[9]" in c.problems[0]
    assert c.citations == [9]


def test_uncited_number_is_flagged() -> None:
    c = check_sentence("江门省级孵化器达到3家。", P)
    assert not c.ok and "未标注出处" in c.problems[0]


def test_verify_answer_and_drop() -> None:
    text = "根据江门的方案：省级孵化器达到3家[3]。市级孵化器达到9家[3]。国家级孵化器2家[7]。"
    checks = verify_answer(text, P)
    assert [c.ok for c in checks] == [True, False, False]  # 9家 is not in [3]; [7] does not exist
    kept = drop_failed(text, checks)
    assert kept == "根据江门的方案：省级孵化器达到3家[3]。"
