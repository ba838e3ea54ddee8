"""Structure-aware chunking: properties on arbitrary Chinese text, and sections of the real reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from common.settings import ChunkSettings
from common.textnorm import normalize
from ingest.chunking import chunk_text
from ingest.cleaning import clean
from ingest.headings import match_heading, normalize_marker, short_title
from ingest.models import Chunk
from ingest.tokens import count_tokens

HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
PUNCT = "。，；！？、：“”‘’（）《》【】!?;,:.…—"
MARKERS = ["一、", "二、", "十一、", "（一）", "(二)", "（十）", "1.", "2.", "12.", "1、", "3、",
           "（1）", "(2)", "①", "第一条", "第十二条", "第三章", "第二部分"]
SPACE = [" ", "\u3000", "\t", "\xa0", "\n", "\n\n", "\r\n"]

atoms = st.one_of(
    st.text(alphabet=HANZI, min_size=1, max_size=40),
    st.sampled_from(list(PUNCT)),
    st.sampled_from(SPACE),
    st.sampled_from(MARKERS).map(lambda m: "\n" + m),
    st.text(alphabet="0123456789%.万元件家个", min_size=1, max_size=8),
    st.text(alphabet="abcXYZ R&D-", min_size=1, max_size=10),
)
structured = st.lists(atoms, max_size=80).map("".join)
one_line = structured.map(lambda t: re.sub(r"[\r\n]", "", t))
huge_sentence = st.builds(
    lambda head, body, tail: head + body + tail,
    st.sampled_from(["", "一、", "（一）"]),
    st.text(alphabet=HANZI + "，、", min_size=300, max_size=2500),
    st.sampled_from(["", "。", "！"]),
)
budgets = st.builds(ChunkSettings, max_tokens=st.integers(16, 120), min_tokens=st.integers(0, 40))


def check_invariants(text: str, chunks: list[Chunk], cfg: ChunkSettings) -> None:
    pos = 0
    for i, c in enumerate(chunks):
        assert c.index == i
        assert text[c.start:c.end] == c.text, "offsets must round-trip"
        assert c.text and c.text == c.text.strip(), "no empty or whitespace-padded chunks"
        assert text[pos:c.start].strip() == "", "only whitespace may lie between chunks"
        assert c.tokens == count_tokens(c.text, cfg.encoding)
        assert c.tokens <= cfg.max_tokens
        pos = c.end
    assert text[pos:].strip() == ""


PROPERTY = hsettings(max_examples=120, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(text=structured, cfg=budgets)
def test_properties_on_structured_chinese_text(text: str, cfg: ChunkSettings) -> None:
    check_invariants(text, chunk_text(text, cfg), cfg)


@PROPERTY
@given(text=one_line, cfg=budgets)
def test_properties_on_one_line_documents(text: str, cfg: ChunkSettings) -> None:
    assert "\n" not in text
    check_invariants(text, chunk_text(text, cfg), cfg)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=huge_sentence, cfg=budgets)
def test_properties_on_huge_sentences(text: str, cfg: ChunkSettings) -> None:
    chunks = chunk_text(text, cfg)
    check_invariants(text, chunks, cfg)
    assert len(chunks) >= count_tokens(text) // cfg.max_tokens


@hsettings(max_examples=80, deadline=None)
@given(text=st.text(max_size=300), cfg=budgets)
def test_properties_on_any_unicode(text: str, cfg: ChunkSettings) -> None:
    check_invariants(text, chunk_text(text, cfg), cfg)


def test_empty_and_whitespace() -> None:
    assert chunk_text("") == [] and chunk_text(" \n\u3000\t\n") == []


def test_sentences_are_not_cut() -> None:
    text = "一、总体要求\n" + "".join(f"第{i}句话说明了一项具体的政策措施和它的目标。" for i in range(40))
    chunks = chunk_text(text, ChunkSettings(max_tokens=60, min_tokens=10))
    assert len(chunks) > 5
    for c in chunks:
        assert c.text.endswith("。")
        assert c.section == "一、总体要求"
    assert chunks[0].text.startswith("一、总体要求")


def test_long_sentence_cut_at_clauses_then_hard() -> None:
    clauses = "，".join(f"支持第{i}类企业开展技术攻关" for i in range(30)) + "。"
    chunks = chunk_text(clauses, ChunkSettings(max_tokens=40, min_tokens=0))
    assert len(chunks) > 3
    assert all(c.text.endswith(("，", "。")) for c in chunks)
    no_breaks = "科技" * 400
    chunks = chunk_text(no_breaks, ChunkSettings(max_tokens=32, min_tokens=0))
    assert "".join(c.text for c in chunks) == no_breaks
    assert all(c.tokens <= 32 for c in chunks)


def test_sections_nest_by_marker_family() -> None:
    text = ("序言一句。\n一、第一部分\n（一）甲项\n1.小项一。说明。\n2.小项二。\n（二）乙项。乙的说明。\n"
            "二、第二部分\n第一段话。\n(一)丙项\n（1）细项。")
    sections = [c.section for c in chunk_text(text, ChunkSettings(max_tokens=16, min_tokens=0))]
    assert sections[0] == ""
    assert "一、第一部分 > （一）甲项 > 1.小项一" in sections
    assert "一、第一部分 > （一）甲项 > 2.小项二" in sections
    assert "一、第一部分 > （二）乙项" in sections
    assert "二、第二部分" in sections
    assert sections[-1] == "二、第二部分 > （一）丙项 > （1）细项"


def test_heading_only_section_is_carried_into_the_next_chunk() -> None:
    text = "一、科技创新基本情况\n\n(一)制定完善自主创新政策体系。根据省政府意见出台实施意见。"
    chunks = chunk_text(text, ChunkSettings())
    assert len(chunks) == 1
    assert chunks[0].text.startswith("一、科技创新基本情况")
    assert chunks[0].section == "一、科技创新基本情况 > （一）制定完善自主创新政策体系"
    # A heading at the very end still gets a chunk of its own.
    tail = chunk_text("正文。\n三、附则", ChunkSettings())
    assert [c.text for c in tail] == ["正文。", "三、附则"]


# --------------------------------------------------------------------------- real reports


def _report(reports_dir: Path, prefix: str) -> str:
    path = next(p for p in reports_dir.iterdir() if p.name.startswith(prefix))
    return clean(path.read_text(encoding="utf-8")).text


@pytest.mark.parametrize(
    ("report", "sentence", "section"),
    [
        ("000", "2015年全市专利申请量达1724件", "一、科技创新基本情况 > （七）加强知识产权保护"),
        ("000", "至2017年底,要推动建立省级孵化器3个", "三、2016年主要工作 > （四）建立孵化服务体系"),
        ("001", "全市省国家高新技术企业达到250家以上",
         "一、大力培育发展创新型企业 > （一）培育一批高新技术企业"),
        ("002", "年内力争全市新增30家高新技术企业",
         "二、抓好“以升促建”工作,力争创建国家级、省级高新区 > 7.多措并举推动高企发展"),
        ("003", "新培育欧野建材、新江环保等国家级高新技术企业15家",
         "二、2016年科技工作计划 > （三）工作措施 > 1、实施创新能力提升工程"),
        ("004", "分别补贴支出费用的50%",
         "一、2018年工作情况 > （七）着力完善科技金融生态,加强科技金融融合"),
    ],
)
def test_section_paths_of_real_reports(reports_dir: Path, report: str, sentence: str, section: str) -> None:
    chunks = chunk_text(_report(reports_dir, report), ChunkSettings())
    holding = [c for c in chunks if sentence in c.text]
    assert [c.section for c in holding] == [section]


@pytest.mark.parametrize("report", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("max_tokens", [48, 160, 320])
def test_real_reports(reports_dir: Path, report: str, max_tokens: int) -> None:
    text = _report(reports_dir, report)
    cfg = ChunkSettings(max_tokens=max_tokens)
    chunks = chunk_text(text, cfg)
    check_invariants(text, chunks, cfg)
    ends = "。！？；!?;”’」』）)】》"
    for prev, nxt in zip(chunks, chunks[1:]):
        # A chunk ends at a sentence end or a line end, or inside a sentence too long to keep.
        if prev.text[-1] in ends or "\n" in text[prev.end:nxt.start]:
            continue
        line_start = text.rfind("\n", 0, prev.end) + 1
        line_end = text.find("\n", prev.end)
        line_end = len(text) if line_end < 0 else line_end
        before = max(text.rfind(p, line_start, prev.end) for p in "。！？；!?;")
        after = [i for i in (text.find(p, prev.end, line_end) for p in "。！？；!?;") if i >= 0]
        sentence = text[max(before + 1, line_start):(min(after) + 1 if after else line_end)]
        assert count_tokens(sentence) > max_tokens, (prev.text[-20:], nxt.text[:20])
        assert prev.text[-1] in "，,、：:" or count_tokens(prev.text) > max_tokens - 8
    # The first chunk of every section carries that section's heading.
    for prev, c in zip([None, *chunks], chunks):
        if c.section and (prev is None or prev.section != c.section):
            title = c.section.split(" > ")[-1].rstrip("…")
            heading_sentence = re.split(r"(?<=[。！？；])", text[text.find("\n", c.start) + 1:])[0]
            if count_tokens(heading_sentence) > max_tokens and normalize(title) not in normalize(c.text):
                title = title[:6]  # an over-long heading sentence is cut at a clause
            assert normalize(title) in normalize(c.text), (c.section, c.text[:40])
    # Small chunks exist only where no neighbour of the same section has room.
    for i, c in enumerate(chunks):
        if c.tokens >= cfg.min_tokens:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(chunks) and chunks[j].section == c.section:
                a, b = min(c.start, chunks[j].start), max(c.end, chunks[j].end)
                assert count_tokens(text[a:b]) > max_tokens


def test_extra_reports_chunk_within_budget(extra_dir: Path) -> None:
    cfg = ChunkSettings()
    path = extra_dir / "2025年广东省政府工作报告.txt"
    text = clean(path.read_text(encoding="utf-8")).text
    chunks = chunk_text(text, cfg)
    check_invariants(text, chunks, cfg)
    assert any(c.section.startswith("二、2025年工作安排 > （") for c in chunks)


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    ("line", "kind", "label", "whole"),
    [
        ("一、科技创新基本情况", "cn", "一、科技创新基本情况", True),
        ("三、2016年主要工作", "cn", "三、2016年主要工作", True),
        ("(七)加强知识产权保护。2015年全市专利申请量达1724件", "cn_paren", "（七）加强知识产权保护", False),
        ("（一）工作思路", "cn_paren", "（一）工作思路", True),
        ("1.编制发布“十四五”科技创新发展规划。尽快组织专家论证", "num_dot", "1.编制发布“十四五”科技创新发展规划", False),
        ("12．加强科研团队建设。", "num_dot", "12.加强科研团队建设", True),
        ("1、实施创新能力提升工程。突出企业创新主体地位", "num_comma", "1、实施创新能力提升工程", False),
        ("（1）细项", "num_paren", "（1）细项", True),
        ("第三条 创新券用于购买科技服务。", "article", "第三条创新券用于购买科技服务", True),
        ("第二章 支持措施", "chapter", "第二章支持措施", True),
        ("① 第一项", "circled", "①第一项", True),
    ],
)
def test_match_heading(line: str, kind: str, label: str, whole: bool) -> None:
    h = match_heading(line)
    assert h is not None
    assert (h.kind, h.label.replace(" ", ""), h.whole_line) == (kind, label, whole)


@pytest.mark.parametrize(
    "line",
    ["2015年,全区科技工作紧紧围绕", "1.5亿元用于孵化器", "2015.12.6.", "十四五期间", "一是加强领导",
     "1.", "（一）", "3D打印技术", "100%完成"],
)
def test_not_headings(line: str) -> None:
    assert match_heading(line) is None


def test_heading_helpers() -> None:
    assert normalize_marker("(七)") == "（七）" and normalize_marker("1．") == "1." and normalize_marker("一.") == "一、"
    assert short_title("加强知识产权保护。2015年全市专利申请量达1724件") == "加强知识产权保护"
    long = "着力培育新动能,加快提升企业创新实力一是推进高新技术企业树标提质2018年预计新增"
    assert short_title(long) == "着力培育新动能"
    assert len(short_title("字" * 80)) == 31 and short_title("字" * 80).endswith("…")


def test_headings_inside_a_line_open_sections() -> None:
    """A document whose line breaks were lost (one line) keeps its structure."""
    text = ("关于支持企业复工复产的通知 各县（市、区）人民政府：现将有关措施通知如下。"
            "一、减轻企业负担。（一）减免房租。对中小企业减免1个月房租。（二）延期缴纳社保，最长6个月。"
            " 二、加大金融支持 1.加大信贷投放，新增贷款200亿元。2、降低利率。")
    chunks = chunk_text(text, ChunkSettings(max_tokens=40, min_tokens=0))
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    by_section = {c.section: c.text for c in chunks}
    assert by_section["一、减轻企业负担 > （一）减免房租"] == "（一）减免房租。对中小企业减免1个月房租。"
    assert by_section["一、减轻企业负担 > （二）延期缴纳社保，最长6个月"] == "（二）延期缴纳社保，最长6个月。"
    # a bare heading goes into the first chunk of what follows, under its own path
    [loan] = [c for c in chunks if c.section.startswith("二、加大金融支持 > 1.加大信贷投放")
              and "2、" not in c.section]
    assert loan.text.startswith("二、加大金融支持 1.加大信贷投放")
    # a marker inside a sentence (no sentence end or gap before it) starts nothing
    inner = chunk_text("按照规定1.5倍执行，并在（一）类地区试点。", ChunkSettings())
    assert [c.section for c in inner] == [""]
