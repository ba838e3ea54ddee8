"""Answer units: the items of a list and where a list starts (assistant/units.py)."""

from __future__ import annotations

from assistant.units import item_family, sibling_items, split_units, starts_list


def texts(units, idx) -> list[str]:
    """The first four characters of each unit, enough to tell them apart."""
    return [units[i].text[:4] for i in idx]


def test_items_of_one_list_stop_at_the_heading_above_them() -> None:
    units = split_units("二、基本原则\n(一)坚持政府推动。既要加强。\n(二)坚持突出重点。\n三、主要任务\n(一)建设平台。")
    assert [item_family(u) for u in units] == ["cn", "cn_paren", "", "cn_paren", "cn", "cn_paren"]
    assert texts(units, sibling_items(units, 1)) == ["(一)坚", "(二)坚"]
    assert texts(units, sibling_items(units, 5)) == ["(一)建"]  # 三、's list is another one
    assert sibling_items(units, 2) == []  # not an item


def test_inline_items_and_the_lists_nested_under_headings() -> None:
    units = split_units("（一）培育企业。一是认定高企。二是入库企业。（二）建设平台。一是建设孵化器。二是建设众创空间。（三）人才。")
    assert texts(units, sibling_items(units, 0)) == ["（一）培", "（二）建", "（三）人"]
    assert texts(units, sibling_items(units, 1)) == ["一是认定", "二是入库"]  # not the 一是 of （二）
    assert texts(units, sibling_items(units, 5)) == ["一是建设", "二是建设"]


def test_a_list_starts_after_its_lead_in_not_after_a_sections_last_sentence() -> None:
    units = split_units("一、2015年工作\n全年专利授权697件。着力实施“五大工程”。一是实施监管工程。二是实施培育工程。\n二、2016年计划")
    assert texts(units, [i for i in range(1, len(units)) if starts_list(units, i)]) == ["一是实施"]
