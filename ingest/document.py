"""One file in, one prepared document out: load -> clean -> metadata -> chunk.

``prepare_document`` is the seam the ingest pipeline calls for every file. It raises
:class:`LoaderError` for anything that cannot become a document, so the pipeline can report the
file and carry on with the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from common.errors import LoaderError
from common.settings import Settings
from ingest.chunking import chunk_text
from ingest.cleaning import clean
from ingest.loaders import load_file
from ingest.metadata import extract_metadata
from ingest.models import Chunk, DocumentMeta, LoadedText, PageFn
from ingest.ocr import ocr_cache_dir
from ingest.pages import cleaned_page_starts, with_pages

# PDFs, OFD files and OCR'd pages wrap lines at the page width (~35-45 CJK characters):
# re-join from this length on.
_PAGED_REJOIN_MIN_CHARS = 20
_PAGED_FORMATS = ("pdf", "ofd", "image")


@dataclass
class PreparedDocument:
    """A document ready for the store: metadata, cleaned text, and chunks pointing into it."""

    meta: DocumentMeta
    text: str
    chunks: list[Chunk] = field(default_factory=list)
    loaded: LoadedText | None = None  # what the loader read (pages, OCR, notes)


def prepare_document(path: Path, settings: Settings, on_page: PageFn | None = None) -> PreparedDocument:
    """Load, clean, describe and chunk one file; :class:`LoaderError` for bad input.

    OCR results are cached in ``<home>/ocr-cache``; ``on_page`` reports progress through the
    pages of a PDF."""
    path = Path(path)
    loaded = load_file(
        path, settings.ingest, ocr_cache=ocr_cache_dir(settings.home),
        on_page=on_page,
    )
    rejoin = _PAGED_REJOIN_MIN_CHARS if loaded.format in _PAGED_FORMATS else 40
    cleaned = clean(loaded.text, rejoin_min_chars=rejoin)
    if not cleaned.text.strip():
        raise LoaderError(
            str(path),
            f"{path.name}: no text left after removing page chrome "
            f"({len(cleaned.removed)} navigation/footer lines)",
            hint="the file holds only a web page's navigation or footer; save the page's "
            "article text instead",
        )
    meta = extract_metadata(path, loaded, cleaned)
    starts = cleaned_page_starts(loaded.text, loaded.page_starts, cleaned.text)
    chunks = with_pages(chunk_text(cleaned.text, settings.chunk), starts)
    return PreparedDocument(meta=meta, text=cleaned.text, chunks=chunks, loaded=loaded)
