"""The seam between the store and everything that reads it.

``ChromaStore`` (vectorstore/chroma_store.py) is the implementation users run; unit tests may use
an in-memory one. Readers only ever see *committed* documents: a document's chunks and records
become visible in one step, when its manifest entry is written (see chroma_store.py for why).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
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
    """What ingest writes and the assistant reads: the store contract.

    ``ChromaStore`` on embedded Chroma, on a Chroma server, or on the in-memory client
    (``store.backend = "memory"``) all implement it; ``tests/contract`` runs the same cases on
    each. Writing a document is staged: :meth:`stage_chunks` (any number of times, invisible),
    then :meth:`publish`, the single commit point. :func:`commit_document` does both.
    """

    embedding_model: str  # name recorded in the collection
    embedding_dim: int
    where: str  # human-readable location, for messages
    home: Path  # local directory for derived data (the lexical index cache)

    # --- documents (the manifest) -------------------------------------------------------
    def list_documents(self) -> list[dict[str, Any]]:
        """Committed documents: DocumentMeta fields plus ``chunk_count`` and ``record_count``."""
        ...

    def get_document(self, doc_id: str) -> dict[str, Any] | None: ...

    def find_by_content_hash(self, content_hash: str) -> dict[str, Any] | None: ...

    def generation(self) -> str:
        """Changes whenever the set of committed document versions changes (derived indexes
        follow it); "empty" when nothing is committed."""
        ...

    def committed_versions(self) -> list[tuple[str, str, str]]:
        """(doc_id, doc_key, version) of every committed document, by doc_id; ``version``
        changes whenever anything stored for the document does."""
        ...

    # --- writing ------------------------------------------------------------------------
    def stage_chunks(
        self,
        meta: DocumentMeta,
        chunks: Sequence[Chunk],
        embeddings: Sequence[Sequence[float]],
        text_hashes: Sequence[str] | None = None,
    ) -> None:
        """Write chunks of a version that is not committed yet: invisible until
        :meth:`publish`; idempotent, so a resumed write is harmless."""
        ...

    def publish(
        self,
        meta: DocumentMeta,
        chunk_count: int,
        records: Sequence[Record] = (),
        *,
        chars: int | None = None,
        signature: str | None = None,
    ) -> None:
        """Commit a staged version (with its records) in one step; the previous version of
        the document is gone at the same moment."""
        ...

    def uncommit(self, doc_id: str) -> None:
        """Make a document invisible at once; its data stays for :meth:`collect_garbage`."""
        ...

    def delete_document(self, doc_id: str) -> None: ...

    def collect_garbage(self) -> int:
        """Delete chunks and records no committed version owns; returns how many."""
        ...

    def reset(self) -> None:
        """Drop everything (``ingest --rebuild``); open the store again to use it."""
        ...

    # --- chunks -------------------------------------------------------------------------
    def dense_search(
        self,
        query_embedding: Sequence[float],
        k: int,
        where: dict[str, Any] | None = None,
        *,
        generation: str | None = None,
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest committed chunks with cosine similarity (higher is closer); ``where`` is a
        Chroma where-clause over chunk metadata. ``generation``: the one the caller has just
        read, so the committed set it stands for need not be read again."""
        ...

    def get_chunks(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Committed chunks by id, in the order asked; unknown or invisible ids left out."""
        ...

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every committed chunk, in (doc_id, index) order."""
        ...

    def document_chunks(self, doc_key: str) -> list[StoredChunk]:
        """The chunks of one committed document version, in index order."""
        ...

    def embeddings_for_texts(self, text_hashes: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors by chunk text hash, so ingest never embeds the same text twice."""
        ...

    # --- records ------------------------------------------------------------------------
    def list_records(self, kind: str | None = None) -> list[Record]: ...

    # --- checks -------------------------------------------------------------------------
    def verify(self) -> list[str]:
        """Problems with the committed state (empty: consistent)."""
        ...

    def stats(self) -> dict[str, int]:
        """Raw counts of documents, chunks and records, invisible leftovers included."""
        ...

    def close(self) -> None:
        """Release files and connections; the store is not used after this."""
        ...

    def writer_lock(
        self, timeout_s: float, waiting: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]:
        """Held while one ingest writes: other writers of the same store, on any machine,
        wait up to ``timeout_s`` (told through ``waiting``) and are then refused."""
        ...


class RecordSource(Protocol):
    """What the commitments tracker and the subsidy finder read: the extracted records."""

    def list_records(self, kind: str | None = None) -> list[Record]: ...


class KeywordIndex(Protocol):
    """The lexical side of retrieval (``vectorstore/lexical.py``'s BM25 ``LexicalIndex``)."""

    def search(
        self, query: str, k: int, allowed_ids: set[str] | None = None, *, generation: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` best chunk ids for ``query`` with their scores, best first; only ids in
        ``allowed_ids`` when given."""
        ...


def doc_key_of(meta: DocumentMeta) -> str:
    """Identifies one version of one document: ``<doc_id>:<content_hash[:12]>``."""
    return f"{meta.doc_id}:{meta.content_hash[:12]}"


def text_hash(text: str) -> str:
    """Key under which a chunk's vector can be reused (the exact text that was embedded)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def commit_document(
    store: PolicyStore,
    meta: DocumentMeta,
    chunks: Sequence[Chunk],
    embeddings: Sequence[Sequence[float]],
    records: Sequence[Record] = (),
) -> None:
    """Stage and publish one version in one call (what ingest does, without its batching)."""
    store.stage_chunks(meta, chunks, embeddings)
    store.publish(meta, len(chunks), records)
