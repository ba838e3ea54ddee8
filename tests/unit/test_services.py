"""build_services: parts built lazily, once, thread-safely; failures are not cached."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.services import Services, build_services
from common.errors import EmptyStoreError
from common.settings import Settings


def test_parts_are_lazy_and_built_once(tmp_path: Path) -> None:
    services = build_services(Settings(home=tmp_path / "store"))
    assert isinstance(services, Services) and not services.built("embeddings")
    seen: list[object] = []
    barrier = threading.Barrier(8)

    def grab() -> None:
        barrier.wait()
        seen.append(services.embeddings)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and all(x is seen[0] for x in seen)
    assert services.chat_model is None, "no LLM unless a base URL is configured"


def test_never_ingested_store_is_a_clear_error_and_not_cached(tmp_path: Path) -> None:
    services = build_services(Settings(home=tmp_path / "nothing_here"))
    with pytest.raises(EmptyStoreError) as err:
        services.qa
    assert "policyqa ingest" in err.value.hint
    assert not services.built("store") and not services.built("qa")
    with pytest.raises(EmptyStoreError):
        services.qa  # tried again, e.g. after an ingest
