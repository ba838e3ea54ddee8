"""PDFs page by page: the text layer where a page has one, OCR where it has none, tables as rows.

pdfium (pypdfium2, the renderer of Chromium) reads each page's text layer and renders pages
for OCR; pdfplumber finds tables on pages that draw ruling lines. A page whose text layer holds
fewer than ``_MIN_LAYER_CHARS`` characters is an image (a scan, a photo of a stamped page) and
is OCR'd when OCR is on, so mixed PDFs work. OCR results are cached per file and page under
the store's home, so an unchanged scanned PDF is not read again on the next ingest.

The loaded text records where each page starts (``LoadedText.page_starts``); chunks get their
page from it after cleaning (``ingest.pages``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from common.errors import DependencyError, LoaderError
from common.settings import IngestSettings
from ingest.models import LoadedText, PageFn
from ingest.ocr import OcrCache, OcrFailed, OcrTimeout, worker
from ingest.pages import join_pages
from ingest.tables import table_lines

# Fewer characters than this on a page (page numbers, a stamp's text) means it is an image.
_MIN_LAYER_CHARS = 20
# pdfplumber (pure Python, ~0.2 s a page) only looks at pages drawing at least this many paths:
# a table's ruling lines. Text pages draw none or a few (a rule under the title).
_MIN_TABLE_PATHS = 6


def _bad_pdf(path: Path, exc: BaseException | str) -> LoaderError:
    what = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    return LoaderError(
        str(path), f"{path.name}: not a valid PDF ({what})",
        hint="check the file opens in a PDF viewer; re-export or re-download it",
    )


def open_pdf(path: Path, data: bytes) -> Any:
    """The pdfium document, or a :class:`LoaderError` (not a PDF, encrypted, damaged)."""
    import pypdfium2 as pdfium

    if b"%PDF-" not in data[:1024]:
        raise LoaderError(
            str(path),
            f"{path.name}: not a valid PDF (no %PDF header; binary junk or another format "
            "renamed to .pdf)",
            hint="check the file opens in a PDF viewer; re-export or re-download it",
        )
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise LoaderError(
                str(path), f"{path.name}: the PDF is encrypted (it needs a password to open)",
                hint="save an unencrypted copy (print to PDF) and ingest that",
            ) from exc
        raise _bad_pdf(path, exc) from exc


def has_text_layer(text: str) -> bool:
    """Does a page's text layer hold text (else it is an image, read by OCR)?"""
    return len("".join(text.split())) >= _MIN_LAYER_CHARS


def layer_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range() or ""
    finally:
        textpage.close()
    # pdfium ends lines with \r\n and may put form feeds or NULs in
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\f", "\n")


def _path_count(page: Any) -> int:
    import pypdfium2.raw as raw

    return sum(1 for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2))


def _text_with_tables(plumber_page: Any) -> str | None:
    """The page's text with each table written as rows (None: no table on the page)."""
    tables = [t for t in plumber_page.find_tables() if len(t.rows) >= 2]
    if not tables:
        return None
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    rest = plumber_page.filter(outside)
    items: list[tuple[float, str]] = [(ln["top"], ln["text"]) for ln in rest.extract_text_lines()]
    for table in tables:
        grid = _fill_merged(table.extract())
        items.append((table.bbox[1], "\n" + "\n".join(table_lines(grid)) + "\n"))
    items.sort(key=lambda it: it[0])
    return "\n".join(text for _, text in items)


def _fill_merged(grid: list[list[str | None]]) -> list[list[str]]:
    """pdfplumber gives None for the cells a merged cell covers: the header row takes the
    value on its left (a header spanning columns), body rows the value above (a category
    spanning rows)."""
    out: list[list[str]] = []
    for r, row in enumerate(grid):
        filled: list[str] = []
        for c, cell in enumerate(row):
            if cell is None:
                if r == 0:
                    cell = filled[c - 1] if c else ""
                else:
                    above = out[r - 1]
                    cell = above[c] if c < len(above) else ""
            filled.append(" ".join(str(cell).split()))
        out.append(filled)
    return out


def render_page(page: Any, dpi: int) -> bytes:
    """The page as PNG bytes at ``dpi``."""
    bitmap = page.render(scale=dpi / 72)
    try:
        image = bitmap.to_pil()
        buf = io.BytesIO()
        image.convert("L").save(buf, format="PNG")
        return buf.getvalue()
    finally:
        bitmap.close()


