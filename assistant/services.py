"""The one composition function: everything the CLI and the web app use, built once, lazily.

    services = build_services(load_settings(store="..."))
    services.qa.ask("阳江2015年专利申请量是多少？")

Each part is built the first time it is used and then kept (the embedding model and the store
are expensive; a CLI command that only lists documents never loads the model). Building is
thread-safe: concurrent first uses from the web app's worker threads build each part once.
A part whose construction fails (e.g. :class:`EmptyStoreError` before anything was ingested)
is not cached, so it is tried again on the next use, after an ingest.

Other parts add themselves here as properties in the same style (commitments, subsidies,
ingest).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from common.settings import Settings

T = TypeVar("T")


class Services:
    """Lazily built, shared components for one store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._parts: dict[str, Any] = {}
        self._lock = threading.RLock()  # re-entrant: building qa builds the store first

    def _once(self, name: str, build: Callable[[], T]) -> T:
        part = self._parts.get(name, _MISSING)
        if part is not _MISSING:
            return part
        with self._lock:
            part = self._parts.get(name, _MISSING)
            if part is _MISSING:
                part = build()
                self._parts[name] = part
            return part

    def built(self, name: str) -> bool:
        """Has ``name`` been built yet? (for tests and diagnostics)"""
        return name in self._parts

    @property
    def embeddings(self) -> Any:
        """The configured embedder (LangChain ``Embeddings``)."""
        from vectorstore.embeddings import make_embeddings

        return self._once("embeddings", lambda: make_embeddings(self.settings.embedding))

    @property
    def store(self) -> Any:
        """The existing store (EmptyStoreError with a hint when nothing was ingested)."""
        from vectorstore.chroma_store import open_store

        return self._once("store", lambda: open_store(self.settings, self.embeddings, create=False))

    @property
    def lexical(self) -> Any:
        """The BM25 index derived from the store (follows it as documents change)."""
        from vectorstore.lexical import LexicalIndex

        return self._once("lexical", lambda: LexicalIndex(self.store))

    @property
    def chat_model(self) -> Any | None:
        """ChatOpenAI for ``settings.llm`` when a base URL is set, else None."""

        def build() -> Any | None:
            if not self.settings.llm.base_url:
                return None
            from assistant.llm import make_chat_model

            return make_chat_model(self.settings.llm)

        return self._once("chat_model", build)

    @property
    def subsidy_finder(self) -> Any | None:
        """The subsidy finder for chat questions (assistant/subsidies.py), when present."""

        def build() -> Any | None:
            try:
                from assistant.subsidies import make_subsidy_finder
            except ImportError:
                return None
            return make_subsidy_finder(self.store)

        return self._once("subsidy_finder", build)

    @property
    def qa(self) -> Any:
        """The question-answering service (:class:`assistant.pipeline.QAService`)."""

        def build() -> Any:
            from assistant.pipeline import QAService

            return QAService(
                self.settings,
                self.store,
                self.embeddings,
                self.lexical,
                llm=self.chat_model,
                subsidy_finder=self.subsidy_finder,
            )

        return self._once("qa", build)


_MISSING = object()


def build_services(settings: Settings) -> Services:
    """The composition function the CLI, app.py and eval go through."""
    return Services(settings)
