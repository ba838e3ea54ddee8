"""Kill a real ``policyqa ingest`` with SIGKILL in the middle of writing a document.

Every document must be either wholly absent / in its previous version or wholly new, never
half; the next run completes and leaves a consistent store. Embeds with the bundled e5 (a
real model; it starts in about a second, where importing sentence-transformers takes 7 s per
process) over the first 4,000 characters of each report, so every document takes several
write batches and the runs take seconds. The runs that are killed are real processes; the runs
that finish the job go through the same ``main`` in this process.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EMBEDDED = re.compile(r"embedded (\d+)/(\d+) new chunks of (.+) \((\d+) written\)$")
COMMITTED = re.compile(r"committed (.+?) \(\d+ chunks")


def start(policyqa_bin: str, folder: Path, store: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [policyqa_bin, "ingest", str(folder), "--store", str(store), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def kill_mid_document(proc: subprocess.Popen, *, after_commits: int, target: str | None = None,
                      timeout: float = 600) -> tuple[list[str], str]:
    """Read progress lines; SIGKILL as soon as a document is partly written.

    Returns the documents seen committed and the one that was being written.
    """
    committed: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    for line in proc.stderr:
        if time.monotonic() > deadline:
            break
        if m := COMMITTED.search(line):
            committed.append(m.group(1))
            continue
        m = EMBEDDED.search(line.rstrip())
        if not m or len(committed) < after_commits:
            continue
        done, total, source, written = int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4))
        if 0 < written and done < total and (target is None or source == target):
            proc.send_signal(signal.SIGKILL)  # some chunks are written, the rest are not
            proc.wait(timeout=30)
            return committed, source
    proc.kill()
    pytest.fail(f"ingest finished or stalled before it could be killed mid-document: {committed}")


def open_reader(store: Path):
    """A fresh read-only view (no cached Chroma system from an earlier phase)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from common.settings import Settings
    from vectorstore.chroma_store import open_store

    SharedSystemClient.clear_system_cache()
    return open_store(Settings(home=store), None, create=False)


def visible_by_source(reader) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for c in reader.iter_chunks():
        out.setdefault(c.metadata["source"], []).append((c.id, c.text))
    return out


def run_to_end(policyqa_main, folder, store, env) -> dict:
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # what this process cached before the kill is stale
    done = policyqa_main("ingest", str(folder), "--store", str(store), "--json", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_killed_ingest_leaves_whole_documents_and_the_next_run_completes(
    tmp_path, reports_dir, policyqa_bin, cli_env, policyqa_main
):
    # Small embedding batches and writes (8 chunks) make "half written" a wide window.
    settings = {
        "POLICYQA_EMBEDDING__BACKEND": "e5", "POLICYQA_EMBEDDING__BATCH_SIZE": "8", "POLICYQA_INGEST__WRITE_BATCH": "8",
    }
    env = cli_env(**settings)
    folder = tmp_path / "docs"
    # The reports' first 4,000 characters (about 15 chunks, two write batches each).
    folder.mkdir()
    for report in sorted(reports_dir.glob("*.txt")):
        text = report.read_text("utf-8")
        (folder / report.name).write_text(text[: text.rfind("\n", 0, 4000) + 1], "utf-8")
    n_files = 5
    store = tmp_path / "store"

    # --- 1. killed while a new document is half written -------------------------------------
    committed, partial = kill_mid_document(start(policyqa_bin, folder, store, env), after_commits=2)
    assert len(committed) >= 2
    reader = open_reader(store)
    docs = {d["source"]: d for d in reader.list_documents()}
    assert set(committed) <= set(docs)
    assert partial not in docs
    assert reader.verify() == []  # every committed document has exactly its chunks
    visible = visible_by_source(reader)
    assert set(visible) == set(docs)
    assert all(len(visible[s]) == docs[s]["chunk_count"] for s in docs)
    raw = reader.stats()["chunks"]
    assert raw > sum(d["chunk_count"] for d in docs.values())  # the half-written doc: invisible

    from vectorstore.lexical import LexicalIndex

    assert LexicalIndex(reader, cache_dir=tmp_path / "lex").size == sum(len(v) for v in visible.values())

    report = run_to_end(policyqa_main, folder, store, settings)
    assert report["garbage_collected"] > 0
    assert sorted(r["source"] for r in report["unchanged"]) == sorted(docs)
    assert len(report["added"]) == n_files - len(docs) and not report["failed"]
    reader = open_reader(store)
    assert reader.verify() == []
    assert len(reader.list_documents()) == n_files
    assert reader.stats()["chunks"] == sum(d["chunk_count"] for d in reader.list_documents())

    # --- 2. killed while a changed file's new version is half written -----------------------
    target = "004_4757f8428a5e4ec7.txt"
    before_doc = reader.get_document(next(d["doc_id"] for d in reader.list_documents() if d["source"] == target))
    before = visible_by_source(reader)[target]
    path = folder / target
    path.write_text(
        "\n".join(f"（修订）{line}" if line.strip() else line for line in path.read_text("utf-8").splitlines()),
        "utf-8",
    )
    _, partial = kill_mid_document(start(policyqa_bin, folder, store, env), after_commits=0, target=target)
    assert partial == target
    reader = open_reader(store)
    after_doc = reader.get_document(before_doc["doc_id"])
    assert after_doc["doc_key"] == before_doc["doc_key"]  # still the previous version ...
    assert visible_by_source(reader)[target] == before  # ... wholly: same ids, same texts
    assert reader.verify() == []
    assert reader.stats()["chunks"] > sum(d["chunk_count"] for d in reader.list_documents())

    report = run_to_end(policyqa_main, folder, store, settings)
    assert [r["source"] for r in report["updated"]] == [target]
    reader = open_reader(store)
    now = visible_by_source(reader)[target]
    assert any("（修订）" in text for _, text in now)
    assert reader.get_document(before_doc["doc_id"])["doc_key"] != before_doc["doc_key"]
    assert not {i for i, _ in now} & {i for i, _ in before}
    assert reader.verify() == []
    assert reader.stats()["chunks"] == sum(d["chunk_count"] for d in reader.list_documents())
