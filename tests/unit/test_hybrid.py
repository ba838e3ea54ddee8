"""Fusion maths, near-duplicate collapsing, filters and the hybrid searcher (no model, no Chroma).

The searcher runs over a small in-memory store and a substring "BM25" written here: both are
test stand-ins for ChromaStore / LexicalIndex, exercising the searcher's own logic (fusion,
filters on both sides, boosts, dedup, rerank).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from assistant.retrieval import PolicyRetriever, document_from_passage, passage_from_document
from common.errors import EmptyStoreError
from common.settings import RetrievalSettings
from tests.fakes import HashEmbeddings
from tests.unit.answer_helpers import MemoryStore, SubstringLexical
from vectorstore.base import StoredChunk
from vectorstore.hybrid import (
    Boosts,
    HybridSearcher,
    SearchFilters,
    bigrams,
    boost_for,
    collapse_near_duplicates,
    fuse_scores,
    minmax,
    near_duplicate,
    scale_by_max,
)

# --- maths --------------------------------------------------------------------------------


def test_minmax_and_scale_by_max() -> None:
    assert minmax({"a": 0.8, "b": 0.9, "c": 0.85}) == pytest.approx({"a": 0.0, "b": 1.0, "c": 0.5})
    assert minmax({"a": 0.5}) == {"a": 1.0}
    assert minmax({}) == {}
    assert scale_by_max({"a": 10.0, "b": 2.5}) == {"a": 1.0, "b": 0.25}
    assert scale_by_max({"a": 0.0}) == {"a": 0.0}


def test_score_fusion_weights_each_side() -> None:
    dense = {"d1": 0.90, "both": 0.85, "d2": 0.80}
    lexical = {"both": 8.0, "l1": 10.0}
    fused = fuse_scores(dense, lexical, 0.7)
    # both: 0.7 * 0.8 + 0.3 * 0.5 = 0.71 ; l1: 0.7 * 1.0 + 0 = 0.7 ; d1: 0.3 * 1.0 = 0.3
    assert fused["both"]["fused"] == pytest.approx(0.71)
    assert fused["l1"]["fused"] == pytest.approx(0.70)
    assert fused["d1"]["fused"] == pytest.approx(0.30)
    assert fused["d2"]["fused"] == pytest.approx(0.0)
    # raw component scores are kept for eval and debugging
    assert fused["both"]["dense"] == 0.85 and fused["both"]["lexical"] == 8.0
    # weight 1.0 is BM25 alone, 0.0 dense alone
    only_lex = fuse_scores(dense, lexical, 1.0)
    assert max(only_lex, key=lambda i: only_lex[i]["fused"]) == "l1"
    only_dense = fuse_scores(dense, lexical, 0.0)
    assert max(only_dense, key=lambda i: only_dense[i]["fused"]) == "d1"


def test_weighted_rrf() -> None:
    dense = {"a": 0.9, "b": 0.8}
    lexical = {"b": 5.0, "a": 1.0}
    fused = fuse_scores(dense, lexical, 0.5, method="rrf", rrf_k=60)
    assert fused["a"]["fused"] == pytest.approx(fused["b"]["fused"])  # symmetric ranks
    fused = fuse_scores(dense, lexical, 0.9, method="rrf", rrf_k=60)
    assert fused["b"]["fused"] > fused["a"]["fused"]  # lexical side dominates
    top = fuse_scores({"x": 1.0}, {"x": 1.0}, 0.3, method="rrf")
    assert top["x"]["fused"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fuse_scores(dense, lexical, 0.5, method="max")


def test_near_duplicates_collapse_in_rank_order() -> None:
    s = "2015年全市专利申请量达1724件，同比增长25.56%，其中发明专利76件。"
    texts = {
        "a": s,
        "b": "转载：" + s,  # the same sentence in a reposted document
        "c": s[:20],  # a chunk wholly inside another (overlap)
        "d": "江门到2017年全市高新技术企业达到250家以上。",
    }
    assert near_duplicate(bigrams(texts["a"]), bigrams(texts["b"]), 0.9)
    assert not near_duplicate(bigrams(texts["a"]), bigrams(texts["d"]), 0.9)
    assert collapse_near_duplicates(["a", "b", "c", "d"], texts, 0.9) == ["a", "d"]
    assert collapse_near_duplicates(["d", "b", "a"], texts, 0.9) == ["d", "b"]
    assert collapse_near_duplicates(["a", "b", "c", "d"], texts, 0.9, limit=1) == ["a"]


# --- filters and boosts -------------------------------------------------------------------

META = {
    "yj": {"region": "阳江市", "province": "广东省", "years": [2015, 2016], "year": 2016,
           "doc_id": "d0", "source": "000.txt"},
    "gy": {"region": "赣榆区", "parent_region": "连云港市", "province": "江苏省",
           "years": [2015, 2016], "year": 2015, "doc_id": "d3", "source": "003.txt"},
    "zs": {"region": "中山市", "province": "广东省", "years": [2018, 2019], "year": 2019,
           "doc_id": "d4", "source": "004.txt"},
}  # fmt: skip


def test_filters_select_by_hand_listed_expectations() -> None:
    """Which documents a filter keeps, written out by hand; that Chroma's where-clause selects
    the same chunks as this predicate is tests/contract/test_where_semantics.py's property."""
    f = SearchFilters(region="连云港市", year=2016)
    assert [k for k, m in META.items() if f.matches(m)] == ["gy"]
    assert [k for k, m in META.items() if SearchFilters(region="广东省").matches(m)] == ["yj", "zs"]
    assert [k for k, m in META.items() if SearchFilters(year=2019).matches(m)] == ["zs"]
    assert [k for k, m in META.items() if SearchFilters(doc="000.txt").matches(m)] == ["yj"]
    assert SearchFilters().where() is None and not SearchFilters()


