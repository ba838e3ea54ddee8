"""What the web UI asks of PolicyQA, in one place, over the services ``build_services`` composed.

The tabs talk to this class only, so how the services are composed (assistant/services.py) is
known here and nowhere else in the UI. No gradio here: the tabs turn results and
:class:`PolicyQAError` into components and messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.citing import document_name, page_label, title_stated
from assistant.commitments import CommitmentRow, list_commitments
from assistant.eval import baselines as b
from assistant.eval.answerers import Answerer, PolicyQAAnswerer
from assistant.eval.questions import load_questions
from assistant.eval.runner import EvalRun, run_eval
from assistant.examples import example_questions
from assistant.models import Answer
from assistant.pipeline import QAService
from assistant.request import QuestionRequest
from assistant.services import Services
from assistant.subsidies import MeasureMatch, find_measures, parse_profile
from common.errors import EmptyStoreError, PolicyQAError
from common.settings import Settings
from ingest.pipeline import IngestProgress, IngestReport, ingest_paths
from vectorstore.base import PolicyStore
from webui.feedback import FeedbackLog
from webui.formatting import CitationView
from webui.page_image import page_image_html, render_marked_page
from webui.uploads import FileProblem, stage_uploads

ProgressFn = Callable[[float, str], None]


@dataclass
class FilterOptions:
    """Choices for the chat filters, read from the documents in the store."""

    regions: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    # (label, doc value passed to QAService as ``doc``)
    documents: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class IngestOutcome:
    """Per-file result of an upload: what the Documents tab shows."""

    rows: list[dict[str, str]]  # file, status, reason, hint
    counts: dict[str, int]  # status -> number of files

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r["status"] == "failed")


class Backend:
    """The UI's view of the composed services (question answering, store, ingest, eval ...)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings: Settings = services.settings
        self.feedback = FeedbackLog(Path(self.settings.home))
        # Ingest and delete change the store; one at a time, whatever the queue allows.
        self._write_lock = threading.Lock()

    # --- answering ------------------------------------------------------------------------
    @property
    def qa(self) -> QAService:
        return self.services.qa

    def ask(self, request: QuestionRequest) -> Answer:
        return self.qa.ask(request)

    def stream(self, request: QuestionRequest) -> Iterator[str | Answer]:
        """Text pieces, then the final :class:`Answer`."""
        yield from self.qa.stream(request)

    # --- documents ------------------------------------------------------------------------
    @property
    def store(self) -> PolicyStore:
        return self.services.store

    def documents(self) -> list[dict[str, Any]]:
        """Committed documents with metadata and chunk counts; empty when nothing is ingested."""
        try:
            docs = self.store.list_documents()
        except EmptyStoreError:
            return []
        return sorted(docs, key=lambda d: (d.get("source") or "", d.get("doc_id") or ""))

    def filter_options(self) -> FilterOptions:
        docs = self.documents()
        regions: set[str] = set()
        years: set[int] = set()
        for d in docs:
            for key in ("region", "parent_region"):
                if d.get(key):
                    regions.add(str(d[key]))
            years.update(int(y) for y in d.get("years") or [])
        documents = [
            (f"{document_name(d)} {d.get('source', '')}".strip() if title_stated(d) else str(d.get("source")),
             str(d.get("source")))
            for d in docs
        ]
        return FilterOptions(sorted(regions), sorted(years), documents)

    def example_questions(self) -> dict[str, list[str]]:
        """Example questions made from the documents and records in the store (none when it is
        empty): see assistant/examples.py."""
        docs = self.documents()
        if not docs:
            return {}
        return example_questions(docs, self.store.list_records())

    def page_image(self, view: CitationView) -> str:
        """HTML of the cited PDF page with the quote marked ("" for other formats, or when the
        file is no longer where it was ingested from)."""
        if getattr(view, "page", None) is None or not view.doc_id:
            return ""
        try:
            doc = self.store.get_document(view.doc_id)
        except Exception:  # the viewer still shows the passage
            return ""
        path = Path(doc.get("path") or "") if doc else None
        if path is None or path.suffix.lower() != ".pdf":
            return ""
        png = render_marked_page(path, int(view.page), view.quote or view.text, self.settings)
        return page_image_html(png, page_label(view.page)) if png else ""

    def delete_document(self, doc_id: str) -> dict[str, Any]:
        """Remove a document (and its uploaded copy, if it came from the browser)."""
        with self._write_lock:
            doc = self.store.get_document(doc_id)
            if doc is None:
                raise PolicyQAError(
                    f"没有 ID 为 {doc_id} 的文件", hint="刷新文件列表后再选择要删除的文件"
                )
            self.store.delete_document(doc_id)
            path = Path(doc.get("path") or "")
            uploads = (Path(self.settings.home) / "uploads").resolve()
            try:
                if path.is_file() and path.resolve().parent == uploads:
                    path.unlink()
            except OSError:
                pass  # the document is gone from the store; a stale copy is harmless
            return doc

    def ingest_uploads(
        self, files: list[str | Path], progress: ProgressFn | None = None
    ) -> IngestOutcome:
        """Stage uploads in the store and ingest them; every file gets a row in the outcome."""
        staged, refused = stage_uploads(files, Path(self.settings.home), self.settings.server.max_upload_mb)
        rows = [_problem_row(p) for p in refused]
        if staged:
            with self._write_lock:
                report = self._ingest(staged, progress)
            rows += _report_rows(report, staged)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return IngestOutcome(rows, counts)

    def _ingest(self, paths: list[Path], progress: ProgressFn | None) -> IngestReport:
        return ingest_paths(
            paths,
            self.settings,
            self.services.writer(),
            self.services.embeddings,
            prune=False,
            progress=_progress_adapter(progress) if progress else None,
        )

    # --- records: commitments and subsidies (issue 5) -------------------------------------
    def commitments(
        self,
        *,
        region: str | None = None,
        indicator: str | None = None,
        year: int | None = None,
        kind: str = "all",
    ) -> list[CommitmentRow]:
        """Targets and reported figures, filtered."""
        try:
            return list_commitments(self.store, region=region or None, indicator=indicator or None, year=year, kind=kind)
        except EmptyStoreError:
            return []

    def subsidies(
        self, *, region: str | None = None, profile: str | None = None, include_parents: bool = False
    ) -> list[MeasureMatch]:
        """Support measures ranked for a profile."""
        parsed = parse_profile(profile) if profile and profile.strip() else None
        try:
            return find_measures(self.store, region=region or None, profile=parsed, include_parents=include_parents)
        except EmptyStoreError:
            return []

    # --- evaluation (assistant/eval, issue 6) ---------------------------------------------
    def run_eval(
        self,
        questions_path: str | Path,
        *,
        k: int,
        baselines: list[str],
        progress: Callable[[str, int, int], None] | None = None,
    ) -> EvalRun:
        """Run a question set through PolicyQA (and baselines) over this app's services; the
        Evaluation tab renders the run with the eval package's own report functions."""
        qset = load_questions(questions_path)
        answerers: list[Answerer] = [PolicyQAAnswerer(self.qa, settings=self.settings)]
        answerers += [self._baseline(name) for name in baselines]
        return run_eval(
            qset.questions,
            answerers,
            k=k,
            progress=(lambda name, done, total, _r: progress(name, done, total)) if progress else None,
            questions_path=Path(questions_path).name,
            problems=[str(p) for p in qset.problems],
        )

    def _baseline(self, name: str) -> Answerer:
        """The eval baselines over the same store and embedder (as ``policyqa eval --compare``)."""
        if name == "bm25":
            return b.Bm25Answerer(b.store_chunks(self.store))
        if name == "naive":
            index = b.NaiveIndex(
                b.naive_directory(self.settings.home),
                b.store_files(self.store),
                self.services.embeddings,
                reader=b.loader_reader(self.settings.ingest),
            )
            index.ensure()
            return b.NaiveAnswerer(index)
        raise PolicyQAError(f"unknown baseline {name!r}", hint="choose bm25 or naive")


