"""The Chroma-backed store: chunks with vectors, a manifest of documents, extracted records.

Three collections per store (``<prefix>`` from settings, ``policyqa`` by default):

- ``<prefix>_chunks``: one entry per chunk, cosine space. The collection's metadata records the
  embedding model's name, dimension and prefixes; opening it with another embedder fails
  (:class:`EmbedderMismatchError`), so vectors of two models are never mixed.
- ``<prefix>_docs``: the manifest, one entry per committed document (tiny constant vector).
- ``<prefix>_records``: targets / reported figures / measures (tiny constant vector).

Crash safety: Chroma has no multi-collection transactions, so a document's versions are kept
apart by a ``doc_key`` (``<doc_id>:<content_hash[:12]>``) on every chunk and record. Committing
a version is (1) write its chunks and records, (2) upsert its manifest entry, which is the
single commit point, (3) delete the previous version's chunks and records. Readers only see
chunks and records whose ``doc_key`` is in the manifest, so a process killed at any moment
leaves each document wholly in its previous state or wholly new; what an interrupted commit
wrote is invisible and removed by :meth:`ChromaStore.collect_garbage` at the next ingest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from common.errors import ConfigError, EmbedderMismatchError, EmptyStoreError, StoreError
from common.settings import Settings
from ingest.models import PROVENANCE_KEYS, Chunk, DocumentMeta, Record
from vectorstore.base import StoredChunk, doc_key_of, text_hash
from vectorstore.embeddings import embedder_fingerprint
from vectorstore.memory_chroma import memory_client
from vectorstore.server_lock import ServerLock

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# The same question must get the same passages every time (eval reproducibility): one thread
# builds the HNSW graph (with several, it depends on thread timing) and the search looks at
# many more neighbours than it returns, so with a few thousand chunks it is as good as exact.
_HNSW_SEARCH = {"ef_search": 256, "num_threads": 1}
_CONST_VECTOR = [1.0]  # manifest and records need no similarity search
_WRITE_BATCH = 256
_READ_BATCH = 500  # ids / $in operands per get
_DOC_FIELDS = (
    "doc_id", "source", "path", "title", "issuer", "region", "parent_region", "province",
    "date", "years", "doc_type", "content_hash", "format", "encoding", "header",
)  # fmt: skip
_META_CHUNK_FIELDS = (
    "doc_id", "source", "title", "issuer", "region", "parent_region", "province", "date",
    "doc_type",
)  # fmt: skip


# Generations committed by this process, per store: its own writes need no re-open.
_OWN_GENERATIONS: dict[str, set[str]] = {}
_WRITES_LOCK = threading.RLock()


def _generation_of(manifest: Sequence[tuple[str, dict[str, Any]]]) -> str:
    pairs = sorted(f"{i}={m.get('doc_key')}" for i, m in manifest)
    if not pairs:
        return "empty"
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()[:16]


def _flat(values: dict[str, Any]) -> dict[str, Any]:
    """Metadata as Chroma takes it: an unknown value (None, an empty list) is sent as None.

    Chroma stores no None, and its upsert of an existing id *merges* metadata: a key left out
    keeps its old value, a key sent as None is removed. Sending every key the store writes, None
    for the unknown ones, means a document re-ingested in place (same content, a date no longer
    read, no page any more) keeps nothing of its previous metadata.
    """
    return {k: (None if v == [] else v) for k, v in values.items()}


def _year_fields(years: Sequence[int]) -> dict[str, Any]:
    ys = sorted({int(y) for y in years})
    if not ys:
        return {"years": None, "year_min": None, "year_max": None}
    return {"years": ys, "year_min": ys[0], "year_max": ys[-1]}


def _delete_ids(collection: Any, ids: Sequence[str]) -> None:
    """Delete rows by id, a write batch at a time."""
    for lo in range(0, len(ids), _WRITE_BATCH):
        collection.delete(ids=list(ids[lo : lo + _WRITE_BATCH]))


def _close_client(client: Any) -> None:
    """Release a client's resources; a client without ``close`` (the memory one has it, older
    Chroma clients do not) or one failing to close is left to the garbage collector."""
    close = getattr(client, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


@contextlib.contextmanager
def _chroma_errors(action: str, where: str) -> Iterator[None]:
    """Turn Chroma's own exceptions into StoreError with a hint; ours pass through."""
    try:
        yield
    except (StoreError, KeyboardInterrupt):
        raise
    except Exception as exc:  # chromadb raises many types (ChromaError, ValueError, OSError ...)
        raise StoreError(
            f"store {where}: {action} failed: {type(exc).__name__}: {exc}",
            "check the store directory is writable and not damaged (or the Chroma server is "
            "up); rebuild with `policyqa ingest --rebuild PATH` or use another --store DIR",
        ) from exc


