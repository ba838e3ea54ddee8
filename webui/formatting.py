"""Answers, citations and passages turned into the HTML the chat shows and the text users copy.

Pure functions over :mod:`assistant.models`; no gradio here, so they are unit-tested directly.
Every piece of corpus or user text is HTML-escaped before it is wrapped in our own tags: the
documents are untrusted input, and Gradio's sanitizer is the second line of defence, not the first.

Citation markers ``[n]`` become links ``<a class="pq-cite" href="#pq-cite-<turn>-<n>">``. The
Chatbot sanitizer keeps ``class`` and ``href`` (it drops ``data-*``), so the turn and citation
number travel in the fragment; ``webui/style.py``'s page script turns a click on one into a call
that opens the passage (see ``webui/chat_tab.py``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from assistant.citing import document_name, meta_text, page_label, title_stated
from assistant.models import Answer, Passage

NOT_FOUND_BADGE = "未找到"
NEAREST_LIMIT = 3

# [n], also with full-width brackets, as answerers write them.
_MARKER = re.compile(r"[\[［](\d{1,3})[\]］]")
_SENTENCE_END = re.compile(r"(?<=[。；！？!?;])")


@dataclass(frozen=True)
class CitationView:
    """What the source viewer shows for one citation (or one nearest passage)."""

    id: int
    title: str
    region: str | None
    date: str | None
    year: int | None
    section: str
    source: str
    text: str
    quote: str = ""
    # True for the nearest passages shown with a "not found" answer: context, not evidence.
    nearest: bool = False
    issuer: str | None = None
    years: tuple[int, ...] = ()
    provenance: tuple[tuple[str, str], ...] = ()  # (field, stated / inferred / unknown)
    page: int | None = None
    doc_id: str = ""  # for the page image of a PDF

    @property
    def provenance_map(self) -> dict[str, str]:
        return dict(self.provenance)

    def label(self) -> str:
        """One line for the citation list: ``[1] 《short title》 · region · date · last section``
        (the file name instead of a title the document does not state)."""
        named = _Named(self)
        name = document_name(named)
        if len(name) > 18:
            name = name[:16] + ("…》" if name.endswith("》") else "…")
        section = self.section.split(">")[-1].strip() if self.section else ""
        if len(section) > 22:
            section = section[:21] + "…"
        page = page_label(self.page)
        parts = [name] + [p for p in (meta_text(named, sep=" · "), page, section) if p]
        prefix = "参考" if self.nearest else ""
        return f"{prefix}[{self.id}] " + " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "region": self.region,
            "date": self.date,
            "year": self.year,
            "section": self.section,
            "source": self.source,
            "text": self.text,
            "quote": self.quote,
            "nearest": self.nearest,
            "page": self.page,
            "title_stated": title_stated(_Named(self)),
        }


class _Named:
    """A CitationView seen through the attributes :mod:`assistant.citing` reads."""

    def __init__(self, view: CitationView) -> None:
        self.title, self.source, self.region, self.date = view.title, view.source, view.region, view.date
        self.issuer, self.years, self.year = view.issuer, list(view.years), view.year
        self.provenance = view.provenance_map


def _view(n: int, p: Passage, quote: str = "", nearest: bool = False) -> CitationView:
    return CitationView(
        id=n, title=p.title, region=p.region, date=p.date, year=p.year, section=p.section,
        source=p.source, text=p.text, quote=quote, nearest=nearest, issuer=p.issuer,
        years=tuple(p.years or ()), provenance=tuple(sorted((p.provenance or {}).items())),
        page=p.page, doc_id=p.doc_id,
    )


def citation_views(answer: Answer) -> list[CitationView]:
    """The citations of an answer; for a "not found" answer, its nearest passages instead."""
    views = [_view(c.id, c.passage, quote=c.quote) for c in answer.citations]
    if views or not answer.abstained:
        return views
    return [_view(i, p, nearest=True) for i, p in enumerate(answer.passages[:NEAREST_LIMIT], start=1)]


def cite_anchor(turn: int, n: int) -> str:
    """The fragment a citation link carries; parsed back by :func:`parse_cite_key`."""
    return f"#pq-cite-{turn}-{n}"


def parse_cite_key(key: str) -> tuple[int, int] | None:
    """``"2:1"`` or ``"#pq-cite-2-1"`` -> ``(2, 1)``; anything else -> None."""
    m = re.fullmatch(r"\s*(?:#pq-cite-)?(\d+)[:-](\d+)\s*", key or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def _link_markers(escaped: str, turn: int, ids: set[int]) -> str:
    def repl(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in ids:
            return m.group(0)
        return (
            f'<a class="pq-cite" href="{cite_anchor(turn, n)}" title="查看引用 [{n}] 的原文">'
            f"[{n}]</a>"
        )

    return _MARKER.sub(repl, escaped)


def _paragraphs(text: str, turn: int, ids: set[int]) -> str:
    """Lines as paragraphs; runs of lines starting with "- " or "• " as a list."""
    out: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in (text or "").strip().splitlines():
        if not line.strip():
            continue
        body = _link_markers(html.escape(line.strip()), turn, ids)
        bullet = re.match(r"^(?:-|•|·)\s+(.*)$", body)
        if bullet:
            items.append(bullet.group(1))
        else:
            flush()
            out.append(f"<p>{body}</p>")
    flush()
    return "".join(out)


def answer_html(answer: Answer, turn: int) -> str:
    """The chat bubble for a finished answer.

    Found answers: the text with clickable [n] and a source list. "Not found" answers get a
    badge and a distinct frame, and list the nearest passages as references, not citations.
    Sentences an LLM answer failed to verify are listed under a warning.
    """
    views = citation_views(answer)
    ids = {v.id for v in views}
    body = _paragraphs(answer.answer, turn, ids if not answer.abstained else set())
    parts: list[str] = []
    if answer.abstained:
        parts.append(
            f'<div class="pq-answer pq-notfound"><p><span class="pq-badge">{NOT_FOUND_BADGE}</span>'
            "<strong>已收录的文件中没有找到答案</strong></p>"
        )
    else:
        parts.append('<div class="pq-answer">')
    if answer.resolved_question and answer.resolved_question != answer.question:
        parts.append(
            f'<p class="pq-resolved">理解为：{html.escape(answer.resolved_question)}</p>'
        )
    parts.append(body)
    failed = [c for c in answer.checks if not c.ok]
    if failed:
        items = "".join(
            f"<li>{html.escape(c.sentence)}（{html.escape('；'.join(c.problems) or '未通过核对')}）</li>"
            for c in failed
        )
        parts.append(
            '<div class="pq-unverified"><p><strong>⚠ 以下句子未能在引用段落中核实：</strong></p>'
            f"<ul>{items}</ul></div>"
        )
    if views and not answer.abstained:
        parts.append(f'<div class="pq-sources"><p>来源：</p>{_sources_list(views, turn)}</div>')
    elif views:
        # The abstention text already names the nearest passages; they open from the side list.
        parts.append('<p class="pq-hint">右侧“参考”列表可查看最接近的段落原文（并非答案依据）。</p>')
    parts.append("</div>")
    return "".join(parts)


def _where(v: CitationView) -> str:
    """第2页 · 二、下一步工作: the page (formats with pages) and the section of a citation."""
    page = page_label(v.page)
    return " · ".join(x for x in (page, v.section or "（正文开头）") if x)


def _sources_list(views: list[CitationView], turn: int) -> str:
    """Citations grouped by document: the title and its region/date once, then each [n] with
    the section it comes from."""
    groups: dict[str, list[CitationView]] = {}
    for v in views:
        groups.setdefault(v.source or v.title, []).append(v)
    items = []
    for group in groups.values():
        first = group[0]
        meta = html.escape(meta_text(_Named(first), sep=" · "))
        cites = "".join(
            f'<li><a class="pq-cite" href="{cite_anchor(turn, v.id)}" title="查看原文">[{v.id}]</a> '
            f'<span class="pq-meta">{html.escape(_where(v))}</span></li>'
            for v in group
        )
        items.append(
            f"<li>{html.escape(document_name(_Named(first)))}"
            f'<span class="pq-meta">{meta}</span><ul class="pq-cites">{cites}</ul></li>'
        )
    return f"<ul>{''.join(items)}</ul>"


def streaming_html(text: str) -> str:
    """The bubble while pieces arrive: plain escaped text and a cursor."""
    return f'<div class="pq-answer pq-streaming">{_paragraphs(text, -1, set())}<span class="pq-cursor">▌</span></div>'


def error_html(message: str, hint: str = "") -> str:
    """A bubble for a question the assistant could not process (empty, store missing ...)."""
    hint_html = f'<p class="pq-hint">提示：{html.escape(hint)}</p>' if hint else ""
    return (
        f'<div class="pq-answer pq-error"><p><span class="pq-badge pq-badge-error">出错</span>'
        f"{html.escape(message)}</p>{hint_html}</div>"
    )


def answer_plain_text(answer: Answer) -> str:
    """What "copy answer" puts on the clipboard: the answer, then its sources, no markup."""
    lines = [answer.answer.strip()]
    views = citation_views(answer)
    if views:
        lines.append("")
        lines.append("最接近的段落：" if answer.abstained else "来源：")
        for v in views:
            named = _Named(v)
            meta = meta_text(named)
            sect = f" {v.section}" if v.section else ""
            page = f" {page_label(v.page)}" if v.page is not None else ""
            head = f"{document_name(named)}（{meta}）" if meta else document_name(named)
            lines.append(f"[{v.id}] {head}{page}{sect} {v.source}".rstrip())
    return "\n".join(lines)


# --- highlighting the quoted sentence inside its passage -------------------------------------


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """NFKC without whitespace (the DESIGN matching rule), with each char's index in ``text``."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch):
            if not n.isspace():
                out.append(n)
                index.append(i)
    return "".join(out), index


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` where the quote (or each of its sentences) occurs.

    Exact matches first; otherwise the DESIGN matching rule (NFKC, whitespace ignored), mapped
    back to the passage's own characters so the highlight sits on the original text.
    """
    quote = (quote or "").strip()
    if not quote or not text:
        return []
    candidates = [quote] + [
        s.strip() for s in _SENTENCE_END.split(quote) if len(s.strip()) >= 4 and s.strip() != quote
    ]
    norm_text, index = _normalized_with_map(text)
    spans: list[tuple[int, int]] = []
    for cand in candidates:
        if any(text[a:b].find(cand) >= 0 for a, b in spans):
            continue
        pos = text.find(cand)
        if pos >= 0:
            spans.append((pos, pos + len(cand)))
            if cand == quote:
                break
            continue
        norm_cand, _ = _normalized_with_map(cand)
        npos = norm_text.find(norm_cand) if norm_cand else -1
        if npos >= 0:
            spans.append((index[npos], index[npos + len(norm_cand) - 1] + 1))
            if cand == quote:
                break
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def highlight_html(text: str, quote: str) -> str:
    """The passage, escaped, with the quoted sentence(s) wrapped in ``<mark>``."""
    out: list[str] = []
    pos = 0
    for a, b in quote_spans(text, quote):
        out.append(html.escape(text[pos:a]))
        out.append(f'<mark class="pq-quote">{html.escape(text[a:b])}</mark>')
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def passage_html(view: CitationView | None, heading: str | None = None, page_image: str = "") -> str:
    """The source viewer: document title, region, date, section, page, the highlighted passage,
    then (``page_image``, for PDFs) the page with the quoted lines marked."""
    if view is None:
        return (
            '<div class="pq-passage pq-passage-empty">点击回答中的 [n] 或上方的引用，'
            "查看原文段落及其出处。</div>"
        )
    rows = [
        ("文件", view.title or view.source),
        ("地区", view.region or "未标明"),
        ("日期", view.date or (str(view.year) if view.year else "未标明")),
        ("章节", view.section or "（正文开头）"),
        ("来源文件", view.source),
    ]
    keys = ["title", "region", "date", "section", "source"]
    if view.page is not None:
        rows.append(("页码", page_label(view.page)))
        keys.append("page")
    meta = "".join(
        f'<tr><th>{k}</th><td class="pq-{key}">{html.escape(str(v))}</td></tr>'
        for (k, v), key in zip(rows, keys)
    )
    kind = heading or ("最接近的段落（未作为答案引用）" if view.nearest else f"引用 [{view.id}]")
    kind = html.escape(kind)
    return (
        f'<div class="pq-passage"><div class="pq-passage-kind">{kind}</div>'
        f'<table class="pq-passage-meta">{meta}</table>'
        f'<blockquote class="pq-passage-text">{highlight_html(view.text, view.quote)}</blockquote>'
        f"{page_image}</div>"
    )


def clicked_row(row_value: Any, index: Any, n_rows: int) -> int | None:
    """The position in the backing list of a clicked table row, or None.

    The tables' first column "#" is that position, and it is read from the row's values, not
    from ``index``, because users sort the tables: after a sort the displayed row index no longer
    points at the same record. ``index`` is the fallback for rows without a usable "#".
    """
    number = None
    if row_value:
        try:
            number = int(row_value[0])
        except (TypeError, ValueError):
            number = None
    if number is None and isinstance(index, (list, tuple)) and index:
        number = int(index[0])
    if number is None or not 0 <= number < n_rows:
        return None
    return number
