"""ChromaStore on a real local Chroma in tmp_path, with hash embeddings (fast, deterministic)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.errors import EmbedderMismatchError, EmptyStoreError
from common.settings import Settings
from ingest.models import Record
from tests.fakes import HashEmbeddings, commit, make_chunks, make_meta
from vectorstore.base import PolicyStore, commit_document
from vectorstore.chroma_store import ChromaStore, doc_key_of, open_store, text_hash


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "store")


@pytest.fixture
def emb() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def store(settings: Settings, emb: HashEmbeddings) -> ChromaStore:
    return open_store(settings, emb, create=True)


A = ["阳江市新增省级孵化器2家。", "高新技术企业达到19家。", "科技创新券补贴企业研发。"]
B = ["中山市专利质押融资贴息。", "科技保险补助比例为50%。"]


def test_implements_protocol_and_records_the_model(store: ChromaStore, emb: HashEmbeddings):
    assert isinstance(store, PolicyStore)
    assert store.embedding_model == emb.model_name
    assert store.embedding_dim == emb.dim


def test_empty_store_is_refused_when_not_creating(settings: Settings, emb: HashEmbeddings):
    with pytest.raises(EmptyStoreError) as err:
        open_store(settings, emb, create=False)
    assert "policyqa ingest" in err.value.hint
    assert not (settings.home / "chroma").exists()  # reading never creates a store
    open_store(settings, emb, create=True)
    with pytest.raises(EmptyStoreError):  # collections exist but nothing was committed
        open_store(settings, emb, create=False)


def test_commit_makes_chunks_visible_with_flat_metadata(store: ChromaStore, emb: HashEmbeddings):
    meta = make_meta("d1", "".join(A))
    commit(store, emb, meta, A)
    docs = store.list_documents()
    assert [d["doc_id"] for d in docs] == ["d1"]
    assert docs[0]["chunk_count"] == 3 and docs[0]["record_count"] == 0
    assert docs[0]["years"] == [2015, 2016] and docs[0]["header"] == {"来源": "阳江市科学技术局"}
    assert docs[0]["parent_region"] is None  # absent in Chroma, None when read back
    chunks = list(store.iter_chunks())
    assert [c.text for c in chunks] == A
    m = chunks[1].metadata
    assert chunks[1].id == f"{doc_key_of(meta)}:1"
    assert m["doc_key"] == doc_key_of(meta) and m["index"] == 1
    assert m["years"] == [2015, 2016] and m["year_min"] == 2015 and m["year_max"] == 2016
    assert m["year"] == 2016 and m["region"] == "阳江市" and m["section"] == "一、总体情况"
    assert "parent_region" not in m  # Chroma stores no None
    assert m["text_hash"] == text_hash(A[1])
    hits = store.dense_search(emb.embed_query(A[1]), k=2)
    assert hits[0][0].text == A[1] and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert store.verify() == []


def test_dense_search_filters(store: ChromaStore, emb: HashEmbeddings):
    commit(store, emb, make_meta("d1", "".join(A)), A)
    commit(store, emb, make_meta("d2", "".join(B), region="中山市", years=[2018, 2019], date="2019-03-22"), B)
    q = emb.embed_query(A[0])
    assert {c.metadata["doc_id"] for c, _ in store.dense_search(q, 10)} == {"d1", "d2"}
    only = store.dense_search(q, 10, where={"region": "中山市"})
    assert {c.metadata["doc_id"] for c, _ in only} == {"d2"}
    by_year = store.dense_search(q, 10, where={"years": {"$contains": 2019}})
    assert {c.metadata["doc_id"] for c, _ in by_year} == {"d2"}


def test_replacing_a_version_removes_the_old_chunks(store: ChromaStore, emb: HashEmbeddings):
    old = make_meta("d1", "".join(A))
    commit(store, emb, old, A)
    gen1 = store.generation()
    new_texts = A[:2] + ["新增内容：孵化器达到7家。", "众创空间3家。"]
    new = make_meta("d1", "".join(new_texts))
    commit(store, emb, new, new_texts)
    assert store.generation() != gen1
    assert [c.text for c in store.iter_chunks()] == new_texts
    assert {c.metadata["doc_key"] for c in store.iter_chunks()} == {doc_key_of(new)}
    assert store.stats()["chunks"] == 4  # the old version is gone, not just hidden
    assert store.list_documents()[0]["chunk_count"] == 4


def test_uncommitted_chunks_are_invisible_and_collected(store: ChromaStore, emb: HashEmbeddings):
    meta = make_meta("d1", "".join(A))
    commit(store, emb, meta, A)
    gen = store.generation()
    # An interrupted update: the new version's chunks are written, the manifest is not.
    new_texts = ["完全不同的新版本内容。", "另一句。"]
    new = make_meta("d1", "".join(new_texts))
    store.stage_chunks(new, make_chunks(new_texts), emb.embed_documents(new_texts))
    # ... and an interrupted first commit of another document.
    other = make_meta("d9", "".join(B))
    store.stage_chunks(other, make_chunks(B), emb.embed_documents(B))
    assert store.stats()["chunks"] == 3 + 2 + 2
    assert [c.text for c in store.iter_chunks()] == A
    assert [d["doc_id"] for d in store.list_documents()] == ["d1"]
    assert store.generation() == gen
    hits = store.dense_search(emb.embed_query(new_texts[0]), k=10)
    assert {c.metadata["doc_key"] for c, _ in hits} == {doc_key_of(meta)}
    leftover_id = f"{doc_key_of(other)}:0"
    assert store.get_chunks([leftover_id, f"{doc_key_of(meta)}:0"])[0].text == A[0]
    assert len(store.get_chunks([leftover_id])) == 0
    assert store.verify() == []
    assert store.collect_garbage() == 4
    assert store.stats()["chunks"] == 3
    assert [c.text for c in store.iter_chunks()] == A


def test_delete_document_and_generation(store: ChromaStore, emb: HashEmbeddings):
    assert store.generation() == "empty"
    commit(store, emb, make_meta("d1", "".join(A)), A)
    g1 = store.generation()
    commit(store, emb, make_meta("d2", "".join(B)), B)
    g2 = store.generation()
    assert len({g1, g2}) == 2
    store.delete_document("d2")
    assert store.generation() == g1
    assert store.get_document("d2") is None
    assert store.stats()["chunks"] == 3
    store.delete_document("d1")
    assert store.generation() == "empty"
    assert store.dense_search(emb.embed_query("孵化器"), 5) == []
    assert list(store.iter_chunks()) == []


def test_get_chunks_keeps_the_requested_order(store: ChromaStore, emb: HashEmbeddings):
    meta = make_meta("d1", "".join(A))
    commit(store, emb, meta, A)
    ids = [f"{doc_key_of(meta)}:{i}" for i in (2, 0, 1)]
    assert [c.text for c in store.get_chunks(ids)] == [A[2], A[0], A[1]]


def test_find_by_content_hash(store: ChromaStore, emb: HashEmbeddings):
    meta = make_meta("d1", "".join(A))
    commit(store, emb, meta, A)
    assert store.find_by_content_hash(meta.content_hash)["doc_id"] == "d1"
    assert store.find_by_content_hash("nope") is None


def test_embeddings_for_texts_returns_stored_vectors(store: ChromaStore, emb: HashEmbeddings):
    vectors = emb.embed_documents(A)
    commit_document(store, make_meta("d1", "".join(A)), make_chunks(A), vectors)
    got = store.embeddings_for_texts([text_hash(A[0]), text_hash(A[2]), text_hash("unknown")])
    assert set(got) == {text_hash(A[0]), text_hash(A[2])}
    assert got[text_hash(A[2])] == pytest.approx(vectors[2], abs=1e-6)


def test_records_are_committed_with_their_document(store: ChromaStore, emb: HashEmbeddings):
    meta = make_meta("d1", "".join(A))
    recs = [
        Record("target", A[0], "一、", 0, 13, {"indicator": "孵化器", "value": 2, "unit": "家"}),
        Record("measure", A[2], "二、", 26, 38, {"measure": "创新券"}),
    ]
    commit(store, emb, meta, A, recs)
    got = store.list_records()
    assert [r.kind for r in got] == ["target", "measure"]
    assert got[0].fields == {"indicator": "孵化器", "value": 2, "unit": "家"}
    assert got[0].source == "d1.txt" and got[0].region == "阳江市" and got[0].year == 2016
    assert [r.kind for r in store.list_records("measure")] == ["measure"]
    # A new version without records drops the old records.
    commit(store, emb, make_meta("d1", "变了"), ["变了。"])
    assert store.list_records() == []
    assert store.stats()["records"] == 0


def test_other_embedder_is_refused(settings: Settings, store: ChromaStore, emb: HashEmbeddings):
    commit(store, emb, make_meta("d1", "".join(A)), A)
    other = HashEmbeddings(dim=32, model_name="test/other-model")
    with pytest.raises(EmbedderMismatchError) as err:
        open_store(settings, other, create=True)
    assert "test/hash-bigrams" in err.value.message and "test/other-model" in err.value.message
    assert "--rebuild" in err.value.hint and "--store" in err.value.hint
    with pytest.raises(EmbedderMismatchError):
        open_store(settings, HashEmbeddings(dim=64, model_name="test/other-model"), create=False)
    # Reading documents needs no embedder at all.
    reader = open_store(settings, None, create=False)
    assert reader.embedding_model == "test/hash-bigrams" and len(reader.list_documents()) == 1


def test_empty_collection_adopts_a_new_embedder(settings: Settings, store: ChromaStore):
    other = HashEmbeddings(dim=32, model_name="test/other-model")
    reopened = open_store(settings, other, create=True)
    assert reopened.embedding_model == "test/other-model" and reopened.embedding_dim == 32


def test_reset_drops_everything(settings: Settings, store: ChromaStore, emb: HashEmbeddings):
    commit(store, emb, make_meta("d1", "".join(A)), A)
    store.reset()
    fresh = open_store(settings, HashEmbeddings(dim=16, model_name="m2"), create=True)
    assert fresh.list_documents() == [] and fresh.stats()["chunks"] == 0


def test_opening_does_not_load_a_model_to_check_it(settings: Settings):
    from vectorstore.embeddings import SentenceTransformerEmbeddings

    name = "/models/not-loaded-here"
    store = open_store(settings, HashEmbeddings(model_name=name), create=True)
    commit(store, HashEmbeddings(model_name=name), make_meta("d1", "".join(A)), A)
    lazy = SentenceTransformerEmbeddings(name)
    reopened = open_store(settings, lazy, create=True)  # loading it would fail: no such folder
    assert lazy.loaded_dim is None and reopened.embedding_dim == 64
    # Vectors of another size are still refused when written.
    with pytest.raises(EmbedderMismatchError):
        reopened.stage_chunks(make_meta("d2", "x"), make_chunks(["x"]), [[0.1] * 32])
