"""Hybrid search: dense (Chroma) + lexical (jieba + BM25), fused with tuned weights.

Measured on the sample reports (DESIGN.md section 4): BM25 alone reaches hit@5 ~1.00, e5 alone
0.85, and plain reciprocal-rank fusion came out *worse* than BM25 alone. So the default fusion
is score-level: each list's scores are normalised to [0, 1] (dense by min-max over its
candidates, BM25 by its maximum), then combined as ``w * lexical + (1 - w) * dense`` with ``w``
(``settings.retrieval.lexical_weight``) tuned on a question set. Weighted RRF is kept as an
option for comparison.

Explicit filters (region, year, document) are applied on both sides: as a Chroma where-clause
on the dense side and as the set of allowed chunk ids on the lexical side, computed from the
same metadata by :meth:`ChunkCatalog.matching_ids`. Values inferred from the question only add
boosts. Near-duplicate passages (the same sentence in two documents, overlapping chunks) are
collapsed before the top k are taken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings

from common.errors import DependencyError, EmptyStoreError
from common.settings import RetrievalSettings
from vectorstore.base import KeywordIndex, PolicyStore

# --- fusion maths -------------------------------------------------------------------------


def minmax(scores: dict[str, float]) -> dict[str, float]:
    """Scale to [0, 1] by min and max; a single value (or all equal) maps to 1."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo < 1e-12:
        return {k: 1.0 for k in scores}
    return {k: (v - lo) / (hi - lo) for k, v in scores.items()}


def scale_by_max(scores: dict[str, float]) -> dict[str, float]:
    """Divide by the maximum (BM25 scores are >= 0; a weak best match stays comparable to 0)."""
    if not scores:
        return {}
    hi = max(scores.values())
    if hi <= 0:
        return {k: 0.0 for k in scores}
    return {k: max(0.0, v) / hi for k, v in scores.items()}


def fuse_scores(
    dense: dict[str, float],
    lexical: dict[str, float],
    lexical_weight: float,
    *,
    method: str = "score",
    rrf_k: int = 60,
) -> dict[str, dict[str, float]]:
    """Fuse two score lists; returns ``{id: {"fused", "dense", "lexical"}}``.

    ``method="score"``: weighted sum of normalised scores (a candidate missing from a list gets
    0 there: it was below that list's cut-off). ``method="rrf"``: weighted reciprocal-rank
    fusion, ``w / (rrf_k + rank_lex) + (1 - w) / (rrf_k + rank_dense)``, rescaled so that a
    passage ranked first in both lists scores 1.
    """
    w = float(lexical_weight)
    ids = list(dict.fromkeys([*dense, *lexical]))
    out: dict[str, dict[str, float]] = {}
    if method == "rrf":
        rank_d = {i: r for r, i in enumerate(sorted(dense, key=dense.__getitem__, reverse=True), 1)}
        rank_l = {
            i: r for r, i in enumerate(sorted(lexical, key=lexical.__getitem__, reverse=True), 1)
        }
        top = w / (rrf_k + 1) + (1 - w) / (rrf_k + 1)
        for i in ids:
            d = (1 - w) / (rrf_k + rank_d[i]) if i in rank_d else 0.0
            lx = w / (rrf_k + rank_l[i]) if i in rank_l else 0.0
            out[i] = {"fused": (d + lx) / top, "dense": dense.get(i, 0.0), "lexical": lexical.get(i, 0.0)}
        return out
    if method != "score":
        raise ValueError(f"unknown fusion method {method!r}; use 'score' or 'rrf'")
    nd, nl = minmax(dense), scale_by_max(lexical)
    for i in ids:
        d, lx = nd.get(i, 0.0), nl.get(i, 0.0)
        out[i] = {
            "fused": w * lx + (1 - w) * d,
            "dense": dense.get(i, 0.0),
            "lexical": lexical.get(i, 0.0),
            "dense_norm": d,
            "lexical_norm": lx,
        }
    return out


# --- near duplicates ----------------------------------------------------------------------


