"""The one composition function: everything the CLI, the web app and eval use, built once, lazily.

    services = build_services(load_settings(store="..."))
    services.qa.ask("阳江2015年专利申请量是多少？")

Each part is built the first time it is used and then kept (the embedding model and the store
are expensive; a CLI command that only lists documents never loads the model). Building is
thread-safe: concurrent first uses from the web app's worker threads build each part once.
A part whose construction fails (e.g. :class:`EmptyStoreError` before anything was ingested)
is not cached, so it is tried again on the next use, after an ingest.

The seams are typed with the Protocols of the packages they come from: ``PolicyStore``
(vectorstore/base.py), LangChain's ``Embeddings`` and ``BaseChatModel``, ``KeywordIndex``
(vectorstore/base.py) and ``SubsidyFinder`` (assistant/pipeline.py). Which implementations are
built is the settings' choice: ``store.backend`` = chroma | memory, ``embedding.backend`` =
e5 | sentence-transformers | openai | hash; the fast ones exist for tests, never the default.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from langchain_core.embeddings import Embeddings

from assistant.llm import make_chat_model
from assistant.pipeline import QAService, SubsidyFinder
from assistant.subsidies import make_subsidy_finder
from common.errors import EmptyStoreError
from common.settings import Settings
from vectorstore.base import PolicyStore
from vectorstore.chroma_store import open_store
from vectorstore.embeddings import make_embeddings
from vectorstore.lexical import LexicalIndex

if TYPE_CHECKING:  # langchain's chat-model stack costs ~0.6 s to import; only the LLM path needs it
    from langchain_core.language_models.chat_models import BaseChatModel

T = TypeVar("T")
_MISSING = object()
# parts that hold the store (or something built on it): dropped together after a rebuild
_STORE_PARTS = ("store", "reader", "lexical", "subsidy_finder", "qa")


class Services:
    """Lazily built, shared components for one store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._parts: dict[str, object] = {}
        self._lock = threading.RLock()  # re-entrant: building qa builds the store first

    def _once(self, name: str, build: Callable[[], T]) -> T:
        part = self._parts.get(name, _MISSING)
        if part is not _MISSING:
            return cast(T, part)
        with self._lock:
            part = self._parts.get(name, _MISSING)
            if part is _MISSING:
                part = build()
                self._parts[name] = part
            return cast(T, part)

    def built(self, name: str) -> bool:
        """Has ``name`` been built yet? (for tests and diagnostics)"""
        return name in self._parts

    def for_store(self, home: str | Path) -> Services:
        """The same settings for another store directory (``--store DIR``); this one if equal."""
        if Path(home).expanduser() == Path(self.settings.home).expanduser():
            return self
        return Services(self.settings.model_copy(update={"home": Path(home)}))

    @property
    def embeddings(self) -> Embeddings:
        """The configured embedder (LangChain ``Embeddings``); loads its model on first use."""
        return self._once("embeddings", lambda: make_embeddings(self.settings.embedding))

    @property
    def store(self) -> PolicyStore:
        """The existing store, checked against the embedder (EmptyStoreError with a hint when
        nothing was ingested)."""
        return self._once("store", lambda: open_store(self.settings, self.embeddings, create=False))

    @property
    def reader(self) -> PolicyStore:
        """The existing store for reading documents and records only: no embedding model is
        loaded (``policyqa docs``, commitments, subsidies); the full store when already open."""
        if self.built("store"):
            return self.store
        return self._once("reader", lambda: open_store(self.settings, None, create=False))

    def writer(self) -> PolicyStore:
        """The store ingest writes to, created when there is none yet."""
        if self.built("store"):
            return self.store
        return self._once("store", lambda: open_store(self.settings, self.embeddings, create=True))

    def drop_store(self) -> str | None:
        """Delete everything stored (``ingest --rebuild``); returns where, or None when there
        was nothing. Every part built on the store is forgotten."""
        try:
            old = self.reader
        except EmptyStoreError:
            return None
        old.reset()
        with self._lock:
            for name in _STORE_PARTS:
                self._parts.pop(name, None)
        return old.where

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 index derived from the store (follows it as documents change)."""
        return self._once("lexical", lambda: LexicalIndex(self.store))

    @property
    def chat_model(self) -> BaseChatModel | None:
        """ChatOpenAI for ``settings.llm`` when a base URL is set, else None."""

        def build() -> BaseChatModel | None:
            if not self.settings.llm.base_url:
                return None
            return make_chat_model(self.settings.llm)

        return self._once("chat_model", build)

    @property
    def subsidy_finder(self) -> SubsidyFinder:
        """The subsidy finder for chat questions (assistant/subsidies.py)."""
        return self._once("subsidy_finder", lambda: make_subsidy_finder(self.store))

    @property
    def qa(self) -> QAService:
        """The question-answering service (:class:`assistant.pipeline.QAService`)."""
        return self._once(
            "qa",
            lambda: QAService(
                self.settings,
                self.store,
                self.embeddings,
                self.lexical,
                llm=self.chat_model,
                subsidy_finder=self.subsidy_finder,
            ),
        )


def build_services(settings: Settings) -> Services:
    """The composition function the CLI, app.py and eval go through."""
    return Services(settings)
