"""Metadata of the sample corpus: every column of CORPUS.md for the five reports, and the extras."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from common.settings import IngestSettings
from ingest.cleaning import clean
from ingest.loaders import load_file
from ingest.metadata import extract_metadata, iso_date, normalize_title, years_in
from tests.conftest import SHARED

# CORPUS.md's table, as values (its prose "阳江市 (广东)" spelled out as region + province).
# What the document does not state is not made up: 002 has no title line (its file name stands
# in) and names no issuer (CORPUS.md: "none stated; 阳江市科学技术局 by content"); 003's header
# says only 科学技术局. The regions of 002 and 003 are read from their text: inferred.
EXPECTED = {
    "000_6815dfeab2db1bf2.txt": dict(
        title="阳江市科技创新工作情况", issuer="阳江市科学技术局", region="阳江市",
        parent_region=None, province="广东省", date="2016-04-25", years=[2015, 2016],
        doc_type="总结+计划"),
    "001_36a689d0a3f137d4.txt": dict(
        title="江门市加快推进创新驱动发展重点工作方案（2015-2017年）", issuer="江门市科学技术局",
        region="江门市", parent_region=None, province="广东省", date="2015-12-07",
        years=[2015, 2016, 2017], doc_type="方案"),
    "002_a295750ddb2d6bca.txt": dict(
        title="002_a295750ddb2d6bca", issuer=None, region="阳江市",
        parent_region=None, province="广东省", date=None, years=[2022], doc_type="要点"),
    "003_9713f358d5aa3b1f.txt": dict(
        title="2015年工作总结和2016年工作计划", issuer="科学技术局", region="赣榆区",
        parent_region="连云港市", province="江苏省", date="2015-12-08", years=[2015, 2016],
        doc_type="总结+计划"),
    "004_4757f8428a5e4ec7.txt": dict(
        title="中山市科学技术局2018年工作总结及2019年工作计划", issuer="中山市科学技术局",
        region="中山市", parent_region=None, province="广东省", date="2019-03-22",
        years=[2018, 2019], doc_type="总结+计划"),
}


def _meta(path: Path):
    loaded = load_file(path, IngestSettings())
    cleaned = clean(loaded.text)
    return extract_metadata(path, loaded, cleaned), cleaned


def _corpus_row(source: str) -> str:
    table = (SHARED / "CORPUS.md").read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if source in line]
    assert len(rows) == 1, f"CORPUS.md has no single row for {source}"
    return rows[0]


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_expected_values_agree_with_corpus_md(source: str) -> None:
    """Guards the hand-copied table above against CORPUS.md changing under it."""
    row = _corpus_row(source).replace(" ", "")
    want = EXPECTED[source]
    assert want["title"] in row or f"：{want['title']}" in row or want["title"] in row.replace(":", "：")
    assert want["region"] in row and want["province"][:2] in row
    if want["date"]:
        assert want["date"] in row
    for year in want["years"]:
        assert str(year) in row
    for part in want["doc_type"].split("+"):
        assert part in row
    issuer = want["issuer"]
    assert (issuer in row) if issuer else "nonestated" in row


PROVENANCE = {
    "000_6815dfeab2db1bf2.txt": dict(title="stated", issuer="stated", region="stated", date="stated", years="stated"),
    "001_36a689d0a3f137d4.txt": dict(title="stated", issuer="stated", region="stated", date="stated", years="stated"),
    "002_a295750ddb2d6bca.txt": dict(title="unknown", issuer="unknown", region="inferred", date="unknown", years="inferred"),
    "003_9713f358d5aa3b1f.txt": dict(title="stated", issuer="stated", region="inferred", date="stated", years="stated"),
    "004_4757f8428a5e4ec7.txt": dict(title="stated", issuer="stated", region="stated", date="stated", years="stated"),
}


@pytest.mark.parametrize("source", sorted(PROVENANCE))
def test_sample_report_provenance(reports_dir: Path, source: str) -> None:
    meta, _ = _meta(reports_dir / source)
    assert {k: meta.provenance[k] for k in PROVENANCE[source]} == PROVENANCE[source]
    assert meta.found_by.get("title", "") in ("", "title line", "header 信息名称", "forwarded document's title")


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_sample_report_metadata(reports_dir: Path, source: str) -> None:
    meta, cleaned = _meta(reports_dir / source)
    got = {key: getattr(meta, key) for key in EXPECTED[source]}
    assert got == EXPECTED[source]
    assert meta.source == source
    assert meta.format == "txt" and meta.encoding == "utf-8"
    assert meta.content_hash == hashlib.sha256(cleaned.text.encode("utf-8")).hexdigest()
    assert meta.path == str((reports_dir / source).resolve())
    assert meta.year == (int(meta.date[:4]) if meta.date else meta.years[-1])


def test_repost_keeps_the_repost_date(reports_dir: Path) -> None:
    meta, _ = _meta(reports_dir / "001_36a689d0a3f137d4.txt")
    assert meta.header["转发日期"] == "2016-02-18"
    assert meta.header["发布时间"].startswith("2016-02-18")


def test_raw_issuer_is_kept_in_header(reports_dir: Path) -> None:
    meta, _ = _meta(reports_dir / "003_9713f358d5aa3b1f.txt")
    assert meta.header["发布机构"] == "科学技术局"
    assert meta.header["成文日期"] == "2015-12-08"


def test_doc_id_is_derived_from_the_absolute_path(reports_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = reports_dir / "000_6815dfeab2db1bf2.txt"
    a, _ = _meta(path)
    monkeypatch.chdir(reports_dir)
    b, _ = _meta(Path(path.name))  # the same file through a relative path
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    c, _ = _meta(copy)
    assert a.doc_id == b.doc_id != c.doc_id
    assert a.content_hash == c.content_hash  # same content under another name: a duplicate


EXTRA_REGIONS = {"国务院": "全国", "四川": "四川省", "安徽": "安徽省", "山东": "山东省",
                 "广东": "广东省", "江苏": "江苏省", "浙江": "浙江省", "湖北": "湖北省",
                 "福建": "福建省"}


def test_extra_reports(extra_dir: Path) -> None:
    files = sorted(extra_dir.iterdir())
    assert len(files) == 12
    for path in files:
        meta, cleaned = _meta(path)
        key = next(k for k in EXTRA_REGIONS if k in path.name)
        year = int(path.name[:4])
        assert meta.region == EXTRA_REGIONS[key], path.name
        assert meta.province == (None if key == "国务院" else EXTRA_REGIONS[key])
        assert meta.years == [year - 1, year], path.name  # the year reviewed and the report's year
        assert meta.title == cleaned.header["标题"] and str(year) in meta.title
        assert meta.doc_type == "报告"
        assert meta.issuer and ("国务院" in meta.issuer or EXTRA_REGIONS[key] in meta.issuer)
        if meta.date:
            assert meta.date.startswith(str(year))


def test_provincial_reports_have_their_meeting_date(extra_dir: Path) -> None:
    meta, _ = _meta(extra_dir / "2025年广东省政府工作报告.txt")
    assert meta.date == "2025-01-15"
    meta, _ = _meta(extra_dir / "2022_国务院政府工作报告.txt")
    assert meta.date == "2022-03-05"


def test_notice_without_header(tmp_path: Path) -> None:
    text = ("转发连云港市科学技术局关于印发《连云港市科技创新券管理办法(试行)》的通知\n\n"
            "各县区科技局：\n现将《连云港市科技创新券管理办法(试行)》印发给你们，请遵照执行。\n\n"
            "连云港市科学技术局\n2017年3月1日\n\n连云港市科技创新券管理办法\n(试行)\n\n"
            "第一条 为鼓励企业创新，全市设立科技创新券。\n第二条 创新券用于购买科技服务。")
    path = tmp_path / "notice.txt"
    path.write_bytes(text.encode("gbk"))
    meta, _ = _meta(path)
    assert meta.title == "连云港市科技创新券管理办法（试行）"
    assert meta.issuer == "连云港市科学技术局"
    assert meta.date == "2017-03-01"
    assert meta.region == "连云港市" and meta.province == "江苏省"
    assert meta.encoding == "gb18030"
    assert meta.years == [2017]


def test_document_with_nothing_to_go_on(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("这是一段没有标题、没有日期、也没有地名的文字。它只说明了一些一般性的原则。")
    meta, _ = _meta(path)
    assert meta.region is None and meta.date is None and meta.years == []
    assert meta.title == "x" and meta.provenance["title"] == "unknown"  # its file name, not made up
    assert meta.issuer is None and meta.provenance["issuer"] == "unknown"
    assert meta.doc_type in ("总结", "计划", "要点", "方案", "报告")


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("江门市加快推进创新驱动发展重点工作方案(2015-2017 年)", "江门市加快推进创新驱动发展重点工作方案（2015-2017年）"),
        ("江门市加快推进创新驱动发展重点工作方案（2015-2017年）", "江门市加快推进创新驱动发展重点工作方案（2015-2017年）"),
        ("  2022年 阳江市 科技工作要点 ", "2022年阳江市科技工作要点"),
        ("R&D Plan 2020 (试行)", "R&D Plan 2020（试行）"),
    ],
)
def test_normalize_title(raw: str, tidy: str) -> None:
    assert normalize_title(raw) == tidy


def test_iso_date_and_years() -> None:
    assert iso_date("2016-04-25 17:13") == "2016-04-25"
    assert iso_date("2015年12月7日") == "2015-12-07"
    assert iso_date("2015.12.6.") == "2015-12-06"
    assert iso_date("2019/3/22") == "2019-03-22"
    assert iso_date("2015年13月40日") is None and iso_date(None) is None and iso_date("无") is None
    assert years_in("江门市加快推进创新驱动发展重点工作方案（2015-2017年）") == [2015, 2016, 2017]
    assert years_in("2015年工作总结和2016年工作计划") == [2015, 2016]
    assert years_in("共1724件，投入3065万元") == []


def test_signature_at_the_end(tmp_path: Path) -> None:
    text = ("关于开展2018年度科技创新券申报工作的通知\n\n各镇区科技部门：\n"
            "为鼓励企业加大研发投入，现开展2018年度科技创新券申报工作。\n\n"
            "中山市科学技术局\n2018年5月9日")
    path = tmp_path / "notice.txt"
    path.write_text(text, encoding="utf-8")
    meta, _ = _meta(path)
    assert (meta.issuer, meta.date, meta.region) == ("中山市科学技术局", "2018-05-09", "中山市")
    assert meta.title == "关于开展2018年度科技创新券申报工作的通知" and meta.years == [2018]


def test_one_line_notice_headline_is_its_title(tmp_path: Path) -> None:
    """Documents whose line breaks were lost open with their headline, then a space."""
    path = tmp_path / "n.txt"
    path.write_text(
        "三明市人民政府关于应对疫情支持企业复工复产十二条措施的通知 各县（市、区）人民政府，市直各单位："
        "现将有关措施通知如下。一、减轻企业负担。2020年2月8日起，对中小企业减免房租。", encoding="utf-8")
    meta, _ = _meta(path)
    assert meta.title == "三明市人民政府关于应对疫情支持企业复工复产十二条措施的通知"
    assert meta.provenance["title"] == "stated" and meta.found_by["title"] == "start of the first line"
    assert (meta.issuer, meta.region, meta.provenance["region"]) == ("三明市人民政府", "三明市", "stated")
    assert meta.years == [2020] and meta.provenance["years"] == "inferred"  # from 2020年2月8日


def test_headline_cut_by_a_space_goes_on_to_its_end(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("关于充分发挥税收职能作用 助力打赢疫情防控阻击战若干措施的通知 税总发〔2020〕14号 各省税务局："
                    "为贯彻落实党中央部署，现提出如下措施。", encoding="utf-8")
    meta, _ = _meta(path)
    assert meta.title == "关于充分发挥税收职能作用助力打赢疫情防控阻击战若干措施的通知"


def test_a_national_body_makes_a_national_document(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("国家邮政局启动邮政快递业第二阶段复工复产工作 2月21日，国家邮政局下发通知，"
                    "支持湖北、浙江等地快递企业复工。", encoding="utf-8")
    meta, _ = _meta(path)
    assert (meta.issuer, meta.region, meta.provenance["region"]) == ("国家邮政局", "全国", "inferred")


def test_a_county_outside_the_sample_cities_is_found(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("滨城区科技局2018年工作总结\n2018年，全区新增高新技术企业2家，滨城区科技工作取得新进展。",
                    encoding="utf-8")
    meta, _ = _meta(path)
    assert (meta.region, meta.parent_region, meta.province) == ("滨城区", "滨州市", "山东省")


@pytest.mark.parametrize(
    ("top", "title"),
    [
        (["某某市科学技术局", "政府信息公开"], "某某市科学技术局2019年工作总结"),  # the issuer's banner
        (["信息公开 | 政策文件 | 区政府文件 |"], "某某市科学技术局2019年工作总结"),  # a navigation row
        ([">政府信息公开>工作信息>计划总结"], "某某市科学技术局2019年工作总结"),  # a breadcrumb trail
        (["• 无障碍", "• 长辈版"], "某某市科学技术局2019年工作总结"),  # menu items
    ],
)
def test_the_title_line_after_a_page_banner(tmp_path: Path, top: list[str], title: str) -> None:
    path = tmp_path / "page.txt"
    path.write_text("\n".join([*top, title, "2019年,全市科技工作取得新进展。", "一、主要成效"]), encoding="utf-8")
    meta, _ = _meta(path)
    assert meta.title == title and meta.provenance["title"] == "stated"


def test_an_organisation_line_alone_is_no_title(tmp_path: Path) -> None:
    path = tmp_path / "banner.txt"
    path.write_text("某某市科学技术局\n2019年,全市科技工作取得新进展。", encoding="utf-8")
    meta, _ = _meta(path)
    assert meta.title == "banner" and meta.provenance["title"] == "unknown"


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # speaks of itself as 全区 and names only 全国科普日: a local text that does not say where
        ("工作任务完成情况\n全区高新技术企业总量达到160家。组织全国科普日活动，全区参与单位30家。", None),
        # a 全市 summary that names only its province (as a comparison): not the province's
        ("工作总结\n全市科技型中小企业申请入库2360家，占全省的28.23%，居江西省前列。全市研发投入增长。", None),
        # 全市 of a province-level 市 whose districts the notice lists
        ("评价情况通报\n全市7912家企业入库，天津市科技领军企业累计数排名前五位的区是滨海新区、武清区，武清区611家。", "天津市"),
        # the province it compares itself with named more often than itself: still the city
        ("新闻\n株洲市研发投入占比居全省第一，全省第一，全省领先。株洲市高新技术企业增加，株洲市全市增长。", "株洲市"),
        # 全市 of a county-level 市 named throughout, not the prefecture named once
        ("工作总结篇一\n湘乡市科技局推进科技特派员工作，全市共建站22个。湘乡市下派特派员385名，湘潭市予以表彰。湘乡市争取资金700万元。", "湘乡市"),
    ],
)
def test_the_region_read_from_the_text_is_where_it_speaks_of_itself(tmp_path: Path, text: str, region: str | None) -> None:
    path = tmp_path / "n.txt"
    path.write_text(text, encoding="utf-8")
    meta, _ = _meta(path)
    assert meta.region == region
    assert meta.provenance["region"] == ("inferred" if region else "unknown")


def test_a_title_in_traditional_characters_states_its_region(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("湘鄉市科技特派員工作總結\n全市科技特派員深入基層，服務農戶三千餘戶。", encoding="utf-8")
    meta, _ = _meta(path)
    assert meta.title == "湘鄉市科技特派員工作總結"  # the document's own words
    assert (meta.region, meta.provenance["region"]) == ("湘乡市", "stated")


def test_a_publication_time_in_the_header_is_the_date_not_the_issuer(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_text(
        "今年1-5月 杭州规上工业研发费用同比增长23%\n来源:杭州日报 发布:2022-06-29 09:37:19\n"
        "6月27日,市科技局召开全市半年度科技工作会议。今年1-5月,全市实现技术合同交易总额451亿元。\n",
        encoding="utf-8",
    )
    meta, _ = _meta(path)
    assert meta.issuer is None and meta.provenance["issuer"] == "unknown"
    assert meta.date == "2022-06-29" and meta.provenance["date"] == "stated"
    assert meta.years == [2022]  # "dates in the text give the years"