def bigrams(text: str) -> set[str]:
    """Character bigrams of ``text`` without whitespace (Chinese has no word spaces)."""
    t = "".join(text.split())
    if len(t) < 2:
        return {t} if t else set()
    return {t[i : i + 2] for i in range(len(t) - 1)}


def near_duplicate(a: set[str], b: set[str], threshold: float) -> bool:
    """Jaccard of bigram sets >= threshold, or the smaller one almost wholly inside the other
    (overlapping chunks: one chunk's text contained in a longer one)."""
    if not a or not b:
        return False
    inter = len(a & b)
    if inter / len(a | b) >= threshold:
        return True
    return inter / min(len(a), len(b)) >= max(threshold, 0.95)


def collapse_near_duplicates(
    ranked: Sequence[str], texts: dict[str, str], threshold: float, limit: int | None = None
) -> list[str]:
    """Keep ids in order, dropping any whose text nearly duplicates an earlier kept one."""
    kept: list[str] = []
    grams: list[set[str]] = []
    for i in ranked:
        g = bigrams(texts.get(i, ""))
        if any(near_duplicate(g, other, threshold) for other in grams):
            continue
        kept.append(i)
        grams.append(g)
        if limit is not None and len(kept) >= limit:
            break
    return kept


# --- filters and boosts -------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """Explicit filters: only passages that match all of them are returned."""

    region: str | None = None  # normalised; matches region, parent_region or province
    year: int | None = None  # a year the document covers (its years, or its date's year)
    doc: str | None = None  # doc_id or source file name

    def __bool__(self) -> bool:
        return bool(self.region or self.year or self.doc)

    def where(self) -> dict[str, Any] | None:
        """The Chroma where-clause for these filters."""
        clauses: list[dict[str, Any]] = []
        if self.region:
            clauses.append(
                {
                    "$or": [
                        {"region": self.region},
                        {"parent_region": self.region},
                        {"province": self.region},
                    ]
                }
            )
        if self.year:
            clauses.append({"$or": [{"years": {"$contains": int(self.year)}}, {"year": int(self.year)}]})
        if self.doc:
            clauses.append({"$or": [{"doc_id": self.doc}, {"source": self.doc}]})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, meta: dict[str, Any]) -> bool:
        """The same test as :meth:`where`, on a chunk's metadata (for the lexical side)."""
        if self.region and self.region not in (
            meta.get("region"),
            meta.get("parent_region"),
            meta.get("province"),
        ):
            return False
        if self.year:
            years = meta.get("years") or []
            if int(self.year) not in [int(y) for y in years] and meta.get("year") != int(self.year):
                return False
        if self.doc and self.doc not in (meta.get("doc_id"), meta.get("source")):
            return False
        return True


@dataclass(frozen=True)
class Boosts:
    """Values inferred from the question: matching passages get a bonus, none are removed."""

    regions: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    doc_years: tuple[int, ...] = ()  # the document's own year (2019年报告)


def boost_for(meta: dict[str, Any], text: str, boosts: Boosts, region_boost: float, year_boost: float) -> float:
    """Region bonus when the passage's document is about a region asked for; year bonus when
    its document covers a year asked for or the passage itself names it (至2017年底 in a 2016
    report)."""
    bonus = 0.0
    if boosts.regions:
        mine = {meta.get("region"), meta.get("parent_region"), meta.get("province")} - {None}
        if mine & set(boosts.regions):
            bonus += region_boost
    if boosts.years:
        years = {int(y) for y in (meta.get("years") or [])}
        if meta.get("year") is not None:
            years.add(int(meta["year"]))
        if years & set(boosts.years) or any(f"{y}年" in text for y in boosts.years):
            bonus += year_boost
    if boosts.doc_years and meta.get("year") is not None and int(meta["year"]) in boosts.doc_years:
        bonus += year_boost
    return bonus


# --- the searcher -------------------------------------------------------------------------


class Reranker(Protocol):
    """What a sentence-transformers ``CrossEncoder`` offers and the searcher uses."""

    def predict(self, sentences: list[tuple[str, str]], **kwargs: Any) -> Sequence[float]: ...


