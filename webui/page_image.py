"""The source viewer's page image: a PDF page rendered with the quoted lines marked.

Lines and their boxes come from the page's text layer (pdfium's text rectangles) or, for a
scanned page, from the OCR results cached at ingest (``<home>/ocr-cache``). A line is marked
when it lies inside the quote, holds the whole quote, or is the quote's first or last line
(its end or its start is in the quote). Matching follows the project's rule (NFKC, no
whitespace).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

from common.settings import Settings
from common.textnorm import normalize
from ingest.ocr import OcrCache, ocr_cache_dir
from ingest.pdf import has_text_layer, layer_text, open_pdf

_VIEW_DPI = 110  # large enough to read in the viewer, small enough to send (~150 KB)
_EDGE_CHARS = 6  # a quote's first/last line is found by this many characters at its edge


@dataclass(frozen=True)
class PageLine:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels at _VIEW_DPI, y down


def _layer_lines(page, scale: float) -> list[PageLine]:
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        lines = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            if text.strip():
                lines.append(PageLine(text, (left * scale, (height - top) * scale,
                                             right * scale, (height - bottom) * scale)))
        return lines
    finally:
        textpage.close()


def _ocr_lines(cached, scale_from_ocr: float) -> list[PageLine]:
    return [PageLine(ln.text, tuple(v * scale_from_ocr for v in ln.box)) for ln in cached.lines]  # type: ignore[misc]


def marked(lines: list[PageLine], quote: str) -> list[PageLine]:
    """The lines of ``quote`` (see the module docstring)."""
    q = normalize(quote)
    if not q:
        return []
    out = []
    for line in lines:
        t = normalize(line.text)
        if len(t) < 2:
            continue
        edge = len(t) >= _EDGE_CHARS and (t[:_EDGE_CHARS] in q or t[-_EDGE_CHARS:] in q)
        if t in q or q in t or edge:
            out.append(line)
    return out


def render_marked_page(path: Path, page_no: int, quote: str, settings: Settings) -> bytes | None:
    """PNG of page ``page_no`` (1-based) of the PDF at ``path`` with the quote's lines marked;
    None when the file is gone, is not a PDF or has no such page."""
    from PIL import Image, ImageDraw

    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        pdf = open_pdf(path, data)
    except Exception:
        return None
    try:
        if not 1 <= page_no <= len(pdf):
            return None
        page = pdf[page_no - 1]
        scale = _VIEW_DPI / 72
        lines: list[PageLine] = []
        if has_text_layer(layer_text(page)):
            lines = _layer_lines(page, scale)
        else:
            cache = OcrCache(ocr_cache_dir(settings.home), data, settings.ingest.ocr_dpi)
            cached = cache.get(page_no)
            if cached is not None:
                lines = _ocr_lines(cached, _VIEW_DPI / settings.ingest.ocr_dpi)
        bitmap = page.render(scale=scale)
        image = bitmap.to_pil().convert("RGB")
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for line in marked(lines, quote):
        x0, y0, x1, y1 = line.box
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=(255, 214, 0, 90), outline=(230, 120, 0, 255), width=2)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def page_image_html(png: bytes, label: str) -> str:
    """An <img> of the page (a data URI: nothing else to serve) with its caption."""
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="pq-page"><img src="{uri}" alt="{label}" class="pq-page-image">'
        f"<figcaption>{label}（黄色标出引用的行）</figcaption></figure>"
    )
