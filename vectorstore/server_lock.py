"""One writer at a time on a Chroma server: a lock held in the server itself.

Two ingest processes with their own local store directories (two machines, or two app
instances behind a proxy) can point at the same Chroma server. The local file lock
(``ingest.pipeline.ingest_lock``) does not see the other machine, and their commits would
interleave, so a writer also takes this lock.

The lock is a collection, ``<prefix>_writer_lock``. Creating a collection that already exists
fails on the server, atomically, so whoever creates it holds the lock. Its metadata names the
holder (host, pid, store directory), when the lock was taken, and when it expires. The holder
renews the expiry while it works (:meth:`ServerLock.renew`, at every commit), and deleting the
collection releases the lock. A holder that died leaves a lock that expires, and the next writer
takes it over then. A live holder is waited for, or the second writer is refused with a message
naming it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from common.errors import StoreError

# A lock not renewed for this long belongs to a writer that died. Commits renew it; one document
# (embedding included) takes well under this even for a scanned 1000-page PDF on 2 cores.
LOCK_TTL_S = 15 * 60.0
_POLL_S = 0.5


class ServerLock:
    def __init__(self, client: Any, prefix: str, where: str, owner: str, ttl_s: float = LOCK_TTL_S) -> None:
        self.client = client
        self.name = f"{prefix}_writer_lock"
        self.where = where
        self.ttl_s = ttl_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{owner}"
        self._collection: Any = None
        self._since = ""

    def _metadata(self) -> dict[str, Any]:
        return {"holder": self.holder, "since": self._since, "expires": time.time() + self.ttl_s}

    def _current(self) -> dict[str, Any] | None:
        try:
            return dict(self.client.get_collection(self.name).metadata or {})
        except Exception:  # gone meanwhile (released): try again
            return None

    def acquire(self, timeout_s: float, waiting: Callable[[str], None] | None = None) -> None:
        """Take the lock, waiting up to ``timeout_s`` for a live holder; StoreError after that."""
        deadline = time.monotonic() + timeout_s
        told = False
        self._since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        while True:
            try:
                self._collection = self.client.create_collection(self.name, metadata=self._metadata())
                return
            except Exception as exc:  # exists (held), or the server is unusable
                held = self._current()
                if held is None:
                    if self._exists_error(exc):
                        continue  # released between our create and our read
                    raise StoreError(
                        f"cannot take the writer lock on the Chroma server {self.where}: {exc}",
                        "check the server is up and writable",
                    ) from exc
            if float(held.get("expires", 0)) < time.time():
                # its holder stopped renewing it: a crashed writer
                self._drop_stale(held)
                continue
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"another ingest is writing to the Chroma server {self.where}: "
                    f"{held.get('holder', '?')}, since {held.get('since', '?')}",
                    "wait for it to finish and run this ingest again (or raise "
                    "POLICYQA_INGEST__LOCK_TIMEOUT_S to wait longer); a writer that died "
                    f"releases the lock after {int(self.ttl_s // 60)} minutes",
                )
            if waiting is not None and not told:
                waiting(f"another ingest ({held.get('holder', '?')}) is writing to the Chroma server "
                        f"{self.where}; waiting for it to finish")
                told = True
            time.sleep(_POLL_S)

    @staticmethod
    def _exists_error(exc: Exception) -> bool:
        return "already exists" in str(exc).lower() or type(exc).__name__ in ("UniqueConstraintError", "InternalError")

    def _drop_stale(self, held: dict[str, Any]) -> None:
        try:
            if self._current() == held:  # still the stale one, not a new holder's
                self.client.delete_collection(self.name)
        except Exception:
            pass  # someone else dropped it first

    def renew(self) -> None:
        """Push the expiry on (called at every commit of a long run)."""
        if self._collection is not None:
            try:
                self._collection.modify(metadata=self._metadata())
            except Exception:  # renewing is best effort; the commit itself reports a dead server
                pass

    def release(self) -> None:
        if self._collection is None:
            return
        self._collection = None
        try:
            if (self._current() or {}).get("holder") == self.holder:
                self.client.delete_collection(self.name)
        except Exception:
            pass  # the server went away: the lock expires on its own
