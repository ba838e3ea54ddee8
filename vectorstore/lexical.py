"""Keyword search (jieba + BM25 via bm25s) over the committed chunks of a store.

Local Chroma has no sparse index, so this index lives beside it. Chroma stays the system of
record: the index is derived from :meth:`PolicyStore.iter_chunks` and tagged with
:meth:`PolicyStore.generation`. Every search first compares the store's generation with the
index's; when documents were added, updated or removed (by this process or another one, e.g. a
CLI ingest while the web app runs) the index is rebuilt, or loaded from the on-disk cache under
``<store>/lexical/`` when that generation was built before. In server mode the cache lives in
the local store directory too.

Readers never block each other: a search works on an immutable snapshot (ids + BM25 model),
swapped in one assignment after a rebuild; only rebuilds take the lock.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from common.lexicon import domain_terms, function_words
from vectorstore.base import PolicyStore, StoredChunk
from vectorstore.tokenize import DEFAULT_OPTIONS, tokenize

log = logging.getLogger(__name__)

# Bump when the on-disk layout, the indexed fields or the BM25 parameters change: old caches
# are then ignored.
_CACHE_FORMAT = 3
# Besides its text, a chunk is found by its section path and its document's title and region:
# the text of "2015年全市专利申请量达1724件" does not say 阳江, its document does. Measured
# with benchmarks/tokenize_bench.py (BM25 alone, 2,734 chunks of reports + extra): MRR@10 on
# evals/dev.jsonl 0.80 -> 0.88, on evals/questions.jsonl 0.74 -> 0.83, hit@5 0.875 -> 0.93.
_CONTEXT_KEYS = ("section", "title", "region", "parent_region")
_BM25_PARAMS = {"k1": 1.5, "b": 0.75, "method": "lucene"}


def index_text(chunk: StoredChunk) -> str:
    """What BM25 sees of a chunk: its text plus its section and its document's title/region
    (the title only when the document states one: a file name says nothing)."""
    meta = chunk.metadata
    context = [
        str(meta.get(k) or "") for k in _CONTEXT_KEYS
        if not (k == "title" and meta.get("title_status", "stated") != "stated")
    ]
    return " ".join([chunk.text, *(c for c in context if c)])


@dataclass(frozen=True)
class _Snapshot:
    generation: str
    ids: tuple[str, ...]
    bm25: Any | None  # bm25s.BM25, None when the store has no chunks


def _tokenizer_tag(tokenizer: Callable[[str], list[str]]) -> str:
    """Part of the cache key: another tokenizer must not reuse a cached index."""
    if tokenizer is tokenize:
        # the lexicon's words decide the tokens too: another word list, another index
        desc = repr(DEFAULT_OPTIONS) + "|" + ",".join(domain_terms()) + "|" + ",".join(sorted(function_words()))
    else:
        desc = f"{getattr(tokenizer, '__module__', '')}.{getattr(tokenizer, '__qualname__', repr(tokenizer))}"
    desc += f"|{_CACHE_FORMAT}|{sorted(_BM25_PARAMS.items())}"
    return hashlib.sha256(desc.encode()).hexdigest()[:10]


class LexicalIndex:
    """BM25 over a store's committed chunks, following the store as it changes."""

    def __init__(
        self,
        store: PolicyStore,
        *,
        cache_dir: Path | None = None,
        tokenizer: Callable[[str], list[str]] = tokenize,
    ) -> None:
        self.store = store
        self.tokenizer = tokenizer
        home = getattr(store, "home", None)
        self.cache_dir = cache_dir if cache_dir is not None else (Path(home) / "lexical" if home else None)
        self._tag = _tokenizer_tag(tokenizer)
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()
        self.builds = 0  # full rebuilds from the store (tests, diagnostics)
        self.cache_loads = 0

    # --- keeping up with the store --------------------------------------------------------
    def refresh(self, generation: str | None = None) -> _Snapshot:
        """The index for the store's current generation (rebuilt or loaded when it changed).

        A caller that has just read ``store.generation()`` passes it (one Chroma round trip
        less per question).
        """
        if generation is None:
            generation = self.store.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is not None and snap.generation == generation:
                return snap
            snap = self._load_cached(generation) or self._build(generation)
            self._snapshot = snap
            return snap

    def _build(self, generation: str) -> _Snapshot:
        import bm25s

        ids: list[str] = []
        corpus: list[list[str]] = []
        for chunk in self.store.iter_chunks():
            ids.append(chunk.id)
            corpus.append(self.tokenizer(index_text(chunk)))
        self.builds += 1
        # Another process may have committed while we read; the result is still one
        # consistent set only if the generation did not move, so re-check before caching.
        stable = self.store.generation() == generation
        if not ids:
            return _Snapshot(generation, (), None)
        bm25 = bm25s.BM25(**_BM25_PARAMS)
        bm25.index(corpus, show_progress=False)
        snap = _Snapshot(generation, tuple(ids), bm25)
        if stable:
            self._save(snap)
        return snap

    # --- on-disk cache --------------------------------------------------------------------
    def _dir_for(self, generation: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{generation}-{self._tag}"

    def _load_cached(self, generation: str) -> _Snapshot | None:
        path = self._dir_for(generation)
        if path is None or not (path / "ids.json").is_file():
            return None
        try:
            ids = tuple(json.loads((path / "ids.json").read_text("utf-8")))
            bm25 = None
            if ids:
                import bm25s

                bm25 = bm25s.BM25.load(str(path), show_progress=False)
            self.cache_loads += 1
            return _Snapshot(generation, ids, bm25)
        except Exception as exc:  # a damaged cache is rebuilt, never fatal
            log.warning("ignoring damaged lexical index cache %s: %s", path, exc)
            return None

    def _save(self, snap: _Snapshot) -> None:
        path = self._dir_for(snap.generation)
        if path is None:
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            if snap.bm25 is not None:
                snap.bm25.save(str(tmp), show_progress=False)
            # ids.json last: its presence marks a complete cache entry.
            (tmp / "ids.json").write_text(json.dumps(list(snap.ids), ensure_ascii=False), "utf-8")
            if path.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.replace(tmp, path)
            self._prune_cache(keep=path.name)
        except OSError as exc:  # a read-only store still answers, just without the cache
            log.warning("could not cache the lexical index in %s: %s", path, exc)
            shutil.rmtree(tmp, ignore_errors=True)

    def _prune_cache(self, keep: str) -> None:
        assert self.cache_dir is not None
        for entry in self.cache_dir.iterdir():
            if entry.name != keep and not entry.name.startswith("."):
                shutil.rmtree(entry, ignore_errors=True)

    # --- searching ------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int,
        allowed_ids: set[str] | None = None,
        *,
        generation: str | None = None,
    ) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``query`` as (chunk_id, BM25 score), best first.

        ``allowed_ids`` restricts the result (filters by region, year, document): every chunk
        is scored first and the filter applied after, so a filter never loses a match that a
        top-k cut would have dropped. Chunks with score 0 (no shared token) are left out.
        ``generation``: see :meth:`refresh`.
        """
        snap = self.refresh(generation)
        if snap.bm25 is None or k <= 0:
            return []
        tokens = self.tokenizer(query)
        if not tokens:
            return []
        scores = np.asarray(snap.bm25.get_scores(tokens), dtype=np.float32)
        if allowed_ids is not None:
            mask = np.fromiter((i in allowed_ids for i in snap.ids), dtype=bool, count=len(snap.ids))
            scores = np.where(mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
        return [(snap.ids[i], float(scores[i])) for i in top]

    @property
    def size(self) -> int:
        """Number of chunks in the current snapshot."""
        return len(self.refresh().ids)