def test_boosts_region_and_year() -> None:
    b = Boosts(regions=("阳江市",), years=(2017,))
    assert boost_for(META["yj"], "至2017年底，推动建立省级孵化器3个", b, 0.15, 0.08) == pytest.approx(0.23)
    assert boost_for(META["yj"], "no year here", b, 0.15, 0.08) == pytest.approx(0.15)
    assert boost_for(META["zs"], "no year here", b, 0.15, 0.08) == 0.0
    assert boost_for(META["gy"], "x", Boosts(regions=("连云港市",)), 0.15, 0.08) == pytest.approx(0.15)


# --- the searcher over in-memory stand-ins ------------------------------------------------


def _chunk(cid: str, text: str, key: str, **extra: Any) -> StoredChunk:
    meta = dict(META[key], title=f"title {key}", section="一、", start=0, end=len(text), **extra)
    return StoredChunk(cid, text, meta)


@pytest.fixture()
def searcher() -> HybridSearcher:
    emb = HashEmbeddings()
    chunks = [
        _chunk("yj-1", "2015年全市专利申请量达1724件，同比增长25.56%，其中发明专利76件。", "yj"),
        _chunk("yj-2", "至2017年底，要推动建立省级孵化器3个，省众创空间2个。", "yj"),
        _chunk("gy-1", "全年专利授权697件，其中，发明专利授权36件。", "gy"),
        _chunk("gy-2", "发放“苏科贷”贷款1000万元。", "gy"),
        _chunk("zs-1", "2018年全市发明专利申请量8165件，同比增长5%。", "zs"),
        _chunk("zs-2", "转载：2018年全市发明专利申请量8165件，同比增长5%。", "zs"),
    ]
    store = MemoryStore(chunks, emb)
    return HybridSearcher(store, emb, SubstringLexical(store), RetrievalSettings())


def test_search_ranks_fuses_and_collapses(searcher: HybridSearcher) -> None:
    hits = searcher.search("发明专利申请量", k=5)
    ids = [h.id for h in hits]
    assert ids[0] in ("zs-1", "yj-1")
    assert not {"zs-1", "zs-2"} <= set(ids), "the reposted duplicate must be collapsed"
    for h in hits:
        assert {"dense", "lexical", "boost", "fused"} <= set(h.scores)
        assert h.score == pytest.approx(h.scores["fused"] + h.scores["boost"])
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_explicit_filter_applies_to_both_sides(searcher: HybridSearcher) -> None:
    hits = searcher.search("专利", k=5, filters=SearchFilters(region="连云港市"))
    assert {h.id for h in hits} <= {"gy-1", "gy-2"} and hits
    _, _, allowed = searcher.lexical.calls[-1]
    assert allowed == {"gy-1", "gy-2"}
    assert searcher.store.wheres[-1] == SearchFilters(region="连云港市").where()
    # a filter nothing matches returns nothing (and does not search)
    assert searcher.search("专利", filters=SearchFilters(region="深圳市")) == []


def test_inferred_region_only_boosts(searcher: HybridSearcher) -> None:
    plain = searcher.search("专利授权", k=6)
    boosted = searcher.search("专利授权", k=6, boosts=Boosts(regions=("阳江市",)))
    assert {h.id for h in boosted} == {h.id for h in plain}, "a boost never removes passages"
    assert searcher.store.wheres[-1] is None
    rank = lambda hs, i: [h.id for h in hs].index(i)  # noqa: E731
    assert rank(boosted, "yj-1") <= rank(plain, "yj-1")
    assert next(h for h in boosted if h.id == "yj-1").scores["boost"] == pytest.approx(0.15)


