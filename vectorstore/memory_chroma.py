"""An in-process stand-in for the part of Chroma's client API that ``ChromaStore`` uses.

``store.backend = "memory"`` (settings) opens :class:`vectorstore.chroma_store.ChromaStore` on a
:class:`MemoryClient` instead of a Chroma client, for fast tests: no SQLite, no HNSW, exact
nearest neighbours. Never the default. Everything above the client (versions, the manifest as
commit point, garbage collection) is the same code the real store runs, so the fake can only
drift in what it imitates, and that is pinned down by the store contract suite
(``tests/contract``), which runs the same cases on embedded Chroma, a Chroma server and this.

The where-clause language is interpreted here on its own (``matches``), not by calling the
retrieval filters it stands behind: ``tests/contract/test_where_semantics.py`` checks it against
real Chroma over generated metadata.

Data lives as long as the process; clients are shared by name (the store directory), so a CLI
command run in-process after an ``ingest`` in the same process sees what was ingested.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

Metadata = dict[str, Any]
Where = Mapping[str, Any]

_SCALARS = (str, int, float, bool)
# Chroma's rule for collection names
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")
_COMPARISONS = ("$gt", "$gte", "$lt", "$lte")


class MemoryNotFoundError(ValueError):
    """A collection that does not exist (Chroma raises NotFoundError, a ValueError too)."""


def _check_metadata(meta: Mapping[str, Any]) -> None:
    """Chroma accepts str / int / float / bool values, non-empty lists of one such type, and
    None (which stores nothing, and on an update removes the key)."""
    for key, value in meta.items():
        if value is None:
            continue
        if isinstance(value, list):
            if not value or not all(isinstance(v, _SCALARS) for v in value):
                raise ValueError(f"metadata {key!r}: a list must be non-empty, of str/int/float/bool")
        elif not isinstance(value, _SCALARS):
            raise ValueError(f"metadata {key!r}: {type(value).__name__} is not a str/int/float/bool")


def _kind(v: Any) -> str:
    """Chroma compares strings with strings and numbers with numbers; bools only with bools."""
    return "bool" if isinstance(v, bool) else "str" if isinstance(v, str) else "num"


def _same_type(a: Any, b: Any) -> bool:
    return _kind(a) == _kind(b)


def _holds(value: Any, present: bool, operand: Any) -> bool:
    """Is ``operand`` an element of the array field ``value``?"""
    return present and isinstance(value, list) and any(_same_type(v, operand) and v == operand for v in value)


def _field_matches(value: Any, present: bool, op: str, operand: Any) -> bool:
    if op == "$contains":
        return _holds(value, present, operand)
    if op == "$not_contains":
        return not _holds(value, present, operand)
    if isinstance(value, list):
        # scalar operators on an array field look at its elements (Chroma 1.x)
        if op in ("$ne", "$nin"):
            return all(_field_matches(v, True, op, operand) for v in value)
        return any(_field_matches(v, True, op, operand) for v in value)
    if op == "$eq":
        return present and _same_type(value, operand) and value == operand
    if op == "$ne":
        return not (present and _same_type(value, operand) and value == operand)
    if op in ("$in", "$nin"):
        # (kind, value) pairs: 1 == 1.0 as in Chroma, but 1 != True and "1" != 1
        found = present and (_kind(value), value) in {(_kind(o), o) for o in operand}
        return found if op == "$in" else not found
    if op in _COMPARISONS:
        if not present or isinstance(value, (str, bool)) or isinstance(operand, (str, bool)):
            return False
        return {
            "$gt": value > operand, "$gte": value >= operand,
            "$lt": value < operand, "$lte": value <= operand,
        }[op]  # fmt: skip
    raise ValueError(f"unsupported where operator {op!r}")


def matches(where: Where | None, meta: Mapping[str, Any]) -> bool:
    """Does a record's metadata satisfy a Chroma where-clause?"""
    if not where:
        return True
    if len(where) != 1:
        # Chroma wants several conditions spelled out with $and
        return all(matches({k: v}, meta) for k, v in where.items())
    (key, cond), = where.items()
    if key == "$and":
        return all(matches(c, meta) for c in cond)
    if key == "$or":
        return any(matches(c, meta) for c in cond)
    if key.startswith("$"):
        raise ValueError(f"unsupported where operator {key!r}")
    present = key in meta
    value = meta.get(key)
    if isinstance(cond, Mapping):
        if len(cond) != 1:
            raise ValueError(f"where clause on {key!r} needs exactly one operator, got {list(cond)}")
        (op, operand), = cond.items()
        return _field_matches(value, present, op, operand)
    return _field_matches(value, present, "$eq", cond)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


