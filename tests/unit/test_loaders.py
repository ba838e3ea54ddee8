"""Loaders on real files written here: encodings, HTML, PDF, DOCX, and every kind of bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.errors import LoaderError
from common.settings import IngestSettings
from ingest import loaders
from ingest.loaders import decode_text, load_file

SIMPLIFIED = (
    "一、科技创新基本情况\n"
    "2015年全市专利申请量达1724件，同比增长25.56%，其中发明专利76件。\n"
    "至2017年底，要推动建立省级孵化器3个，省众创空间2个。"
)
TRADITIONAL = (
    "臺灣地區科技部於今年發佈新的產業創新條例，鼓勵企業加強研發投入，並提供租稅優惠與補助。"
    "為了促進中小企業轉型升級，政府將設立專項基金，協助企業引進人才與技術。"
)
SETTINGS = IngestSettings()


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


# --------------------------------------------------------------------------- text encodings


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),  # read with its superset, GB18030
        ("gb2312", "gb18030"),
    ],
)
def test_simplified_text_in_each_encoding(tmp_path: Path, encoding: str, expected: str) -> None:
    path = write(tmp_path, f"r_{encoding}.txt", SIMPLIFIED, encoding)
    loaded = load_file(path, SETTINGS)
    assert loaded.text == SIMPLIFIED
    assert loaded.encoding == expected
    assert loaded.format == "txt"


def test_gb18030_only_characters(tmp_path: Path) -> None:
    text = "𠀀𪚥 are outside GBK; 科技局 is not. 欧元符号€"
    path = write(tmp_path, "gb18030.md", text, "gb18030")
    loaded = load_file(path, SETTINGS)
    assert loaded.text == text and loaded.encoding == "gb18030" and loaded.format == "md"


def test_traditional_text_in_big5(tmp_path: Path) -> None:
    path = write(tmp_path, "big5.txt", TRADITIONAL, "big5")
    loaded = load_file(path, SETTINGS)
    assert loaded.text == TRADITIONAL
    assert loaded.encoding == "big5"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("科技局", "gbk", "gb18030"),
        ("你好", "gbk", "gb18030"),
        ("工作总结", "gbk", "gb18030"),
        ("中文測試", "big5", "big5"),
        ("科技", "big5", "big5"),
        ("工作總結", "big5", "big5"),
        ("陽江市科學技術局", "big5", "big5"),
    ],
)
def test_short_texts_are_told_apart(text: str, encoding: str, expected: str) -> None:
    decoded, used = decode_text(text.encode(encoding))
    assert (decoded, used) == (text, expected)


def test_newlines_are_normalised(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.txt", "第一行\r\n第二行\r第三行\n")
    assert load_file(path, SETTINGS).text == "第一行\n第二行\n第三行\n"


# --------------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>阳江市科技创新工作情况</title>
<style>.zoom {{ font-size: 14px }} 隐藏样式文字</style>
<script>var nav = "脚本里的文字";</script></head>
<body>
<header><div class="logo">阳江市人民政府门户网站</div></header>
<nav><a href="/">首页</a> | <a href="/gk">政务公开</a></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开</div>
<div id="zoom">
<h1>阳江市科技创新工作情况</h1>
<p>一、科技创新基本情况</p>
<p>2015年全市专利申请量达<b>1724件</b>，同比增长25.56%。</p>
<p>第二段<br>换行后的文字。</p>
<table><tr><th>指标</th><th>2015年</th></tr><tr><td>专利申请量</td><td>1724件</td></tr></table>
</div>
<form><input name="q"><button>搜索按钮</button></form>
<footer>版权所有 阳江市人民政府 粤ICP备05062564号</footer>
<noscript>请启用脚本</noscript>
</body></html>"""


