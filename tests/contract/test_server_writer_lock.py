"""Several writers, one Chroma server: the lock held in the server (vectorstore/server_lock.py).

Two stores with their own local directories on one real ``chroma run`` stand for two machines;
the file lock of a store directory cannot see the other one, the server lock does.
"""

from __future__ import annotations

import threading
import time

import pytest

from common.errors import StoreError
from common.settings import Settings, StoreSettings
from tests.fakes import HashEmbeddings
from vectorstore.chroma_store import open_store
from vectorstore.server_lock import ServerLock

EMB = HashEmbeddings()


@pytest.fixture
def two_machines(chroma_url, tmp_path):
    stores = [
        open_store(Settings(home=tmp_path / name, store=StoreSettings(chroma_url=chroma_url, collection_prefix="shared")),
                   EMB, create=True)
        for name in ("machine_a", "machine_b")
    ]
    yield stores
    for s in stores:
        s.close()


def test_a_second_writer_waits_then_is_refused_naming_the_first(two_machines) -> None:
    a, b = two_machines
    told: list[str] = []
    with a.writer_lock(5):
        t0 = time.monotonic()
        with pytest.raises(StoreError) as err:
            with b.writer_lock(1.0, told.append):
                pass
        assert time.monotonic() - t0 >= 1.0  # it waited
        assert "another ingest is writing" in err.value.message and "machine_a" in err.value.message
        assert err.value.hint and told and "machine_a" in told[0]
    with b.writer_lock(1.0):  # released: the other machine may write now
        pass


def test_a_waiting_writer_goes_on_when_the_first_finishes(two_machines) -> None:
    a, b = two_machines
    order: list[str] = []
    release = threading.Event()

    def first() -> None:
        with a.writer_lock(5):
            order.append("a in")
            release.wait(5)
            order.append("a out")

    t = threading.Thread(target=first)
    t.start()
    while not order:
        time.sleep(0.05)
    threading.Timer(0.8, release.set).start()
    with b.writer_lock(10):
        order.append("b in")
    t.join()
    assert order == ["a in", "a out", "b in"]  # never both at once


def test_a_lock_whose_holder_died_expires(two_machines) -> None:
    a, b = two_machines
    dead = ServerLock(a.client, "shared", a.where, owner="crashed-writer", ttl_s=0.5)
    dead.acquire(1.0)  # and never released, never renewed
    time.sleep(0.7)
    with b.writer_lock(2.0):
        pass


def test_embedded_and_memory_stores_need_no_server_lock(tmp_path) -> None:
    for settings in (Settings(home=tmp_path / "e"), Settings(home=tmp_path / "m", store=StoreSettings(backend="memory"))):
        store = open_store(settings, EMB, create=True)
        with store.writer_lock(0), store.writer_lock(0):  # re-entrant: nothing held in a server
            pass
        store.close()
