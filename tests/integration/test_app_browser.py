"""The app in a real browser: headless Debian Chromium driven by Playwright.

Chat (read-only) runs on the session's app over ``reports_store``; upload and delete run on an
app over ``writable_reports_store`` (a copy), so the shared store is never changed.
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.app_harness import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    app_settings,
    chromium_executable,
    close_shared,
    session_temp,
    shared_app,
    start_app,
)

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.browser]

TIMEOUT_MS = 60_000

NEW_REPORT = """标题：珠海市科学技术局2023年工作要点
发布机构：珠海市科学技术局
时间：2023-02-15

2023年珠海市科技工作要点

一、加快建设创新平台
（一）培育新型研发机构。到2023年底，全市新增省级新型研发机构4家，新型研发机构总数达到30家以上。
（二）建设科技企业孵化器。全年新增市级科技企业孵化器2家。

二、支持企业创新
对首次认定的高新技术企业给予一次性奖励20万元。
"""


@pytest.fixture(scope="session")
def live(reports_store, tmp_path_factory):
    app = shared_app(reports_store, session_temp(tmp_path_factory))
    yield app
    close_shared()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url.rstrip("/"))
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, errors


@contextlib.contextmanager
def _opened(browser, url: str) -> Iterator[object]:
    """A fresh browser context with the app open at ``url`` (its chat ready)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(url)
        page.wait_for_selector("#pq-question textarea")
        yield page
    finally:
        context.close()


def _shot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    pg.screenshot(path=str(path), full_page=True)
    return path


def _ask(pg, question: str) -> object:
    """Ask in the chat; return the finished answer bubble."""
    bots_before = pg.locator("#pq-chat [data-testid='bot']").count()
    pg.fill("#pq-question textarea", question)
    pg.click("#pq-send")
    answer = pg.locator("#pq-chat [data-testid='bot']").nth(bots_before)
    answer.locator(".pq-answer:not(.pq-streaming)").wait_for()
    answer.scroll_into_view_if_needed()
    return answer


def test_ask_see_citation_open_passage(page, live):
    page.goto(live.url)
    page.wait_for_selector("#pq-question textarea")
    # filters are filled from the store's documents
    page.click("#pq-filter-region input")
    page.locator("[role=option]").first.wait_for()
    options = [o.replace("✓", "") for o in page.locator("[role=option]").all_inner_texts()]
    assert {"阳江市", "江门市", "中山市", "赣榆区"} <= {o.strip() for o in options}, options
    page.keyboard.press("Escape")

    answer = _ask(page, "阳江2016年承诺到2017年底建几个省级孵化器？")
    text = answer.inner_text()
    assert "省级孵化器3个" in text and "未找到" not in text
    links = answer.locator(".pq-answer > p a.pq-cite")
    assert links.count() >= 1
    # open the citation that quotes the figure
    target = None
    for i in range(links.count()):
        links.nth(i).click()
        page.wait_for_selector("#pq-passage mark")
        if "省级孵化器3个" in page.inner_text("#pq-passage mark"):
            target = i
            break
    assert target is not None, "no citation's highlighted sentence holds the figure"
    passage = page.inner_text("#pq-passage")
    for needle in ("阳江市科技创新工作情况", "阳江市", "2016-04-25", "000_6815dfeab2db1bf2.txt", "孵化"):
        assert needle in passage, (needle, passage)
    section = page.inner_text("#pq-passage .pq-section")
    assert section.strip() and section != "（正文开头）"
    # the citation list shows the same citation selected
    assert page.locator("#pq-citations input:checked").count() == 1
    shot = _shot(page, "chat_citation.png")
    assert shot.stat().st_size > 10_000

    # copy the answer as plain text
    page.click("#pq-copy")
    page.wait_for_timeout(300)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "省级孵化器3个" in copied and "来源" in copied and "<" not in copied


