"""Cleaning: page chrome goes, every sentence of the policy text stays, header facts are kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.textnorm import normalize
from ingest.cleaning import clean

# Lines of the raw captures that are page chrome or page header, written out by hand here
# (independently of the cleaning rules). Everything else in a report is policy text.
CHROME_LINES = {
    "000_6815dfeab2db1bf2.txt": ["来源: 作者:", "转载分享:", "0", "相关文件:", "文档附件:",
                                 "关于我们 | 网站帮助", "版权所有", "管理维护:", "网站标识码:",
                                 "网站报障:"],
    "001_36a689d0a3f137d4.txt": ["您现在的位置", "• 2016-02-18", "• 来源:", "• 发布机构:",
                                 "• 【字体:", "扫一扫", "版权声明:", "凡本网注明", "联系方式:",
                                 "Baidu", "map"],
    "002_a295750ddb2d6bca.txt": [],
    "003_9713f358d5aa3b1f.txt": ["索引号:", "发布机构:", "信息名称:", "文号:", "内容概述:", "时效:"],
    "004_4757f8428a5e4ec7.txt": ["当前位置:", "发布日期:", "分享:", "打印 关闭"],
}
# Strings that only ever occur in chrome of these captures.
CHROME_STRINGS = {
    "000_6815dfeab2db1bf2.txt": ["字体", "转载分享", "关于我们", "网站帮助", "版权所有", "管理维护",
                                 "网站标识码", "备案序号", "ICP备", "网站报障", "公网安备",
                                 "相关文件", "文档附件", "隐私申明"],
    "001_36a689d0a3f137d4.txt": ["您现在的位置", "字体", "扫一扫", "版权声明", "凡本网注明",
                                 "台山政府网", "联系方式", "ts686@126.com", "Baidu", "本网"],
    "002_a295750ddb2d6bca.txt": [],
    "003_9713f358d5aa3b1f.txt": ["索引号", "014276358", "信息名称", "内容概述", "时效", "主题词"],
    "004_4757f8428a5e4ec7.txt": ["当前位置", "政务公开 >", "发布日期", "信息来源", "打印", "关闭"],
}
EXPECTED_HEADER = {
    "000_6815dfeab2db1bf2.txt": {"作者": "阳江市科学技术局", "时间": "2016-04-25 17:13"},
    "001_36a689d0a3f137d4.txt": {"发布时间": "2016-02-18 02:27:22", "来源": "本网", "发布机构": "本网"},
    "002_a295750ddb2d6bca.txt": {},
    "003_9713f358d5aa3b1f.txt": {"索引号": "014276358/2015-00004", "分类": "10",
                                 "发布机构": "科学技术局", "成文日期": "2015-12-08",
                                 "信息名称": "2015年工作总结和2016年工作计划",
                                 "内容概述": "2015年工作总结和2016年工作计划"},
    "004_4757f8428a5e4ec7.txt": {"发布日期": "2019-03-22", "信息来源": "本网"},
}
REPORTS = sorted(CHROME_LINES)


def _is_chrome(line: str, report: str) -> bool:
    s = line.strip(" \t\u3000\xa0")
    return any(s == c or s.startswith(c) for c in CHROME_LINES[report])


def _sentences(line: str) -> list[str]:
    return [p for p in re.split(r"(?<=[。；！？!?;])", line) if normalize(p)]


@pytest.mark.parametrize("report", REPORTS)
def test_every_policy_sentence_survives(reports_dir: Path, report: str) -> None:
    raw = (reports_dir / report).read_text(encoding="utf-8")
    cleaned = normalize(clean(raw).text)
    body = [line for line in raw.split("\n") if line.strip() and not _is_chrome(line, report)]
    assert len(body) > 10
    missing = [s for line in body for s in _sentences(line) if normalize(s) not in cleaned]
    assert missing == []


@pytest.mark.parametrize("report", REPORTS)
def test_chrome_is_gone(reports_dir: Path, report: str) -> None:
    result = clean((reports_dir / report).read_text(encoding="utf-8"))
    for s in CHROME_STRINGS[report]:
        assert s not in result.text, s
    lines = result.text.split("\n")
    assert "0" not in lines and "map" not in lines and "分享:" not in lines
    assert result.text == result.text.strip()
    assert "\n\n\n" not in result.text


@pytest.mark.parametrize("report", REPORTS)
def test_header_facts(reports_dir: Path, report: str) -> None:
    header = clean((reports_dir / report).read_text(encoding="utf-8")).header
    assert header == EXPECTED_HEADER[report]


@pytest.mark.parametrize("report", REPORTS)
def test_cleaning_is_stable(reports_dir: Path, report: str) -> None:
    once = clean((reports_dir / report).read_text(encoding="utf-8")).text
    assert clean(once).text == once


def test_content_that_looks_like_chrome_stays(reports_dir: Path) -> None:
    text = clean((reports_dir / "004_4757f8428a5e4ec7.txt").read_text(encoding="utf-8")).text
    assert "分享全球顶尖孵化器经验" in text and "分享我市知识产权保护经验" in text
    assert "累计备案科技创新券服务机构库113家" in text
    assert text.split("\n")[0] == "中山市科学技术局2018年工作总结及2019年工作计划"


def test_wrapped_lines_are_rejoined_and_headings_are_not(reports_dir: Path) -> None:
    text = clean((reports_dir / "001_36a689d0a3f137d4.txt").read_text(encoding="utf-8")).text
    lines = text.split("\n")
    assert "成长性高的优秀企业" in text and "成长\n性高" not in text
    assert "完善产业服务功能" in text and "建立企业研究院" in text
    assert "一、大力培育发展创新型企业" in lines
    # The notice's signature and the inner title keep their own lines.
    assert "江门市科学技术局" in lines and "2015年12月7日" in lines
    assert "江门市加快推进创新驱动发展重点工作方案" in lines
    assert lines[0].startswith("转发江门市科学技术局关于印发")


def test_extra_reports_lose_front_matter_and_licence(extra_dir: Path) -> None:
    for path in sorted(extra_dir.iterdir()):
        raw = path.read_text(encoding="utf-8")
        result = clean(raw)
        assert result.header["标题"] and "---" not in result.text.split("\n")[:3]
        for chrome in ("本作品", "公有领域", "Public domain", "维基文库", "标题:"):
            assert chrome not in result.text, (path.name, chrome)
        # The report's last paragraph is still there.
        last = [line for line in raw.split("\n") if len(line.strip()) > 50][-1].strip()
        assert normalize(last) in normalize(result.text), path.name


def test_stub_with_content_is_kept() -> None:
    text = "正文一句。\n\n附件:\n1.阳江市科技企业孵化器认定办法\n\n相关文件:\n\n版权所有 某某政府"
    result = clean(text)
    assert "附件:" in result.text and "认定办法" in result.text
    assert "相关文件" not in result.text and "版权所有" not in result.text


def test_long_paragraph_mentioning_copyright_is_kept() -> None:
    para = ("加强知识产权保护，严厉打击侵犯版权所有人合法权益的行为，完善著作权登记与备案号管理制度，"
            "推动建立版权保护长效机制，并对网站标识码等信息系统开展安全检查，确保联系方式公开透明。" * 2)
    assert clean(para).text == para


def test_nav_rows_breadcrumbs_and_widgets() -> None:
    raw = "\n".join([
        "首页 | 关于我们 | 联系我们 | 网站地图",
        "您当前的位置：首页 > 新闻中心",
        "关于加快科技创新的实施意见",
        "发布时间：2020-05-06 10:00 来源：市科技局 【字体：大 中 小】 【打印】 【关闭】",
        "一、总体要求",
        "坚持创新驱动发展。",
        "- 2 -",
        "【打印本页】 【关闭窗口】",
        "扫一扫在手机打开当前页",
    ])
    result = clean(raw)
    assert result.text.split("\n") == ["关于加快科技创新的实施意见", "", "一、总体要求", "坚持创新驱动发展。"]
    assert result.header == {"发布时间": "2020-05-06 10:00", "来源": "市科技局"}


def test_front_matter() -> None:
    raw = "标题: 2025年某省政府工作报告\n年份: 2025\n发布: 某省人民政府\n---\n各位代表：\n现在，我代表省人民政府报告工作。"
    result = clean(raw)
    assert result.header == {"标题": "2025年某省政府工作报告", "年份": "2025", "发布": "某省人民政府"}
    assert result.text == "各位代表：\n现在，我代表省人民政府报告工作。"


def test_rejoin_rules() -> None:
    long_line = "推动企业建设研发机构，力争到2017年全市规模以上工业企业建有研发机构比例达到百分之二十以上并且"
    assert clean(f"{long_line}\n实现全覆盖。").text == f"{long_line}实现全覆盖。"
    # Short lines, finished sentences and headings are never joined.
    assert clean("江门市科学技术局\n2015年12月7日").text == "江门市科学技术局\n2015年12月7日"
    assert clean(f"{long_line}。\n下一句。").text == f"{long_line}。\n下一句。"
    assert clean(f"{long_line}\n（一）培育高新技术企业。").text.count("\n") == 1
    assert clean(f"{long_line}\n各位代表：").text.count("\n") == 1
    # Latin words keep a space between them when a line is re-joined.
    en = "The science and technology bureau will support enterprises in building research"
    assert clean(f"{en}\ncentres.").text == f"{en} centres."


def test_empty_and_chrome_only() -> None:
    assert clean("").text == ""
    assert clean("版权所有 某某政府\n打印 关闭\n0\n").text == ""


def test_a_notices_contact_lines_stay_and_a_footers_go() -> None:
    """联系人 / 联系电话 / 邮箱 in a notice's body are what applicants are told (and asked for);
    the same keys in the site footer under 版权所有 are chrome."""
    text = (
        "请于3月12日前将电子版发送到指定邮箱。\n四、联系方式\n联 系 人:徐宗伟\n联系电话:0473-3998551\n"
        "邮箱:whskjjfzjhk@163.com\n地址:滨河区市政府大楼A座429办公室\n附件:乌海市科技需求调研表\n2021年2月7日\n\n"
        "版权所有:乌海市科学技术局\n地址:乌海市海勃湾区\n电话:0473-0000000\n邮编:016000\n邮箱:web@wuhai.gov.cn"
    )
    out = clean(text).text
    for kept in ("联系电话:0473-3998551", "邮箱:whskjjfzjhk@163.com", "地址:滨河区市政府大楼A座429办公室"):
        assert kept in out
    for gone in ("版权所有", "乌海市海勃湾区", "0473-0000000", "016000", "web@wuhai.gov.cn"):
        assert gone not in out
