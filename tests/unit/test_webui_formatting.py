"""Answer, citation and passage formatting for the chat (pure functions, no gradio)."""

from __future__ import annotations

import re

from assistant.models import Answer, Citation, SentenceCheck
from webui import formatting as fmt
from tests.unit.webui_fakes import YJ_TEXT, found_answer, not_found_answer, passage


def test_found_answer_links_each_valid_marker_to_its_turn_and_lists_sources():
    html = fmt.answer_html(found_answer("q"), turn=3)
    assert 'href="#pq-cite-3-1"' in html
    assert "pq-notfound" not in html and fmt.NOT_FOUND_BADGE not in html
    # the source list names the document, region, date and section
    assert "来源" in html and "《阳江市科技创新工作情况》" in html
    assert '《阳江市科技创新工作情况》<span class="pq-meta">阳江市 · 2016-04-25</span>' in html
    assert "二、2016年工作计划 &gt; （四）建立孵化服务体系" in html


def test_sources_grouped_by_document():
    a = found_answer("q")
    from assistant.models import Citation
    a.citations.append(Citation(2, passage(section="一、2015年工作", chunk_id="d-yj:3"), ""))
    a.answer += "另[2]"
    html = fmt.answer_html(a, turn=0)
    assert html.count("《阳江市科技创新工作情况》<span") == 1
    assert 'href="#pq-cite-0-2"' in html and "一、2015年工作" in html


def test_marker_without_a_citation_stays_plain_text():
    a = found_answer("q")
    a.answer += " 另见[7]"
    html = fmt.answer_html(a, turn=0)
    assert "[7]" in html and "#pq-cite-0-7" not in html


def test_not_found_answer_has_badge_frame_and_nearest_passages_as_references():
    a = not_found_answer("深圳2019年的创新券额度是多少？")
    html = fmt.answer_html(a, turn=1)
    assert 'class="pq-answer pq-notfound"' in html
    assert f'<span class="pq-badge">{fmt.NOT_FOUND_BADGE}</span>' in html
    assert "pq-sources" not in html and "参考" in html  # nearest passages open from the side list
    views = fmt.citation_views(a)
    assert [v.nearest for v in views] == [True]
    assert views[0].label().startswith("参考[1]")


def test_corpus_and_question_text_is_escaped():
    a = found_answer("q")
    a.answer = "<script>alert(1)</script> 见[1]"
    a.citations[0].passage.title = "<b>标题</b>"
    html = fmt.answer_html(a, turn=0)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>标题</b>" not in html
    viewer = fmt.passage_html(fmt.citation_views(a)[0])
    assert "<b>" not in viewer and "&lt;b&gt;" in viewer


def test_unverified_llm_sentences_are_listed():
    a = found_answer("q")
    a.checks = [SentenceCheck("省级孵化器5个[1]", [1], False, ["数字 5 不在引用段落中"]), SentenceCheck("ok", [1], True)]
    html = fmt.answer_html(a, turn=0)
    assert "pq-unverified" in html and "数字 5 不在引用段落中" in html and "ok（" not in html


def test_plain_text_for_copy_has_answer_and_sources_without_markup():
    text = fmt.answer_plain_text(found_answer("q"))
    assert "<" not in text and "省级孵化器3个" in text
    assert "[1] 《阳江市科技创新工作情况》（阳江市，2016-04-25）" in text
    assert text.splitlines()[-1].endswith("000_yangjiang.txt")


def test_passage_viewer_shows_metadata_and_marks_the_quote():
    a = found_answer("q")
    viewer = fmt.passage_html(fmt.citation_views(a)[0])
    for needle in ("阳江市科技创新工作情况", "阳江市", "2016-04-25", "（四）建立孵化服务体系", "000_yangjiang.txt"):
        assert needle in viewer
    marked = re.findall(r"<mark[^>]*>(.*?)</mark>", viewer)
    assert marked == ["至2017年底，要推动建立省级孵化器3个，省众创空间2个。"]


def test_quote_found_despite_full_width_digits_and_whitespace():
    text = "其中：至２０１７年底，要推动建立省级\n孵化器３个。其他内容。"
    spans = fmt.quote_spans(text, "至2017年底，要推动建立省级孵化器3个。")
    assert len(spans) == 1
    a, b = spans[0]
    assert text[a:b] == "至２０１７年底，要推动建立省级\n孵化器３个。"


def test_quote_of_several_sentences_marks_each_found_sentence():
    text = "甲句子在这里。乙句子在那里。丙句子不相干。"
    spans = fmt.quote_spans(text, "甲句子在这里。丙句子不相干。")
    assert [text[a:b] for a, b in spans] == ["甲句子在这里。", "丙句子不相干。"]