def test_not_found_answer_looks_different_and_feedback_is_saved(page, live):
    feedback = Path(live.settings.home) / "feedback.jsonl"
    before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
    page.goto(live.url)
    page.wait_for_selector("#pq-question textarea")
    # the evaluator's example probes a region the store has no document about (the examples are
    # made from the store: assistant/examples.py); it fills the box, then is asked like any other
    probe = page.locator("button, td, div").filter(has_text=re.compile(r"^\S+市的科技创新券额度是多少？$")).last
    question = probe.inner_text().strip()
    probe.click()
    page.wait_for_function(
        f"() => document.querySelector('#pq-question textarea').value === '{question}'"
    )
    answer = _ask(page, question)
    frame = answer.locator(".pq-notfound")
    frame.wait_for()
    assert frame.locator(".pq-badge").inner_text() == "未找到"
    style = frame.evaluate("e => getComputedStyle(e).borderLeftColor + '|' + getComputedStyle(e).backgroundColor")
    found_style = "rgba(0, 0, 0, 0)"
    assert found_style not in style.split("|")[1], style  # a tinted frame, unlike found answers
    _shot(page, "chat_not_found.png")

    # the thumbs of the latest answer (Gradio puts them beside the message, not inside it)
    # (labelled in the page's language: 踩 in zh-CN, Dislike in English)
    page.locator("#pq-chat :is(button[aria-label='踩'], button[aria-label='Dislike'])").last.click()
    page.wait_for_timeout(1000)
    try:
        lines = feedback.read_text(encoding="utf-8").splitlines()
        assert len(lines) == before + 1
        entry = json.loads(lines[-1])
        assert entry["question"] == question
        assert entry["rating"] == "down" and entry["abstained"] is True
    finally:
        # the shared store directory stays as the fixture made it
        if before == 0 and feedback.exists():
            feedback.unlink()


def test_follow_up_question_uses_the_conversation(page, live):
    page.goto(live.url)
    page.wait_for_selector("#pq-question textarea")
    first = _ask(page, "江门到2017年高新技术企业要达到多少家？")
    assert "250家以上" in first.inner_text()
    follow = _ask(page, "那阳江呢？")
    resolved = follow.locator(".pq-resolved").inner_text()
    assert "阳江" in resolved and "高新技术企业" in resolved, resolved
    assert "阳江" in follow.locator(".pq-sources").inner_text()
    # the earlier answer's citations can still be opened from its own bubble
    first.locator(".pq-answer > p a.pq-cite").first.click()
    page.wait_for_function("() => document.querySelector('#pq-passage').innerText.includes('江门市')")


@pytest.fixture
def writable_app(writable_reports_store, live):
    settings = app_settings(writable_reports_store.settings, live.temp)
    app = start_app(settings)
    yield app
    app.close()


