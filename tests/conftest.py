"""Shared fixtures: where the sample corpus is, and a clean environment for settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("POLICYQA_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
REPORTS = CORPUS / "reports"
EXTRA = CORPUS / "extra"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not REPORTS.is_dir():
        pytest.fail(f"sample corpus not found at {CORPUS}; set POLICYQA_SHARED to ../shared")
    return CORPUS


@pytest.fixture(scope="session")
def reports_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "reports"


@pytest.fixture(scope="session")
def extra_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "extra"


@pytest.fixture(autouse=True)
def _no_user_policyqa_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not pick up a developer's POLICYQA_* settings."""
    for key in list(os.environ):
        if key.startswith("POLICYQA_") and key != "POLICYQA_SHARED":
            monkeypatch.delenv(key, raising=False)