def test_no_quote_no_mark_and_empty_viewer_prompt():
    assert "<mark" not in fmt.highlight_html(YJ_TEXT, "")
    assert "<mark" not in fmt.highlight_html(YJ_TEXT, "完全不在文中的一句话。")
    assert "点击回答中的 [n]" in fmt.passage_html(None)


def test_cite_keys_round_trip():
    assert fmt.parse_cite_key("2:1") == (2, 1)
    assert fmt.parse_cite_key(fmt.cite_anchor(4, 12)) == (4, 12)
    assert fmt.parse_cite_key("x") is None and fmt.parse_cite_key("") is None


def test_error_bubble_shows_message_and_hint():
    html = fmt.error_html("问题为空", "请输入一个问题")
    assert "pq-error" in html and "问题为空" in html and "提示：请输入一个问题" in html


def test_resolved_follow_up_is_shown():
    a = Answer("那中山呢？", "…[1]", False, [Citation(1, passage(), "")], resolved_question="中山2016年建几个省级孵化器？")
    assert "理解为：中山2016年建几个省级孵化器？" in fmt.answer_html(a, 0)


def test_bullet_lines_become_a_list_with_linked_markers():
    a = found_answer("q")
    a.answer = "可申请的措施：\n- 专利质押融资补贴（补贴支出费用的50%）[1]\n- 科技创新券 [1]\n结尾。"
    html = fmt.answer_html(a, turn=2)
    assert "<ul><li>专利质押融资补贴（补贴支出费用的50%）<a" in html
    assert html.count("<li>") == 2 + 2  # two bullets + the document and its one citation
    assert "<p>结尾。</p>" in html


def test_citation_label_is_short_and_names_the_section():
    v = fmt.citation_views(found_answer("q"))[0]
    long = fmt.CitationView(1, "中山市科学技术局2018年工作总结及2019年工作计划", "中山市", "2019-03-22", 2019,
                            "一、2018年工作情况 > （七）着力完善科技金融生态,加强科技金融融合", "004.txt", "t")
    assert v.label() == "[1] 《阳江市科技创新工作情况》 · 阳江市 · 2016-04-25 · （四）建立孵化服务体系"
    assert long.label().startswith("[1] 《中山市科学技术局2018年工作…》 · 中山市 · 2019-03-22 · （七）")


def test_clicked_row_follows_the_number_column_not_the_displayed_position() -> None:
    assert fmt.clicked_row([3, "江门市", "高企"], [0, 1], 5) == 3, "a sorted table: row 0 shows record 3"
    assert fmt.clicked_row(["", "x"], [2, 0], 5) == 2, "no usable #: fall back to the position"
    assert fmt.clicked_row([7, "x"], [0, 0], 5) is None, "a number outside the list is no row"
    assert fmt.clicked_row(None, None, 5) is None


def test_a_pdf_citation_names_its_page_in_the_bubble_the_list_and_the_viewer() -> None:
    p = passage(source="plan.pdf", page=3)
    quote = "至2017年底，要推动建立省级孵化器3个，省众创空间2个。"
    answer = Answer(question="q", answer=f"“{quote}”[1]", abstained=False,
                    citations=[Citation(1, p, quote)], passages=[p])
    view = fmt.citation_views(answer)[0]
    assert view.page == 3 and view.doc_id == "d-yj"
    assert "第3页" in fmt.answer_html(answer, 0)
    assert "第3页" in view.label()
    viewer = fmt.passage_html(view, page_image='<figure class="pq-page">IMG</figure>')
    assert '<td class="pq-page">第3页</td>' in viewer and "IMG" in viewer
    # a format without pages says nothing about pages
    plain = fmt.citation_views(found_answer("q"))[0]
    assert "页码" not in fmt.passage_html(plain) and "第" not in plain.label().split("·")[-1]


def test_page_image_marks_the_quoted_lines_only() -> None:
    from webui.page_image import PageLine, marked

    lines = [PageLine(t, (0, 20 * i, 100, 20 * i + 18)) for i, t in enumerate([
        "二、下一步工作",
        "2024年力争技术合同成交额突破8亿元，新建",  # the quote starts here
        "院士工作站2家。全年安排科技专项资金",  # ... and ends inside this line
        "3000万元。",
    ])]
    got = [ln.text for ln in marked(lines, "2024年力争技术合同成交额突破8亿元，新建院士工作站2家。")]
    assert got == [lines[1].text, lines[2].text]
    assert marked(lines, "") == []