@dataclass
class Hit:
    """One fused search result."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float
    scores: dict[str, float] = field(default_factory=dict)


class ChunkCatalog:
    """Every committed chunk's text and metadata, kept per document version: when the store's
    generation changes, only the documents added or changed are read.

    Lets the lexical side apply the same filters as Chroma's where-clause, gives texts for
    near-duplicate collapsing, and document frequencies for query-term weights.
    """

    def __init__(self, store: PolicyStore, previous: ChunkCatalog | None = None) -> None:
        self.generation = store.generation()
        self.texts: dict[str, str] = {}
        self.meta: dict[str, dict[str, Any]] = {}
        # ``previous``: the catalog of the generation before, whose documents are reused
        self.parts: dict[str, list[Any]] = {}
        old = previous.parts if previous is not None else {}
        for _doc_id, doc_key, version in store.committed_versions():
            self.parts[version] = old.get(version) or store.document_chunks(doc_key)
        for chunks in self.parts.values():
            for c in chunks:
                self.texts[c.id] = c.text
                self.meta[c.id] = dict(c.metadata)
        self._df: dict[str, int] = {}
        # (doc_id, text) of the chunks grouped by a metadata key, built on first use (_grouped)
        self._groups: dict[str, dict[str, list[tuple[str, str]]]] = {}
        # each version's chunks in document order, and where each chunk is in them
        self._ordered: dict[str, list[Any]] | None = None
        self._position: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.texts)

    def matching_ids(self, filters: SearchFilters) -> set[str]:
        return {i for i, m in self.meta.items() if filters.matches(m)}

    def named_where_region_unstated(self, term: str) -> set[str]:
        """The documents that do not state their region and whose text contains ``term`` (by
        doc_id). Such a document, read as about one place, may be about another it names."""
        unstated = self._grouped("unstated", lambda m: "" if m.get("region_status", "stated") != "stated" else None)
        return {doc_id for doc_id, text in unstated.get("", []) if term in text}

    def _grouped(self, name: str, key_of: Callable[[dict[str, Any]], str | None]) -> dict[str, list[tuple[str, str]]]:
        """(doc_id, text) of every chunk by ``key_of(metadata)`` (None: left out), cached as ``name``."""
        with self._lock:
            if name not in self._groups:
                groups: dict[str, list[tuple[str, str]]] = {}
                for i, m in self.meta.items():
                    key = key_of(m)
                    if key is not None:
                        groups.setdefault(key, []).append((str(m.get("doc_id")), self.texts[i]))
                self._groups[name] = groups
            return self._groups[name]

    def _in_order(self, chunk_id: str) -> tuple[list[Any], int]:
        """The chunks of ``chunk_id``'s document version in document order, and its place there
        (([], -1) for a chunk not in the catalog)."""
        with self._lock:
            if self._ordered is None:
                self._ordered = {version: sorted(chunks, key=lambda c: int(c.metadata.get("index", 0)))
                                 for version, chunks in self.parts.items()}
                self._position = {c.id: (version, n) for version, chunks in self._ordered.items()
                                  for n, c in enumerate(chunks)}
            where = self._position.get(chunk_id)
        return (self._ordered[where[0]], where[1]) if where else ([], -1)

    def document_around(self, chunk_id: str) -> list[Any]:
        """All the chunks of ``chunk_id``'s document, in document order."""
        return list(self._in_order(chunk_id)[0])

    def section_around(self, chunk_id: str, max_chars: int = 2000) -> list[Any]:
        """The chunks of ``chunk_id``'s section, in document order, the chunk itself among them:
        the run of neighbouring chunks of the same section (one too long for a chunk) or under
        the same parent heading ("二、基本原则 > （一）…", "… > （二）…"), up to ``max_chars`` of
        text around it."""
        chunks, n = self._in_order(chunk_id)
        if not chunks:
            return []
        own = str(chunks[n].metadata.get("section") or "")
        parent = _parent_section(own)

        def same_section(c: Any) -> bool:
            section = str(c.metadata.get("section") or "")
            return section == own or bool(parent) and _parent_section(section) == parent

        lo = hi = n
        used = len(chunks[n].text)
        while True:
            grown = False
            for j in (lo - 1, hi + 1):
                if 0 <= j < len(chunks) and same_section(chunks[j]) and used + len(chunks[j].text) <= max_chars:
                    used += len(chunks[j].text)
                    lo, hi = min(lo, j), max(hi, j)
                    grown = True
            if not grown:
                return chunks[lo : hi + 1]

    def named_in_documents_about(self, term: str, region: str) -> set[str]:
        """The documents whose own region is ``region`` and whose text contains ``term`` (by
        doc_id): a city's summary that names one of its counties."""
        by_region = self._grouped("region", lambda m: str(m["region"]) if m.get("region") else None)
        return {doc_id for doc_id, text in by_region.get(region, []) if term in text}

    def doc_freq(self, term: str) -> int:
        """Chunks whose text contains ``term`` (substring; cached)."""
        with self._lock:
            if term in self._df:
                return self._df[term]
        low = term.lower()
        n = sum(1 for t in self.texts.values() if low in t.lower()) if low.isascii() else sum(
            1 for t in self.texts.values() if term in t
        )
        with self._lock:
            self._df[term] = n
        return n


