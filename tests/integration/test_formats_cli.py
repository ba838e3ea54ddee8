"""Issue 10 end to end: ``policyqa ingest`` on a folder of what governments publish (a scanned
PDF, a mixed PDF, a PDF with a table, a DOCX with a merged-cell table, a .doc and an OFD file),
then ``policyqa ask --json`` answering from the scanned page and from a table row, with the
page cited. Ingest and docs as real subprocesses, questions through the same `main` in this
process; the bundled e5 model, real OCR."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from common.textnorm import contains
from tests import format_files as ff
from tests.integration.conftest import POLICYQA, ROOT, built_once, clean_env, run_main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ff.cjk_font() is None, reason="fonts-noto-cjk not installed"),
    pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword not installed"),
]


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([POLICYQA, *args], capture_output=True, text=True, env=clean_env(),
                          timeout=timeout, cwd=ROOT)


def write_published(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    ff.scanned_pdf(d / "总结扫描件.pdf", [
        ["某县科学技术局2023年工作总结", "一、主要成效", "全年新增国家高新技术企业18家，科技型中小企业126家。"],
        ["二、下一步工作", "2024年力争技术合同成交额突破8亿元，新建院士工作站2家。"],
    ])
    ff.mixed_pdf(d / "贴息通知.pdf", ["某市科技局关于专利质押融资贴息的通知", "一、贴息标准",
                                     "按贷款利息的50%给予贴息。"],
                 ["二、申报材料", "企业需提交贷款合同和付息凭证，单户年度贴息最高100万元。"])
    ff.table_pdf(d / "奖励标准.pdf", ["某区科技创新奖励标准", "一、奖励项目如下："],
                 [["项目", "金额", "条件"], ["高新技术企业认定奖励", "20万元", "首次认定"],
                  ["省级工程技术研究中心", "50万元", "新认定"]],
                 ["二、本标准自2024年1月1日起施行。"])
    ff.merged_table_docx(d / "奖补公示.docx")
    shutil.copy(ff.DOC_FILE, d / "创新券细则.doc")
    ff.ofd_file(d / "科技保险.ofd", [
        ["某市科学技术局关于科技保险补助的通知", "一、补助标准", "按保费的30%给予补助，每家企业每年最高20万元。"],
        ["二、申报时间", "每年6月集中受理。"],
    ])
    return d


def _build(root: Path) -> dict:
    folder, home = write_published(root / "published"), root / "store"
    out = cli("ingest", str(folder), "--store", str(home), "--json", timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "OCR page" in out.stderr  # progress through the scanned pages
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, Path]:
    """(folder, store): built once per test run (``built_once``), however many workers."""
    root, report = built_once(tmp_path_factory, "published_formats", _build)
    assert report["counts"]["added"] == 6 and report["counts"]["failed"] == 0, report["failed"]
    by_source = {r["source"]: r for r in report["added"]}
    assert by_source["总结扫描件.pdf"]["ocr_pages"] == [1, 2]
    assert by_source["贴息通知.pdf"]["ocr_pages"] == [2] and by_source["贴息通知.pdf"]["pages"] == 2
    assert by_source["科技保险.ofd"]["pages"] == 2
    return root / "published", root / "store"


@pytest.fixture(scope="module")
def folder(published) -> Path:
    return published[0]


@pytest.fixture(scope="module")
def store(published) -> Path:
    return published[1]


def ask(store: Path, question: str) -> dict:
    out = run_main("ask", "--store", str(store), "--json", question)  # in this process: no start-up
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_all_six_formats_indexed_and_the_summary_names_the_ocr(store, folder):
    docs = json.loads(cli("docs", "--store", str(store), "--json").stdout)
    assert {d["format"] for d in docs} == {"pdf", "docx", "doc", "ofd"}
    titles = {d["source"]: d["title"] for d in docs}
    assert titles["创新券细则.doc"] == ff.DOC_TITLE
    assert titles["总结扫描件.pdf"] == "某县科学技术局2023年工作总结"  # read by OCR
    again = cli("ingest", str(folder), "--store", str(store))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "OCR: " in again.stdout and "总结扫描件.pdf: 2 pages (1-2) of 2 read by OCR" in again.stdout


def test_answer_from_the_scanned_page_cites_page_2(store):
    a = ask(store, "2024年技术合同成交额力争突破多少？")
    assert not a["abstained"] and contains(a["answer"], "8亿元"), a["answer"]
    cited = [c for c in a["citations"] if contains(c["text"], "8亿元")]
    assert cited and cited[0]["source"] == "总结扫描件.pdf" and cited[0]["page"] == 2


def test_answer_from_a_table_row_cites_its_page(store):
    a = ask(store, "新认定的省级工程技术研究中心奖励多少钱？")
    assert not a["abstained"] and contains(a["answer"], "50万元"), a["answer"]
    cited = [c for c in a["citations"] if contains(c["quote"] or c["text"], "50万元")]
    assert cited and cited[0]["source"] == "奖励标准.pdf" and cited[0]["page"] == 1
    # the quote is the whole row: the amount keeps the measure and the condition it belongs to
    assert contains(cited[0]["quote"], "项目：省级工程技术研究中心；金额：50万元；条件：新认定")


def test_formats_without_pages_cite_none(store):
    a = ask(store, "科技型中小企业入库奖补多少钱？")
    assert not a["abstained"], a["answer"]
    docx = [c for c in a["citations"] if c["source"] in ("奖补公示.docx", "创新券细则.doc")]
    assert docx and all(c["page"] is None for c in docx)


def test_commitments_from_a_scanned_page_carry_the_page(store):
    out = run_main("commitments", "--store", str(store), "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [r for t in json.loads(out.stdout)["tracks"] for r in t["items"]]
    scanned = [r for r in rows if r["source"] == "总结扫描件.pdf"]
    assert any(r["page"] == 2 and contains(r["sentence"], "8亿元") for r in scanned), scanned
    assert any(r["page"] == 1 and contains(r["sentence"], "18家") for r in scanned), scanned
