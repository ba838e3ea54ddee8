"""The three stores every contract case runs on: embedded Chroma, a Chroma server, in memory.

``store_settings(kind)`` gives the settings of a fresh, empty store of that kind; the Chroma
server (a real ``chroma run``) is started once per session and each store gets its own
collection prefix on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.settings import Settings, StoreSettings
from tests.chroma_server import running_chroma
from vectorstore import memory_chroma

STORE_KINDS = ("embedded", "server", "memory")
_prefixes = itertools.count()


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_chroma(tmp_path_factory.mktemp("contract_chroma")) as url:
        yield url


StoreSettingsFactory = Callable[[str], Settings]


@pytest.fixture
def store_settings(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[StoreSettingsFactory]:
    """kind -> settings of a new empty store of that kind (the server is started on demand)."""
    made: list[str] = []

    def make(kind: str) -> Settings:
        home = tmp_path / f"store{next(_prefixes)}"
        if kind == "embedded":
            return Settings(home=home)
        if kind == "server":
            url = request.getfixturevalue("chroma_url")
            return Settings(home=home, store=StoreSettings(chroma_url=url, collection_prefix=f"c{next(_prefixes)}"))
        if kind == "memory":
            made.append(str(home))
            return Settings(home=home, store=StoreSettings(backend="memory"))
        raise ValueError(kind)

    yield make
    for name in made:
        memory_chroma.forget(name)
