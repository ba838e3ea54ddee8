"""Structured records (targets, reported figures, support measures) extracted at ingest.

``extract_records`` is the seam the ingest pipeline calls for every document; the records are
committed with their document, so they appear and disappear with it. Extraction is pure and
rule-based (no model): see ``records_targets`` (targets, reported figures) and
``records_measures`` (support measures), which share the sentence helpers of ``records_text``
and the indicator vocabulary of ``indicators``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.models import Chunk, DocumentMeta, Record
from ingest.records_measures import extract_measures
from ingest.records_targets import extract_figures
from ingest.records_text import DocContext, merge_inline_leads, split_sentences

KINDS = ("target", "reported", "measure")


def _page_of(chunks: Sequence[Chunk], offset: int) -> int | None:
    """The page of the chunk a record's sentence starts in (None for formats without pages)."""
    page = None
    for c in chunks:
        if c.start > offset:
            break
        page = c.page
    return page


def extract_records(meta: DocumentMeta, text: str, chunks: Sequence[Chunk]) -> list[Record]:
    """Records found in one document's cleaned text, in text order.

    Each record's ``sentence`` is ``text[start:end]`` (verbatim) and its ``section`` the section
    path of the chunk it falls in (our own heading scan when no chunks are given).
    """
    if not text or not text.strip():
        return []
    ctx = DocContext(meta=meta, text=text, chunks=chunks)
    sentences = merge_inline_leads(split_sentences(text), text)
    records = extract_figures(ctx, sentences) + extract_measures(ctx, sentences)
    for r in records:
        r.doc_id = meta.doc_id
        r.source = meta.source
        r.title = meta.title
        r.region = meta.region
        r.date = meta.date
        r.year = meta.year
        r.parent_region = meta.parent_region
        r.provenance = dict(meta.provenance)
        r.fields.setdefault("doc_years", list(meta.years))
        r.page = _page_of(chunks, r.start)
    records.sort(key=lambda r: (r.start, KINDS.index(r.kind)))
    return records