def test_upload_see_it_listed_ask_about_it_and_delete_it(browser, writable_app, tmp_path):
    good = tmp_path / "zhuhai_2023.txt"
    good.write_text(NEW_REPORT, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(writable_app.url)
        page.wait_for_selector("#pq-question textarea")
        page.get_by_role("tab", name="文件").click()
        table = page.locator("#pq-documents")
        table.get_by_text("004_4757f8428a5e4ec7.txt").wait_for()
        assert "zhuhai_2023.txt" not in table.inner_text()

        # a file over the upload limit is refused in the page, with the limit named
        big = tmp_path / "big.txt"
        big.write_bytes(b"x" * int(writable_app.settings.server.max_upload_mb * 1024 * 1024 + 4096))
        page.set_input_files("#pq-upload input[type='file']", [str(big)])
        toast = page.locator(".toast-body").filter(has_text="big.txt").first
        toast.wait_for()
        assert "exceed" in toast.inner_text() and "1.0 Mb" in toast.inner_text()
        assert "big" not in page.inner_text("#pq-upload")

        page.set_input_files("#pq-upload input[type='file']", [str(good), str(empty)])
        # both files listed in the upload box (it shows the name and the extension apart)
        page.wait_for_function(
            "() => ['zhuhai_2023', 'empty'].every(n => document.querySelector('#pq-upload').innerText.includes(n))"
        )
        page.click("#pq-ingest")
        result = page.locator("#pq-upload-result")
        result.wait_for(timeout=120_000)
        rows = {r.locator("td").first.inner_text(): r for r in result.locator("tr.pq-upload-row").all()}
        assert rows["zhuhai_2023.txt"].get_attribute("data-status") == "added"
        assert rows["empty.txt"].get_attribute("data-status") == "failed"
        assert rows["empty.txt"].locator("td").nth(2).inner_text().strip()  # the reason is shown
        table.get_by_text("zhuhai_2023.txt").wait_for()
        assert "珠海" in table.inner_text()
        _shot(page, "documents_upload.png")

        # the new document answers questions at once
        page.get_by_role("tab", name="问答").click()
        answer = _ask(page, "珠海2023年计划新增几家省级新型研发机构？")
        assert "4家" in answer.inner_text()
        assert "zhuhai_2023.txt" in answer.inner_text() or "珠海市科学技术局2023年工作要点" in answer.inner_text()

        # delete it again
        page.get_by_role("tab", name="文件").click()
        page.click("#pq-delete-choice input")
        page.locator("[role=option]").filter(has_text="zhuhai_2023.txt").click()
        page.locator("#pq-delete-confirm input").check()
        page.click("#pq-delete")
        page.locator("#pq-delete-result").get_by_text("已删除").wait_for()
        page.wait_for_function("() => !document.querySelector('#pq-documents').innerText.includes('zhuhai_2023.txt')")
        docs = writable_app.services.store.list_documents()
        assert sorted(d["source"] for d in docs)[-1] == "004_4757f8428a5e4ec7.txt" and len(docs) == 5
        _shot(page, "documents_deleted.png")
    finally:
        context.close()


EVAL_SET = [
    {"id": "yj-incubators", "question": "阳江2016年承诺到2017年底建几个省级孵化器？", "kind": "commitment",
     "answerable": True, "expected_facts": ["3个"], "expected_evidence": ["省级孵化器3个"],
     "expected_sources": ["000_6815dfeab2db1bf2.txt"]},
    {"id": "jm-hightech", "question": "江门到2017年高新技术企业要达到多少家？", "kind": "commitment",
     "answerable": True, "expected_facts": ["250家"], "expected_evidence": ["250家以上"],
     "expected_sources": ["001_36a689d0a3f137d4.txt"]},
    # a fact no report states: this question must show up among the failures
    {"id": "zs-wrong-fact", "question": "中山2018年下拨创新券兑现资金多少？", "kind": "fact",
     "answerable": True, "expected_facts": ["9999万元"], "expected_evidence": ["创新券兑现资金"],
     "expected_sources": ["004_4757f8428a5e4ec7.txt"]},
    {"id": "sz-none", "question": "深圳2019年的创新券额度是多少？", "kind": "unanswerable", "answerable": False},
]


def test_evaluation_commitments_and_subsidies_tabs(page, live, tmp_path):
    qfile = tmp_path / "mini-set.jsonl"
    qfile.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in EVAL_SET) + "\n", encoding="utf-8")
    page.goto(live.url)
    page.wait_for_selector("#pq-question textarea")

    page.get_by_role("tab", name="评估").click()
    page.set_input_files("#pq-eval-file input[type='file']", str(qfile))
    page.wait_for_function("() => document.querySelector('#pq-eval-file').innerText.includes('mini-set')")
    page.click("#pq-eval-run")
    summary = page.locator("#pq-eval-summary")
    summary.wait_for(timeout=120_000)
    assert "4 个问题" in summary.inner_text() and "通过 3 / 4" in summary.inner_text()
    assert "hit@1" in page.inner_text("#pq-eval-metrics")
    assert page.locator("#pq-eval-chart svg rect").count() > 3
    failures = page.inner_text("#pq-eval-failures")
    assert "zs-wrong-fact" in failures and "9999万元" in failures and "jm-hightech" not in failures
    page.wait_for_function("() => document.querySelector('#pq-eval-report').innerText.includes('report')")
    _shot(page, "evaluation.png")

    page.get_by_role("tab", name="承诺跟踪").click()
    page.fill("#pq-cm-indicator input, #pq-cm-indicator textarea", "高企")
    page.click("#pq-cm-region input")
    page.locator("[role=option]").filter(has_text="江门市").click()
    page.click("#pq-cm-search")
    table = page.locator("#pq-cm-table")
    cell = table.locator("[role=gridcell]").filter(has_text="250家以上").first  # visible cells only
    cell.wait_for()
    cell.click()
    mark = page.locator("#pq-cm-passage mark")
    mark.wait_for()
    assert "250家以上" in mark.inner_text()
    assert "江门市加快推进创新驱动发展重点工作方案" in page.inner_text("#pq-cm-passage")
    _shot(page, "commitments.png")

    page.get_by_role("tab", name="补贴查找").click()
    page.click("#pq-sb-region input")
    page.locator("[role=option]").filter(has_text="中山市").click()
    page.locator("#pq-sb-types").get_by_role("checkbox", name="科技型中小企业").check()
    page.locator("#pq-sb-assets").get_by_role("checkbox", name="发明专利").check()
    page.locator("#pq-sb-needs").get_by_role("checkbox", name="贷款").check()
    page.click("#pq-sb-find")
    table = page.locator("#pq-sb-table")
    cell = table.locator("[role=gridcell]").filter(has_text="专利质押融资补贴").first
    cell.wait_for()
    cell.click()
    page.locator("#pq-sb-passage mark").wait_for()
    assert "50%" in page.inner_text("#pq-sb-passage mark")
    page.click("#pq-sb-export")
    links = page.locator("#pq-sb-files a[href]")
    links.first.wait_for()
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    csv_href = next(h for h in hrefs if h and ".csv" in h)
    body = page.request.get(csv_href).body().decode("utf-8-sig")
    assert body.splitlines()[0].startswith("rank,region,measure") and "专利质押融资" in body
    _shot(page, "subsidies.png")


