"""The store contract (vectorstore/base.py ``PolicyStore``), case by case, on every store.

Each case runs on embedded Chroma, a real Chroma server and the in-memory client, the way
langchain's standard vector-store tests run one suite over every integration: a store that
passes here can stand in for another. Expectations are written out by hand (which chunks,
which order, which counts), never read back from the store under test.
"""

from __future__ import annotations

import dataclasses

import pytest

from common.errors import EmbedderMismatchError, EmptyStoreError
from ingest.models import Record
from tests.contract.conftest import STORE_KINDS, StoreSettingsFactory
from tests.fakes import HashEmbeddings, make_chunks, make_meta
from vectorstore.base import PolicyStore, commit_document, doc_key_of
from vectorstore.chroma_store import open_store as _open_store

pytestmark = pytest.mark.parametrize("kind", STORE_KINDS)
_OPENED: list[PolicyStore] = []


def open_store(*args, **kwargs) -> PolicyStore:
    store = _open_store(*args, **kwargs)
    _OPENED.append(store)
    return store


@pytest.fixture(autouse=True)
def _close_stores():
    """Each embedded store holds ~15 file descriptors until closed."""
    yield
    while _OPENED:
        _OPENED.pop().close()

A = ["阳江市2015年专利申请量1724件。", "高新技术企业达到56家。", "科技型中小企业备案120家。"]
B = ["中山市新增省级工程中心12家。", "研发投入占比2.5%。"]
EMB = HashEmbeddings()


def _store(store_settings: StoreSettingsFactory, kind: str, emb: HashEmbeddings = EMB) -> PolicyStore:
    return open_store(store_settings(kind), emb, create=True)


def _texts(chunks) -> list[str]:
    return [c.text for c in chunks]


def _record(sentence: str, kind: str = "target") -> Record:
    return Record(kind=kind, sentence=sentence, section="一、", start=0, end=len(sentence), fields={"value": 1})


def test_a_new_store_is_empty(store_settings, kind) -> None:
    settings = store_settings(kind)
    with pytest.raises(EmptyStoreError):
        open_store(settings, EMB, create=False)
    store = open_store(settings, EMB, create=True)
    assert isinstance(store, PolicyStore)
    assert store.generation() == "empty"
    assert store.list_documents() == []
    assert list(store.iter_chunks()) == []
    assert store.dense_search(EMB.embed_query("专利"), 5) == []
    assert store.committed_versions() == []
    assert store.embedding_model == EMB.model_name and store.embedding_dim == EMB.dim


