"""prepare_document: the seam the ingest pipeline calls for every file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from common.errors import LoaderError
from common.settings import ChunkSettings, Settings
from ingest.document import PreparedDocument, prepare_document


def test_prepares_a_sample_report(reports_dir: Path) -> None:
    doc = prepare_document(reports_dir / "000_6815dfeab2db1bf2.txt", Settings())
    assert isinstance(doc, PreparedDocument)
    assert doc.meta.region == "阳江市" and doc.meta.source == "000_6815dfeab2db1bf2.txt"
    assert doc.chunks and all(doc.text[c.start:c.end] == c.text for c in doc.chunks)
    assert "版权所有" not in doc.text and doc.text.startswith("阳江市科技创新工作情况")
    assert all(c.tokens <= Settings().chunk.max_tokens for c in doc.chunks)


def test_chunk_settings_are_passed_down(reports_dir: Path) -> None:
    path = reports_dir / "004_4757f8428a5e4ec7.txt"
    small = prepare_document(path, Settings(chunk=ChunkSettings(max_tokens=64)))
    large = prepare_document(path, Settings(chunk=ChunkSettings(max_tokens=320)))
    assert len(small.chunks) > 2 * len(large.chunks)
    assert max(c.tokens for c in small.chunks) <= 64
    assert small.meta.content_hash == large.meta.content_hash


def test_html_page_end_to_end(tmp_path: Path) -> None:
    page = ("<html><head><meta charset='utf-8'><title>江门市科技创新券管理办法</title></head><body>"
            "<nav>首页 | 政务公开</nav><div id='zoom'><p>江门市科技创新券管理办法</p>"
            "<p>一、总则</p><p>（一）为鼓励中小微企业开展科技创新活动，设立科技创新券。</p>"
            "<p>发布日期：2016-05-10</p></div><footer>版权所有 江门市人民政府</footer></body></html>")
    path = tmp_path / "cxq.html"
    path.write_text(page, encoding="utf-8")
    doc = prepare_document(path, Settings())
    assert doc.meta.format == "html" and doc.meta.region == "江门市"
    assert doc.meta.title == "江门市科技创新券管理办法"
    assert "版权所有" not in doc.text and "首页" not in doc.text
    assert [c.section for c in doc.chunks][-1].startswith("一、总则 > （一）为鼓励中小微企业")


def test_nothing_left_after_cleaning(tmp_path: Path) -> None:
    path = tmp_path / "footer.txt"
    path.write_text("关于我们 | 网站地图 | 联系我们\n版权所有 某某市人民政府\n网站标识码：123\n打印 关闭\n",
                    encoding="utf-8")
    with pytest.raises(LoaderError) as info:
        prepare_document(path, Settings())
    assert "no text left" in info.value.message and info.value.hint


def test_bad_input_raises_loader_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(LoaderError, match="empty"):
        prepare_document(path, Settings())


def test_whole_corpus_is_prepared_quickly(corpus_dir: Path) -> None:
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    assert len(files) == 17
    start = time.perf_counter()
    docs = [prepare_document(f, Settings()) for f in files]
    elapsed = time.perf_counter() - start
    assert sum(len(d.chunks) for d in docs) > 800  # 962 at the default 480 tokens
    assert len({d.meta.doc_id for d in docs}) == 17 and len({d.meta.content_hash for d in docs}) == 17
    # ~1 s on the 2-core machine; generous bound because other tests share the cores.
    assert elapsed < 30


def test_pdf_lines_wrapped_at_the_page_width_are_rejoined(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "wrapped.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    for i, line in enumerate(["一、科技创新基本情况", "2015年全市专利申请量达1724件，同比增长",
                              "25.56%，其中发明专利76件。"]):
        c.drawString(72, 760 - 20 * i, line)
    c.showPage()
    c.save()
    doc = prepare_document(path, Settings())
    assert doc.text.split("\n") == ["一、科技创新基本情况",
                                     "2015年全市专利申请量达1724件，同比增长25.56%，其中发明专利76件。"]
    assert doc.chunks[0].section == "一、科技创新基本情况"
