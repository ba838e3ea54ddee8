"""Baselines (naive Chatchat-style RAG with its cached Chroma index, BM25 only) and the
PolicyQA adapter, with hash embeddings and a real local Chroma in a temp dir."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.eval.answerers import PolicyQAAnswerer
from assistant.eval.baselines import (
    NAIVE_CHUNK_OVERLAP,
    NAIVE_CHUNK_SIZE,
    Bm25Answerer,
    NaiveAnswerer,
    NaiveIndex,
    SourceFile,
    parse_baselines,
    split_naive,
    store_chunks,
    store_files,
)
from common.errors import ConfigError, StoreError
from tests.fakes import HashEmbeddings

SENT = "阳江市2015年专利申请量达1724件，同比增长25.56%。"


def bigrams(text: str) -> list[str]:
    t = "".join(text.split())
    return [t[i : i + 2] for i in range(len(t) - 1)]


def test_parse_baselines():
    assert parse_baselines("naive, bm25,naive") == ["naive", "bm25"]
    assert parse_baselines("") == []
    with pytest.raises(ConfigError, match="unknown baseline 'bm52'"):
        parse_baselines("naive,bm52")


def test_split_naive_uses_chatchat_sizes_and_sentence_ends():
    text = "\n".join(f"第{i}条。" + SENT * 6 for i in range(12))
    chunks = split_naive(text)
    assert len(chunks) > 3
    assert all(len(c) <= NAIVE_CHUNK_SIZE for c in chunks)
    assert max(len(c) for c in chunks) > NAIVE_CHUNK_SIZE * 0.6  # it packs, it does not split per line
    # Neighbouring chunks overlap (up to 150 characters), and separators stay at the piece's end.
    overlaps = [len(set(a[-NAIVE_CHUNK_OVERLAP:]) & set(b[:NAIVE_CHUNK_OVERLAP])) for a, b in zip(chunks, chunks[1:])]
    assert any(o > 0 for o in overlaps)
    assert all(not c.startswith("。") for c in chunks)
    # A text with no separators at all still obeys the size limit.
    assert all(len(c) <= NAIVE_CHUNK_SIZE for c in split_naive("字" * 5000))


@pytest.fixture
def corpus(tmp_path: Path) -> list[SourceFile]:
    a = tmp_path / "docs" / "a.txt"
    b = tmp_path / "docs" / "b.txt"
    a.parent.mkdir()
    # ~10 chunks each: more than one embedding batch of 16 in all
    a.write_text(("江门到2017年高新技术企业达到250家以上。" * 30 + "\n") * 10, encoding="utf-8")
    b.write_text(("中山对专利质押融资的利息分别补贴支出费用的50%。" * 30 + "\n") * 10, encoding="utf-8")
    return [SourceFile("a.txt", a), SourceFile("b.txt", b)]


def test_naive_index_is_built_once_and_reused(tmp_path, corpus):
    emb = HashEmbeddings()
    idx = NaiveIndex(tmp_path / "chroma", corpus, emb)
    idx.ensure()
    assert idx.embedded == idx.chunks > 0 and emb.documents_embedded == idx.chunks
    hits = idx.search("专利质押融资补贴多少", 3)
    assert hits and hits[0].source == "b.txt"

    emb2 = HashEmbeddings()
    again = NaiveIndex(tmp_path / "chroma", corpus, emb2)
    again.ensure()
    assert again.embedded == 0 and emb2.documents_embedded == 0  # the cache was used
    assert again.collection_name() == idx.collection_name()

    # A changed file, or other chunk sizes, or another embedder: another key, a rebuild.
    corpus[0].path.write_text("全新的内容。" * 50, encoding="utf-8")
    changed = NaiveIndex(tmp_path / "chroma", corpus, HashEmbeddings())
    assert changed.collection_name() != idx.collection_name()
    changed.ensure()
    assert changed.embedded > 0
    names = {c.name for c in changed._client().list_collections()}
    assert names == {changed.collection_name()}  # the stale index was removed
    assert NaiveIndex(tmp_path / "x", corpus, emb, chunk_size=300).key() != changed.key()
    assert NaiveIndex(tmp_path / "x", corpus, HashEmbeddings(model_name="other")).key() != changed.key()


def test_naive_index_rebuilds_an_interrupted_build(tmp_path, corpus, monkeypatch):
    idx = NaiveIndex(tmp_path / "chroma", corpus, HashEmbeddings())
    calls = {"n": 0}
    real = HashEmbeddings.embed_documents

    def dies_after_first_batch(self, texts):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, texts)

    monkeypatch.setattr(HashEmbeddings, "embed_documents", dies_after_first_batch)
    with pytest.raises(KeyboardInterrupt):
        idx.ensure()
    monkeypatch.setattr(HashEmbeddings, "embed_documents", real)
    retry = NaiveIndex(tmp_path / "chroma", corpus, HashEmbeddings())
    retry.ensure()
    assert retry.embedded == retry.chunks  # rebuilt from scratch, not reused half-done


def test_naive_answerer_answers_with_top3_joined(tmp_path, corpus):
    idx = NaiveIndex(tmp_path / "chroma", corpus, HashEmbeddings())
    att = NaiveAnswerer(idx).answer("江门高新技术企业目标", k=5, depth=10, filters={}, history=[])
    assert len(att.cited) == 3 and not att.abstained
    assert att.answer == "\n\n".join(p.text for p in att.cited)
    assert len(att.ranked) == min(10, idx.chunks)
    assert NaiveAnswerer(idx).describe()["chunk_size"] == 750


def test_missing_files_are_reported_not_fatal(tmp_path, corpus):
    unreadable = tmp_path / "bad.txt"
    unreadable.write_bytes(b"\xff\xfe\x00 not utf-8 \x81")
    copy = tmp_path / "copy_of_a.txt"
    copy.write_bytes(corpus[0].path.read_bytes())  # same bytes, another document
    files = [*corpus, SourceFile("gone.txt", tmp_path / "gone.txt"), SourceFile("bad.txt", unreadable),
             SourceFile("copy.txt", copy)]  # fmt: skip
    idx = NaiveIndex(tmp_path / "chroma", files, HashEmbeddings())
    idx.ensure()
    assert sorted(idx.missing) == ["bad.txt", "gone.txt"] and idx.chunks > 0
    with pytest.raises(StoreError, match="no text"):
        NaiveIndex(tmp_path / "c2", [SourceFile("gone.txt", tmp_path / "gone.txt")], HashEmbeddings()).ensure()


def test_bm25_ranks_by_shared_terms_and_answers_top_k():
    chunks = [
        ("a.txt", "江门到2017年高新技术企业达到250家以上"),
        ("b.txt", "中山对专利质押融资补贴支出费用的50%"),
        ("c.txt", "赣榆2015年专利授权697件"),
    ]
    bm = Bm25Answerer(chunks, tokenize=bigrams)
    att = bm.answer("专利质押融资补贴多少", k=2, depth=10, filters={}, history=[])
    assert att.ranked[0].source == "b.txt"
    assert len(att.cited) <= 2 and att.answer.startswith("中山对专利质押融资")
    assert bm.search("完全无关的问题", 5) == [] or all(p.score > 0 for p in bm.search("完全无关的问题", 5))
    assert bm.search("", 5) == []
    with pytest.raises(StoreError, match="no chunks"):
        Bm25Answerer([], tokenize=bigrams)


def test_store_helpers_read_the_store_protocol(tmp_path):
    store = SimpleNamespace(
        list_documents=lambda: [{"source": "a.txt", "path": str(tmp_path / "a.txt")}, {"source": None}],
        iter_chunks=lambda: iter([SimpleNamespace(text="t", metadata={"source": "a.txt"})]),
    )
    assert store_files(store) == [SourceFile("a.txt", tmp_path / "a.txt")]
    assert store_chunks(store) == [("a.txt", "t")]


class FakeQA:
    """ask/retrieve like assistant.pipeline.QAService, recording the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def _p(self, i: int):
        return SimpleNamespace(source=f"{i}.txt", text=f"passage {i}", section="", score=1.0 / (i + 1))

    def ask(self, question, *, region=None, year=None, doc=None, k=None, history=None):
        self.calls.append(("ask", question, k, region, history))
        ps = [self._p(i) for i in range(k)]
        return SimpleNamespace(
            answer=f"answer to {question}",
            abstained=False,
            passages=ps,
            citations=[SimpleNamespace(passage=ps[0])],
            resolved_question=f"resolved {question}" if history else None,
        )

    def retrieve(self, question, *, region=None, year=None, doc=None, k=None):
        self.calls.append(("retrieve", question, k, region, None))
        return [self._p(i) for i in range(k)]


def test_policyqa_adapter_answers_with_k_and_ranks_with_depth():
    qa = FakeQA()
    ad = PolicyQAAnswerer(qa)
    first = ad.answer("阳江有多少高企？", k=5, depth=10, filters={"region": "阳江市"}, history=[])
    assert qa.calls[0] == ("ask", "阳江有多少高企？", 5, "阳江市", None)
    assert qa.calls[1][:3] == ("retrieve", "阳江有多少高企？", 10)
    assert len(first.ranked) == 10 and len(first.answer_passages) == 5 and first.cited[0].source == "0.txt"
    follow = ad.answer("那2022年呢？", k=5, depth=10, filters={}, history=[("阳江有多少高企？", first)])
    ask_call = qa.calls[2]
    assert ask_call[4] == [("阳江有多少高企？", first.raw)]  # history as (question, Answer)
    assert qa.calls[3][1] == "resolved 那2022年呢？"  # ranked in its standalone form
    assert follow.resolved_question == "resolved 那2022年呢？"
    qa.calls.clear()
    ad.answer("x", k=10, depth=10, filters={}, history=[])
    assert [c[0] for c in qa.calls] == ["ask"]  # no second call when k already reaches the depth
