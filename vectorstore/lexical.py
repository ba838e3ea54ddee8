"""Keyword search (jieba + BM25) over the committed chunks of a store.

Local Chroma has no sparse index, so this index lives beside it. Chroma stays the system of
record: the index is derived from the store's committed documents and tagged with
:meth:`PolicyStore.generation`. Every search first compares the store's generation with the
index's; when documents were added, updated or removed (by this process or another one, e.g. a
CLI ingest while the web app runs) the index follows from per-document segments
(``vectorstore/bm25.py``): only the documents added or changed are read and tokenized, the
others are kept in memory or read from the segment cache under ``<store>/lexical/segments/``
(one file per document version, shared by every process that serves the store), and BM25's
corpus statistics are combined at query time, so results are those of a full rebuild. A change
of the tokenizer, the lexicon or the format (``_CACHE_FORMAT``) invalidates every cached
segment. In server mode the cache lives in the local store directory too.

Readers never block each other: a search works on an immutable snapshot, swapped in one
assignment after a change; only the update takes the lock.
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

import numpy as np

from common.lexicon import domain_terms, function_words
from vectorstore.base import PolicyStore, StoredChunk
from vectorstore.bm25 import B, K1, Segment, SegmentedBM25
from vectorstore.tokenize import DEFAULT_OPTIONS, tokenize

log = logging.getLogger(__name__)

# Bump when the on-disk layout, the indexed fields or the BM25 parameters change: old caches
# are then ignored.
_CACHE_FORMAT = 5  # 5: tokens in simplified characters
# Besides its text, a chunk is found by its section path and its document's title and region:
# the text of "2015年全市专利申请量达1724件" does not say 阳江, its document does. Measured
# with benchmarks/tokenize_bench.py (BM25 alone, 2,734 chunks of reports + extra): MRR@10 on
# evals/dev.jsonl 0.80 -> 0.88, on evals/questions.jsonl 0.74 -> 0.83, hit@5 0.875 -> 0.93.
_CONTEXT_KEYS = ("section", "title", "region", "parent_region")
_BM25_PARAMS = {"k1": K1, "b": B, "method": "lucene"}


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
    bm25: SegmentedBM25 | None  # None when the store has no chunks


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
        self._segments: dict[str, Segment] = {}  # by document version

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
            snap = self._build(generation)
            self._snapshot = snap
            return snap

    def _build(self, generation: str) -> _Snapshot:
        """The index of the store's committed chunks, from per-document segments.

        A segment is one document version's postings (``vectorstore/bm25.py``); only documents
        added or changed since the last build are read from the store and tokenized, the others
        come from memory or from the segment cache on disk. Segments are combined in the same
        (doc_id, index) order as a full read, and BM25's corpus statistics are taken over all
        of them at query time, so scores and ranks are those of a full rebuild (tested).
        """
        fresh: dict[str, Segment] = {}
        for doc_key, version in self._versions():
            seg = self._segments.get(version) or self._load_segment(version)
            if seg is None:
                seg = self._make_segment(doc_key)
                self._save_segment(version, seg)
            fresh[version] = seg
        self._segments = fresh  # segments of documents gone from the store are dropped
        self.builds += 1
        if self.store.generation() == generation:
            self._prune_segments()
        bm25 = SegmentedBM25(list(fresh.values()))
        return _Snapshot(generation, bm25.ids, bm25 if bm25.n else None)

    def _versions(self) -> list[tuple[str, str]]:
        """(doc_key, version) of the committed documents, in doc_id order."""
        return [(key, version) for _doc_id, key, version in self.store.committed_versions()]

    def _make_segment(self, doc_key: str) -> Segment:
        self.segments_built += 1
        chunks = self.store.document_chunks(doc_key)
        return Segment.of([c.id for c in chunks], [self.tokenizer(index_text(c)) for c in chunks])

    # --- on-disk segment cache --------------------------------------------------------------
    def _segment_path(self, version: str) -> Path | None:
        if self.cache_dir is None:
            return None
        name = hashlib.sha256(f"{version}|{self._tag}".encode()).hexdigest()[:24]
        return self.cache_dir / "segments" / f"{name}.json"

    def _load_segment(self, version: str) -> Segment | None:
        path = self._segment_path(version)
        if path is None or not path.is_file():
            return None
        try:
            seg = Segment.from_json(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:  # rebuilt, never fatal
            log.warning("ignoring damaged lexical segment %s: %s", path, exc)
            return None
        self.cache_loads += 1
        return seg

    def _save_segment(self, version: str, seg: Segment) -> None:
        path = self._segment_path(version)
        if path is None or not seg.ids:
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(seg.to_json(), ensure_ascii=False), "utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # a read-only store still answers, just without the cache
            log.warning("could not cache a lexical segment in %s: %s", path, exc)
            tmp.unlink(missing_ok=True)

    def _prune_segments(self) -> None:
        """Drop cached segments of document versions no longer committed (another process
        still on an older generation rebuilds what it misses, it never reads a wrong one)."""
        if self.cache_dir is None:
            return
        seg_dir = self.cache_dir / "segments"
        if not seg_dir.is_dir():
            return
        live = {p.name for v in self._segments if (p := self._segment_path(v)) is not None}
        for entry in seg_dir.iterdir():
            if entry.name not in live and not entry.name.startswith("."):
                entry.unlink(missing_ok=True)
        for entry in self.cache_dir.iterdir():  # whole-index caches of earlier versions
            if entry.is_dir() and entry.name != "segments" and not entry.name.startswith("."):
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