# Selections kept per collection: a question's where clause is usually the one the last
# question used (same generation, same filters), and evaluating it row by row in Python over
# thousands of rows would be most of a fast test's time.
_SELECTIONS_KEPT = 32


class MemoryCollection:
    """One collection: ids in insertion order, with documents, metadata and vectors."""

    def __init__(self, name: str, metadata: Metadata | None, configuration: Metadata | None) -> None:
        self.name = name
        self.metadata: Metadata | None = dict(metadata) if metadata else None
        self.configuration: Metadata = copy.deepcopy(configuration or {})
        self._rows: dict[str, tuple[str | None, Metadata, list[float]]] = {}
        self._dim: int | None = None
        self._lock = threading.RLock()
        self._version = 0  # bumped by every write; keys the caches below
        self._selections: OrderedDict[tuple[int, str], list[str]] = OrderedDict()
        self._matrix: tuple[int, dict[str, int], np.ndarray] | None = None

    # --- writing ----------------------------------------------------------------------------
    def upsert(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        documents: Sequence[str] | None = None,
        metadatas: Sequence[Metadata] | None = None,
    ) -> None:
        if len(set(ids)) != len(ids):
            raise ValueError("upsert: duplicate ids in one call")
        if len(embeddings) != len(ids):
            raise ValueError(f"upsert: {len(ids)} ids but {len(embeddings)} embeddings")
        for meta in metadatas or ():
            _check_metadata(meta)
        with self._lock:
            for n, cid in enumerate(ids):
                vec = [float(x) for x in embeddings[n]]
                if self._dim is None:
                    self._dim = len(vec)
                elif len(vec) != self._dim:
                    raise ValueError(
                        f"Collection expecting embedding with dimension of {self._dim}, got {len(vec)}"
                    )
                doc = documents[n] if documents is not None else None
                # Chroma's upsert of an existing id merges: keys left out keep their value,
                # keys sent as None are removed.
                old = self._rows.pop(cid, None)  # and the row moves to the end (Chroma's seq ids)
                meta = dict(old[1]) if old is not None else {}
                for key, value in (metadatas[n] if metadatas is not None else {}).items():
                    if value is None:
                        meta.pop(key, None)
                    else:
                        meta[key] = value
                if doc is None and old is not None:
                    doc = old[0]
                self._rows[cid] = (doc, meta, vec)
            self._version += 1

    def delete(self, ids: Sequence[str] | None = None, where: Where | None = None) -> None:
        with self._lock:
            for cid in self._select(ids, where):
                del self._rows[cid]
            self._version += 1

    def modify(self, metadata: Metadata | None = None, configuration: Metadata | None = None) -> None:
        with self._lock:
            if metadata is not None:
                self.metadata = dict(metadata)
            for section, values in (configuration or {}).items():
                self.configuration.setdefault(section, {}).update(values)

    # --- reading ----------------------------------------------------------------------------
    def count(self) -> int:
        return len(self._rows)

    def _select(self, ids: Sequence[str] | None, where: Where | None) -> list[str]:
        if ids is not None:
            wanted = [i for i in dict.fromkeys(ids) if i in self._rows]
            return [i for i in wanted if matches(where, self._rows[i][1])]
        key = (self._version, json.dumps(where, sort_keys=True, ensure_ascii=False))
        if key not in self._selections:
            self._selections[key] = [i for i, row in self._rows.items() if matches(where, row[1])]
            while len(self._selections) > _SELECTIONS_KEPT:
                self._selections.popitem(last=False)
        self._selections.move_to_end(key)
        return list(self._selections[key])  # a copy: callers get to keep (and change) theirs

    def _unit_vectors(self) -> tuple[dict[str, int], np.ndarray]:
        """Every row's vector, scaled to length 1, and each id's row in that matrix."""
        if self._matrix is None or self._matrix[0] != self._version:
            index = {cid: n for n, cid in enumerate(self._rows)}
            dim = self._dim or 0
            vectors = np.array([row[2] for row in self._rows.values()], dtype=np.float64).reshape(-1, dim)
            self._matrix = (self._version, index, _unit(vectors))
        return self._matrix[1], self._matrix[2]

    def get(
        self,
        ids: Sequence[str] | None = None,
        where: Where | None = None,
        include: Sequence[str] = ("documents", "metadatas"),
    ) -> dict[str, Any]:
        with self._lock:
            chosen = self._select(ids, where)
            rows = [self._rows[i] for i in chosen]
        return {
            "ids": chosen,
            "documents": [r[0] for r in rows] if "documents" in include else None,
            "metadatas": [dict(r[1]) for r in rows] if "metadatas" in include else None,
            "embeddings": [list(r[2]) for r in rows] if "embeddings" in include else None,
        }

    def query(
        self,
        query_embeddings: Sequence[Sequence[float]],
        n_results: int = 10,
        where: Where | None = None,
        include: Sequence[str] = ("documents", "metadatas", "distances"),
    ) -> dict[str, Any]:
        """Exact cosine nearest neighbours (the store's collections use the cosine space)."""
        out: dict[str, list[list[Any]]] = {"ids": [], "documents": [], "metadatas": [], "distances": []}
        with self._lock:
            chosen = self._select(None, where)
            index, unit = self._unit_vectors()
            rows = unit[[index[cid] for cid in chosen]] if chosen else np.zeros((0, self._dim or 0))
            for vector in query_embeddings:
                if self._dim is not None and len(vector) != self._dim:
                    raise ValueError(
                        f"Collection expecting embedding with dimension of {self._dim}, got {len(vector)}"
                    )
                distances = 1.0 - rows @ _unit(np.asarray(vector, dtype=np.float64))
                # nearest first; equal distances in id order, so results never depend on timing
                order = sorted(range(len(chosen)), key=lambda n: (distances[n], chosen[n]))[: max(n_results, 0)]
                out["ids"].append([chosen[n] for n in order])
                out["documents"].append([self._rows[chosen[n]][0] for n in order])
                out["metadatas"].append([dict(self._rows[chosen[n]][1]) for n in order])
                out["distances"].append([float(distances[n]) for n in order])
        return cast(dict[str, Any], {k: v for k, v in out.items() if k == "ids" or k in include})


