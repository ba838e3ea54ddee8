"""Deterministic stand-ins for fast unit tests only (never shipped in the packages).

``HashEmbeddings`` maps character bigrams into a fixed number of buckets, so texts that share
wording get similar vectors (dense search behaves plausibly) and the same text always gets the
same vector. It counts what it embeds, so tests can assert "nothing was embedded".
``make_meta`` / ``make_chunks`` / ``commit`` build store contents without the ingest pipeline.
"""

from __future__ import annotations

import hashlib
import math
import threading
from typing import Any

from langchain_core.embeddings import Embeddings

from ingest.models import Chunk, DocumentMeta


class HashEmbeddings(Embeddings):
    def __init__(self, dim: int = 64, model_name: str = "test/hash-bigrams") -> None:
        self.dim = dim
        self.model_name = model_name
        self.documents_embedded = 0  # texts passed to embed_documents
        self.document_calls = 0
        self.queries_embedded = 0
        self._lock = threading.Lock()

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        grams = [text[i : i + 2] for i in range(max(len(text) - 1, 1))] or [""]
        for gram in grams:
            h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            self.document_calls += 1
            self.documents_embedded += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            self.queries_embedded += 1
        return self._vector(text)


def make_meta(doc_id: str, content: str, **kw: Any) -> DocumentMeta:
    """A DocumentMeta like the ingest's, with a content hash derived from ``content``."""
    base: dict[str, Any] = dict(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        path=f"/data/{doc_id}.txt",
        title=f"标题{doc_id}",
        issuer="阳江市科学技术局",
        region="阳江市",
        parent_region=None,
        province="广东省",
        date="2016-04-25",
        years=[2015, 2016],
        doc_type="总结+计划",
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        format="txt",
        encoding="utf-8",
        header={"来源": "阳江市科学技术局"},
    )
    base.update(kw)
    return DocumentMeta(**base)


def make_chunks(texts: list[str]) -> list[Chunk]:
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Chunk(text=t, start=pos, end=pos + len(t), section="一、总体情况", index=i, tokens=len(t)))
        pos += len(t)
    return out


def commit(store: Any, emb: Embeddings, meta: DocumentMeta, texts: list[str], records=()) -> list[Chunk]:
    """Commit ``texts`` as the chunks of ``meta`` through the store's real commit path."""
    chunks = make_chunks(texts)
    store.commit_document(meta, chunks, emb.embed_documents(texts), records)
    return chunks
