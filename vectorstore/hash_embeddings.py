"""A deterministic, model-free embedder for fast tests: ``embedding.backend = "hash"``.

Character bigrams are hashed into a fixed number of buckets, so texts that share wording get
similar vectors (dense search behaves plausibly) and the same text always gets the same vector.
It needs no model, loads in no time and means nothing semantically: never the default, and a
store built with it refuses any other embedder (its model name is recorded like any other).
It counts what it embeds, so tests can assert "nothing was embedded".
"""

from __future__ import annotations

import hashlib
import math
import threading

from langchain_core.embeddings import Embeddings

HASH_MODEL_NAME = "test/hash-bigrams"


class HashEmbeddings(Embeddings):
    def __init__(self, dim: int = 64, model_name: str = HASH_MODEL_NAME) -> None:
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