def test_html_main_text_without_chrome(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", PAGE, "gbk")
    loaded = load_file(path, SETTINGS)
    text = loaded.text
    assert loaded.format == "html" and loaded.encoding == "gb18030"
    for chrome in ("脚本里的文字", "隐藏样式文字", "首页", "政务公开", "搜索按钮", "版权所有",
                   "门户网站", "请启用脚本", "font-size"):
        assert chrome not in text, chrome
    lines = text.split("\n")
    assert "阳江市科技创新工作情况" in lines
    assert "一、科技创新基本情况" in lines
    # Inline markup does not break a sentence; paragraphs and <br> do break lines.
    assert "2015年全市专利申请量达1724件，同比增长25.56%。" in lines
    assert "第二段" in lines and "换行后的文字。" in lines
    # a table row repeats its column headers
    assert "指标：专利申请量；2015年：1724件" in lines


def test_html_charset_detected_without_meta(tmp_path: Path) -> None:
    page = "<html><body><p>" + TRADITIONAL + "</p></body></html>"
    path = write(tmp_path, "big5.htm", page, "big5")
    loaded = load_file(path, SETTINGS)
    assert loaded.encoding == "big5" and loaded.text == TRADITIONAL


def test_html_title_kept_when_the_heading_was_chrome(tmp_path: Path) -> None:
    page = ("<html><head><title>中山市科学技术局2018年工作总结</title></head><body>"
            "<div class='article-header'><h1>中山市科学技术局2018年工作总结</h1></div>"
            "<div class='content'><p>正文第一句。</p></div></body></html>")
    text = load_file(write(tmp_path, "t.html", page), SETTINGS).text
    assert text.split("\n")[0] == "中山市科学技术局2018年工作总结"
    assert "正文第一句。" in text


# --------------------------------------------------------------------------- PDF


def _pdf(path: Path, lines: list[str] | None) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    if lines:
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(lines):
            c.drawString(72, 760 - 20 * i, line)
    else:
        # A "scan": only graphics, no text objects at all.
        c.setFillGray(0.5)
        c.rect(72, 400, 300, 200, fill=1)
        c.line(72, 380, 372, 380)
    c.showPage()
    c.save()
    return path


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "report.pdf", ["一、科技创新基本情况", "2015年全市专利申请量达1724件，同比增长25.56%。"])
    loaded = load_file(path, SETTINGS)
    assert loaded.format == "pdf" and loaded.encoding is None
    assert "一、科技创新基本情况" in loaded.text
    assert "2015年全市专利申请量达1724件，同比增长25.56%。" in loaded.text


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "scan.pdf", None)
    with pytest.raises(LoaderError) as info:
        load_file(path, SETTINGS)
    # a blank page: no text layer, and OCR (on by default) finds nothing either
    assert "no text in 1 page(s)" in info.value.message and "OCR" in info.value.message
    assert "PDF viewer" in info.value.hint
    assert info.value.path == str(path)


@pytest.mark.parametrize(
    "junk",
    [os.urandom(4096).replace(b"%PDF", b"xxxx"), b"PK\x03\x04 this is a zip", b"%PDF-1.7\n" + b"\x00garbage" * 50],
)
def test_junk_named_pdf(tmp_path: Path, junk: bytes) -> None:
    path = write(tmp_path, "junk.pdf", junk)
    with pytest.raises(LoaderError) as info:
        load_file(path, SETTINGS)
    assert "not a valid PDF" in info.value.message or "no text layer" in info.value.message
    if not junk.startswith(b"%PDF"):
        assert "not a valid PDF" in info.value.message


# --------------------------------------------------------------------------- DOCX


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("中山市科学技术局2018年工作总结")
    document.add_paragraph("一、2018年工作情况")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("措施", "金额", "备注"), ("科技创新券", "6360万元", ""),
                             ("专利质押融资", "6730万元", "累计1.5亿元")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    merged = table.cell(1, 1).merge(table.cell(1, 2))
    merged.text = "6360万元"
    document.add_paragraph("二、2019年工作设想")
    path = tmp_path / "report.docx"
    document.save(str(path))

    loaded = load_file(path, SETTINGS)
    lines = [line for line in loaded.text.split("\n") if line]
    assert loaded.format == "docx"
    assert lines == [
        "中山市科学技术局2018年工作总结",
        "一、2018年工作情况",
        # each row repeats the column headers; a cell merged across columns counts once
        "措施：科技创新券；金额：6360万元",
        "措施：专利质押融资；金额：6730万元；备注：累计1.5亿元",
        "二、2019年工作设想",
    ]


def test_junk_named_docx(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="not a valid .docx"):
        load_file(write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0 an old binary .doc"), SETTINGS)


# --------------------------------------------------------------------------- bad input


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="empty file") as info:
        load_file(write(tmp_path, "empty.txt", b""), SETTINGS)
    assert info.value.hint


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="empty file"):
        load_file(write(tmp_path, "blank.md", " \n\t\r\n\u3000\n"), SETTINGS)


