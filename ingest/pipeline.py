"""Ingest files and folders into the store: incremental, crash-safe, one bad file never stops it.

Per run:

1. Take the store's ingest lock (one writer per store), collect the garbage an interrupted
   earlier run left (invisible chunks/records, see ``vectorstore/chroma_store.py``), and with
   ``prune`` drop committed documents whose files are gone.
2. Prepare every file (load, clean, metadata, chunks) and decide what it is: unchanged (same
   document version already committed: nothing is embedded), a duplicate of another file's
   content (stored once), new or changed. A file that cannot be read is a failure with its
   reason and hint; the others go on.
3. For new and changed documents: reuse every stored vector whose text is already in the store,
   embed only the rest, in batches, writing each batch as it is done (invisible until the
   commit), extract records, commit. Progress is reported after every batch.

The report lists every file under one status (added / updated / unchanged / removed / duplicate
/ failed) with its reason and hint, plus counts and timings.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from common.errors import ConfigError, DependencyError, LoaderError, PolicyQAError, StoreError
from common.settings import Settings
from ingest.document import prepare_document
from ingest.models import Chunk, DocumentMeta, LoadedText
from ingest.records import extract_records
from vectorstore.base import PolicyStore, text_hash

STATUSES = ("added", "updated", "unchanged", "removed", "duplicate", "failed")


@dataclass
class FileResult:
    """What happened to one file (or one pruned document)."""

    path: str
    source: str
    status: str
    chunks: int = 0
    reason: str = ""
    hint: str = ""
    duplicate_of: str | None = None
    embedded: int = 0  # chunk texts embedded in this run
    reused: int = 0  # chunk vectors taken from the store instead
    records: int = 0
    doc_id: str | None = None
    stored: int = 0  # chunks written so far (invisible until the commit)
    pages: int = 0  # pages read (formats with pages)
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages read by OCR
    low_confidence_pages: list[int] = field(default_factory=list)  # OCR'd below the setting


@dataclass
class IngestProgress:
    """Passed to the ``progress`` callback; ``chunks_*`` count texts to embed in this run."""

    stage: str  # "waiting" | "prepare" | "embed" | "commit" | "done"
    files_done: int
    files_total: int
    chunks_done: int
    chunks_total: int
    current: str = ""
    message: str = ""


@dataclass
class IngestReport:
    added: list[FileResult] = field(default_factory=list)
    updated: list[FileResult] = field(default_factory=list)
    unchanged: list[FileResult] = field(default_factory=list)
    removed: list[FileResult] = field(default_factory=list)
    duplicate: list[FileResult] = field(default_factory=list)
    failed: list[FileResult] = field(default_factory=list)
    warnings: list[FileResult] = field(default_factory=list)  # indexed, but something to say
    files_seen: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    garbage_collected: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def add(self, result: FileResult) -> None:
        getattr(self, result.status).append(result)

    def counts(self) -> dict[str, int]:
        return {status: len(getattr(self, status)) for status in STATUSES}

    @property
    def indexed(self) -> int:
        """Files whose content is in the store after this run."""
        return len(self.added) + len(self.updated) + len(self.unchanged) + len(self.duplicate)

    def exit_code(self) -> int:
        """0 unless nothing at all could be indexed (no files, or every file failed)."""
        if self.indexed:
            return 0
        if self.removed and not self.failed:
            return 0  # a prune-only run did what it was asked
        return 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {s: [asdict(r) for r in getattr(self, s)] for s in STATUSES}
        out["warnings"] = [asdict(r) for r in self.warnings]
        out.update(
            counts=self.counts(),
            files_seen=self.files_seen,
            chunks_embedded=self.chunks_embedded,
            chunks_reused=self.chunks_reused,
            garbage_collected=self.garbage_collected,
            timings=self.timings,
        )
        return out


ProgressFn = Callable[[IngestProgress], None]


# --- what gets embedded ----------------------------------------------------------------------
# Bump when embedding_text changes: every document's signature changes with it, so the next
# ingest re-embeds stores built the old way instead of calling them unchanged.
EMBEDDING_TEXT_VERSION = 3


def embedding_text(meta: DocumentMeta, chunk: Chunk) -> str:
    """The text whose vector represents a chunk (its hash keys vector reuse).

    The chunk's text under a line with its document's region and title: "2015年全市专利申请量达
    1724件" does not say 阳江, its document does. Measured with the bundled e5, dense search
    alone over the five reports (129 questions of evals/ on them): MRR@10 0.57 -> 0.81 on
    questions.jsonl, 0.57 -> 0.77 on dev.jsonl; hit@5 0.74 -> 0.92. Adding the section path or
    the years as well measured no better. A title the document does not state (its file
    name) is left out.
    """
    region = " ".join(x for x in (meta.region, meta.parent_region) if x)
    title = meta.title if meta.stated("title") else ""  # a file name says nothing
    head = " ".join(x for x in (region, title) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text


def _signature(values: Any) -> str:
    return hashlib.sha256(
        json.dumps(values, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]


def version_signature(meta: DocumentMeta, chunks: Sequence[Chunk]) -> str:
    """Changes when anything stored for a document would change (metadata or chunking).

    A document whose content hash is unchanged but whose metadata or chunks differ (a newer
    cleaner, other chunk settings) is rewritten in place, without embedding known texts again.
    """
    m = meta.to_dict()
    m.pop("path", None)  # moving is handled by doc_id (derived from the path)
    chunk_rows = [
        (c.text, c.start, c.end, c.section, c.index, c.tokens)
        + ((c.page, c.page_end) if c.page is not None else ())  # stores made before pages stay valid
        for c in chunks
    ]
    return _signature([EMBEDDING_TEXT_VERSION, m, chunk_rows])


# --- files ---------------------------------------------------------------------------------
def _is_hidden(path: Path, root: Path) -> bool:
    rel = path.relative_to(root).parts if path != root else ()
    return any(part.startswith(".") for part in rel)


def collect_files(
    paths: Sequence[str | Path], store_dir: Path | None = None
) -> tuple[list[Path], list[FileResult]]:
    """Files under ``paths`` (recursive, sorted), skipping hidden ones and the store itself.

    A file named explicitly is taken even if hidden or inside the store (the web app keeps
    uploads in ``<store>/uploads``); a path that does not exist is a failure.
    """
    files: list[Path] = []
    missing: list[FileResult] = []
    seen: set[Path] = set()
    skip = store_dir.resolve() if store_dir is not None else None

    def take(p: Path, explicit: bool = False) -> None:
        rp = p.resolve()
        if rp not in seen and (explicit or skip is None or not rp.is_relative_to(skip)):
            seen.add(rp)
            files.append(p.absolute())

    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            root = p
            found = []
            for dirpath, dirnames, filenames in os.walk(root):
                d = Path(dirpath)
                dirnames[:] = sorted(
                    n for n in dirnames
                    if not n.startswith(".") and (skip is None or (d / n).resolve() != skip)
                )
                found.extend(d / n for n in filenames if not n.startswith("."))
            for f in sorted(found):
                if not _is_hidden(f, root):
                    take(f)
        elif p.exists() or p.is_symlink():
            take(p, explicit=True)
        else:
            missing.append(
                FileResult(
                    path=str(p), source=p.name, status="failed", reason="no such file or folder",
                    hint="check the path (relative paths start from the current directory)",
                )
            )
    return files, missing


@contextlib.contextmanager
def ingest_lock(
    home: Path, timeout: float, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """One ingest at a time per store (the CLI and the web app may both write).

    ``flock`` is released by the kernel when a process dies, so a killed ingest never leaves a
    stale lock behind.
    """
    try:
        home.mkdir(parents=True, exist_ok=True)
        fh = open(home / ".ingest.lock", "a+")
    except OSError as exc:
        raise StoreError(
            f"cannot use the store directory {home}: {exc.strerror or exc}",
            "choose a writable directory with --store DIR (or POLICYQA_HOME)",
        ) from exc
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if on_wait is not None:
                    on_wait()
                    on_wait = None  # say it once
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"another ingest into {home} is still running",
                        "wait for it to finish, or use another --store DIR",
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        fh.close()  # releases the lock


# --- the pipeline ----------------------------------------------------------------------------
@dataclass
class _Planned:
    path: Path
    meta: DocumentMeta
    text: str
    chunks: list[Chunk]
    status: str  # "added" | "updated"
    signature: str
    texts: list[str]
    hashes: list[str]
    to_embed: list[str]  # unique text hashes not in the store
    pages: dict[str, Any] = field(default_factory=dict)  # FileResult's pages / ocr_pages / ...


def _failure(path: Path, exc: BaseException) -> FileResult:
    if isinstance(exc, PolicyQAError):
        reason, hint = exc.message, exc.hint
        for prefix in (f"{path.name}: ", f"{path}: "):  # the report names the file already
            reason = reason.removeprefix(prefix)
    elif isinstance(exc, PermissionError):
        reason, hint = "permission denied", "make the file readable (chmod +r) or skip it"
    elif isinstance(exc, OSError):
        reason, hint = f"cannot read: {exc.strerror or exc}", "check the file and the disk"
    else:
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
        hint = "the file may be damaged; open it to check, or report the error with the file"
    return FileResult(path=str(path), source=path.name, status="failed", reason=reason, hint=hint)


def _page_fields(loaded: LoadedText | None) -> dict[str, Any]:
    """The FileResult fields about pages and OCR of what a loader read."""
    if loaded is None:
        return {}
    return {"pages": len(loaded.page_starts), "ocr_pages": list(loaded.ocr_pages),
            "low_confidence_pages": list(loaded.low_confidence_pages)}


def _note_pages(path: Path, source: str, loaded: LoadedText | None, report: IngestReport) -> None:
    """What the loader had to say about a file it still read (pages skipped, low OCR scores)."""
    if loaded is None:
        return
    for note in loaded.notes:
        report.warnings.append(FileResult(
            path=str(path), source=source, status="warning", reason=note,
            hint="the rest of the file is indexed",
        ))
    if loaded.low_confidence_pages:
        pages = ", ".join(map(str, loaded.low_confidence_pages))
        report.warnings.append(FileResult(
            path=str(path), source=source, status="warning",
            reason=f"OCR is unsure of page(s) {pages} (low recognition scores)",
            hint="check quotes from these pages against the original; a cleaner scan "
            "(300 dpi, straight) reads better",
            low_confidence_pages=list(loaded.low_confidence_pages),
        ))


def _prune(store: PolicyStore, paths: Sequence[str | Path], report: IngestReport) -> None:
    roots = [Path(p).expanduser().absolute() for p in paths]
    for doc in store.list_documents():
        doc_path = Path(doc.get("path") or "")
        under = any(doc_path == r or doc_path.is_relative_to(r) for r in roots)
        if under and not doc_path.exists():
            store.uncommit(doc["doc_id"])  # its data goes at the end of the run (vector reuse)
            report.add(
                FileResult(
                    path=str(doc_path), source=doc.get("source") or doc_path.name,
                    status="removed", chunks=int(doc.get("chunk_count") or 0),
                    reason="file is gone", doc_id=doc["doc_id"],
                )
            )


def _write_document(
    plan: _Planned,
    store: PolicyStore,
    embeddings: Embeddings,
    extract_records: Callable[..., list],
    vectors: dict[str, list[float]],
    batch_size: int,
    write_batch: int,
    result: FileResult,
    report: IngestReport,
    timings: dict[str, float],
    on_batch: Callable[[FileResult], None],
) -> None:
    """Stage a document's chunks (known vectors first, then new ones batch by batch), commit."""
    meta = plan.meta
    todo = list(plan.to_embed)
    planned_here = set(todo)
    missing = [h for h in dict.fromkeys(plan.hashes) if h not in vectors and h not in planned_here]
    if missing:
        vectors.update(store.embeddings_for_texts(missing))
        todo += [h for h in missing if h not in vectors]  # e.g. an earlier file failed
    todo_set = set(todo)

    pending: list[int] = []

    def stage(indexes: list[int], *, flush: bool) -> None:
        # Chroma's cost is mostly per call (2,048 chunks: 13 s in batches of 16, 2.8 s in
        # batches of 256), so embedded chunks are written in groups (settings.ingest.write_batch).
        pending.extend(indexes)
        if not pending or (not flush and len(pending) < write_batch):
            return
        t0 = time.perf_counter()
        store.stage_chunks(
            meta,
            [plan.chunks[i] for i in pending],
            [vectors[plan.hashes[i]] for i in pending],
            [plan.hashes[i] for i in pending],
        )
        timings["write"] += time.perf_counter() - t0
        result.stored += len(pending)
        pending.clear()

    known = [i for i, h in enumerate(plan.hashes) if h not in todo_set]
    stage(known, flush=False)
    result.reused = len(known)
    report.chunks_reused += len(known)
    text_of = {h: plan.texts[i] for i, h in enumerate(plan.hashes)}
    for lo in range(0, len(todo), batch_size):
        batch = todo[lo : lo + batch_size]
        t0 = time.perf_counter()
        new = embeddings.embed_documents([text_of[h] for h in batch])
        timings["embed"] += time.perf_counter() - t0
        if len(new) != len(batch):
            raise RuntimeError(f"the embedder returned {len(new)} vectors for {len(batch)} texts")
        vectors.update(zip(batch, new, strict=True))
        in_batch = set(batch)
        stage([i for i, h in enumerate(plan.hashes) if h in in_batch], flush=False)
        result.embedded += len(batch)
        report.chunks_embedded += len(batch)
        on_batch(result)
    stage([], flush=True)
    t0 = time.perf_counter()
    try:
        records = extract_records(meta, plan.text, plan.chunks)
    except Exception as exc:  # the document is still worth indexing without them
        records = []
        report.warnings.append(
            FileResult(
                path=str(plan.path), source=meta.source, status=plan.status,
                reason=f"records not extracted: {type(exc).__name__}: {exc}",
                hint="the document is indexed; commitments/subsidies miss it",
            )
        )
    timings["records"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    store.publish(
        meta, len(plan.chunks), records, chars=len(plan.text), signature=plan.signature
    )
    timings["write"] += time.perf_counter() - t0
    result.records = len(records)


def ingest_paths(
    paths: Sequence[str | Path],
    settings: Settings,
    store: PolicyStore,
    embeddings: Embeddings,
    *,
    prune: bool = False,
    progress: ProgressFn | None = None,
    lock_timeout: float | None = None,
) -> IngestReport:
    """Ingest ``paths`` (files or folders) into ``store``; see the module docstring.

    Raises :class:`StoreError` only when the store itself is unusable; every per-file problem
    ends up in the report.
    """
    t_start = time.perf_counter()
    report = IngestReport()
    timings = {"prepare": 0.0, "embed": 0.0, "write": 0.0, "records": 0.0}
    notify = progress or (lambda _p: None)

    def waiting(message: str = "another ingest into this store is running; waiting for it to finish") -> None:
        notify(IngestProgress("waiting", 0, 0, 0, 0, message=message))

    timeout = settings.ingest.lock_timeout_s if lock_timeout is None else lock_timeout
    with ingest_lock(Path(settings.home).expanduser(), timeout, waiting), store.writer_lock(timeout, waiting):
        report.garbage_collected = store.collect_garbage()
        if prune:
            _prune(store, paths, report)

        files, missing = collect_files(paths, Path(settings.home).expanduser())
        pruned = [Path(r.path) for r in report.removed]
        for result in missing:
            gone = Path(result.path).absolute()
            if not any(p == gone or p.is_relative_to(gone) for p in pruned):
                report.add(result)  # a path whose documents were just pruned is no failure
        report.files_seen = len(files)
        total = len(files)

        # Pass 1: read every file and decide what to do (no embedding yet).
        planned: list[_Planned] = []
        in_run: dict[str, str] = {}  # content hash -> source, for duplicates within this run
        for n, path in enumerate(files, 1):
            t0 = time.perf_counter()

            def on_page(done: int, pages: int, what: str, _n: int = n, _name: str = path.name) -> None:
                notify(IngestProgress("prepare", _n - 1, total, 0, 0, current=_name,
                                      message=f"{what}: page {done}/{pages}" if pages else what))

            try:
                prepared = prepare_document(path, settings, on_page=on_page)
            except (LoaderError, PolicyQAError, OSError) as exc:
                report.add(_failure(path, exc))
                continue
            except Exception as exc:  # one broken file never stops the others
                report.add(_failure(path, exc))
                continue
            finally:
                timings["prepare"] += time.perf_counter() - t0
                notify(IngestProgress("prepare", n, total, 0, 0, current=path.name))
            meta, chunks = prepared.meta, list(prepared.chunks)
            if not chunks:
                report.add(
                    FileResult(
                        path=str(path), source=path.name, status="failed",
                        reason="no text left after cleaning",
                        hint="the file holds only page chrome or whitespace; check its content",
                    )
                )
                continue
            _note_pages(path, meta.source, prepared.loaded, report)
            sig = version_signature(meta, chunks)
            existing = store.get_document(meta.doc_id)
            pages = _page_fields(prepared.loaded)
            base = dict(path=str(path), source=meta.source, chunks=len(chunks), doc_id=meta.doc_id,
                        **pages)
            if existing and existing.get("content_hash") == meta.content_hash:
                if existing.get("signature") == sig:
                    report.add(FileResult(status="unchanged", **base))
                    in_run[meta.content_hash] = meta.source
                    continue
            other = in_run.get(meta.content_hash)
            hint = "delete one of the two files if the copy is not needed"
            if other is None:
                dup = store.find_by_content_hash(meta.content_hash)
                if dup and dup["doc_id"] != meta.doc_id:
                    other = dup.get("source") or dup.get("path")
                    if dup.get("path") and not Path(dup["path"]).exists():
                        hint = (
                            f"{dup['path']} no longer exists: run `policyqa ingest --prune` on "
                            "its folder to index this file in its place"
                        )
            if other is not None:
                if existing:  # this file used to hold other content: that version is gone
                    store.delete_document(meta.doc_id)
                report.add(
                    FileResult(
                        status="duplicate", duplicate_of=other,
                        reason=f"same content as {other}; stored once", hint=hint, **base,
                    )
                )
                continue
            in_run[meta.content_hash] = meta.source
            texts = [embedding_text(meta, c) for c in chunks]
            hashes = [text_hash(t) for t in texts]
            planned.append(
                _Planned(
                    path, meta, prepared.text, chunks, "updated" if existing else "added",
                    sig, texts, hashes, [], pages,
                )
            )

        # Which texts must be embedded: those neither stored nor planned earlier in this run.
        known: set[str] = set()
        for plan in planned:
            unique = [h for h in dict.fromkeys(plan.hashes) if h not in known]
            stored = store.embeddings_for_texts(unique) if unique else {}
            plan.to_embed = [h for h in unique if h not in stored]
            known.update(unique)
        chunks_total = sum(len(p.to_embed) for p in planned)

        # Pass 2: embed what is new, write in batches, commit each document.
        last_use: dict[str, int] = {}
        for j, plan in enumerate(planned):
            for h in plan.hashes:
                last_use[h] = j
        done_files = total - len(planned)
        vectors: dict[str, list[float]] = {}  # by text hash; kept while a later file needs it
        batch_size = max(1, settings.embedding.batch_size)
        for j, plan in enumerate(planned):
            meta = plan.meta
            result = FileResult(
                path=str(plan.path), source=meta.source, status=plan.status,
                chunks=len(plan.chunks), doc_id=meta.doc_id, **plan.pages,
            )
            try:
                _write_document(
                    plan, store, embeddings, extract_records, vectors, batch_size,
                    settings.ingest.write_batch, result,
                    report, timings,
                    lambda r: notify(
                        IngestProgress(
                            "embed", done_files, total, report.chunks_embedded, chunks_total,
                            current=meta.source,
                            message=f"embedded {r.embedded}/{len(plan.to_embed)} new chunks "
                            f"of {meta.source} ({r.stored} written)",
                        )
                    ),
                )
            except (StoreError, DependencyError, ConfigError):
                raise  # the store or the embedder is unusable: no point going on
            except Exception as exc:
                report.add(_failure(plan.path, exc))
                result = None
            finally:
                for h in plan.hashes:
                    if last_use.get(h) == j:
                        vectors.pop(h, None)
            done_files += 1
            if result is None:
                continue
            report.add(result)
            notify(
                IngestProgress(
                    "commit", done_files, total, report.chunks_embedded, chunks_total,
                    current=meta.source,
                    message=f"committed {meta.source} ({len(plan.chunks)} chunks, "
                    f"{result.embedded} embedded)",
                )
            )
        store.collect_garbage()  # the data of pruned documents (kept so far for vector reuse)
        notify(IngestProgress("done", total, total, report.chunks_embedded, chunks_total))

    timings["total"] = time.perf_counter() - t_start
    report.timings = {k: round(v, 3) for k, v in timings.items()}
    return report
