"""Baselines measured in the same run as PolicyQA (``policyqa eval --compare naive,bm25``).

``naive``: what a user builds from a LangChain tutorial with Langchain-Chatchat's defaults:
the raw decoded text of each document (H1's loader for decoding; no cleaning, no structure),
``RecursiveCharacterTextSplitter`` with 750-character chunks, 150 overlap and Chatchat's
Chinese separators, dense-only Chroma search with the same embedder, top 3
(Chatchat's ``VECTOR_SEARCH_TOP_K``); the "answer" is the top passages joined.

``bm25``: jieba + BM25 only (``vectorstore.tokenize`` + ``bm25s``) over PolicyQA's own chunks;
the answer is the top k passages joined.

Neither abstains and neither reads follow-up history or filters: that is what they are.

The naive index is built once into its own Chroma collection under ``<store>/baselines/`` and
reused while the corpus files, the chunking parameters and the embedder stay the same (the
cache key hashes all three), so a second eval run embeds nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.eval.answerers import Attempt, RetrievedPassage, Turn
from common.errors import ConfigError, PolicyQAError, StoreError
from common.settings import IngestSettings
from ingest.loaders import load_file
from vectorstore.base import PolicyStore
from vectorstore.embeddings import embedder_fingerprint
from vectorstore.tokenize import tokenize as policyqa_tokenize

log = logging.getLogger(__name__)

BASELINES = ("naive", "bm25")

# Langchain-Chatchat's ChineseRecursiveTextSplitter separators (regexes, separator kept at the
# end of the piece before it), plus "" so no chunk can exceed chunk_size.
CHATCHAT_SEPARATORS = (
    "\n\n",
    "\n",
    "。|！|？",
    r"\.\s|\!\s|\?\s",
    r"；|;\s",
    r"，|,\s",
    "",
)
NAIVE_CHUNK_SIZE = 750
NAIVE_CHUNK_OVERLAP = 150
NAIVE_TOP_K = 3
_EMBED_BATCH = 16
_COLLECTION_PREFIX = "naive_"

Progress = Callable[[int, int], None]  # (done, total)


def parse_baselines(value: str | None) -> list[str]:
    """``"naive,bm25"`` -> ``["naive", "bm25"]``; unknown names are a ConfigError."""
    if not value:
        return []
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in BASELINES]
    if unknown:
        raise ConfigError(
            f"unknown baseline {unknown[0]!r}",
            f"--compare takes a comma-separated list of: {', '.join(BASELINES)}",
        )
    return list(dict.fromkeys(names))


def _joined(passages: Sequence[RetrievedPassage]) -> str:
    return "\n\n".join(p.text for p in passages)


# --------------------------------------------------------------------------- naive (Chatchat)
@dataclass(frozen=True)
class SourceFile:
    """A document as the naive pipeline sees it: its cited name and the file on disk."""

    source: str
    path: Path


def split_naive(
    text: str,
    *,
    chunk_size: int = NAIVE_CHUNK_SIZE,
    chunk_overlap: int = NAIVE_CHUNK_OVERLAP,
    separators: Sequence[str] = CHATCHAT_SEPARATORS,
) -> list[str]:
    """The tutorial splitter: LangChain's RecursiveCharacterTextSplitter, Chatchat settings."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        separators=list(separators),
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
    )
    return [c for c in splitter.split_text(text) if c.strip()]


def loader_reader(ingest_settings: IngestSettings) -> Callable[[Path], str]:
    """Decode files with PolicyQA's own loader (encoding detection, HTML/PDF/DOCX text),
    without cleaning: the naive pipeline gets the same raw text a tutorial loader would."""

    def read(path: Path) -> str:
        return load_file(path, ingest_settings).text

    return read


