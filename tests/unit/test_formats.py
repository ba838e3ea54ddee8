"""Documents as governments publish them, on real files made here (tests/format_files.py):
scanned and mixed PDFs (OCR), page numbers, tables as rows with their headers, .doc, OFD, images,
and the bad input each format brings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from common.errors import LoaderError
from common.settings import Settings
from common.textnorm import contains, is_table_row, split_sentences, table_row
from ingest.chunking import chunk_text
from ingest.document import prepare_document
from ingest.loaders import load_file
from ingest.pages import cleaned_page_starts
from ingest.records import extract_records
from ingest.tables import table_lines
from tests import format_files as ff

needs_font = pytest.mark.skipif(ff.cjk_font() is None, reason="fonts-noto-cjk not installed")
needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword not installed")

SCAN_PAGE_1 = ["某县科学技术局2023年工作总结", "一、主要成效", "全年新增国家高新技术企业18家，科技型中小企业126家。"]
SCAN_PAGE_2 = ["二、下一步工作", "2024年力争新增高新技术企业25家，技术合同成交额突破8亿元。"]


def settings(tmp_path: Path, **ingest: object) -> Settings:
    s = Settings(home=str(tmp_path / "home"))
    return s.model_copy(update={"ingest": s.ingest.model_copy(update=ingest)})


def chunk_with(prepared, needle: str):
    return next(c for c in prepared.chunks if contains(c.text, needle))


# --------------------------------------------------------------------------- table rows

def test_a_row_repeats_its_headers_and_stays_one_sentence() -> None:
    row = table_row(["项目", "金额", "条件"], ["高新技术企业认定奖励", "20万元", "首次认定"])
    assert row == "项目：高新技术企业认定奖励；金额：20万元；条件：首次认定"
    assert is_table_row(row)
    text = f"奖励标准如下：\n{row}\n对企业给予奖励；对个人给予补助。"
    sentences = [s.text for s in split_sentences(text)]
    assert row in sentences  # not cut at its ；
    assert "对企业给予奖励；" in sentences  # ordinary text still is


@pytest.mark.parametrize("line", ["一是加强；二是完善", "目标：很多。", "说明：见附件", ""])
def test_ordinary_lines_are_no_table_rows(line: str) -> None:
    assert not is_table_row(line)


def test_table_lines_caption_merged_cells_and_repeated_headers() -> None:
    grid = [
        ["2024年标准", "2024年标准", "2024年标准"],  # a title merged across
        ["类别", "项目", "金额"],
        ["企业培育", "首次认定高企", "30万元"],
        ["企业培育", "入库科技型中小企业", "2万元"],  # the category merged down
        ["类别", "项目", "金额"],  # the header again on a new page
    ]
    assert table_lines(grid) == [
        "2024年标准",
        "类别：企业培育；项目：首次认定高企；金额：30万元",
        "类别：企业培育；项目：入库科技型中小企业；金额：2万元",
    ]


def test_the_chunker_never_splits_a_row(tmp_path: Path) -> None:
    rows = [table_row(["项目", "金额", "条件"], [f"第{i}类科技项目资助", f"{i}0万元", "经评审立项"])
            for i in range(1, 40)]
    text = "一、资助标准\n" + "\n".join(rows)
    chunks = chunk_text(text, Settings().chunk.model_copy(update={"max_tokens": 120, "min_tokens": 10}))
    assert len(chunks) > 3
    for c in chunks:
        for line in c.text.split("\n")[1 if c.text.startswith("一、") else 0:]:
            assert line in rows  # every line of every chunk is a whole row


# --------------------------------------------------------------------------- pages

def test_page_starts_survive_cleaning() -> None:
    loaded = "标题\n- 1 -\n第一页的正文。\n\n- 2 -\n第二页的正文，\n接着写完。"
    starts = [0, loaded.index("- 2 -")]
    cleaned = "标题\n第一页的正文。\n\n第二页的正文，接着写完。"
    out = cleaned_page_starts(loaded, starts, cleaned)
    assert out == [0, cleaned.index("第二页")]


def test_text_pdf_chunks_carry_their_page(tmp_path: Path) -> None:
    path = ff.text_pdf(tmp_path / "plan.pdf", [
        ["某市2024年科技工作要点", "一、工作目标", "全年新增高新技术企业40家。"],
        ["二、重点任务", "建设省级以上研发平台6个。"],
        ["三、保障措施", "市财政安排科技专项资金1.2亿元。"],
    ])
    prepared = prepare_document(path, settings(tmp_path))
    assert prepared.loaded.page_starts and len(prepared.loaded.page_starts) == 3
    assert chunk_with(prepared, "新增高新技术企业40家").page == 1
    assert chunk_with(prepared, "研发平台6个").page == 2
    assert chunk_with(prepared, "1.2亿元").page == 3


def test_formats_without_pages_have_none(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("某市科技局工作总结\n全年新增高新技术企业40家。", encoding="utf-8")
    prepared = prepare_document(path, settings(tmp_path))
    assert all(c.page is None for c in prepared.chunks)


# --------------------------------------------------------------------------- PDF tables

def test_pdf_table_rows_keep_their_headers_and_reach_the_records(tmp_path: Path) -> None:
    path = ff.table_pdf(
        tmp_path / "awards.pdf", ["某区科技创新奖励办法", "一、奖励标准如下："],
        [["项目", "金额", "条件"], ["高新技术企业认定奖励", "20万元", "首次认定"],
         ["专利质押融资贴息", "50%", "当年新增贷款"]],
        ["二、本办法自2024年1月1日起施行。"],
    )
    prepared = prepare_document(path, settings(tmp_path))
    row = "项目：专利质押融资贴息；金额：50%；条件：当年新增贷款"
    assert row in prepared.text.split("\n")
    assert chunk_with(prepared, row).page == 1
    records = extract_records(prepared.meta, prepared.text, prepared.chunks)
    measures = [r for r in records if r.kind == "measure"]
    assert any(r.sentence == row and r.fields["benefit"] == "50%" and r.page == 1 for r in measures), measures


def test_pdf_tables_off_keeps_the_plain_text(tmp_path: Path) -> None:
    path = ff.table_pdf(tmp_path / "t.pdf", ["标题"], [["项目", "金额"], ["奖励", "20万元"]], ["完。"])
    loaded = load_file(path, settings(tmp_path, pdf_tables=False).ingest)
    assert "项目：奖励" not in loaded.text and "20万元" in loaded.text


# --------------------------------------------------------------------------- DOCX tables

def test_docx_merged_cells_spread_over_the_rows_they_cover(tmp_path: Path) -> None:
    prepared = prepare_document(ff.merged_table_docx(tmp_path / "m.docx"), settings(tmp_path))
    lines = prepared.text.split("\n")
    assert "2024年度科技奖补标准" in lines  # the merged title row, once
    assert "类别：企业培育；项目：首次认定高新技术企业；奖补金额：奖励30万元" in lines
    assert "类别：企业培育；项目：科技型中小企业入库；奖补金额：奖励2万元" in lines
    assert "类别：平台建设；项目：新认定市级研发中心；奖补金额：资助50万元" in lines


# --------------------------------------------------------------------------- .doc and OFD

@needs_antiword
def test_doc_through_antiword(tmp_path: Path) -> None:
    path = tmp_path / "通知.doc"
    shutil.copy(ff.DOC_FILE, path)
    prepared = prepare_document(path, settings(tmp_path))
    assert prepared.meta.title == ff.DOC_TITLE and prepared.loaded.format == "doc"
    assert "项目：高新技术企业认定奖励；金额：20万元；条件：首次认定" in prepared.text.split("\n")
    assert contains(prepared.text, "每家企业每年最高补助30万元")


def test_doc_without_antiword_names_the_file_and_the_install(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.doc"
    shutil.copy(ff.DOC_FILE, path)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(LoaderError) as info:
        load_file(path, settings(tmp_path).ingest)
    assert "old.doc" in info.value.message and "antiword" in info.value.message
    assert "apt-get install antiword" in info.value.hint


@pytest.mark.parametrize("data", [b"PK\x03\x04not a word file", b"just text, renamed"])
def test_a_doc_that_is_no_word_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fake.doc"
    path.write_bytes(data)
    with pytest.raises(LoaderError) as info:
        load_file(path, settings(tmp_path).ingest)
    assert "fake.doc" in info.value.message


def test_ofd_pages_and_text(tmp_path: Path) -> None:
    path = ff.ofd_file(tmp_path / "n.ofd", [
        ["某市科学技术局关于科技保险补助的通知", "一、补助标准", "按保费的30%给予补助，每家企业每年最高20万元。"],
        ["二、申报时间", "每年6月集中受理。"],
    ])
    prepared = prepare_document(path, settings(tmp_path))
    assert prepared.meta.title == "某市科学技术局关于科技保险补助的通知"
    assert chunk_with(prepared, "最高20万元").page == 1
    assert chunk_with(prepared, "每年6月集中受理").page == 2


@pytest.mark.parametrize("kind", ["not a zip", "no OFD.xml", "broken xml"])
def test_bad_ofd_files(tmp_path: Path, kind: str) -> None:
    import zipfile

    path = tmp_path / "bad.ofd"
    if kind == "not a zip":
        path.write_bytes(b"%PDF-1.4 renamed")
    else:
        with zipfile.ZipFile(path, "w") as z:
            if kind == "no OFD.xml":
                z.writestr("Doc_0/Document.xml", "<a/>")
            else:
                z.writestr("OFD.xml", "<ofd:OFD><unclosed>")
    with pytest.raises(LoaderError) as info:
        load_file(path, settings(tmp_path).ingest)
    assert "bad.ofd" in info.value.message and "not a valid OFD" in info.value.message
    assert info.value.hint


# --------------------------------------------------------------------------- OCR

@needs_font
def test_scanned_pdf_is_read_by_ocr_with_pages(tmp_path: Path) -> None:
    path = ff.scanned_pdf(tmp_path / "scan.pdf", [SCAN_PAGE_1, SCAN_PAGE_2])
    progress: list[str] = []
    prepared = prepare_document(path, settings(tmp_path), on_page=lambda d, t, m: progress.append(m))
    assert prepared.loaded.ocr_pages == (1, 2)
    assert prepared.meta.title == "某县科学技术局2023年工作总结"
    first = chunk_with(prepared, "高新技术企业18家")
    assert first.page == 1 and first.section.startswith("一、主要成效")  # headings found
    assert chunk_with(prepared, "突破8亿元").page == 2
    assert any(m.startswith("OCR page 2") for m in progress)
    # the second ingest reads the cache: same text, no OCR
    cached = prepare_document(path, settings(tmp_path))
    assert cached.text == prepared.text


@needs_font
def test_mixed_pdf_ocrs_only_the_image_page(tmp_path: Path) -> None:
    path = ff.mixed_pdf(tmp_path / "mixed.pdf", ["某市科技局关于专利质押融资贴息的通知", "一、贴息标准",
                                                  "按贷款利息的50%给予贴息。"],
                        ["二、申报材料", "单户年度贴息最高100万元。"])
    prepared = prepare_document(path, settings(tmp_path))
    assert prepared.loaded.ocr_pages == (2,)
    assert chunk_with(prepared, "利息的50%").page == 1
    assert chunk_with(prepared, "最高100万元").page == 2


@needs_font
def test_ocr_off_reports_a_scan_with_the_hint(tmp_path: Path) -> None:
    path = ff.scanned_pdf(tmp_path / "scan.pdf", [SCAN_PAGE_1])
    with pytest.raises(LoaderError) as info:
        load_file(path, settings(tmp_path, ocr=False).ingest)
    assert "scan.pdf" in info.value.message and "OCR is off" in info.value.message
    assert "POLICYQA_INGEST__OCR=true" in info.value.hint


@needs_font
def test_a_page_over_the_ocr_time_limit_is_reported(tmp_path: Path) -> None:
    path = ff.scanned_pdf(tmp_path / "slow.pdf", [SCAN_PAGE_1])
    with pytest.raises(LoaderError) as info:
        load_file(path, settings(tmp_path, ocr_page_timeout_s=0.01).ingest)
    assert "slow.pdf" in info.value.message and "page 1: OCR stopped" in info.value.message
    assert "OCR_PAGE_TIMEOUT_S" in info.value.message


@needs_font
def test_image_file_is_ocrd_once(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "notice.png"
    ff.page_image(SCAN_PAGE_1).save(path)
    cache = tmp_path / "ocr-cache"
    loaded = load_file(path, settings(tmp_path).ingest, ocr_cache=cache)
    assert loaded.format == "image" and loaded.ocr_pages == (1,)
    assert contains(loaded.text, "科技型中小企业126家")
    import ingest.loaders

    def no_ocr(_timeout):
        raise AssertionError("an unchanged image is read from the OCR cache")

    monkeypatch.setattr(ingest.loaders, "worker", no_ocr)
    assert load_file(path, settings(tmp_path).ingest, ocr_cache=cache).text == loaded.text


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_a_corrupt_image_is_reported(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(data)
    with pytest.raises(LoaderError) as info:
        load_file(path, settings(tmp_path).ingest)
    assert "broken.png" in info.value.message and "not a readable image" in info.value.message
    assert info.value.hint


# --------------------------------------------------------------------------- bad PDFs

def test_encrypted_pdf(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(path), encrypt="secret")
    c.setFont("STSong-Light", 12)
    c.drawString(60, 780, "加密的文件")
    c.save()
    with pytest.raises(LoaderError) as info:
        load_file(path, settings(tmp_path).ingest)
    assert "locked.pdf" in info.value.message and "encrypted" in info.value.message
    assert "unencrypted copy" in info.value.hint


def test_page_limit_reads_the_first_pages_and_says_so(tmp_path: Path) -> None:
    pages = [[f"第{i}部分", f"本部分安排资金{i}万元。"] for i in range(1, 13)]
    path = ff.text_pdf(tmp_path / "long.pdf", pages)
    seen: list[tuple[int, int]] = []
    loaded = load_file(path, settings(tmp_path, max_pages=5).ingest,
                       on_page=lambda d, t, m: seen.append((d, t)))
    assert len(loaded.page_starts) == 5 and "安排资金5万元" in loaded.text
    assert "安排资金6万元" not in loaded.text
    assert any("first 5 of 12 pages" in n and "MAX_PAGES" in n for n in loaded.notes)
    assert seen[-1] == (5, 5)


# --------------------------------------------------------------------------- the ingest report

@needs_font
def test_ingest_report_names_ocr_pages_low_confidence_and_skipped_pages(tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths
    from tests.fakes import HashEmbeddings
    from vectorstore.chroma_store import open_store

    docs = tmp_path / "docs"
    docs.mkdir()
    ff.scanned_pdf(docs / "scan.pdf", [SCAN_PAGE_1, SCAN_PAGE_2])
    ff.text_pdf(docs / "long.pdf", [[f"第{i}页正文：本市安排科技专项资金{i}万元，支持企业研发。"] for i in range(1, 5)])
    # every OCR'd page is below a confidence of 1.0: each is flagged
    s = settings(tmp_path, ocr_min_confidence=1.0, max_pages=3)
    emb = HashEmbeddings()
    report = ingest_paths([docs], s, open_store(s, emb, create=True), emb)
    added = {r.source: r for r in report.added}
    assert added["scan.pdf"].ocr_pages == [1, 2] and added["scan.pdf"].pages == 2
    assert added["scan.pdf"].low_confidence_pages == [1, 2]
    assert added["long.pdf"].pages == 3 and added["long.pdf"].ocr_pages == []
    warned = {(w.source, w.reason) for w in report.warnings}
    assert ("scan.pdf", "OCR is unsure of page(s) 1, 2 (low recognition scores)") in warned
    assert any(src == "long.pdf" and "first 3 of 4 pages" in why for src, why in warned)