def _progress_adapter(progress: ProgressFn) -> Callable[[IngestProgress], None]:
    """``IngestProgress`` events -> one fraction for a progress bar.

    Reading files takes the first 10 %, embedding (the slow part: ~6 chunks/s) up to 95 %,
    committing the rest.
    """

    def on_event(p: IngestProgress) -> None:
        stage = getattr(p, "stage", "")
        files_total = max(1, int(getattr(p, "files_total", 0) or 0))
        chunks_total = int(getattr(p, "chunks_total", 0) or 0)
        if stage == "prepare":
            frac = 0.10 * p.files_done / files_total
            desc = f"读取文件 {p.files_done}/{files_total} {p.current}".strip()
        elif stage == "embed":
            frac = 0.10 + 0.85 * (p.chunks_done / chunks_total if chunks_total else 1.0)
            desc = f"向量化 {p.chunks_done}/{chunks_total} 段 {p.current}".strip()
        elif stage == "commit":
            frac = 0.95
            desc = f"写入 {p.current}".strip()
        else:
            frac = 1.0
            desc = "完成"
        progress(frac, desc)

    return on_event


def _problem_row(p: FileProblem) -> dict[str, str]:
    return {"file": p.name, "status": "failed", "reason": p.reason, "hint": p.hint}


def _report_rows(report: IngestReport, staged: list[Path]) -> list[dict[str, str]]:
    """One row per staged file from an ``IngestReport`` (lists of ``FileResult`` per status)."""
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for status in ("added", "updated", "unchanged", "duplicate", "failed", "removed"):
        for item in getattr(report, status, []) or []:
            name = Path(str(item.path or item.source)).name
            seen.add(name)
            reason = item.reason or ""
            if status == "duplicate" and getattr(item, "duplicate_of", None):
                reason = reason or f"与已收录的 {item.duplicate_of} 内容相同"
            rows.append({"file": name, "status": status, "reason": reason, "hint": item.hint or ""})
    for item in getattr(report, "warnings", []) or []:
        for r in rows:
            if r["file"] == Path(str(item.path or item.source)).name and not r["reason"]:
                r["reason"], r["hint"] = item.reason or "", item.hint or ""
    for p in staged:
        if p.name not in seen:
            rows.append(
                {
                    "file": p.name,
                    "status": "failed",
                    "reason": "导入结果中没有这个文件",
                    "hint": "请重新上传；若仍出现请查看服务器日志",
                }
            )
    return rows