def _read_utf8(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _embedder_id(embeddings: Embeddings) -> str:
    try:
        return embedder_fingerprint(embeddings)
    except Exception:  # an embedder without model_name (tests): its class is the best we know
        return f"{getattr(embeddings, 'model_name', type(embeddings).__name__)}"


class NaiveIndex:
    """The naive baseline's Chroma collection, built on first use and cached by content."""

    def __init__(
        self,
        directory: Path,
        files: Iterable[SourceFile],
        embeddings: Embeddings,
        *,
        chunk_size: int = NAIVE_CHUNK_SIZE,
        chunk_overlap: int = NAIVE_CHUNK_OVERLAP,
        separators: Sequence[str] = CHATCHAT_SEPARATORS,
        reader: Callable[[Path], str] = _read_utf8,
    ) -> None:
        self.directory = Path(directory)
        self.files = sorted(files, key=lambda f: f.source)
        self.embeddings = embeddings
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.separators = tuple(separators)
        self.reader = reader
        self.missing: list[str] = []  # sources whose files are gone
        self.embedded = 0  # chunks embedded by this object (0 when the cache was used)
        self.chunks = 0
        self._collection: Any = None
        self._hashes: dict[str, str] | None = None

    # -- cache key --------------------------------------------------------------------------
    def _file_hashes(self) -> dict[str, str]:
        if self._hashes is None:
            hashes = {}
            for f in self.files:
                try:
                    hashes[f.source] = hashlib.sha256(f.path.read_bytes()).hexdigest()
                except OSError:
                    self.missing.append(f.source)
            self._hashes = hashes
        return self._hashes

    def key(self) -> str:
        payload = {
            "files": sorted(self._file_hashes().items()),
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "separators": list(self.separators),
            "embedder": _embedder_id(self.embeddings),
            "splitter": "RecursiveCharacterTextSplitter/keep_separator=end/v1",
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def collection_name(self) -> str:
        return f"{_COLLECTION_PREFIX}{self.key()[:24]}"

    # -- build / open -----------------------------------------------------------------------
    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(
                path=str(self.directory), settings=ChromaSettings(anonymized_telemetry=False)
            )
        except Exception as exc:
            raise StoreError(
                f"cannot open the baseline index in {self.directory}: {type(exc).__name__}: {exc}",
                "check that the store directory is writable, or delete its baselines/ folder",
            ) from exc

    def _chunk_all(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        ids, texts, metas = [], [], []
        hashes = self._file_hashes()
        for f in self.files:
            if f.source not in hashes:
                continue
            try:
                text = self.reader(f.path)
            except (PolicyQAError, OSError, UnicodeDecodeError) as exc:
                log.warning("naive baseline: cannot read %s: %s", f.path, exc)
                self.missing.append(f.source)
                continue
            for i, chunk in enumerate(
                split_naive(
                    text,
                    chunk_size=self.chunk_size,
                    chunk_overlap=self.chunk_overlap,
                    separators=self.separators,
                )
            ):
                # source in the id too: two files with the same bytes are still two documents
                src = hashlib.sha1(f.source.encode("utf-8")).hexdigest()[:8]
                ids.append(f"{src}-{hashes[f.source][:12]}-{i}")
                texts.append(chunk)
                metas.append({"source": f.source, "index": i})
        return ids, texts, metas

    def ensure(self, progress: Progress | None = None) -> Any:
        """The collection, built now unless a complete one with the same key exists."""
        if self._collection is not None:
            return self._collection
        client = self._client()
        name = self.collection_name()
        existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if name in existing:
            coll = client.get_collection(name, embedding_function=None)
            expected = (coll.metadata or {}).get("expected_chunks")
            if expected is not None and coll.count() == expected:
                self.chunks = int(expected)
                self._collection = coll
                log.info("naive baseline: reusing %s (%d chunks)", name, expected)
                return coll
            client.delete_collection(name)  # an interrupted build: start again
        for other in existing - {name}:
            if other.startswith(_COLLECTION_PREFIX):
                client.delete_collection(other)  # an index of an older corpus or setting
        ids, texts, metas = self._chunk_all()
        if not texts:
            raise StoreError(
                "the naive baseline found no text in the store's documents",
                "ingest documents first (`policyqa ingest PATH`), and keep their files in place",
            )
        coll = client.create_collection(
            name,
            embedding_function=None,
            metadata={"expected_chunks": len(texts), "key": self.key()},
            configuration={"hnsw": {"space": "cosine"}},
        )
        done = 0
        for start in range(0, len(texts), _EMBED_BATCH):
            batch = slice(start, start + _EMBED_BATCH)
            vectors = self.embeddings.embed_documents(texts[batch])
            coll.add(ids=ids[batch], documents=texts[batch], metadatas=metas[batch], embeddings=vectors)
            done += len(texts[batch])
            self.embedded += len(texts[batch])
            if progress:
                progress(done, len(texts))
        self.chunks = len(texts)
        self._collection = coll
        return coll

    def search(self, query: str, n: int) -> list[RetrievedPassage]:
        coll = self.ensure()
        vec = self.embeddings.embed_query(query)
        res = coll.query(
            query_embeddings=[vec],
            n_results=max(1, min(n, self.chunks or n)),
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for text, meta, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0]):
            out.append(RetrievedPassage(source=str(meta.get("source", "")), text=text, score=1.0 - dist))
        return out


def _top_passages_as_answer(
    search: Callable[[str, int], list[RetrievedPassage]], question: str, *, used: int, depth: int
) -> Attempt:
    """What a baseline without an answerer gives: its top ``used`` passages, joined, are the
    answer and its citations; it never abstains. ``depth`` passages are kept for the rank metrics."""
    t0 = time.perf_counter()
    ranked = search(question, max(depth, used))
    top = ranked[:used]
    latency = (time.perf_counter() - t0) * 1000.0
    return Attempt(
        answer=_joined(top),
        abstained=False,
        ranked=ranked[:depth],
        cited=top,
        latency_ms=latency,
        answer_passages=top,
    )


class NaiveAnswerer:
    """Chatchat-style RAG without an LLM: the top 3 dense passages are the answer."""

    name = "naive"

    def __init__(self, index: NaiveIndex, *, top_k: int = NAIVE_TOP_K) -> None:
        self.index = index
        self.top_k = top_k

    def answer(
        self,
        question: str,
        *,
        k: int,
        depth: int,
        filters: Mapping[str, Any],
        history: Sequence[Turn],
    ) -> Attempt:
        return _top_passages_as_answer(self.index.search, question, used=self.top_k, depth=depth)

    def describe(self) -> dict[str, Any]:
        return {
            "system": "LangChain tutorial / Langchain-Chatchat defaults",
            "splitter": "RecursiveCharacterTextSplitter",
            "chunk_size": self.index.chunk_size,
            "chunk_overlap": self.index.chunk_overlap,
            "separators": list(self.index.separators),
            "text": "raw decoded files (no cleaning, no structure)",
            "search": "dense only (Chroma, cosine), same embedder",
            "top_k": self.top_k,
            "chunks": self.index.chunks,
            "embedded_this_run": self.index.embedded,
            "missing_files": list(self.index.missing),
        }


# --------------------------------------------------------------------------- bm25 only
class Bm25Answerer:
    """jieba + BM25 over PolicyQA's chunks; the top k passages are the answer."""

    name = "bm25"

    def __init__(
        self,
        chunks: Iterable[tuple[str, str]],
        tokenize: Callable[[str], list[str]] | None = None,
    ) -> None:
        """``chunks``: (source, text) pairs, e.g. from ``store.iter_chunks()``."""
        import bm25s

        self.tokenize = tokenize if tokenize is not None else policyqa_tokenize
        self.passages = [RetrievedPassage(source=s, text=t) for s, t in chunks]
        if not self.passages:
            raise StoreError(
                "the bm25 baseline found no chunks in the store",
                "run `policyqa ingest PATH` first, or pass --store DIR of an ingested store",
            )
        corpus = [self._tokens(p.text) or [""] for p in self.passages]
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)
        self._vocab = set(self._bm25.vocab_dict)

    def _tokens(self, text: str) -> list[str]:
        return [t for t in self.tokenize(text) if t.strip()]

    def search(self, query: str, n: int) -> list[RetrievedPassage]:
        tokens = [t for t in self._tokens(query) if t in self._vocab]
        if not tokens:
            return []
        n = min(n, len(self.passages))
        ids, scores = self._bm25.retrieve([tokens], k=n, show_progress=False)
        out = []
        for i, s in zip(ids[0], scores[0]):
            if s <= 0:
                break  # no shared term: not a match, just the rest of the corpus
            p = self.passages[int(i)]
            out.append(RetrievedPassage(source=p.source, text=p.text, score=float(s)))
        return out

    def answer(
        self,
        question: str,
        *,
        k: int,
        depth: int,
        filters: Mapping[str, Any],
        history: Sequence[Turn],
    ) -> Attempt:
        return _top_passages_as_answer(self.search, question, used=k, depth=depth)

    def describe(self) -> dict[str, Any]:
        return {
            "system": "jieba + BM25 only (bm25s) over PolicyQA's chunks",
            "chunks": len(self.passages),
            "top_k": "k (same as PolicyQA)",
        }


def store_files(store: PolicyStore) -> list[SourceFile]:
    """The documents of a PolicyQA store, as files on disk, for the naive baseline."""
    return [
        SourceFile(source=str(d.get("source")), path=Path(str(d.get("path"))))
        for d in store.list_documents()
        if d.get("source") and d.get("path")
    ]


def store_chunks(store: PolicyStore) -> list[tuple[str, str]]:
    """(source, text) of every committed chunk, for the bm25 baseline."""
    return [(str(c.metadata.get("source", "")), c.text) for c in store.iter_chunks()]


def naive_directory(home: str | Path) -> Path:
    return Path(home).expanduser() / "baselines" / "chroma"
