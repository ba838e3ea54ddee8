"""Deterministic stand-ins for fast unit tests only (never shipped in the packages).

``HashEmbeddings`` is the product's model-free test embedder (``embedding.backend = "hash"``,
vectorstore/hash_embeddings.py), re-exported here for the tests that build stores by hand.
``make_meta`` / ``make_chunks`` / ``commit`` build store contents without the ingest pipeline.
"""

from __future__ import annotations

import hashlib
from typing import Any

from langchain_core.embeddings import Embeddings

from ingest.models import Chunk, DocumentMeta
from vectorstore.base import PolicyStore, commit_document
from vectorstore.hash_embeddings import HashEmbeddings

__all__ = ["HashEmbeddings", "commit", "make_chunks", "make_meta"]


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


def commit(store: PolicyStore, emb: Embeddings, meta: DocumentMeta, texts: list[str], records=()) -> list[Chunk]:
    """Commit ``texts`` as the chunks of ``meta`` through the store's real commit path."""
    chunks = make_chunks(texts)
    commit_document(store, meta, chunks, emb.embed_documents(texts), records)
    return chunks
