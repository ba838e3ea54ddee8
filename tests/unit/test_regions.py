"""Region gazetteer: normalisation, recognition in questions and documents, and false hits."""

from __future__ import annotations

from collections import Counter

import pytest

from ingest.regions import all_regions, find_regions, normalize_region


@pytest.mark.parametrize(
    ("name", "normalised", "level", "parent", "province"),
    [
        ("阳江", "阳江市", "city", "广东省", "广东省"),
        ("阳江市", "阳江市", "city", "广东省", "广东省"),
        ("赣榆", "赣榆区", "district", "连云港市", "江苏省"),
        ("赣榆区", "赣榆区", "district", "连云港市", "江苏省"),
        ("中山", "中山市", "city", "广东省", "广东省"),
        ("江门", "江门市", "city", "广东省", "广东省"),
        ("连云港", "连云港市", "city", "江苏省", "江苏省"),
        ("台山", "台山市", "district", "江门市", "广东省"),
        ("阳东", "阳东区", "district", "阳江市", "广东省"),
        ("广东", "广东省", "province", None, "广东省"),
        ("江苏省", "江苏省", "province", None, "江苏省"),
        ("北京", "北京市", "province", None, "北京市"),
        ("海淀", "海淀区", "district", "北京市", "北京市"),
        ("深圳", "深圳市", "city", "广东省", "广东省"),
        ("滨城区", "滨城区", "district", "滨州市", "山东省"),
        ("汉寿", "汉寿县", "district", "常德市", "湖南省"),
        ("海陵区", "海陵区", "district", "泰州市", "江苏省"),
        ("广西", "广西壮族自治区", "province", None, "广西壮族自治区"),
        ("新疆", "新疆维吾尔自治区", "province", None, "新疆维吾尔自治区"),
        ("大理", "大理白族自治州", "city", "云南省", "云南省"),
        ("延边", "延边朝鲜族自治州", "city", "吉林省", "吉林省"),
        ("全国", "全国", "country", None, None),
        ("国务院", "全国", "country", None, None),
        (" 中山市 ", "中山市", "city", "广东省", "广东省"),
        ("江苏省连云港市赣榆区", "赣榆区", "district", "连云港市", "江苏省"),
        ("广东省阳江市", "阳江市", "city", "广东省", "广东省"),
    ],
)
def test_normalize_region(name: str, normalised: str, level: str, parent: str | None,
                          province: str | None) -> None:
    region = normalize_region(name)
    assert region is not None
    assert (region.name, region.level, region.parent, region.province) == (
        normalised, level, parent, province)


@pytest.mark.parametrize(
    "name", ["", "   ", "火星", "科技局", "中山大学", "阳江高新区孵化中心", "东海",
             "南山区", "鼓楼区"],  # the last two: several units share the name, nothing to decide by
)
def test_not_a_region(name: str) -> None:
    assert normalize_region(name) is None


def test_chain() -> None:
    assert normalize_region("赣榆").chain == ("赣榆区", "连云港市", "江苏省")  # type: ignore[union-attr]
    assert normalize_region("阳江").chain == ("阳江市", "广东省")  # type: ignore[union-attr]


