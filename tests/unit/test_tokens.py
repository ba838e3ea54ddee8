"""Offline tiktoken: the bundled rank file is put where tiktoken looks, no network needed."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from common.errors import DependencyError
from ingest import tokens

EXPECTED_CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any download attempt fails loudly (and is recorded)."""
    attempts: list[str] = []

    def refuse_download(blobpath: str) -> bytes:
        attempts.append(blobpath)
        raise ConnectionError(f"network disabled in this test: {blobpath}")

    def refuse_connect(self, address):  # noqa: ANN001
        attempts.append(str(address))
        raise OSError("network disabled in this test")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse_download)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    return attempts


@pytest.fixture
def fresh_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget loaded encodings so the next get_encoding reads the cache again."""
    monkeypatch.delitem(tiktoken.registry.ENCODINGS, "cl100k_base", raising=False)
    tokens.get_encoding.cache_clear()
    yield
    tokens.get_encoding.cache_clear()


def test_encoding_loads_offline_from_an_empty_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str], fresh_tiktoken: None
) -> None:
    cache = tmp_path / "tiktoken-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    assert not cache.exists()

    enc = tokens.get_encoding("cl100k_base")

    assert no_network == []
    cached = cache / hashlib.sha1(tokens.ENCODING_URLS["cl100k_base"].encode()).hexdigest()
    assert cached.is_file()
    # tiktoken checks this hash itself; checking it here says the file is the real one.
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == EXPECTED_CL100K_SHA256
    assert enc.decode(enc.encode("专利申请量达1724件")) == "专利申请量达1724件"


def test_without_tiktoken_cache_dir_a_per_user_cache_is_used_and_env_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str], fresh_tiktoken: None
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    tokens.get_encoding("cl100k_base")

    assert (tmp_path / "policyqa" / "tiktoken").is_dir()
    assert tokens.cache_path("cl100k_base").parent == tmp_path / "policyqa" / "tiktoken"
    assert tokens.cache_path("cl100k_base").is_file()
    assert "TIKTOKEN_CACHE_DIR" not in os.environ
    assert no_network == []


def test_unwritable_cache_falls_back_to_a_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str], fresh_tiktoken: None
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(blocker / "cache"))

    enc = tokens.get_encoding("cl100k_base")

    assert enc.encode_ordinary("科技") and no_network == []
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(blocker / "cache")  # the user's value kept


def test_our_urls_are_the_ones_tiktoken_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """If tiktoken moves its files, the cache key changes: this test must notice."""
    import tiktoken_ext.openai_public as public

    seen: list[str] = []

    def capture(url: str, expected_hash: str | None = None) -> dict:
        seen.append(url)
        raise RuntimeError("captured")

    monkeypatch.setattr(public, "load_tiktoken_bpe", capture)
    for name in tokens.ENCODING_URLS:
        with pytest.raises(RuntimeError, match="captured"):
            getattr(public, name)()
    assert seen == list(tokens.ENCODING_URLS.values())


def test_count_tokens() -> None:
    assert tokens.count_tokens("") == 0
    assert tokens.count_tokens("hello world") == 2  # "hello", " world" in cl100k_base
    text = "2015年全市专利申请量达1724件，同比增长25.56%。"
    n = tokens.count_tokens(text)
    assert 10 < n < len(text) * 3
    # Special-token text is counted as plain text, never rejected.
    assert tokens.count_tokens("<|endoftext|>") > 1


def test_unknown_encoding_is_a_clear_error() -> None:
    with pytest.raises(DependencyError) as info:
        tokens.get_encoding("p50k_nonexistent")
    assert "cl100k_base" in info.value.hint