def _parent_section(section: Any) -> str:
    """The heading path above a section's own heading ("二、基本原则" for "二、基本原则 > （一）…")."""
    parts = str(section or "").split(" > ")
    return " > ".join(parts[:-1])


class HybridSearcher:
    """Dense + lexical search over a :class:`~vectorstore.base.PolicyStore`.

    ``lexical`` is the store's derived BM25 index (``LexicalIndex``), used through
    ``search(query, k, allowed_ids)``. ``reranker`` is optional (see :func:`make_reranker`).
    """

    def __init__(
        self,
        store: PolicyStore,
        embeddings: Embeddings,
        lexical: KeywordIndex,
        settings: RetrievalSettings,
        *,
        reranker: Reranker | None = None,
    ) -> None:
        self.store = store
        self.embeddings = embeddings
        self.lexical = lexical
        self.settings = settings  # RetrievalSettings
        self.reranker = reranker
        self._catalog: ChunkCatalog | None = None
        self._lock = threading.Lock()

    def catalog(self, generation: str | None = None) -> ChunkCatalog:
        """The chunk catalog, rebuilt when the store's generation changes. A caller that has
        just read the generation passes it (each read is a Chroma round trip)."""
        gen = generation if generation is not None else self.store.generation()
        with self._lock:
            if self._catalog is None or self._catalog.generation != gen:
                self._catalog = ChunkCatalog(self.store, previous=self._catalog)
            return self._catalog

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: SearchFilters | None = None,
        boosts: Boosts | None = None,
        lexical_query: str | None = None,
        generation: str | None = None,
    ) -> list[Hit]:
        """Top ``k`` fused hits, near duplicates collapsed, best first."""
        s = self.settings
        k = int(k or s.k)
        filters = filters or SearchFilters()
        boosts = boosts or Boosts()
        catalog = self.catalog(generation)
        if not len(catalog):
            raise EmptyStoreError(
                "the store holds no documents", "run `policyqa ingest PATH` first"
            )
        allowed = catalog.matching_ids(filters) if filters else None
        if allowed is not None and not allowed:
            return []
        n = max(int(s.candidates), k)

        lex_hits = (
            self.lexical.search(lexical_query or query, n, allowed, generation=catalog.generation)
            if s.lexical_weight > 0 else []
        )
        lexical = {i: float(v) for i, v in lex_hits if i in catalog.texts}
        dense: dict[str, float] = {}
        if s.lexical_weight < 1:
            vec = self.embeddings.embed_query(query)
            for chunk, sim in self.store.dense_search(vec, n, where=filters.where(), generation=catalog.generation):
                dense[chunk.id] = float(sim)
                if chunk.id not in catalog.texts:  # committed after the catalog was read
                    catalog.texts[chunk.id] = chunk.text
                    catalog.meta[chunk.id] = dict(chunk.metadata)

        fused = fuse_scores(dense, lexical, s.lexical_weight, method=s.fusion)
        hits: list[Hit] = []
        for i, parts in fused.items():
            meta, text = catalog.meta.get(i, {}), catalog.texts.get(i, "")
            bonus = boost_for(meta, text, boosts, s.region_boost, s.year_boost)
            scores = dict(parts)
            scores["boost"] = bonus
            hits.append(Hit(i, text, meta, parts["fused"] + bonus, scores))
        hits.sort(key=lambda h: (-h.score, h.id))

        keep = collapse_near_duplicates(
            [h.id for h in hits],
            {h.id: h.text for h in hits},
            s.dedup_threshold,
            limit=max(k, 2 * k if self.reranker else k),
        )
        by_id = {h.id: h for h in hits}
        top = [by_id[i] for i in keep]
        if self.reranker is not None and top:
            top = rerank(self.reranker, query, top)
        return ensure_each_asked(top[:k], hits, boosts, s.dedup_threshold)