class MemoryClient:
    """The client calls ChromaStore makes: get / create / delete a collection, heartbeat."""

    def __init__(self) -> None:
        self._collections: dict[str, MemoryCollection] = {}
        self._lock = threading.Lock()

    def heartbeat(self) -> int:
        return 1

    def close(self) -> None:
        """Nothing to release (the data stays for the process, like a server's)."""

    def get_collection(self, name: str, embedding_function: object = None) -> MemoryCollection:
        try:
            return self._collections[name]
        except KeyError:
            raise MemoryNotFoundError(f"Collection [{name}] does not exist") from None

    def create_collection(
        self,
        name: str,
        metadata: Metadata | None = None,
        configuration: Metadata | None = None,
        embedding_function: object = None,
    ) -> MemoryCollection:
        if not _NAME.match(name):
            raise ValueError(
                f"Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and "
                f"ending with a character in [a-zA-Z0-9]. Got: {name}"
            )
        with self._lock:
            if name in self._collections:
                raise ValueError(f"Collection [{name}] already exists")
            self._collections[name] = MemoryCollection(name, metadata, configuration)
            return self._collections[name]

    def delete_collection(self, name: str) -> None:
        with self._lock:
            if self._collections.pop(name, None) is None:
                raise MemoryNotFoundError(f"Collection [{name}] does not exist")


_CLIENTS: dict[str, MemoryClient] = {}
_CLIENTS_LOCK = threading.Lock()


def memory_client(name: str) -> MemoryClient:
    """The process's client for one store location (created on first use)."""
    with _CLIENTS_LOCK:
        return _CLIENTS.setdefault(name, MemoryClient())


def forget(name: str | None = None) -> None:
    """Drop one store's data (or every store's), e.g. between tests."""
    with _CLIENTS_LOCK:
        if name is None:
            _CLIENTS.clear()
        else:
            _CLIENTS.pop(name, None)
