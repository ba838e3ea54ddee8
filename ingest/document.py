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
from ingest.models import Chunk, DocumentMeta

# PDFs wrap lines at the page width (~35-45 CJK characters): re-join from this length on.
_PDF_REJOIN_MIN_CHARS = 20


@dataclass
class PreparedDocument:
    """A document ready for the store: metadata, cleaned text, and chunks pointing into it."""

    meta: DocumentMeta
    text: str
    chunks: list[Chunk] = field(default_factory=list)


def prepare_document(path: Path, settings: Settings) -> PreparedDocument:
    """Load, clean, describe and chunk one file; :class:`LoaderError` for bad input."""
    path = Path(path)
    loaded = load_file(path, settings.ingest)
    rejoin = _PDF_REJOIN_MIN_CHARS if loaded.format == "pdf" else 40
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
    chunks = chunk_text(cleaned.text, settings.chunk)
    return PreparedDocument(meta=meta, text=cleaned.text, chunks=chunks)
