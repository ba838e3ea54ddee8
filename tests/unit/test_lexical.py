"""LexicalIndex over a real local Chroma store: search, filters, following the store, cache."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from common.settings import Settings
from tests.fakes import HashEmbeddings, commit, make_meta
from vectorstore.chroma_store import ChromaStore, doc_key_of, open_store
from vectorstore.lexical import LexicalIndex

YJ = ["阳江市新增省级孵化器2家。", "高新技术企业达到19家。", "2015年专利申请量达1724件。"]
ZS = ["中山市对科技型中小企业发放科技创新券。", "专利质押融资贴息比例为50%。"]
JM = ["江门市到2017年新型研发机构达到10家。", "与浪潮集团合作建设珠西数谷。"]


@pytest.fixture
def emb() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def store(tmp_path: Path, emb: HashEmbeddings) -> ChromaStore:
    s = open_store(Settings(home=tmp_path / "store"), emb, create=True)
    commit(s, emb, make_meta("yj", "".join(YJ)), YJ)
    commit(s, emb, make_meta("zs", "".join(ZS), region="中山市"), ZS)
    return s


def source_of(store: ChromaStore, chunk_id: str) -> str:
    return store.get_chunks([chunk_id])[0].metadata["doc_id"]


def test_search_finds_keywords_and_numbers(store: ChromaStore):
    index = LexicalIndex(store)
    hits = index.search("中山的创新券", k=3)
    assert hits and store.get_chunks([hits[0][0]])[0].text == ZS[0]
    assert hits == sorted(hits, key=lambda h: -h[1])
    assert store.get_chunks([index.search("1724件", k=1)[0][0]])[0].text == YJ[2]
    assert store.get_chunks([index.search("50%", k=1)[0][0]])[0].text == ZS[1]
    assert index.search("", k=3) == [] and index.search("？？", k=3) == []
    assert index.search("深圳量子计算", k=3) == []  # nothing shared: no zero-score filler


def test_allowed_ids_filter_after_scoring(store: ChromaStore):
    index = LexicalIndex(store)
    yj_ids = {c.id for c in store.iter_chunks() if c.metadata["doc_id"] == "yj"}
    # The best match overall is in zs; filtered to yj, the yj chunk still comes back.
    hits = index.search("科技型中小企业 孵化器", k=1, allowed_ids=yj_ids)
    assert [source_of(store, cid) for cid, _ in hits] == ["yj"]
    assert index.search("创新券", k=5, allowed_ids=set()) == []


def test_index_follows_added_updated_and_removed_documents(store: ChromaStore, emb: HashEmbeddings):
    index = LexicalIndex(store)
    assert index.size == 5
    assert index.search("珠西数谷", k=3) == []
    commit(store, emb, make_meta("jm", "".join(JM)), JM)  # added
    assert index.size == 7
    assert source_of(store, index.search("珠西数谷", k=1)[0][0]) == "jm"
    new_yj = ["阳江市新增众创空间3家。"]
    commit(store, emb, make_meta("yj", "".join(new_yj)), new_yj)  # updated
    assert index.search("1724", k=3) == []
    hit = index.search("众创空间", k=1)[0][0]
    assert hit.startswith(doc_key_of(make_meta("yj", "".join(new_yj))))
    store.delete_document("zs")  # removed
    assert index.search("创新券", k=3) == []
    assert index.size == 3
    assert index.builds == 4


def test_segments_on_disk_are_shared_and_pruned(store: ChromaStore, emb: HashEmbeddings):
    first = LexicalIndex(store)
    first.search("孵化器", k=1)
    assert first.segments_built == 2
    segments = store.home / "lexical" / "segments"
    assert len(list(segments.glob("*.json"))) == 2
    second = LexicalIndex(store)  # another process: reads the segments, tokenizes nothing
    assert second.search("孵化器", k=3) == first.search("孵化器", k=3)
    assert second.segments_built == 0 and second.cache_loads == 2
    store.delete_document("zs")
    second.search("孵化器", k=1)
    assert len(list(segments.glob("*.json"))) == 1  # the removed document's segment is gone


def test_damaged_cache_is_rebuilt(store: ChromaStore):
    LexicalIndex(store).search("孵化器", k=1)
    for f in (store.home / "lexical" / "segments").glob("*.json"):
        f.write_text("{junk", "utf-8")
    index = LexicalIndex(store)
    assert index.search("孵化器", k=1)
    assert index.segments_built == 2

def test_empty_store(tmp_path: Path, emb: HashEmbeddings):
    s = open_store(Settings(home=tmp_path / "s"), emb, create=True)
    assert LexicalIndex(s).search("孵化器", k=5) == []


def test_concurrent_readers_agree(store: ChromaStore):
    index = LexicalIndex(store)
    queries = ["孵化器", "创新券", "1724", "50%", "高新技术企业"] * 8
    expected = [index.search(q, k=3) for q in queries]
    fresh = LexicalIndex(store)  # concurrent first use: one build, same answers
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: fresh.search(q, k=3), queries))
    assert got == expected
    assert fresh.builds == 1 and fresh.segments_built == 0  # one build, from the cached segments


def test_a_caller_may_pass_the_generation_it_read(store: ChromaStore, emb: HashEmbeddings):
    index = LexicalIndex(store)
    gen = store.generation()
    assert index.search("孵化器", k=1, generation=gen) == index.search("孵化器", k=1)
    commit(store, emb, make_meta("jm", "".join(JM)), JM)
    assert index.search("珠西数谷", k=1, generation=gen) == []  # the caller's (older) view
    assert index.search("珠西数谷", k=1, generation=store.generation())


QUERIES = ["中山的创新券", "孵化器", "1724件", "新型研发机构 浪潮", "专利 高新技术企业", "50%", "珠西数谷"]


def _all_hits(index: LexicalIndex) -> list:
    return [index.search(q, k=10) for q in QUERIES]


def test_incremental_updates_give_the_full_rebuilds_results(store: ChromaStore, emb: HashEmbeddings, tmp_path):
    """Adding, replacing and removing one document re-tokenizes only that document, and every
    search gives exactly what an index built from scratch gives (scores included)."""
    index = LexicalIndex(store, cache_dir=tmp_path / "lex")
    _all_hits(index)
    assert index.segments_built == 2
    steps = [
        lambda: commit(store, emb, make_meta("jm", "".join(JM), region="江门市"), JM),  # add
        lambda: commit(store, emb, make_meta("zs", "改" + "".join(ZS), region="中山市"),  # replace
                       ["中山市对科技型中小企业发放科技创新券1000万元。", ZS[1]]),
        lambda: store.delete_document("yj"),  # remove
    ]
    for n, step in enumerate(steps):
        built = index.segments_built
        step()
        got = _all_hits(index)
        assert index.segments_built - built == (0 if n == 2 else 1)  # only the changed document
        fresh = LexicalIndex(store, cache_dir=tmp_path / f"empty{n}")  # from scratch
        assert got == _all_hits(fresh), n
        assert fresh.segments_built == len(store.list_documents())


def test_another_process_reuses_the_cached_segments(store: ChromaStore, emb: HashEmbeddings, tmp_path):
    LexicalIndex(store, cache_dir=tmp_path / "lex").search("孵化器", k=1)
    commit(store, emb, make_meta("jm", "".join(JM), region="江门市"), JM)
    other = LexicalIndex(store, cache_dir=tmp_path / "lex")  # a second process, after the change
    assert other.search("珠西数谷", k=1)
    assert other.segments_built == 1  # yj and zs came from the segment cache, jm was new


def test_scores_are_bit_identical_to_bm25s_over_the_same_tokens():
    """The segmented BM25 against the library it replaced (bm25s, Lucene variant), as an
    independent oracle: same tokens in, same float32 scores out, however the corpus is split."""
    import bm25s
    import numpy as np

    from vectorstore.bm25 import Segment, SegmentedBM25
    from vectorstore.tokenize import tokenize

    docs = [YJ, ZS, JM, ["科技创新券 科技创新券 专利", "孵化器 孵化器 孵化器 新型研发机构"], ["空"]]
    tokens = [[tokenize(t) for t in d] for d in docs]
    flat = [t for d in tokens for t in d]
    ref = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    ref.index(flat, show_progress=False)
    segments = [Segment.of([f"d{i}:{j}" for j in range(len(d))], d) for i, d in enumerate(tokens)]
    ours = SegmentedBM25(segments)
    one = SegmentedBM25([Segment.of([f"x{j}" for j in range(len(flat))], flat)])
    for query in ["孵化器", "科技创新券 专利 专利", "新型研发机构 浪潮 1724件", "高新技术企业 19家"]:
        q = tokenize(query)
        want = np.asarray(ref.get_scores(q), dtype=np.float32)
        assert np.array_equal(ours.get_scores(q), want), query
        assert np.array_equal(one.get_scores(q), want), query
