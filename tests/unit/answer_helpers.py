"""Shared stand-ins for the answering unit tests: a tiny gazetteer, a coverage, passages.

The real gazetteer is ``ingest.regions`` (tested with ingest); these tests exercise the
answering logic with a fixed, readable one.
"""

from __future__ import annotations

from typing import Any

from assistant.models import Passage
from assistant.query import CorpusCoverage, analyze
from vectorstore import memory_chroma
from vectorstore.base import StoredChunk
from vectorstore.hybrid import bigrams

NAMES = {
    "阳江": "阳江市", "阳江市": "阳江市", "中山": "中山市", "中山市": "中山市", "江门": "江门市",
    "江门市": "江门市", "赣榆": "赣榆区", "赣榆区": "赣榆区", "连云港": "连云港市",
    "深圳": "深圳市", "深圳市": "深圳市", "东莞": "东莞市", "广东": "广东省", "湖北": "湖北省",
    "四川": "四川省", "江苏": "江苏省", "浙江": "浙江省",
}  # fmt: skip


def regions(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for surface in sorted(NAMES, key=len, reverse=True):
        if surface in text and not any(surface in s for _, s in found):
            found.append((NAMES[surface], surface))
    return sorted(found, key=lambda x: text.index(x[1]))


COVERAGE = CorpusCoverage.from_documents(
    [
        {"region": "阳江市", "province": "广东省", "years": [2015, 2016], "date": "2016-04-25"},
        {"region": "江门市", "province": "广东省", "years": [2015, 2016, 2017], "date": "2015-12-07"},
        {"region": "阳江市", "province": "广东省", "years": [2022]},
        {"region": "赣榆区", "parent_region": "连云港市", "province": "江苏省", "years": [2015, 2016]},
        {"region": "中山市", "province": "广东省", "years": [2018, 2019], "date": "2019-03-22"},
        {"region": "湖北省", "years": [2024, 2025], "date": "2025-01-20"},
        {"region": "四川省", "years": [2024, 2025], "date": "2025-01-20"},
        {"region": "江苏省", "years": [2024, 2025], "date": "2025-01-20"},
        {"region": "浙江省", "years": [2024, 2025], "date": "2025-01-20"},
    ]
)


def ask(question: str, **kw: Any):
    """analyze() with the test gazetteer and coverage."""
    kw.setdefault("normalize_region", lambda r: NAMES.get(r, r))
    kw.setdefault("find_regions", regions)
    return analyze(question, coverage=COVERAGE, **kw)


DOCS = {
    "yj": dict(source="000_6815dfeab2db1bf2.txt", title="阳江市科技创新工作情况", region="阳江市",
               province="广东省", issuer="阳江市科学技术局", date="2016-04-25", year=2016,
               years=[2015, 2016], doc_id="d0"),
    "jm": dict(source="001_36a689d0a3f137d4.txt", title="江门市加快推进创新驱动发展重点工作方案（2015-2017年）",
               region="江门市", province="广东省", issuer="江门市科学技术局", date="2015-12-07",
               year=2015, years=[2015, 2016, 2017], doc_id="d1"),
    "gy": dict(source="003_9713f358d5aa3b1f.txt", title="2015年工作总结和2016年工作计划", region="赣榆区",
               parent_region="连云港市", province="江苏省", issuer="科学技术局", date="2015-12-08",
               year=2015, years=[2015, 2016], doc_id="d3"),
    "zs": dict(source="004_4757f8428a5e4ec7.txt", title="中山市科学技术局2018年工作总结及2019年工作计划",
               region="中山市", province="广东省", issuer="中山市科学技术局", date="2019-03-22",
               year=2019, years=[2018, 2019], doc_id="d4"),
}  # fmt: skip


def passage(doc: str, text: str, *, score: float = 1.0, section: str = "", n: int = 0, dense: float = 0.85) -> Passage:
    return Passage(
        chunk_id=f"{doc}-{n}", text=text, score=score, section=section, start=100 * n,
        end=100 * n + len(text), scores={"dense": dense}, **DOCS[doc],
    )


# --- store stand-ins for searcher / pipeline unit tests -------------------------------------


class MemoryStore:
    """Just what HybridSearcher reads from a PolicyStore, over a fixed list of chunks whose ids
    the tests name (the real store on its memory backend picks its own ids)."""

    def __init__(self, chunks: list[StoredChunk], embeddings: Any) -> None:
        self.chunks = chunks
        self.vectors = {c.id: embeddings.embed_documents([c.text])[0] for c in chunks}
        self.gen = 1
        self.wheres: list[Any] = []

    def generation(self) -> str:
        return str(self.gen)

    def iter_chunks(self):
        return iter(self.chunks)

    def committed_versions(self) -> list[tuple[str, str, str]]:
        doc_ids = sorted({str(c.metadata["doc_id"]) for c in self.chunks})
        return [(d, d, f"{d}|{self.gen}") for d in doc_ids]

    def document_chunks(self, doc_key: str) -> list[StoredChunk]:
        return [c for c in self.chunks if c.metadata["doc_id"] == doc_key]

    def list_documents(self) -> list[dict[str, Any]]:
        docs: dict[str, dict[str, Any]] = {}
        for c in self.chunks:
            docs.setdefault(c.metadata["doc_id"], dict(c.metadata))
        return list(docs.values())

    def dense_search(self, vec, k, where=None, *, generation=None):
        self.wheres.append(where)
        # The where-clause is read by the memory client's own interpreter of Chroma's language
        # (checked against real Chroma in tests/contract/test_where_semantics.py), not by the
        # SearchFilters that wrote it.
        allowed = [c for c in self.chunks if memory_chroma.matches(where, c.metadata)]
        sims = [(c, sum(a * b for a, b in zip(vec, self.vectors[c.id]))) for c in allowed]
        return sorted(sims, key=lambda x: -x[1])[:k]


class SubstringLexical:
    """Counts query characters' bigrams in a chunk: a monotone stand-in for BM25."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.calls: list[tuple[str, int, set[str] | None]] = []

    def search(self, query: str, k: int, allowed_ids: set[str] | None = None, *, generation: str | None = None):
        self.calls.append((query, k, allowed_ids))
        q = bigrams(query)
        out = []
        for c in self.store.chunks:
            if allowed_ids is not None and c.id not in allowed_ids:
                continue
            score = float(len(q & bigrams(c.text)))
            if score > 0:
                out.append((c.id, score))
        return sorted(out, key=lambda x: -x[1])[:k]