def _about(h: Hit, region: str | None = None, year: int | None = None, doc_year: int | None = None) -> bool:
    m = h.metadata
    if region is not None:
        return region in (m.get("region"), m.get("parent_region"), m.get("province"))
    if doc_year is not None:
        return m.get("year") is not None and int(m["year"]) == doc_year
    years = {int(y) for y in (m.get("years") or [])} | ({int(m["year"])} if m.get("year") else set())
    return year in years or f"{year}年" in h.text


def ensure_each_asked(top: list[Hit], ranked: list[Hit], boosts: Boosts, threshold: float) -> list[Hit]:
    """A question naming several regions (阳江和赣榆…) or years (2018年和2019年…) compares
    documents: make sure each one asked about has its best passage in the result, replacing the
    lowest-ranked passages of regions / years already represented."""
    wants: list[tuple[str | None, int | None, int | None]] = []
    if len(boosts.regions) > 1:
        wants += [(r, None, None) for r in boosts.regions]
    if len(boosts.doc_years) > 1:
        wants += [(None, None, y) for y in boosts.doc_years]
    elif 1 < len(boosts.years) <= 4:
        wants += [(None, y, None) for y in boosts.years]
    if not wants or not top:
        return top
    out = list(top)
    for want in wants:
        if any(_about(h, *want) for h in out):
            continue
        best = next((h for h in ranked if _about(h, *want) and h not in out), None)
        if best is None:
            continue
        # replace the lowest passage whose region/year is represented more than once
        for i in range(len(out) - 1, 0, -1):
            others = out[:i] + out[i + 1 :]
            if all(any(_about(h, *w) for h in others) for w in wants if any(_about(h, *w) for h in out)):
                if not any(near_duplicate(bigrams(best.text), bigrams(h.text), threshold) for h in others):
                    out[i] = best
                break
    out.sort(key=lambda h: -h.scores.get("rerank", h.score))
    return out


def rerank(reranker: Reranker, query: str, hits: list[Hit]) -> list[Hit]:
    """Reorder by cross-encoder score (kept in ``scores['rerank']``); the fused score stays."""
    raw = reranker.predict([(query, h.text) for h in hits])
    for h, r in zip(hits, raw, strict=True):
        h.scores["rerank"] = float(r)
    return sorted(hits, key=lambda h: -h.scores["rerank"])


def make_reranker(model: str | None, device: str = "cpu") -> Reranker | None:
    """A sentence-transformers ``CrossEncoder`` when ``model`` is set (name or local path)."""
    if not model:
        return None
    try:
        from sentence_transformers import CrossEncoder
    except ImportError as exc:  # pragma: no cover - sentence-transformers is a dependency
        raise DependencyError(
            "sentence-transformers is not installed", "pip install sentence-transformers"
        ) from exc
    try:
        return CrossEncoder(model, device=device)
    except Exception as exc:  # the model is missing: nothing downloads offline
        raise DependencyError(
            f"cannot load the reranker model {model!r}: {exc}",
            "set POLICYQA_RETRIEVAL__RERANKER_MODEL to a local folder holding a "
            "sentence-transformers CrossEncoder (e.g. bge-reranker-base), or unset it",
        ) from exc


def ids_of(hits: Iterable[Hit]) -> list[str]:
    return [h.id for h in hits]