def test_gazetteer_covers_provinces_and_prefectures() -> None:
    regions = all_regions()
    provinces = [r for r in regions if r.level == "province"]
    assert len(provinces) == 34  # 23 provinces, 5 autonomous regions, 4 municipalities, 2 SARs
    per_province = Counter(r.province for r in regions if r.level == "city")
    assert per_province["广东省"] == 21
    assert per_province["江苏省"] == 13
    assert per_province["浙江省"] == 11
    assert per_province["四川省"] == 21
    assert per_province["山东省"] in (16, 17)  # 莱芜 merged into 济南 in 2019; data may lag
    assert sum(per_province.values()) > 330
    counties = [r for r in regions if r.level == "district"]
    assert len(counties) > 2800  # every county-level unit, not a hand list
    by_name = {r.name: r for r in regions}
    for r in regions:
        if r.parent:
            assert r.parent in by_name, r
        if r.level in ("city", "district", "town"):
            assert r.province in by_name and by_name[r.province].level == "province", r
    keys = [(r.name, r.parent) for r in regions]
    assert len(keys) == len(set(keys))  # a name may recur (鼓楼区 ×4), never twice in one place


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.name, m.normalised) for m in find_regions(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("阳江2016年承诺到2017年底建几个省级孵化器？", [("阳江", "阳江市")]),
        ("那中山呢？", [("中山", "中山市")]),
        ("深圳有什么补贴", [("深圳", "深圳市")]),
        ("赣榆区2016年的专利目标", [("赣榆区", "赣榆区")]),
        ("连云港和江门的高企数量", [("连云港", "连云港市"), ("江门", "江门市")]),
        ("积极配合中国科学院推动江门中微子实验的开展", [("江门", "江门市")]),
        ("促进阳春、阳西、江城加快创建省级高新区",
         [("阳春", "阳春市"), ("阳西", "阳西县"), ("江城", "江城区")]),
        ("国务院政府工作报告", [("国务院", "全国")]),
        ("广东省阳江市", [("广东省", "广东省"), ("阳江市", "阳江市")]),
    ],
)
def test_find_regions(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "阳东绿康春农业科技有限公司与中山大学等5所高校签订合作框架协议",
        "孙中山先生",
        "与清华大学、天津大学、山东大学、中国海洋大学、河北工业大学5所高校签订战略合作协议",
        "建设水科院东海所",
        "结合我区“海州湾英才计划”",
        "发展新会员100名",
        "阳春白雪",
        "推动朝阳产业发展，绿水青山就是金山银山",
        "完善开放型经济新体制",
    ],
)
def test_false_hits_are_avoided(text: str) -> None:
    names = {m.normalised for m in find_regions(text)}
    assert not names & {"中山市", "山东省", "天津市", "河北省", "东海县", "海州区", "新会区",
                        "阳春市", "朝阳市", "朝阳区", "金山区", "开平市"}


def test_offsets_point_into_the_text() -> None:
    text = "2015年，赣榆认真落实国家、省、市科技优惠政策；连云港市创新创业大赛在江苏省举办。"
    matches = find_regions(text)
    assert [m.normalised for m in matches] == ["赣榆区", "连云港市", "江苏省"]
    for m in matches:
        assert text[m.start:m.end] == m.name
    assert matches[0].parent == "连云港市" and matches[0].province == "江苏省"
    assert matches[1].level == "city" and matches[2].level == "province"


def test_sample_reports_name_their_own_region_most(reports_dir) -> None:  # noqa: ANN001
    expected = {"000": "阳江市", "001": "江门市", "002": "阳江市", "003": "赣榆区", "004": "中山市"}
    for path in sorted(reports_dir.iterdir()):
        counts = Counter(m.normalised for m in find_regions(path.read_text(encoding="utf-8"))
                         if m.level in ("city", "district"))
        assert counts.most_common(1)[0][0] == expected[path.name[:3]], path.name


def test_a_shared_name_is_resolved_by_the_places_around_it() -> None:
    assert [(m.normalised, m.parent) for m in find_regions("南京市鼓楼区")] == [
        ("南京市", "江苏省"), ("鼓楼区", "南京市")]
    assert [(m.normalised, m.parent) for m in find_regions("福州市鼓楼区")][-1] == ("鼓楼区", "福州市")
    assert [m.normalised for m in find_regions("鼓楼区")] == []  # nothing to decide by
    assert [m.parent for m in find_regions("南山区科技局", context=["深圳市"])] == ["深圳市"]


@pytest.mark.parametrize(
    "text", ["劳动能力鉴定结论", "各市和县级政府", "加强江海联运", "对新建区级科技产业园区给予补贴"],
)
def test_a_county_name_inside_a_word_is_no_place(text: str) -> None:
    assert [m.normalised for m in find_regions(text) if m.level == "district"] == []


def test_a_full_county_name_before_a_level_word_is_still_a_place() -> None:
    assert [m.normalised for m in find_regions("开化县级财政安排科技经费")] == ["开化县"]
