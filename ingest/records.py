"""Structured records (targets, reported figures, support measures) extracted at ingest.

Placeholder until the extraction lands (issue 5): the ingest pipeline already calls it, so the
records are committed atomically with their document.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.models import Chunk, DocumentMeta, Record


def extract_records(meta: DocumentMeta, text: str, chunks: Sequence[Chunk]) -> list[Record]:
    """Records found in one document's cleaned text."""
    return []
