"""Chroma's where-clauses, the in-memory client's reading of them and the retrieval filters'
Python predicate select the same chunks, over generated metadata.

Real Chroma is the reference: the lexical side of retrieval filters chunks with
``SearchFilters.matches`` while the dense side sends ``SearchFilters.where()`` to Chroma, and
the memory client interprets where-clauses on its own. Missing keys, lists and mixed types are
generated on purpose: that is where implementations of the language differ.
"""

from __future__ import annotations

import itertools
from typing import Any

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vectorstore.hybrid import SearchFilters
from vectorstore.memory_chroma import MemoryClient, matches

REGIONS = ["阳江市", "中山市", "赣榆区", "连云港市", "广东省", "江苏省"]
YEARS = [2015, 2016, 2017, 2018]
DOCS = ["d1", "d2", "d3.txt", "r.pdf"]


@st.composite
def chunk_metadata(draw: st.DrawFn) -> dict[str, Any]:
    meta: dict[str, Any] = {"doc_id": draw(st.sampled_from(DOCS[:2]))}
    for key in ("region", "parent_region", "province"):
        if draw(st.booleans()):
            meta[key] = draw(st.sampled_from(REGIONS))
    if draw(st.booleans()):
        meta["source"] = draw(st.sampled_from(DOCS))
    if draw(st.booleans()):
        meta["years"] = sorted(draw(st.sets(st.sampled_from(YEARS), min_size=1, max_size=3)))
    if draw(st.booleans()):
        meta["year"] = draw(st.sampled_from(YEARS))
    meta["index"] = draw(st.integers(0, 5))
    return meta


filters = st.builds(
    SearchFilters,
    region=st.none() | st.sampled_from(REGIONS),
    year=st.none() | st.sampled_from(YEARS),
    doc=st.none() | st.sampled_from(DOCS),
)

field_clauses = st.one_of(
    st.builds(lambda k, v: {k: v}, st.sampled_from(["region", "doc_id"]), st.sampled_from(REGIONS + DOCS)),
    st.builds(lambda k, v: {k: {"$ne": v}}, st.sampled_from(["region", "source"]), st.sampled_from(REGIONS + DOCS)),
    st.builds(lambda v: {"region": {"$in": v}}, st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3)),
    st.builds(lambda v: {"source": {"$nin": v}}, st.lists(st.sampled_from(DOCS), min_size=1, max_size=2)),
    st.builds(lambda op, v: {"index": {op: v}}, st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), st.integers(0, 5)),
    st.builds(lambda op, v: {"year": {op: v}}, st.sampled_from(["$gte", "$lt", "$eq", "$ne"]), st.sampled_from(YEARS)),
    st.builds(lambda v: {"years": {"$contains": v}}, st.sampled_from(YEARS)),
)
where_clauses = st.recursive(
    field_clauses,
    lambda inner: st.builds(lambda op, cs: {op: cs}, st.sampled_from(["$and", "$or"]), st.lists(inner, min_size=2, max_size=3)),
    max_leaves=4,
)

_names = itertools.count()


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("where_chroma")
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    yield client
    client.close()


def _selected(client: Any, metas: list[dict[str, Any]], where: dict[str, Any] | None) -> set[str]:
    name = f"where{next(_names)}"
    collection = client.create_collection(name, embedding_function=None)
    try:
        ids = [f"c{i}" for i in range(len(metas))]
        collection.upsert(ids=ids, embeddings=[[1.0, 0.0]] * len(ids), documents=["x"] * len(ids), metadatas=metas)
        return set(collection.get(where=where, include=[])["ids"])
    finally:
        # rows first: Chroma 1.5 lends a dropped collection's list metadata to the next one
        collection.delete(ids=collection.get(include=[])["ids"])
        client.delete_collection(name)


_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(metas=st.lists(chunk_metadata(), min_size=1, max_size=10), f=filters)
def test_search_filters_select_the_same_chunks_everywhere(chroma, metas, f) -> None:
    where = f.where()
    by_chroma = _selected(chroma, metas, where)
    by_memory = _selected(MemoryClient(), metas, where)
    by_predicate = {f"c{i}" for i, m in enumerate(metas) if f.matches(m)}
    assert by_chroma == by_predicate, repr(("predicate", by_chroma, by_predicate, where, metas))
    assert by_memory == by_chroma, repr(("memory", by_memory, by_chroma, where, metas))


@_SETTINGS
@given(metas=st.lists(chunk_metadata(), min_size=1, max_size=10), where=where_clauses)
def test_memory_client_reads_where_clauses_as_chroma_does(chroma, metas, where) -> None:
    by_chroma = _selected(chroma, metas, where)
    assert {f"c{i}" for i, m in enumerate(metas) if matches(where, m)} == by_chroma, repr((where, metas))