class ChromaStore:
    """:class:`vectorstore.base.PolicyStore` on Chroma. Build it with :func:`open_store`."""

    def __init__(
        self,
        client: Any,
        *,
        prefix: str,
        home: Path,
        where: str,
        embeddings: Embeddings | None,
        create: bool,
        reopen: Callable[[], Any] | None = None,
        server: bool = False,
    ) -> None:
        self.client = client
        self.server = server  # a Chroma server other machines may write to as well
        self._server_lock: ServerLock | None = None
        self._last_manifest: tuple[str, list[tuple[str, dict[str, Any]]]] | None = None
        self._reopen = reopen  # embedded mode: a fresh client on the same directory
        self.prefix = prefix
        self.home = home  # local directory for derived data (lexical index cache)
        self.where = where  # human-readable location, for messages
        self._embeddings = embeddings
        self._chunks_name = f"{prefix}_chunks"
        self._docs_name = f"{prefix}_docs"
        self._records_name = f"{prefix}_records"
        self._open(create)
        self._seen_generation = self.generation()

    # --- opening --------------------------------------------------------------------------
    def _expected_metadata(self) -> dict[str, Any]:
        emb = self._embeddings
        return {
            "embedding_model": emb.model_name,
            "embedding_dim": int(emb.dim),
            "embedding_fingerprint": embedder_fingerprint(emb),
            "policyqa_schema": SCHEMA_VERSION,
        }

    def _get_collection(self, name: str) -> Any | None:
        from chromadb.errors import NotFoundError

        try:
            return self.client.get_collection(name, embedding_function=None)
        except NotFoundError:
            return None
        except ValueError as exc:  # older clients say "does not exist" with ValueError
            if "does not exist" in str(exc):
                return None
            raise

    def _create_collection(self, name: str, metadata: dict[str, Any] | None, cosine: bool) -> Any:
        kwargs: dict[str, Any] = {"embedding_function": None}
        if metadata:
            kwargs["metadata"] = metadata
        if cosine:
            kwargs["configuration"] = {"hnsw": {"space": "cosine", **_HNSW_SEARCH}}
        try:
            return self.client.create_collection(name, **kwargs)
        except Exception:
            # Created meanwhile by another process: use theirs (and check it below).
            existing = self._get_collection(name)
            if existing is None:
                raise
            return existing

    def _open(self, create: bool) -> None:
        with _chroma_errors("opening the collections", self.where):
            chunks = self._get_collection(self._chunks_name)
            if chunks is None:
                if not create:
                    raise EmptyStoreError(
                        f"nothing has been ingested into the store {self.where}",
                        "run `policyqa ingest PATH` first (or pass --store DIR of an existing store)",
                    )
                if self._embeddings is None:
                    raise StoreError("creating a store needs an embedding model")
                chunks = self._create_collection(
                    self._chunks_name, self._expected_metadata(), cosine=True
                )
            docs = self._get_collection(self._docs_name)
            records = self._get_collection(self._records_name)
            if create:
                docs = docs or self._create_collection(self._docs_name, None, cosine=False)
                records = records or self._create_collection(
                    self._records_name, None, cosine=False
                )
        if docs is None or records is None:
            raise EmptyStoreError(
                f"the store {self.where} is incomplete (no manifest)",
                "run `policyqa ingest PATH` to (re)build it",
            )
        self._chunks, self._docs, self._records = chunks, docs, records
        if create:
            self._tune_search(chunks)
        meta = dict(chunks.metadata or {})
        self.embedding_model: str = str(meta.get("embedding_model", "?"))
        self.embedding_dim: int = int(meta.get("embedding_dim", 0) or 0)
        if self._embeddings is not None:
            self._check_embedder(meta, create)
        if not create and self._count(self._docs) == 0:
            raise EmptyStoreError(
                f"no documents in the store {self.where}",
                "run `policyqa ingest PATH` first",
            )

    def _tune_search(self, collection: Any) -> None:
        """Give a store made before the search settings above the same ones (both may change
        after creation)."""
        try:
            current = (collection.configuration or {}).get("hnsw") or {}
        except Exception:  # an older server without configuration support: leave it
            return
        if all(current.get(k) == v for k, v in _HNSW_SEARCH.items()):
            return
        try:
            collection.modify(configuration={"hnsw": dict(_HNSW_SEARCH)})
        except Exception as exc:
            # Best effort: a Chroma server busy with another machine's ingest answers "database
            # is locked"; searching works with the old parameters, and the next open sets them.
            log.warning("store %s: could not set the search parameters (%s); will retry next time", self.where, exc)

    def _check_embedder(self, stored: dict[str, Any], create: bool) -> None:
        emb = self._embeddings
        # The name and prefixes decide; the dimension is compared only when known without
        # loading the model (a sentence-transformers model loads in ~10 s, and an unchanged
        # re-ingest embeds nothing). Vectors are checked against it again when written.
        dim = emb.loaded_dim if hasattr(type(emb), "loaded_dim") else getattr(emb, "dim", None)
        same = (
            stored.get("embedding_model") == emb.model_name
            and (dim is None or int(stored.get("embedding_dim", -1)) == int(dim))
            and stored.get("embedding_fingerprint", embedder_fingerprint(emb))
            == embedder_fingerprint(emb)
        )
        if same:
            return
        if create and self._count(self._chunks) == 0:
            # Nothing embedded yet with the old model: adopt the new one.
            want = self._expected_metadata()
            with _chroma_errors("recording the embedding model", self.where):
                self._chunks.modify(metadata=want)
            self.embedding_model, self.embedding_dim = want["embedding_model"], want["embedding_dim"]
            return
        raise EmbedderMismatchError(
            f"the store {self.where} was built with embedding model "
            f"{stored.get('embedding_model')!r} ({stored.get('embedding_dim')} dims, "
            f"{stored.get('embedding_fingerprint', '')}), but the configured model is "
            f"{emb.model_name!r} ({dim if dim is not None else '?'} dims, "
            f"{embedder_fingerprint(emb)}); vectors of two models cannot be mixed",
            "use the model the store was built with (POLICYQA_EMBEDDING__BACKEND / __MODEL), "
            "or re-index: `policyqa ingest --rebuild PATH`, or use a new store with --store DIR",
        )

    @staticmethod
    def _count(collection: Any) -> int:
        return int(collection.count())

    # --- manifest -------------------------------------------------------------------------
    def _manifest(self) -> list[tuple[str, dict[str, Any]]]:
        with _chroma_errors("reading the manifest", self.where):
            got = self._docs.get(include=["metadatas"])
        return list(zip(got["ids"], got["metadatas"] or [], strict=True))

    def _active_keys(self) -> list[str]:
        return sorted(m["doc_key"] for _, m in self._manifest() if m.get("doc_key"))

    @staticmethod
    def _doc_dict(doc_id: str, m: dict[str, Any]) -> dict[str, Any]:
        d: dict[str, Any] = {f: m.get(f) for f in _DOC_FIELDS}
        d["doc_id"] = doc_id
        d["years"] = list(m.get("years") or [])
        d["header"] = json.loads(m.get("header_json") or "{}")
        d["provenance"] = json.loads(m.get("provenance_json") or "{}")
        d["found_by"] = json.loads(m.get("found_by_json") or "{}")
        d["doc_type"] = m.get("doc_type") or "报告"
        for key in (
            "year", "doc_key", "chunk_count", "record_count", "ingested_at", "chars", "signature",
        ):
            d[key] = m.get(key)
        return d

    def list_documents(self) -> list[dict[str, Any]]:
        docs = [self._doc_dict(i, m) for i, m in self._manifest()]
        return sorted(docs, key=lambda d: (d.get("source") or "", d["doc_id"]))

    def get_document(self, doc_id: str) -> dict[str, Any] | None:
        with _chroma_errors("reading the manifest", self.where):
            got = self._docs.get(ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            return None
        return self._doc_dict(got["ids"][0], got["metadatas"][0])

    def find_by_content_hash(self, content_hash: str) -> dict[str, Any] | None:
        with _chroma_errors("reading the manifest", self.where):
            got = self._docs.get(where={"content_hash": content_hash}, include=["metadatas"])
        if not got["ids"]:
            return None
        docs = sorted(
            (self._doc_dict(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True)),
            key=lambda d: d.get("source") or "",
        )
        return docs[0]

    def generation(self) -> str:
        """A hash of the committed (doc_id, doc_key) set; "empty" when there is none."""
        manifest = self._manifest()
        gen = _generation_of(manifest)
        # kept for the search that follows within the same question (one manifest read less)
        self._last_manifest = (gen, manifest)
        return gen

    # --- other processes writing the same embedded store --------------------------------
    def _note_own_write(self) -> None:
        """Remember a generation this process made (its Chroma client saw those writes)."""
        gen = self.generation()
        with _WRITES_LOCK:
            _OWN_GENERATIONS.setdefault(self.where, set()).add(gen)
        self._seen_generation = gen

    def _follow_other_writers(self, generation: str) -> None:
        """Re-open the embedded client when another process changed the store.

        Embedded Chroma keeps each collection's vector index in memory per process: after a
        `policyqa ingest` in another process (while the web app runs), this process's index
        lacks the new vectors and a filtered query fails ("Error finding id"). The manifest
        (SQLite) is always current, so a generation this process did not write means: reload.
        """
        if self._reopen is None or generation == self._seen_generation:
            return
        with _WRITES_LOCK:
            ours = generation in _OWN_GENERATIONS.get(self.where, set())
        if not ours:
            self._reload()
        self._seen_generation = generation

    def _reload(self) -> None:
        assert self._reopen is not None
        with _WRITES_LOCK, _chroma_errors("re-opening the store", self.where):
            old, self.client = self.client, self._reopen()
            _close_client(old)
            for attr, name in (
                ("_chunks", self._chunks_name), ("_docs", self._docs_name),
                ("_records", self._records_name),
            ):  # fmt: skip
                setattr(self, attr, self.client.get_collection(name, embedding_function=None))

    # --- writing --------------------------------------------------------------------------
    @staticmethod
    def chunk_id(meta: DocumentMeta, index: int) -> str:
        return f"{doc_key_of(meta)}:{index}"

    @staticmethod
    def chunk_metadata(meta: DocumentMeta, chunk: Chunk, embedded_text_hash: str) -> dict[str, Any]:
        values: dict[str, Any] = {f: getattr(meta, f) for f in _META_CHUNK_FIELDS}
        values.update(
            doc_key=doc_key_of(meta),
            year=meta.year,
            section=chunk.section or "",
            start=chunk.start,
            end=chunk.end,
            index=chunk.index,
            tokens=chunk.tokens,
            text_hash=embedded_text_hash,
            page=chunk.page,  # formats with pages only (None is left out)
            page_end=chunk.page_end,
        )
        values.update(_year_fields(meta.years))
        # How the document's title, issuer, region, date and years were found (stated /
        # inferred / unknown): citations quote only what is stated.
        for key in PROVENANCE_KEYS:
            values[f"{key}_status"] = (meta.provenance or {}).get(key)
        return _flat(values)

    def stage_chunks(
        self,
        meta: DocumentMeta,
        chunks: Sequence[Chunk],
        embeddings: Sequence[Sequence[float]],
        text_hashes: Sequence[str] | None = None,
    ) -> None:
        """Write chunks of a not-yet-committed version (invisible until :meth:`publish`).

        ``text_hashes`` are the hashes of the texts that were embedded (default: chunk text).
        Idempotent (upsert), so a retried or resumed write is harmless.
        """
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        hashes = list(text_hashes) if text_hashes is not None else [text_hash(c.text) for c in chunks]
        for vec in embeddings[:1]:
            if self.embedding_dim and len(vec) != self.embedding_dim:
                raise EmbedderMismatchError(
                    f"the embedder gives {len(vec)}-dimensional vectors, but the store "
                    f"{self.where} holds {self.embedding_dim}-dimensional ones "
                    f"({self.embedding_model})",
                    "re-index with `policyqa ingest --rebuild PATH`, or use a new --store DIR",
                )
        for lo in range(0, len(chunks), _WRITE_BATCH):
            part = chunks[lo : lo + _WRITE_BATCH]
            with _chroma_errors(f"writing chunks of {meta.source}", self.where):
                self._chunks.upsert(
                    ids=[self.chunk_id(meta, c.index) for c in part],
                    embeddings=[list(map(float, v)) for v in embeddings[lo : lo + _WRITE_BATCH]],
                    documents=[c.text for c in part],
                    metadatas=[
                        self.chunk_metadata(meta, c, h)
                        for c, h in zip(part, hashes[lo : lo + _WRITE_BATCH], strict=True)
                    ],
                )

    def _stage_records(self, meta: DocumentMeta, records: Sequence[Record]) -> None:
        key = doc_key_of(meta)
        for lo in range(0, len(records), _WRITE_BATCH):
            part = list(records[lo : lo + _WRITE_BATCH])
            with _chroma_errors(f"writing records of {meta.source}", self.where):
                self._records.upsert(
                    ids=[f"{key}:r{lo + i}" for i in range(len(part))],
                    embeddings=[_CONST_VECTOR] * len(part),
                    documents=[r.sentence for r in part],
                    metadatas=[
                        _flat(
                            {
                                "doc_id": meta.doc_id,
                                "doc_key": key,
                                "kind": r.kind,
                                "section": r.section or "",
                                "start": r.start,
                                "end": r.end,
                                "order": lo + i,
                                "fields_json": json.dumps(r.fields, ensure_ascii=False, default=str),
                                "region": meta.region,
                                "year": meta.year,
                                "source": meta.source,
                                "page": r.page,
                            }
                        )
                        for i, r in enumerate(part)
                    ],
                )

    def publish(
        self,
        meta: DocumentMeta,
        chunk_count: int,
        records: Sequence[Record] = (),
        *,
        chars: int | None = None,
        signature: str | None = None,
    ) -> None:
        """Write the records, then commit: the manifest upsert makes the version visible.

        ``signature`` (from the pipeline) changes when anything stored for the document would
        change; a re-ingest with an equal one is "unchanged".
        """
        self._stage_records(meta, records)
        values: dict[str, Any] = {f: getattr(meta, f) for f in _DOC_FIELDS if f not in ("doc_id", "years", "header")}
        values.update(
            doc_key=doc_key_of(meta),
            year=meta.year,
            header_json=json.dumps(meta.header or {}, ensure_ascii=False),
            provenance_json=json.dumps(meta.provenance or {}, ensure_ascii=False),
            found_by_json=json.dumps(meta.found_by or {}, ensure_ascii=False),
            chunk_count=int(chunk_count),
            record_count=len(records),
            ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            chars=chars,
            signature=signature,
        )
        values.update(_year_fields(meta.years))
        with _chroma_errors(f"committing {meta.source}", self.where):
            self._docs.upsert(  # <- the commit point
                ids=[meta.doc_id],
                embeddings=[_CONST_VECTOR],
                documents=[meta.title or meta.source],
                metadatas=[_flat(values)],
            )
        self._delete_versions(meta.doc_id, keep=doc_key_of(meta))
        self._trim_version(doc_key_of(meta), chunk_count, len(records))
        self._note_own_write()
        if self._server_lock is not None:
            self._server_lock.renew()

    def _trim_version(self, key: str, chunk_count: int, record_count: int) -> None:
        """Drop chunks/records beyond the committed counts of the same version.

        Only matters when a version is rewritten in place (same content, other chunking or
        metadata): its chunk ids are reused and a shorter chunk list would leave a tail.
        """
        with _chroma_errors("trimming a rewritten version", self.where):
            self._chunks.delete(where={"$and": [{"doc_key": key}, {"index": {"$gte": chunk_count}}]})
            self._records.delete(where={"$and": [{"doc_key": key}, {"order": {"$gte": record_count}}]})

    def _delete_versions(self, doc_id: str, keep: str | None) -> None:
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep is not None:
            where = {"$and": [{"doc_id": doc_id}, {"doc_key": {"$ne": keep}}]}
        with _chroma_errors("deleting an old version", self.where):
            self._chunks.delete(where=where)
            self._records.delete(where=where)

    def delete_document(self, doc_id: str) -> None:
        """Un-commit first (the document disappears at once), then drop its data."""
        self.uncommit(doc_id)
        self._delete_versions(doc_id, keep=None)

    def uncommit(self, doc_id: str) -> None:
        """Remove a document from the manifest only: invisible at once, its data left for
        :meth:`collect_garbage` (ingest keeps the vectors of pruned files until the end of a
        run, so a moved file is re-indexed without embedding it again)."""
        with _chroma_errors("deleting a document", self.where):
            self._docs.delete(ids=[doc_id])
        self._note_own_write()

    def collect_garbage(self) -> int:
        """Delete chunks and records no committed version owns (an interrupted commit's)."""
        keys = self._active_keys()
        removed = 0
        for collection in (self._chunks, self._records):
            with _chroma_errors("collecting leftovers", self.where):
                if keys:
                    got = collection.get(where={"doc_key": {"$nin": keys}}, include=[])
                else:
                    got = collection.get(include=[])
                ids = got["ids"]
                _delete_ids(collection, ids)
            removed += len(ids)
        return removed

    @contextlib.contextmanager
    def writer_lock(self, timeout_s: float, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
        """On a Chroma server, a lock held in the server (vectorstore/server_lock.py), so two
        machines' ingests never interleave their commits; embedded and memory stores are
        guarded by the store directory's file lock alone (one machine)."""
        if not self.server:
            yield
            return
        lock = ServerLock(self.client, self.prefix, self.where, owner=str(self.home))
        lock.acquire(timeout_s, waiting)
        self._server_lock = lock
        try:
            yield
        finally:
            self._server_lock = None
            lock.release()

    def close(self) -> None:
        """Release the client's files and connections (an embedded store holds about 15 file
        descriptors until closed; a process that opens many stores runs out otherwise)."""
        _close_client(self.client)

    def reset(self) -> None:
        """Drop every collection of this store (``ingest --rebuild``); re-open to use it again."""
        with _chroma_errors("dropping the collections", self.where):
            for name in (self._docs_name, self._records_name, self._chunks_name):
                collection = self._get_collection(name)
                if collection is None:
                    continue
                # Chroma 1.5 keeps a dropped collection's list-valued metadata (years) and
                # lends it to the rows of the next collection made (tests/contract shows it):
                # delete the rows first, which removes it.
                _delete_ids(collection, collection.get(include=[])["ids"])
                self.client.delete_collection(name)

    # --- reading chunks -------------------------------------------------------------------
    def _visible(self, where: dict[str, Any] | None, keys: list[str]) -> dict[str, Any]:
        visible = {"doc_key": {"$in": keys}}
        return {"$and": [where, visible]} if where else visible

    def dense_search(
        self,
        query_embedding: Sequence[float],
        k: int,
        where: dict[str, Any] | None = None,
        *,
        generation: str | None = None,
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest committed chunks with cosine similarity (higher is closer)."""
        last = self._last_manifest
        if generation is not None and last is not None and last[0] == generation:
            manifest = last[1]  # the committed set the caller's question was analysed against
        else:
            manifest = self._manifest()
        keys = sorted(m["doc_key"] for _, m in manifest if m.get("doc_key"))
        if not keys or k <= 0:
            return []
        self._follow_other_writers(_generation_of(manifest))
        vector = [float(x) for x in query_embedding]
        # Most of the time every row belongs to a committed document (staged and stale rows
        # live only while an ingest runs or until a crashed one is cleaned up), and Chroma's
        # doc_key $in [every committed version] filter costs more than the search itself (about
        # 50 of 60 ms at 10x the sample corpus). So search without it first; if any of the
        # nearest rows is not committed, search again with it. Either way the result is the
        # nearest committed rows.
        visible = set(keys)
        got = self._query_fresh(vector, k, where)
        if not all(m.get("doc_key") in visible for m in got["metadatas"][0]):
            got = self._query_fresh(vector, k, self._visible(where, keys))
        out = []
        for cid, text, meta, dist in zip(
            got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0],
            strict=True,
        ):
            out.append((StoredChunk(cid, text, dict(meta)), 1.0 - float(dist)))
        return out

    def _query_fresh(self, vector: list[float], k: int, where: dict[str, Any] | None) -> Any:
        try:
            return self._query(vector, k, where)
        except StoreError as exc:
            if self._reopen is None or "Error finding id" not in str(exc):
                raise
            self._reload()  # another process wrote since our last look: once more, fresh
            return self._query(vector, k, where)

    def _query(self, vector: list[float], k: int, where: dict[str, Any] | None) -> Any:
        with _chroma_errors("searching", self.where):
            return self._chunks.query(
                query_embeddings=[vector],
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            )

    def get_chunks(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Committed chunks by id, in the order asked; unknown or invisible ids are left out."""
        keys = self._active_keys()
        if not keys or not ids:
            return []
        found: dict[str, StoredChunk] = {}
        for lo in range(0, len(ids), _READ_BATCH):
            part = list(dict.fromkeys(ids[lo : lo + _READ_BATCH]))
            with _chroma_errors("reading chunks", self.where):
                got = self._chunks.get(
                    ids=part, where=self._visible(None, keys), include=["documents", "metadatas"]
                )
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                found[cid] = StoredChunk(cid, text, dict(meta))
        return [found[i] for i in ids if i in found]

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every committed chunk, in (doc_id, index) order."""
        for _doc_id, doc_key, _version in self.committed_versions():
            yield from self.document_chunks(doc_key)

    def committed_versions(self) -> list[tuple[str, str, str]]:
        """(doc_id, doc_key, version) of every committed document, by doc_id. ``version``
        changes whenever anything stored for the document changes (its signature), so an index
        derived per document can keep what it built for an unchanged one."""
        return sorted(
            (doc_id, m["doc_key"], f"{m['doc_key']}|{m.get('signature') or ''}")
            for doc_id, m in self._manifest() if m.get("doc_key")
        )

    def document_chunks(self, doc_key: str) -> list[StoredChunk]:
        """The chunks of one document version, in index order."""
        with _chroma_errors("reading chunks", self.where):
            got = self._chunks.get(where={"doc_key": doc_key}, include=["documents", "metadatas"])
        rows = sorted(
            zip(got["ids"], got["documents"], got["metadatas"], strict=True),
            key=lambda r: int(r[2].get("index", 0)),
        )
        return [StoredChunk(cid, text, dict(meta)) for cid, text, meta in rows]

    def embeddings_for_texts(self, text_hashes: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors by text hash, so ingest never embeds the same text twice."""
        out: dict[str, list[float]] = {}
        wanted = list(dict.fromkeys(text_hashes))
        for lo in range(0, len(wanted), _READ_BATCH):
            part = wanted[lo : lo + _READ_BATCH]
            with _chroma_errors("reading stored vectors", self.where):
                got = self._chunks.get(
                    where={"text_hash": {"$in": part}}, include=["metadatas", "embeddings"]
                )
            for meta, vec in zip(got["metadatas"], got["embeddings"], strict=True):
                out.setdefault(meta["text_hash"], [float(x) for x in vec])
        return out

    # --- records --------------------------------------------------------------------------
    def list_records(self, kind: str | None = None) -> list[Record]:
        manifest = dict(self._manifest())
        keys = sorted(m["doc_key"] for m in manifest.values())
        if not keys:
            return []
        where = self._visible({"kind": kind} if kind else None, keys)
        with _chroma_errors("reading records", self.where):
            got = self._records.get(where=where, include=["documents", "metadatas"])
        records = []
        for text, m in zip(got["documents"], got["metadatas"], strict=True):
            doc = self._doc_dict(m["doc_id"], manifest.get(m["doc_id"], {}))
            records.append(
                Record(
                    kind=m["kind"],
                    sentence=text,
                    section=m.get("section", ""),
                    start=int(m.get("start", 0)),
                    end=int(m.get("end", 0)),
                    fields=json.loads(m.get("fields_json") or "{}"),
                    doc_id=m["doc_id"],
                    source=doc.get("source") or "",
                    title=doc.get("title") or "",
                    region=doc.get("region"),
                    date=doc.get("date"),
                    year=doc.get("year"),
                    parent_region=doc.get("parent_region"),
                    provenance=dict(doc.get("provenance") or {}),
                    page=int(m["page"]) if m.get("page") is not None else None,
                )
            )
        records.sort(key=lambda r: (r.source, r.start, r.kind))
        return records

    # --- checks ---------------------------------------------------------------------------
    def verify(self) -> list[str]:
        """Problems with the committed state (empty list: consistent). Used by tests and docs."""
        problems = []
        for doc_id, m in self._manifest():
            key = m.get("doc_key")
            with _chroma_errors("checking", self.where):
                chunks = self._chunks.get(where={"doc_key": key}, include=["metadatas"])
                recs = self._records.get(where={"doc_key": key}, include=[])
            n = len(chunks["ids"])
            if n != m.get("chunk_count"):
                problems.append(f"{m.get('source')}: {n} chunks stored, manifest says {m.get('chunk_count')}")
            indexes = sorted(int(x.get("index", -1)) for x in chunks["metadatas"])
            if indexes != list(range(n)):
                problems.append(f"{m.get('source')}: chunk indexes are not 0..{n - 1}")
            if len(recs["ids"]) != m.get("record_count", 0):
                problems.append(
                    f"{m.get('source')}: {len(recs['ids'])} records stored, "
                    f"manifest says {m.get('record_count')}"
                )
            if not str(key).startswith(f"{doc_id}:"):
                problems.append(f"{m.get('source')}: doc_key {key} does not belong to {doc_id}")
        return problems

    def stats(self) -> dict[str, int]:
        """Raw counts, including invisible leftovers (for tests and diagnostics)."""
        with _chroma_errors("counting", self.where):
            return {
                "documents": self._count(self._docs),
                "chunks": self._count(self._chunks),
                "records": self._count(self._records),
            }


def _client_for(settings: Settings, create: bool) -> tuple[Any, str]:
    url = settings.store.chroma_url
    if settings.store.backend == "memory":
        name = url or str(Path(settings.home).expanduser())
        return memory_client(name), f"memory:{name}"

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(
                f"cannot use Chroma server URL {url!r}",
                "set POLICYQA_STORE__CHROMA_URL to http://HOST:PORT (e.g. http://127.0.0.1:8000)",
            )
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=port,
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {url}: {type(exc).__name__}: {exc}",
                "start it (`chroma run --path DIR --port PORT`) or unset "
                "POLICYQA_STORE__CHROMA_URL to use the embedded store",
            ) from exc
        return client, url
    path = Path(settings.home).expanduser() / "chroma"
    if not path.is_dir():
        if not create:
            raise EmptyStoreError(
                f"no store at {settings.home} (nothing has been ingested there)",
                "run `policyqa ingest PATH` first, or pass --store DIR of an existing store",
            )
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store directory {path}: {exc.strerror or exc}",
                "choose a writable directory with --store DIR (or POLICYQA_HOME)",
            ) from exc
    try:
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(
            f"cannot open the Chroma store in {path}: {type(exc).__name__}: {exc}",
            "check permissions and free space; if it is damaged, move it away and re-ingest "
            "(`policyqa ingest --rebuild PATH`)",
        ) from exc
    return client, str(path)


def _fresh_persistent_client(path: str) -> Any:
    """A new embedded client that reads the directory again (not chromadb's cached one).

    chromadb shares one "system" per directory in a process; dropping it from that cache
    (a private map, pinned chromadb 1.5) makes the next client load the on-disk state.
    Clients already handed out keep their own system and go on working.
    """
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    cache = getattr(SharedSystemClient, "_identifier_to_system", None)
    if isinstance(cache, dict):
        cache.pop(path, None)
    return chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))


def open_store(settings: Settings, embeddings: Embeddings | None, *, create: bool) -> ChromaStore:
    """Open (or with ``create``, create) the store the settings point at.

    ``embeddings`` is the embedder that will write or query it; its model must be the one the
    store was built with. Pass ``None`` to only read documents and chunks (``policyqa docs``).
    Raises :class:`EmptyStoreError` when nothing was ingested and ``create`` is False.
    """
    client, where = _client_for(settings, create)
    home = Path(settings.home).expanduser()
    embedded = not settings.store.chroma_url and settings.store.backend == "chroma"
    return ChromaStore(
        client,
        prefix=settings.store.collection_prefix,
        home=home,
        where=where,
        embeddings=embeddings,
        create=create,
        reopen=(lambda: _fresh_persistent_client(where)) if embedded else None,
        server=bool(settings.store.chroma_url) and settings.store.backend == "chroma",
    )