def test_binary_junk_named_txt(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 16
    with pytest.raises(LoaderError, match="binary") as info:
        load_file(write(tmp_path, "junk.txt", junk), SETTINGS)
    assert "UTF-8" in info.value.hint


def test_undecodable_text(tmp_path: Path) -> None:
    # 0x80 and 0xFF start no character in GB18030 or Big5; no NUL bytes.
    data = "政策文件".encode("gbk") + b"\x80\xff\x80\xff abc \xff\xff"
    with pytest.raises(LoaderError, match="undecodable|binary"):
        load_file(write(tmp_path, "bad.txt", data), SETTINGS)


@pytest.mark.parametrize("name", ["slides.pptx", "sheet.xls", "noext", "data.csv"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    with pytest.raises(LoaderError, match="unsupported file type") as info:
        load_file(write(tmp_path, name, "内容"), SETTINGS)
    assert ".txt" in info.value.hint and ".docx" in info.value.hint


def test_configured_extensions_are_respected(tmp_path: Path) -> None:
    only_txt = IngestSettings(extensions=[".txt"])
    with pytest.raises(LoaderError, match="unsupported"):
        load_file(write(tmp_path, "a.md", "内容"), only_txt)


def test_too_large_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:  # sparse: 50 MB on paper, nothing written
        fh.truncate(50 * 1024 * 1024)

    def must_not_read(p: Path) -> bytes:
        raise AssertionError("the file was read before its size was checked")

    monkeypatch.setattr(loaders, "_read_bytes", must_not_read)
    with pytest.raises(LoaderError) as info:
        load_file(path, SETTINGS)
    assert "50.0 MB" in info.value.message and "20 MB" in info.value.message
    assert "POLICYQA_INGEST__MAX_FILE_MB" in info.value.hint and "split" in info.value.hint


def test_size_limit_follows_the_setting(tmp_path: Path) -> None:
    path = write(tmp_path, "small.txt", "科技" * 1000)
    with pytest.raises(LoaderError, match="too large"):
        load_file(path, IngestSettings(max_file_mb=0.001))
    assert load_file(path, IngestSettings(max_file_mb=1)).text == "科技" * 1000


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "secret.txt", SIMPLIFIED)
    if os.geteuid() == 0:
        # root reads anything; exercise the same path by refusing the open itself.
        real_open = open

        def refusing_open(file, *args, **kwargs):  # noqa: ANN001
            if Path(file) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr("builtins.open", refusing_open)
    else:
        path.chmod(0)
    try:
        with pytest.raises(LoaderError) as info:
            load_file(path, SETTINGS)
    finally:
        path.chmod(0o644)
    assert "not readable" in info.value.message
    assert "permission" in info.value.hint


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="not found"):
        load_file(tmp_path / "gone.txt", SETTINGS)


def test_sample_reports_load_as_utf8(reports_dir: Path) -> None:
    for path in sorted(reports_dir.iterdir()):
        loaded = load_file(path, SETTINGS)
        assert loaded.encoding == "utf-8" and "\r" not in loaded.text and len(loaded.text) > 4000


# --------------------------------------------------------------------------- HTML: main-text finding

BODY = [
    "一、科技创新基本情况",
    "2015年全市专利申请量达1724件，同比增长25.56%，其中发明专利76件，科技创新环境进一步优化。",
    "二、2016年工作计划",
    "至2017年底，要推动建立省级孵化器3个，省众创空间2个，各县（市、区）均建有科技企业孵化器。",
    "加大扶持和引导力度，着力培育高新技术产业，抓好企业入库工作，培育一批高新技术企业和创新型企业。",
]
CHROME = ["网站首页", "新闻中心", "信息公开指南", "依申请公开", "相关链接",
          "关于组织申报2016年度省科技计划项目的通知", "市科技局召开2016年全市科技工作会议",
          "上一篇：市科技局赴深圳开展产学研合作对接活动", "下一篇：我市举办2016年科技活动周启动仪式"]


def _page(article: str) -> str:
    """A page with meaningless class names (no main-content selector hits)."""
    return (
        "<html><head><meta charset='utf-8'><title>阳江市科技创新工作情况 - 阳江市科学技术局</title></head>"
        "<body><div class='w1 d1'><a href='/'>网站首页</a> <a href='/n'>新闻中心</a> "
        "<a href='/g'>信息公开</a> <a href='/z'>政策法规</a></div>"
        "<div class='w1 d3'><div class='d3_l'><a href='/s1'>信息公开指南</a><br>"
        "<a href='/s2'>依申请公开</a><br><a href='/s3'>信息公开年报</a></div>"
        "<div class='d3_r'><div class='d3_t'>阳江市科技创新工作情况</div>"
        "<div class='d3_m'>发布时间：2016-04-25 17:13　来源：阳江市科学技术局</div>"
        f"<div class='d3_c'>{article}</div>"
        "<div class='d3_s'><p><a href='/p1'>上一篇：市科技局赴深圳开展产学研合作对接活动</a></p>"
        "<p><a href='/p2'>下一篇：我市举办2016年科技活动周启动仪式</a></p></div>"
        "<div class='d3_x'><div class='d3_xt'>相关链接</div><ul>"
        "<li><a href='/a1'>关于组织申报2016年度省科技计划项目的通知</a></li>"
        "<li><a href='/a2'>市科技局召开2016年全市科技工作会议</a></li></ul></div></div></div>"
        "</body></html>"
    )


def test_html_without_a_main_selector_drops_nav_sidebar_and_related_links(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    from ingest.cleaning import clean

    page = _page("".join(f"<p>{line}</p>" for line in BODY))
    text = load_file(write(tmp_path, "t2.html", page), SETTINGS).text
    for chrome in CHROME:
        assert chrome not in text, chrome
    lines = text.split("\n")
    assert lines[0] == "阳江市科技创新工作情况"  # trafilatura's title, the site name split off
    assert "发布时间：2016-04-25 17:13 来源：阳江市科学技术局" in lines  # (U+3000 is a space)
    assert all(line in lines for line in BODY)
    assert clean(text).header["发布时间"] == "2016-04-25 17:13"


def test_html_selector_hit_keeps_the_meta_line_and_title_above_the_container(tmp_path: Path) -> None:
    page = ("<html><head><title>阳江市科技创新工作情况 - 阳江市科学技术局</title></head><body>"
            "<div class='nav'><a href='/'>首页</a></div><div class='bt'>阳江市科技创新工作情况</div>"
            "<table class='xxgk'><tr><td>索引号：</td><td>007/2016-00123</td><td>发布机构：</td>"
            "<td>阳江市科学技术局</td></tr></table>"
            "<div class='info'>发布时间：2016-04-25 17:13　来源：阳江市科学技术局</div>"
            "<div id='zoom'>" + "".join(f"<p>{line}</p>" for line in BODY) + "</div>"
            "<div class='related'><a href='/a1'>关于组织申报2016年度省科技计划项目的通知</a></div>"
            "</body></html>")
    text = load_file(write(tmp_path, "zoom.html", page), SETTINGS).text
    lines = text.split("\n")
    # the heading above the container (the <title> without its site name), then the fact lines
    assert lines[:3] == ["阳江市科技创新工作情况", "索引号： | 007/2016-00123 | 发布机构： | 阳江市科学技术局",
                         "发布时间：2016-04-25 17:13 来源：阳江市科学技术局"]
    assert lines[4:] == [x for line in BODY for x in (line, "")][:-1]  # the container, exactly
    assert "首页" not in text and "科技计划项目" not in text


def test_html_data_table_in_the_article_is_header_rows(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    table = ("<table border='1'><tr><th>措施</th><th>金额</th><th>备注</th></tr>"
             "<tr><td>科技创新券</td><td>6360万元</td><td>首次发放</td></tr>"
             "<tr><td>专利质押融资</td><td>6730万元</td><td>累计1.5亿元</td></tr></table>")
    article = "".join(f"<p>{line}</p>" for line in BODY[:2]) + table + "".join(
        f"<p>{line}</p>" for line in BODY[2:])
    # An ASP.NET page: the whole body inside one <form> (a small search form is still dropped).
    page = _page(article).replace(
        "<body>", "<body><form action='/s'><input name='q'><button>搜索按钮</button></form><form id='form1'>"
    ).replace("</body>", "</form></body>")
    text = load_file(write(tmp_path, "table.html", page), SETTINGS).text
    lines = text.split("\n")
    assert "措施：科技创新券；金额：6360万元；备注：首次发放" in lines
    assert "措施：专利质押融资；金额：6730万元；备注：累计1.5亿元" in lines
    assert lines.index(BODY[1]) < lines.index("措施：科技创新券；金额：6360万元；备注：首次发放") < lines.index(BODY[2])
    assert "搜索按钮" not in text and "相关链接" not in text and "|" not in text
