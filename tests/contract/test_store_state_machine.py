"""Ingest, replace, delete, prune, crash between any two store writes, re-open: in any order.

A hypothesis ``RuleBasedStateMachine`` (the way Chroma tests its own collections) drives the
real ingest pipeline over a folder of three small reports, each in one of three versions, into
a store, and after every step checks what must always hold:

- every committed document is wholly one version of it (all its chunks carry that version's
  tag, every sentence of that version is in them, the manifest's counts agree);
- a document is one the model allows: after a crash it may be the old or the new version;
- keyword and dense search see exactly the committed chunks, and the keyword index finds a
  version's tag only in that version's chunks;
- no vectors or records without a committed document once a run has completed;
- the generation changes exactly when the committed versions changed.

It runs on the in-memory store (more examples) and on embedded Chroma (fewer: each step writes
SQLite), with a bounded number of examples so CI time stays flat.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from common.settings import ChunkSettings, Settings, StoreSettings
from ingest.pipeline import ingest_paths
from vectorstore import memory_chroma
from vectorstore.base import PolicyStore
from vectorstore.chroma_store import open_store
from vectorstore.hash_embeddings import HashEmbeddings
from vectorstore.lexical import LexicalIndex

DOCS = ("甲", "乙", "丙")
VERSIONS = (1, 2, 3)


def tag(doc: str, version: int) -> str:
    """A token only this version of this document contains (BM25 finds it as one word)."""
    return f"ref{DOCS.index(doc)}v{version}"


def sentences(doc: str, version: int) -> list[str]:
    t = tag(doc, version)
    return [
        f"{t}：全市专利申请量达{1000 * version + 17}件，同比增长{version}.5%。",
        f"{t}：新认定高新技术企业{40 + version}家，科技型中小企业备案{100 + version}家。",
        f"{t}：市财政安排科技专项资金{version * 3}千万元，支持企业研发机构建设。",
        f"{t}：组织申报省级科技计划项目{60 + version}项，获批立项{20 + version}项。",
    ]


def report_text(doc: str, version: int) -> str:
    s = sentences(doc, version)
    return (
        f"{doc}县科学技术局工作总结\n\n一、主要成效\n{s[0]}{s[1]}\n\n二、经费保障\n{s[2]}\n\n"
        f"三、项目申报\n{s[3]}\n"
    )


class Crash(BaseException):
    """A process killed mid-ingest: not an Exception, so nothing in the pipeline catches it."""


class _CrashingCollection:
    """A collection whose writes count down to the crash (reads pass through)."""

    def __init__(self, collection: Any, countdown: list[int]) -> None:
        self._collection = collection
        self._countdown = countdown

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        if name not in ("upsert", "add", "update", "delete"):
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            self._countdown[0] -= 1
            if self._countdown[0] <= 0:
                raise Crash(f"{name} on {self._collection.name}")
            return attr(*args, **kwargs)

        return write


@contextmanager
def crash_at(store: Any, fail_at: int) -> Iterator[None]:
    """The ``fail_at``-th write to any of the store's collections never happens: the process
    dies there. Crashes fall between any two Chroma writes, inside a commit too (the commit
    protocol is a sequence of such writes), not only between store calls."""
    countdown = [fail_at]
    names = ("_chunks", "_docs", "_records")
    saved = {n: getattr(store, n) for n in names}
    for n in names:
        setattr(store, n, _CrashingCollection(saved[n], countdown))
    try:
        yield
    finally:
        for n in names:
            setattr(store, n, saved[n])


class StoreMachine(RuleBasedStateMachine):
    backend: str = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="pqa-sm-"))
        self.folder = self.root / "docs"
        self.folder.mkdir()
        store_settings = StoreSettings(backend="memory") if self.backend == "memory" else StoreSettings()
        # small chunks: every report is several chunks, so a crash can fall between them
        self.settings = Settings(
            home=self.root / "store", store=store_settings, chunk=ChunkSettings(max_tokens=48, min_tokens=0)
        )
        self.emb = HashEmbeddings()
        self.files: dict[str, int] = {}  # what the folder holds
        # what the store may hold per document: a set of versions, None = absent
        self.allowed: dict[str, set[int | None]] = {d: {None} for d in DOCS}
        self.clean = True  # no interrupted run since the last complete one
        self._open()

    def _open(self) -> None:
        if getattr(self, "store", None) is not None:
            self.store.close()
        self.store = open_store(self.settings, self.emb, create=True)
        self.lexical = LexicalIndex(self.store)

    def teardown(self) -> None:
        self.store.close()
        memory_chroma.forget(str(self.settings.home))
        shutil.rmtree(self.root, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------
    def _path(self, doc: str) -> Path:
        return self.folder / f"{doc}.txt"

    def _committed(self) -> dict[str, int]:
        """doc -> version, read from the store's chunks."""
        out: dict[str, int] = {}
        for d in self.store.list_documents():
            doc = Path(d["source"]).stem
            chunks = [c.text for c in self.store.iter_chunks() if c.metadata["doc_id"] == d["doc_id"]]
            found = {v for v in VERSIONS for c in chunks if tag(doc, v) in c}
            assert len(found) == 1, f"{doc}: chunks of versions {sorted(found)} committed together"
            out[doc] = found.pop()
        return out

    def _ingest(self, prune: bool = False) -> None:
        report = ingest_paths([self.folder], self.settings, self.store, self.emb, prune=prune)
        assert not report.failed, [(r.source, r.reason) for r in report.failed]

    def _settle(self, before_gen: str, before: dict[str, int]) -> None:
        """After a complete run: the store holds exactly the folder; generation check."""
        for doc in DOCS:
            self.allowed[doc] = {self.files.get(doc)}
        self.clean = True
        after = self._committed()
        changed = after != before
        assert (self.store.generation() != before_gen) == changed, (before, after)

    # --- rules ------------------------------------------------------------------------------
    @rule(doc=st.sampled_from(DOCS), version=st.sampled_from(VERSIONS))
    def put_and_ingest(self, doc: str, version: int) -> None:
        gen, before = self.store.generation(), self._committed()
        self._path(doc).write_text(report_text(doc, version), encoding="utf-8")
        self.files[doc] = version
        self._ingest()
        self._settle(gen, before)

    @rule(doc=st.sampled_from(DOCS))
    def remove_and_prune(self, doc: str) -> None:
        gen, before = self.store.generation(), self._committed()
        self._path(doc).unlink(missing_ok=True)
        self.files.pop(doc, None)
        self._ingest(prune=True)
        self._settle(gen, before)

    @rule(doc=st.sampled_from(DOCS))
    def delete_in_the_app(self, doc: str) -> None:
        match = [d for d in self.store.list_documents() if Path(d["source"]).stem == doc]
        if match:
            self.store.delete_document(match[0]["doc_id"])
        self.allowed[doc] = {None}

    @rule(doc=st.sampled_from(DOCS), version=st.sampled_from(VERSIONS), fail_at=st.integers(1, 10),
          prune=st.booleans())
    def crash_while_ingesting(self, doc: str, version: int, fail_at: int, prune: bool) -> None:
        self._path(doc).write_text(report_text(doc, version), encoding="utf-8")
        self.files[doc] = version
        try:
            with crash_at(self.store, fail_at):
                self._ingest(prune=prune)
        except Crash as crash:
            event(f"crashed in {crash}")
            self.clean = False
            # each document: as before the run or as the folder says now
            for d in DOCS:
                self.allowed[d] = self.allowed[d] | {self.files.get(d)}
        else:
            event("ingest completed before the crash point")
            for d in DOCS:
                self.allowed[d] = {self.files.get(d)}
            self.clean = True

    @rule()
    def reopen(self) -> None:
        """Another process (or a restart) opens the store and builds its own keyword index."""
        self._open()

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def documents_are_whole_versions_the_model_allows(self) -> None:
        assert self.store.verify() == []
        committed = self._committed()
        for doc in DOCS:
            assert committed.get(doc) in self.allowed[doc], (doc, committed.get(doc), self.allowed[doc])
        for d in self.store.list_documents():
            doc = Path(d["source"]).stem
            text = "".join(c.text for c in self.store.iter_chunks() if c.metadata["doc_id"] == d["doc_id"])
            for s in sentences(doc, committed[doc]):
                assert s in text, f"{doc}: a sentence of its version is missing"

    @invariant()
    def searches_see_exactly_the_committed_chunks(self) -> None:
        chunk_ids = [c.id for c in self.store.iter_chunks()]
        assert list(self.lexical.refresh().ids) == chunk_ids
        dense = self.store.dense_search(self.emb.embed_query("专利申请量"), 100)
        assert sorted(c.id for c, _ in dense) == sorted(chunk_ids)
        assert [c.id for c in self.store.get_chunks(chunk_ids)] == chunk_ids
        for doc, version in self._committed().items():
            hits = {cid for cid, _ in self.lexical.search(tag(doc, version), 50)}
            own = {c.id for c in self.store.iter_chunks() if tag(doc, version) in c.text}
            assert hits == own

    @invariant()
    def nothing_left_behind_after_a_complete_run(self) -> None:
        if not self.clean:
            return
        stats = self.store.stats()
        docs = self.store.list_documents()
        assert stats["chunks"] == sum(d["chunk_count"] for d in docs)
        assert stats["records"] == sum(d["record_count"] for d in docs)


class ChromaStoreMachine(StoreMachine):
    backend = "chroma"


_COMMON = dict(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
TestMemoryStore = StoreMachine.TestCase
TestMemoryStore.settings = settings(max_examples=50, stateful_step_count=10, **_COMMON)
TestEmbeddedChroma = ChromaStoreMachine.TestCase
TestEmbeddedChroma.settings = settings(max_examples=10, stateful_step_count=8, **_COMMON)