def test_staged_chunks_stay_invisible_until_published(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    meta = make_meta("d1", "".join(A))
    chunks = make_chunks(A)
    store.stage_chunks(meta, chunks, EMB.embed_documents(A))
    assert store.list_documents() == []
    assert list(store.iter_chunks()) == []
    assert store.get_chunks([f"{doc_key_of(meta)}:0"]) == []
    assert store.dense_search(EMB.embed_query(A[0]), 3) == []
    assert store.generation() == "empty"
    assert store.stats()["chunks"] == 3  # written, just not committed
    # an interrupted commit's leftovers are what garbage collection removes
    assert store.collect_garbage() == 3
    assert store.stats() == {"documents": 0, "chunks": 0, "records": 0}


def test_publish_makes_a_document_visible_in_one_step(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    meta = make_meta("d1", "".join(A))
    store.stage_chunks(meta, make_chunks(A), EMB.embed_documents(A))
    store.publish(meta, 3, [_record("2015年专利申请量1724件")], chars=40, signature="s1")
    docs = store.list_documents()
    assert [(d["doc_id"], d["chunk_count"], d["record_count"], d["chars"]) for d in docs] == [("d1", 3, 1, 40)]
    assert store.get_document("d1")["title"] == "标题d1"
    assert store.get_document("nope") is None
    assert store.find_by_content_hash(meta.content_hash)["doc_id"] == "d1"
    assert store.find_by_content_hash("0" * 64) is None
    assert _texts(store.iter_chunks()) == A
    assert _texts(store.document_chunks(doc_key_of(meta))) == A
    key = doc_key_of(meta)
    # asked order is kept, unknown ids are left out
    assert _texts(store.get_chunks([f"{key}:2", "x:y:0", f"{key}:0"])) == [A[2], A[0]]
    assert store.committed_versions() == [("d1", key, f"{key}|s1")]
    assert store.generation() != "empty"
    assert [r.sentence for r in store.list_records()] == ["2015年专利申请量1724件"]
    assert store.list_records("measure") == []
    assert store.verify() == []


def test_chunks_carry_the_document_metadata_filters_use(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    commit_document(store, make_meta("d1", "".join(A), years=[2015, 2016]), make_chunks(A), EMB.embed_documents(A))
    chunk = next(store.iter_chunks())
    m = chunk.metadata
    assert (m["doc_id"], m["region"], m["province"], m["index"]) == ("d1", "阳江市", "广东省", 0)
    assert m["years"] == [2015, 2016] and (m["year_min"], m["year_max"]) == (2015, 2016)
    assert "parent_region" not in m  # unknown values are absent, never None


def test_replacing_a_version_hides_and_removes_the_old_one(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    old = make_meta("d1", "".join(A))
    commit_document(store, old, make_chunks(A), EMB.embed_documents(A), [_record("旧"), _record("旧2")])
    gen_old = store.generation()
    new_texts = ["阳江市2016年专利申请量2001件。", A[1]]
    new = make_meta("d1", "".join(new_texts))
    commit_document(store, new, make_chunks(new_texts), EMB.embed_documents(new_texts), [_record("新")])
    assert _texts(store.iter_chunks()) == new_texts
    assert store.get_chunks([f"{doc_key_of(old)}:0"]) == []
    assert [r.sentence for r in store.list_records()] == ["新"]
    assert store.generation() not in (gen_old, "empty")
    assert store.stats() == {"documents": 1, "chunks": 2, "records": 1}
    assert store.verify() == []


def test_rewriting_the_same_version_keeps_the_generation_and_trims_the_tail(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    meta = make_meta("d1", "".join(A))
    commit_document(store, meta, make_chunks(A), EMB.embed_documents(A))
    gen = store.generation()
    versions = store.committed_versions()
    shorter = A[:2]  # same content, chunked differently (other settings)
    store.stage_chunks(meta, make_chunks(shorter), EMB.embed_documents(shorter))
    store.publish(meta, 2, signature="other-chunking")
    assert store.generation() == gen  # the same versions are committed
    assert store.committed_versions() != versions  # but what is stored for d1 changed
    assert _texts(store.iter_chunks()) == shorter
    assert store.stats()["chunks"] == 2


def test_uncommit_hides_at_once_and_keeps_vectors_until_garbage_collection(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    meta = make_meta("d1", "".join(A))
    commit_document(store, meta, make_chunks(A), EMB.embed_documents(A))
    hashes = [c.metadata["text_hash"] for c in store.iter_chunks()]
    store.uncommit("d1")
    assert store.list_documents() == [] and list(store.iter_chunks()) == []
    assert store.generation() == "empty"
    # a moved file is re-indexed from these vectors without embedding again
    reused = store.embeddings_for_texts(hashes)
    assert sorted(reused) == sorted(hashes)
    assert reused[hashes[0]] == pytest.approx(EMB.embed_documents([A[0]])[0], abs=1e-6)
    assert store.collect_garbage() == 3
    assert store.embeddings_for_texts(hashes) == {}


def test_delete_document_removes_everything_of_it(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    commit_document(store, make_meta("d1", "".join(A)), make_chunks(A), EMB.embed_documents(A), [_record("a")])
    commit_document(store, make_meta("d2", "".join(B), region="中山市"), make_chunks(B), EMB.embed_documents(B))
    store.delete_document("d1")
    assert [d["doc_id"] for d in store.list_documents()] == ["d2"]
    assert store.stats() == {"documents": 1, "chunks": 2, "records": 0}
    assert _texts(store.iter_chunks()) == B


def test_dense_search_ranks_by_cosine_and_honours_where(store_settings, kind) -> None:
    store = _store(store_settings, kind)
    commit_document(store, make_meta("d1", "".join(A), years=[2015]), make_chunks(A), EMB.embed_documents(A))
    commit_document(
        store, make_meta("d2", "".join(B), region="中山市", years=[2016]), make_chunks(B), EMB.embed_documents(B)
    )
    hits = store.dense_search(EMB.embed_query(B[0]), 5)
    assert hits[0][0].text == B[0] and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True) and len(hits) == 5
    only_yj = store.dense_search(EMB.embed_query(B[0]), 5, where={"region": "阳江市"})
    assert sorted(c.text for c, _ in only_yj) == sorted(A)
    in_2016 = store.dense_search(EMB.embed_query(A[0]), 5, where={"years": {"$contains": 2016}})
    assert sorted(c.text for c, _ in in_2016) == sorted(B)
    assert store.dense_search(EMB.embed_query(A[0]), 0) == []


def test_another_embedder_is_refused(store_settings, kind) -> None:
    settings = store_settings(kind)
    store = open_store(settings, EMB, create=True)
    commit_document(store, make_meta("d1", "".join(A)), make_chunks(A), EMB.embed_documents(A))
    with pytest.raises(EmbedderMismatchError) as err:
        open_store(settings, HashEmbeddings(dim=32, model_name="other/model"), create=False)
    assert err.value.hint


def test_a_store_opened_again_sees_what_was_committed(store_settings, kind) -> None:
    settings = store_settings(kind)
    store = open_store(settings, EMB, create=True)
    meta = make_meta("d1", "".join(A))
    commit_document(store, meta, make_chunks(A), EMB.embed_documents(A))
    store.stage_chunks(make_meta("d2", "".join(B)), make_chunks(B), EMB.embed_documents(B))  # never published
    again = open_store(settings, None, create=False)
    assert [d["doc_id"] for d in again.list_documents()] == ["d1"]
    assert _texts(again.iter_chunks()) == A
    assert again.generation() == store.generation()


def test_reset_drops_the_store(store_settings, kind) -> None:
    settings = store_settings(kind)
    store = open_store(settings, EMB, create=True)
    commit_document(store, make_meta("d1", "".join(A)), make_chunks(A), EMB.embed_documents(A))
    store.reset()
    with pytest.raises(EmptyStoreError):
        open_store(settings, EMB, create=False)
    assert open_store(settings, EMB, create=True).stats() == {"documents": 0, "chunks": 0, "records": 0}


def test_a_value_that_became_unknown_is_gone_after_a_rewrite(store_settings, kind) -> None:
    """Chroma's upsert merges metadata (keys left out keep their old value): a document
    re-ingested after its date or page could no longer be read must not keep the old ones."""
    store = _store(store_settings, kind)
    texts = ["第3页的文字。", "第4页的文字。"]
    paged = [dataclasses.replace(c, page=3 + n) for n, c in enumerate(make_chunks(texts))]
    meta = make_meta("d1", "".join(texts), parent_region="连云港市", years=[2015])
    commit_document(store, meta, paged, EMB.embed_documents(texts))
    unknown = make_meta("d1", "".join(texts), parent_region=None, date=None, years=[])
    commit_document(store, unknown, make_chunks(texts), EMB.embed_documents(texts))
    doc = store.get_document("d1")
    assert (doc["parent_region"], doc["date"], doc["years"]) == (None, None, [])
    for chunk in store.iter_chunks():
        assert {"page", "parent_region", "years", "date"}.isdisjoint(chunk.metadata), chunk.metadata
    assert store.dense_search(EMB.embed_query(texts[0]), 5, where={"years": {"$contains": 2015}}) == []


def test_nothing_of_a_dropped_store_comes_back(store_settings, kind) -> None:
    """After ``reset`` (ingest --rebuild) the new collections start clean: Chroma 1.5 keeps a
    deleted collection's list-valued metadata and lends it to the next collection's rows."""
    settings = store_settings(kind)
    store = open_store(settings, EMB, create=True)
    commit_document(store, make_meta("d1", "".join(A), years=[2015, 2016]), make_chunks(A), EMB.embed_documents(A))
    store.reset()
    store = open_store(settings, EMB, create=True)
    commit_document(store, make_meta("d2", "".join(B), years=[]), make_chunks(B), EMB.embed_documents(B))
    assert all("years" not in c.metadata for c in store.iter_chunks())
    assert store.dense_search(EMB.embed_query(B[0]), 5, where={"years": {"$contains": 2015}}) == []
