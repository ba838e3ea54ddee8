"""The seam between the store and everything that reads it.

``ChromaStore`` (vectorstore/chroma_store.py) is the implementation users run; unit tests may use
an in-memory one. Readers only ever see *committed* documents: a document's chunks and records
become visible in one step, when its manifest entry is written (see chroma_store.py for why).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


from ingest.models import Chunk, DocumentMeta, Record


@dataclass
class StoredChunk:
    """A chunk as read back from the store, with the flat metadata Chroma keeps.

    ``metadata`` keys: doc_id, doc_key, source, title, issuer, region, parent_region, province,
    date, year, years (list[int]), year_min, year_max, doc_type, section, start, end, index,
    tokens, text_hash. Keys whose value is unknown are absent (Chroma stores no None).
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class PolicyStore(Protocol):
    """What ingest writes and the assistant reads."""

    embedding_model: str  # name recorded in the collection
    embedding_dim: int

    # --- documents (the manifest) -------------------------------------------------------
    def list_documents(self) -> list[dict[str, Any]]:
        """Committed documents: DocumentMeta fields plus ``chunk_count`` and ``record_count``."""
        ...

    def get_document(self, doc_id: str) -> dict[str, Any] | None: ...

    def find_by_content_hash(self, content_hash: str) -> dict[str, Any] | None: ...

    def commit_document(
        self,
        meta: DocumentMeta,
        chunks: Sequence[Chunk],
        embeddings: Sequence[Sequence[float]],
        records: Sequence[Record] = (),
    ) -> None:
        """Write a new version of a document and make it visible in one step."""
        ...

    def delete_document(self, doc_id: str) -> None: ...

    def generation(self) -> str:
        """Changes whenever the set of committed documents changes (for derived indexes)."""
        ...

    # --- chunks -------------------------------------------------------------------------
    def dense_search(
        self, query_embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest committed chunks with cosine similarity (higher is closer)."""
        ...

    def get_chunks(self, ids: Sequence[str]) -> list[StoredChunk]: ...

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every committed chunk, in (doc_id, index) order."""
        ...

    def committed_versions(self) -> list[tuple[str, str, str]]:
        """(doc_id, doc_key, version) of every committed document, by doc_id; ``version``
        changes whenever anything stored for the document does."""
        ...

    def document_chunks(self, doc_key: str) -> list[StoredChunk]:
        """The chunks of one committed document version, in index order."""
        ...

    def embeddings_for_texts(self, text_hashes: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors by chunk text hash, so ingest never embeds the same text twice."""
        ...

    # --- records ------------------------------------------------------------------------
    def list_records(self, kind: str | None = None) -> list[Record]: ...
