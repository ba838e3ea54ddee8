"""Server mode: a real ``chroma run`` on loopback, reached through HttpClient.

Ingests a sample report with the bundled e5 model into the server, then asks it for documents
and a dense search; opening it with another embedder is refused, as in embedded mode.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.errors import EmbedderMismatchError, StoreError
from common.settings import Settings, StoreSettings
from tests.chroma_server import free_port, running_chroma
from tests.fakes import HashEmbeddings

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture
def chroma_server(tmp_path: Path):
    with running_chroma(tmp_path) as url:
        yield url


def test_ingest_into_a_chroma_server_and_search_it(chroma_server, tmp_path, reports_dir, e5_embeddings):
    from ingest.pipeline import ingest_paths
    from vectorstore.chroma_store import open_store
    from vectorstore.lexical import LexicalIndex

    settings = Settings(home=tmp_path / "local", store=StoreSettings(chroma_url=chroma_server))
    store = open_store(settings, e5_embeddings, create=True)
    assert store.where == chroma_server
    report = ingest_paths([reports_dir / "003_9713f358d5aa3b1f.txt"], settings, store, e5_embeddings)
    assert [r.source for r in report.added] == ["003_9713f358d5aa3b1f.txt"]

    reader = open_store(settings, e5_embeddings, create=False)  # a second client
    docs = reader.list_documents()
    assert [(d["region"], d["parent_region"]) for d in docs] == [("赣榆区", "连云港市")]
    assert reader.verify() == []
    hits = reader.dense_search(e5_embeddings.embed_query("赣榆区2015年高新技术企业发展情况"), k=5)
    assert len(hits) == 5 and all(h.metadata["source"] == "003_9713f358d5aa3b1f.txt" for h, _ in hits)
    assert hits[0][1] >= hits[-1][1] > 0
    assert any("高新技术" in h.text for h, _ in hits)

    # The lexical index is derived from the server's chunks, cached in the local store dir.
    index = LexicalIndex(reader)
    assert index.search("高新技术企业", k=3)
    assert (tmp_path / "local" / "lexical").is_dir()

    again = ingest_paths([reports_dir / "003_9713f358d5aa3b1f.txt"], settings, store, e5_embeddings)
    assert len(again.unchanged) == 1 and again.chunks_embedded == 0

    with pytest.raises(EmbedderMismatchError):
        open_store(settings, HashEmbeddings(), create=True)


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = Settings(home=tmp_path, store=StoreSettings(chroma_url=f"http://127.0.0.1:{free_port()}"))
    from vectorstore.chroma_store import open_store

    with pytest.raises(StoreError) as err:
        open_store(settings, HashEmbeddings(), create=True)
    assert "cannot reach the Chroma server" in err.value.message
    assert "chroma run" in err.value.hint


def test_two_ingest_processes_on_one_server_never_interleave(chroma_server, tmp_path, corpus_dir, cli_env, policyqa_bin):
    """Two machines (two local store directories) ingest into one Chroma server: the second
    waits for the lock held in the server, or, with a short timeout, is refused naming the
    first; at the end the server holds both folders' documents, consistent."""
    import subprocess
    import threading

    from vectorstore.chroma_store import open_store

    env = cli_env(POLICYQA_STORE__CHROMA_URL=chroma_server, POLICYQA_EMBEDDING__BACKEND="hash")
    a_dir, b_dir = tmp_path / "machine_a", tmp_path / "machine_b"
    first = subprocess.Popen([policyqa_bin, "ingest", str(corpus_dir / "extra"), "--store", str(a_dir), "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    committed = threading.Event()
    err_lines: list[str] = []

    def read_stderr() -> None:
        assert first.stderr is not None
        for line in first.stderr:
            err_lines.append(line)
            if "committed" in line:
                committed.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    assert committed.wait(120), "".join(err_lines)[-2000:]
    # A writes: B with a short timeout is refused, with a message naming A
    refused = subprocess.run([policyqa_bin, "ingest", str(corpus_dir / "reports"), "--store", str(b_dir)],
                             capture_output=True, text=True, env={**env, "POLICYQA_INGEST__LOCK_TIMEOUT_S": "0.5"},
                             timeout=120)
    if first.poll() is None:  # (A may have finished meanwhile on a fast machine)
        assert refused.returncode == 2, refused.stderr
        assert "another ingest is writing to the Chroma server" in refused.stderr and str(a_dir) in refused.stderr
    # B with the default timeout waits for A, then writes
    waited = subprocess.run([policyqa_bin, "ingest", str(corpus_dir / "reports"), "--store", str(b_dir), "--json"],
                            capture_output=True, text=True, env=env, timeout=600)
    assert first.wait(600) == 0, "".join(err_lines)[-2000:]
    reader.join(10)
    assert waited.returncode == 0, waited.stderr[-2000:]
    assert json.loads(waited.stdout)["counts"]["added"] == 5
    store = open_store(Settings(home=tmp_path / "check", store=StoreSettings(chroma_url=chroma_server)), None, create=False)
    assert len(store.list_documents()) == 17 and store.verify() == []
    assert store.stats()["chunks"] == sum(d["chunk_count"] for d in store.list_documents())
    store.close()