def test_a_scanned_pdf_upload_is_cited_with_its_page_image_marked(browser, writable_app, tmp_path):
    """Issue 10: a scanned PDF uploaded in the page is OCR'd; the citation of an answer from its
    second page shows 第2页 and the page image with the quoted lines marked."""
    import base64
    import io

    from PIL import Image

    from tests import format_files as ff

    if ff.cjk_font() is None:
        pytest.skip("fonts-noto-cjk not installed")
    scan = ff.scanned_pdf(tmp_path / "scan_2023.pdf", [
        ["某县科学技术局2023年工作总结", "一、主要成效", "全年新增国家高新技术企业18家。"],
        ["二、下一步工作", "2024年力争技术合同成交额突破8亿元，新建院士工作站2家。"],
    ])
    with _opened(browser, writable_app.url) as page:
        page.get_by_role("tab", name="文件").click()
        page.set_input_files("#pq-upload input[type='file']", [str(scan)])
        page.wait_for_function("() => document.querySelector('#pq-upload').innerText.includes('scan_2023')")
        page.click("#pq-ingest")
        result = page.locator("#pq-upload-result")
        result.wait_for(timeout=180_000)
        row = result.locator("tr.pq-upload-row").first
        assert row.get_attribute("data-status") == "added", row.inner_text()

        page.get_by_role("tab", name="问答").click()
        answer = _ask(page, "该县2024年技术合同成交额力争突破多少？")
        assert "8亿元" in answer.inner_text()
        links = answer.locator(".pq-answer > p a.pq-cite")
        for i in range(links.count()):
            links.nth(i).click()
            page.wait_for_selector("#pq-passage mark")
            if "8亿元" in page.inner_text("#pq-passage mark"):
                break
        passage = page.inner_text("#pq-passage")
        assert "scan_2023.pdf" in passage and "第2页" in passage
        image = page.locator("#pq-passage img.pq-page-image")
        image.wait_for()
        assert image.get_attribute("alt") == "第2页"
        png = base64.b64decode(image.get_attribute("src").split(",", 1)[1])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "pdf_page_marked.png").write_bytes(png)
        pixels = Image.open(io.BytesIO(png)).convert("RGB")
        # the marking: a translucent yellow box over the quoted line, on a white-and-black page;
        # it lies in the page's upper part, where the second line of page 2 is printed
        w, h = pixels.size
        marked_rows = [y for y in range(h) if any(
            (px := pixels.getpixel((x, y)))[0] > 200 and 170 < px[1] < 240 and px[2] < 150
            for x in range(0, w, 4))]
        assert marked_rows, "no line is marked"
        assert 0.05 * h < marked_rows[0] < 0.3 * h and len(marked_rows) < 0.2 * h, (marked_rows[:3], h)
        image.scroll_into_view_if_needed()
        assert _shot(page, "chat_pdf_page_marked.png").stat().st_size > 20_000


@pytest.fixture
def admin_app(writable_reports_store, live):
    settings = app_settings(writable_reports_store.settings, live.temp, admin_password="adm1n-pw")
    app = start_app(settings)
    yield app
    app.close()


def test_a_reader_cannot_delete_an_admin_can(browser, admin_app):
    """Issue 12 roles: with an admin password set, the chat stays open, but deleting needs the
    password, checked on the server: in the page and when the app's endpoint is called directly."""
    docs_before = len(admin_app.services.store.list_documents())
    with _opened(browser, admin_app.url) as page:
        assert "省级孵化器3个" in _ask(page, "阳江2016年承诺到2017年底建几个省级孵化器？").inner_text()
        page.get_by_role("tab", name="文件").click()
        page.locator("#pq-admin-password input").wait_for()

        def try_delete(expect: str) -> str:
            page.click("#pq-delete-choice input")
            page.locator("[role=option]").filter(has_text="000_6815dfeab2db1bf2.txt").click()
            page.locator("#pq-delete-confirm input").check()
            page.click("#pq-delete")
            page.wait_for_function(
                "t => { const s = document.querySelector('#pq-delete-result').innerText;"
                " return s.includes(t) && !s.includes('processing'); }", arg=expect)
            return page.inner_text("#pq-delete-result")

        try_delete("需要管理员权限")  # a reader
        assert len(admin_app.services.store.list_documents()) == docs_before
        page.fill("#pq-admin-password input", "wrong")
        try_delete("请输入正确的管理员密码")
        assert len(admin_app.services.store.list_documents()) == docs_before
        _shot(page, "reader_refused.png")
        page.fill("#pq-admin-password input", "adm1n-pw")
        try_delete("已删除")
        assert len(admin_app.services.store.list_documents()) == docs_before - 1