def test_reranker_reorders_top_hits(searcher: HybridSearcher) -> None:
    class FakeCrossEncoder:
        """Scores a pair by whether the passage mentions 苏科贷: deterministic, tiny."""

        def __init__(self) -> None:
            self.pairs: list[tuple[str, str]] = []

        def predict(self, pairs, **kwargs):
            self.pairs.extend(pairs)
            return [1.0 if "苏科贷" in p else 0.0 for _, p in pairs]

    ce = FakeCrossEncoder()
    searcher.reranker = ce
    hits = searcher.search("专利 贷款", k=3)
    assert hits[0].id == "gy-2" and hits[0].scores["rerank"] == 1.0
    assert ce.pairs and all(q == "专利 贷款" for q, _ in ce.pairs)


def test_empty_store_raises_with_hint() -> None:
    emb = HashEmbeddings()
    store = MemoryStore([], emb)
    s = HybridSearcher(store, emb, SubstringLexical(store), RetrievalSettings())
    with pytest.raises(EmptyStoreError) as err:
        s.search("专利")
    assert "policyqa ingest" in err.value.hint


def test_catalog_follows_store_generation(searcher: HybridSearcher) -> None:
    cat = searcher.catalog()
    assert searcher.catalog() is cat
    searcher.store.chunks.append(_chunk("zs-3", "科技贷款累计突破60亿元。", "zs"))
    searcher.store.gen += 1
    assert "zs-3" in searcher.catalog().texts
    assert searcher.catalog().doc_freq("专利") == 4  # yj-1, gy-1, zs-1, zs-2


def test_retriever_returns_documents_with_metadata(searcher: HybridSearcher) -> None:
    retriever = PolicyRetriever(searcher=searcher, k=2)
    docs = retriever.invoke("苏科贷贷款", filters=SearchFilters(region="赣榆区"))
    assert len(docs) <= 2 and docs[0].metadata["chunk_id"] == "gy-2"
    p = passage_from_document(docs[0])
    assert (p.source, p.region, p.parent_region, p.years) == ("003.txt", "赣榆区", "连云港市", [2015, 2016])
    assert p.text == "发放“苏科贷”贷款1000万元。" and math.isfinite(p.score)
    back = passage_from_document(document_from_passage(p))
    assert back == p


def test_each_region_asked_about_is_represented(searcher: HybridSearcher) -> None:
    # "阳江和赣榆的发明专利申请量": the plain ranking has no 赣榆 passage in its top 2.
    boosts = Boosts(regions=("阳江市", "赣榆区"))

    plain = [h.id for h in searcher.search("发明专利申请量", k=2, boosts=Boosts(regions=("阳江市",)))]
    assert "gy-1" not in plain
    hits = searcher.search("发明专利申请量", k=2, boosts=boosts)
    assert {h.metadata["region"] for h in hits} == {"阳江市", "赣榆区"}
    assert hits[0].id == "yj-1"
    # years the same way: 2018 (中山) next to a 2015 passage
    hits = searcher.search("发明专利申请量", k=2, boosts=Boosts(years=(2015, 2018)))
    assert {"yj-1", "zs-1"} <= {h.id for h in hits}


def test_section_around_gives_the_sibling_chunks_under_one_heading() -> None:
    """A section the chunking split item by item ("二、基本原则 > （一）…", "… > （二）…") comes
    back whole around any of its chunks; the next section (三、) and a top-level chunk's
    neighbours of other sections do not."""
    emb = HashEmbeddings()
    rows = [
        ("一、指导思想", "一、指导思想\n以科学发展观为指导。"),
        ("二、基本原则 > （一）坚持政府推动", "二、基本原则\n(一)坚持政府推动与市场导向相结合。既要加强。"),
        ("二、基本原则 > （二）坚持突出重点", "(二)坚持突出重点与统筹兼顾相结合。既要突出。"),
        ("二、基本原则 > （三）坚持支撑发展", "(三)坚持支撑发展与提升能力相结合。"),
        ("三、主要任务", "三、主要任务\n建设平台。"),
        ("三、主要任务", "培育企业。"),
    ]
    chunks = [StoredChunk(f"yj-{i}", text, dict(META["yj"], title="t", section=section, start=i * 100,
                                                 end=i * 100 + len(text), index=i))
              for i, (section, text) in enumerate(rows)]
    store = MemoryStore(chunks, emb)
    catalog = HybridSearcher(store, emb, SubstringLexical(store), RetrievalSettings()).catalog()
    assert [c.id for c in catalog.section_around("yj-2")] == ["yj-1", "yj-2", "yj-3"]
    assert [c.id for c in catalog.section_around("yj-2", max_chars=60)] == ["yj-1", "yj-2"]
    assert [c.id for c in catalog.section_around("yj-4")] == ["yj-4", "yj-5"]  # one section, two chunks
    assert [c.id for c in catalog.section_around("yj-0")] == ["yj-0"]
    assert catalog.section_around("nope") == []
    assert [c.id for c in catalog.document_around("yj-3")] == [f"yj-{i}" for i in range(6)]
    assert catalog.document_around("nope") == []
