"""``policyqa ingest PATH... [--store DIR] [--prune] [--rebuild] [--json]``.

Shows a progress bar on a terminal (plain progress lines when stderr is not one, e.g. in CI
logs), then a summary table (added / updated / unchanged / removed / duplicate / failed) and one
line per failed file with its reason and hint. Exit status: 0 when anything could be indexed,
even with failures; 1 when nothing could (no files, or every file failed); 2 when the store is
unusable (from the CLI's error handler).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from assistant.commands import add_store_option
from assistant.services import Services
from ingest.pipeline import IngestProgress, IngestReport, ingest_paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="index report files or folders into the store",
        description="Index files (.txt .md .html .pdf .docx) or folders (recursive) into the "
        "store. Unchanged files are skipped, changed ones replaced; a file that cannot be read "
        "is reported and the others still indexed.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    add_store_option(parser)
    parser.add_argument(
        "--prune",
        action="store_true",
        help="remove documents whose files under PATH are gone",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="drop the store's index first and re-index from scratch "
        "(after changing the embedding model)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=handle)


class _Progress:
    """Progress display: a rich bar on a terminal, plain lines otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._bar: Progress | None = None
        self._reading = self._files = self._chunks = None

    def __enter__(self) -> _Progress:
        if self.tty:
            self._bar = Progress(
                TextColumn("{task.description:<8}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[current]}", style="dim"),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.__enter__()
            self._reading = self._bar.add_task("reading", total=None, current="")
            self._files = self._bar.add_task("files", total=None, current="", visible=False)
            self._chunks = self._bar.add_task("chunks", total=None, current="", visible=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def __call__(self, p: IngestProgress) -> None:
        if p.stage == "waiting":
            print(p.message, file=sys.stderr, flush=True)
            return
        if self._bar is not None:
            if p.stage == "prepare":
                current = f"{p.current} ({p.message})" if p.message else p.current
                self._bar.update(self._reading, total=p.files_total, completed=p.files_done, current=current)
                return
            self._bar.update(self._reading, visible=False)
            self._bar.update(
                self._files, total=p.files_total, completed=p.files_done, current=p.current,
                visible=True,
            )
            if p.chunks_total:
                self._bar.update(
                    self._chunks, total=p.chunks_total, completed=p.chunks_done,
                    current=p.message, visible=True,
                )
            return
        if p.stage in ("embed", "commit"):
            print(
                f"[{p.files_done}/{p.files_total} files, {p.chunks_done}/{p.chunks_total} chunks] "
                f"{p.message}",
                file=sys.stderr,
                flush=True,
            )
        elif p.stage == "prepare" and p.message.startswith("OCR page"):
            print(f"[{p.current}] {p.message}", file=sys.stderr, flush=True)
        elif p.stage == "prepare" and not p.message and (
            p.files_done == p.files_total or p.files_done % 50 == 0
        ):
            print(f"[{p.files_done}/{p.files_total} files read]", file=sys.stderr, flush=True)


def _rebuild(services: Services) -> None:
    where = services.drop_store()
    if where is None:
        return
    shutil.rmtree(Path(services.settings.home).expanduser() / "lexical", ignore_errors=True)
    print(f"dropped the index in {where}; re-indexing", file=sys.stderr)


def print_summary(report: IngestReport, out: TextIO | None = None) -> None:
    """The summary table and one line per failure (also used by the web app's log, if wanted)."""
    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=True)
    table = Table(title="ingest summary", title_justify="left")
    table.add_column("status")
    table.add_column("files", justify="right")
    table.add_column("chunks", justify="right")
    for status, items in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
        ("duplicate", report.duplicate),
        ("failed", report.failed),
    ):
        style = "red" if status == "failed" and items else None
        table.add_row(status, str(len(items)), str(sum(r.chunks for r in items)), style=style)
    console.print(table)
    t = report.timings
    console.print(
        f"embedded {report.chunks_embedded} chunks, reused {report.chunks_reused} stored vectors; "
        f"{t.get('total', 0):.1f} s (reading {t.get('prepare', 0):.1f} s, "
        f"embedding {t.get('embed', 0):.1f} s, writing {t.get('write', 0):.1f} s)"
    )
    if report.garbage_collected:
        console.print(f"cleaned up {report.garbage_collected} leftovers of an interrupted run")
    for r in (*report.added, *report.updated, *report.unchanged):
        if r.ocr_pages:
            console.print(f"OCR: {r.path}: {_pages(r.ocr_pages)} of {r.pages or 1} read by OCR")
    for r in report.duplicate:
        console.print(f"duplicate: {r.path}: same content as {r.duplicate_of} (stored once)")
    for r in report.removed:
        console.print(f"removed: {r.path}: {r.reason}")
    for r in report.warnings:
        console.print(f"warning: {r.path}: {r.reason}\n  hint: {r.hint}", style="yellow")
    for r in report.failed:
        console.print(f"failed: {r.path}: {r.reason}\n  hint: {r.hint}", style="red")


def _pages(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "4 pages (1-3, 7)"."""
    runs: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(f"{start}-{prev}" if prev != start else str(start))
        if n is not None:
            start = prev = n
    count = len(numbers)
    return f"{count} page{'s' if count != 1 else ''} ({', '.join(runs)})"


def handle(args: argparse.Namespace, services: Services) -> int:
    if args.rebuild:
        _rebuild(services)
    store = services.writer()
    with _Progress() as progress:
        report = ingest_paths(
            args.paths, services.settings, store, services.embeddings, prune=args.prune, progress=progress
        )
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_summary(report)
    code = report.exit_code()
    if code:
        what = "no files found" if not report.files_seen else "no file could be indexed"
        print(f"error: {what} under {' '.join(args.paths)}", file=sys.stderr)
    return code