def load_pdf(
    path: Path,
    data: bytes,
    settings: IngestSettings,
    *,
    ocr_cache: Path | None = None,
    on_page: PageFn | None = None,
) -> LoadedText:
    """Read a PDF page by page (see the module docstring); :class:`LoaderError` for bad input."""
    pdf = open_pdf(path, data)
    notify = on_page or (lambda _d, _t, _m: None)
    try:
        total = len(pdf)
        limit = min(total, settings.max_pages)
        pages: list[str] = []
        ocr_pages: list[int] = []
        low: list[int] = []
        notes: list[str] = []
        need_ocr: list[int] = []
        plumber = None
        try:
            for i in range(limit):
                try:
                    page = pdf[i]
                    text = layer_text(page)
                    if settings.pdf_tables and _path_count(page) >= _MIN_TABLE_PATHS:
                        if plumber is None:
                            import pdfplumber

                            plumber = pdfplumber.open(io.BytesIO(data))
                        text = _text_with_tables(plumber.pages[i]) or text
                    page.close()
                except LoaderError:
                    raise
                except Exception as exc:  # one damaged page: say so, keep the others
                    notes.append(f"page {i + 1}: unreadable ({type(exc).__name__}: {exc})")
                    text = ""
                if not has_text_layer(text):
                    need_ocr.append(i)
                pages.append(text)
                notify(i + 1, limit, "reading")
        finally:
            if plumber is not None:
                plumber.close()

        if need_ocr and settings.ocr:
            _ocr_pages(path, pdf, data, need_ocr, pages, ocr_pages, low, notes, settings,
                       ocr_cache, notify)
        if total > limit:
            notes.append(
                f"only the first {limit} of {total} pages were read (the page limit; raise "
                "POLICYQA_INGEST__MAX_PAGES to read them all)"
            )
    finally:
        pdf.close()

    if not any(p.strip() for p in pages):
        if need_ocr and not settings.ocr:
            raise LoaderError(
                str(path), f"{path.name}: no text layer (a scan?) in {len(pages)} page(s), and OCR is off",
                hint="turn OCR on (POLICYQA_INGEST__OCR=true, the default) to read scanned pages",
            )
        why = "; ".join(notes) if notes else "no text layer, and OCR found no text either"
        raise LoaderError(
            str(path), f"{path.name}: no text in {len(pages)} page(s) ({why})",
            hint="check the file shows text in a PDF viewer; a very faint or handwritten scan "
            "may need a better copy",
        )
    text, starts = join_pages(pages)
    return LoadedText(
        text=text, format="pdf", encoding=None, page_starts=starts,
        ocr_pages=tuple(ocr_pages), low_confidence_pages=tuple(low), notes=tuple(notes),
    )


def _ocr_pages(
    path: Path, pdf: Any, data: bytes, need: list[int], pages: list[str], ocr_pages: list[int],
    low: list[int], notes: list[str], settings: IngestSettings, cache_root: Path | None,
    notify: PageFn,
) -> None:
    cache = OcrCache(cache_root, data, settings.ocr_dpi)
    engine = worker(settings.ocr_page_timeout_s)
    for n, i in enumerate(need, 1):
        notify(n - 1, len(need), f"OCR page {i + 1} ({n}/{len(need)})")
        result = cache.get(i + 1)
        if result is None:
            try:
                page = pdf[i]
                png = render_page(page, settings.ocr_dpi)
                page.close()
                result = engine.read(png)
            except OcrTimeout as exc:
                notes.append(f"page {i + 1}: OCR stopped, it {exc} (raise "
                             "POLICYQA_INGEST__OCR_PAGE_TIMEOUT_S to wait longer)")
                continue
            except OcrFailed as exc:
                notes.append(f"page {i + 1}: OCR failed ({exc})")
                continue
            except DependencyError:
                raise
            except Exception as exc:  # a page pdfium cannot render
                notes.append(f"page {i + 1}: cannot be rendered ({type(exc).__name__}: {exc})")
                continue
            cache.put(i + 1, result)
        if result.text.strip():
            pages[i] = result.text
            ocr_pages.append(i + 1)
            if result.low(settings.ocr_min_confidence):
                low.append(i + 1)
    notify(len(need), len(need), "OCR done")
