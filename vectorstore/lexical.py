"""Keyword search (jieba + BM25 via bm25s) over the committed chunks of a store.

Local Chroma has no sparse index, so this index lives beside it. Chroma stays the system of
record: the index is derived from :meth:`PolicyStore.iter_chunks` and tagged with
:meth:`PolicyStore.generation`. Every search first compares the store's generation with the
index's; when documents were added, updated or removed (by this process or another one, e.g. a
CLI ingest while the web app runs) the index is loaded from the on-disk cache under
``<store>/lexical/`` when that generation was built before, else rebuilt from per-document
segments: only the documents added or changed are read and tokenized, in every process that
serves the store (a segment is cached on disk by document version too), and the BM25 statistics
are recomputed over all segments, so results are those of a full rebuild. A change of the
tokenizer, the lexicon or the format (``_CACHE_FORMAT``) invalidates every cached segment. In
server mode the cache lives in the local store directory too.

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
class _Segment:
    """One document version's part of the index: its chunk ids and their tokens."""

    ids: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]


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
        self.builds = 0  # index builds (tests, diagnostics)
        self.segments_built = 0  # documents read from the store and tokenized
        self.cache_loads = 0
        self._segments: dict[str, _Segment] = {}  # by document version

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
        """The BM25 index of the store's committed chunks, from per-document segments.

        A segment is one document version's chunk ids and tokens; only documents added or
        changed since the last build are read from the store and tokenized (tokenizing is
        ~90% of a full build: 3.9 s of 4.4 s for 2,886 chunks). The BM25 statistics are then
        recomputed over all segments, in the same (doc_id, index) order as a full read, so the
        scores and ranks are those of a full rebuild (tested).
        """
        import bm25s

        versions = self._versions()
        ids: list[str] = []
        corpus: list[list[str]] = []
        fresh: dict[str, _Segment] = {}
        for doc_key, version in versions:
            seg = self._segments.get(version) or self._load_segment(version)
            if seg is None:
                seg = self._make_segment(doc_key)
                self._save_segment(version, seg)
            fresh[version] = seg
            ids.extend(seg.ids)
            corpus.extend(seg.tokens)
        self._segments = fresh  # segments of documents gone from the store are dropped
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

    def _versions(self) -> list[tuple[str, str]]:
        """(doc_key, version) of the committed documents, in doc_id order."""
        listing = getattr(self.store, "committed_versions", None)
        if listing is not None:
            return [(key, version) for _doc_id, key, version in listing()]
        # a store without per-document reads (test stand-ins): one segment of everything
        return [("", f"all|{self.store.generation()}")]

    def _make_segment(self, doc_key: str) -> _Segment:
        self.segments_built += 1
        chunks = self.store.document_chunks(doc_key) if doc_key else list(self.store.iter_chunks())
        return _Segment(tuple(c.id for c in chunks), tuple(self.tokenizer(index_text(c)) for c in chunks))

    def _segment_path(self, version: str) -> Path | None:
        if self.cache_dir is None:
            return None
        name = hashlib.sha256(f"{version}|{self._tag}".encode()).hexdigest()[:24]
        return self.cache_dir / "segments" / f"{name}.json"

    def _load_segment(self, version: str) -> _Segment | None:
        path = self._segment_path(version)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
            return _Segment(tuple(data["ids"]), tuple(tuple(t) for t in data["tokens"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:  # rebuilt, never fatal
            log.warning("ignoring damaged lexical segment %s: %s", path, exc)
            return None

    def _save_segment(self, version: str, seg: _Segment) -> None:
        path = self._segment_path(version)
        if path is None or not seg.ids:
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"ids": seg.ids, "tokens": seg.tokens}, ensure_ascii=False), "utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not cache a lexical segment in %s: %s", path, exc)
            tmp.unlink(missing_ok=True)

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
            if entry.name not in (keep, "segments") and not entry.name.startswith("."):
                shutil.rmtree(entry, ignore_errors=True)
        # segments of document versions no longer committed (another process may still be
        # on an older generation: it rebuilds what it misses, never reads a wrong one)
        seg_dir = self.cache_dir / "segments"
        if seg_dir.is_dir():
            live = {p.name for v in self._segments if (p := self._segment_path(v)) is not None}
            for entry in seg_dir.iterdir():
                if entry.name not in live and not entry.name.startswith("."):
                    entry.unlink(missing_ok=True)

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
