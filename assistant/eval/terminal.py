"""What ``policyqa eval`` prints: a progress bar, the per-question table, the summary.

Failures are red with the reason beside them, so a glance down the last column shows what to
look at. Rich degrades to plain text when the output is not a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assistant.eval.diff import RunDiff
from assistant.eval.metrics import QuestionResult
from assistant.eval.chart import LABELS
from assistant.eval.report import KIND_COLUMNS, _comparison_rows, fmt
from assistant.eval.runner import EvalRun, ProgressFn, SystemRun


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal:  # piped to a file: wide enough that rows do not wrap
        console = Console(stderr=stderr, highlight=False, soft_wrap=False, width=150)
    return console


def short_reason(r: QuestionResult) -> str:
    """Compact failure reason for the terminal table."""
    if r.error:
        return "error: " + r.error[:60]
    if not r.answerable:
        return "answered (should abstain)"
    parts = []
    if r.abstained:
        parts.append("abstained")
    if r.has_evidence and (r.rank is None or r.rank > r.k):
        parts.append(f"evidence not in top {r.k}")
    if r.facts_missing and not r.abstained:
        parts.append("facts missing")
    if r.span_start is False and not r.abstained:
        parts.append("span start missing")
    return ", ".join(parts)


@contextmanager
def progress_bar(total_by_system: dict[str, int], *, enabled: bool = True) -> Iterator[ProgressFn]:
    """A progress bar per system on stderr; yields the callback the runner calls."""
    if not enabled:
        yield lambda *_: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=False,
    ) as prog:
        tasks = {name: prog.add_task(name, total=n, status="") for name, n in total_by_system.items()}
        failures = dict.fromkeys(total_by_system, 0)

        def update(name: str, done: int, total: int, result: QuestionResult) -> None:
            failures[name] += 0 if result.passed else 1
            prog.update(tasks[name], completed=done, status=f"[red]{failures[name]} failing[/]" if failures[name] else "")

        yield update


def _rank(r: QuestionResult) -> str:
    if not r.answerable:
        return "-"
    if r.rank is None:
        return "[red]miss[/]" if r.has_evidence else "n/a"
    return str(r.rank) if r.rank <= r.k else f"[yellow]{r.rank}[/]"


def print_questions(system: SystemRun, *, failures_only: bool = False, console: Any = None) -> None:
    from rich.table import Table

    console = console or _console()
    rows = [r for r in system.results if not (failures_only and r.passed)]
    title = f"{system.name}: {sum(r.passed for r in system.results)}/{len(system.results)} passed"
    table = Table(title=title, show_lines=False, expand=False)
    for col, kw in (
        ("id", {}),
        ("kind", {}),
        ("rank", {"justify": "right"}),
        ("facts missing", {"overflow": "fold", "max_width": 28}),
        ("abstained", {}),
        ("latency", {"justify": "right"}),
        ("result", {"overflow": "fold", "max_width": 46}),
    ):
        table.add_column(col, **kw)
    for r in rows:
        status = "[green]pass[/]" if r.passed else f"[bold red]FAIL[/] {short_reason(r)}"
        abst = "yes" if r.abstained else "no"
        if not r.abstention_correct:
            abst = f"[red]{abst}[/]"
        table.add_row(
            r.id,
            r.kind,
            _rank(r),
            "[red]" + "、".join(r.facts_missing) + "[/]" if r.facts_missing else "",
            abst,
            f"{r.latency_ms:.0f} ms",
            status,
            style=None if r.passed else "on grey11",
        )
    console.print(table)


def print_summary(run: EvalRun, *, console: Any = None) -> None:
    from rich.table import Table

    console = console or _console()
    header, rows = _comparison_rows(run)
    table = Table(title=f"{run.main.name} vs baselines (k={run.k}; retrieval over answerable questions)")
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    kinds = Table(title=f"{run.main.name} by kind")
    kinds.add_column("kind")
    for c in KIND_COLUMNS:
        kinds.add_column(LABELS.get(c, c), justify="right")
    for kind, m in run.main.by_kind.items():
        kinds.add_row(kind, *[fmt(m.get(c), c) for c in KIND_COLUMNS])
    console.print(kinds)


def print_diff(diff: RunDiff, *, console: Any = None) -> None:
    from rich.table import Table

    console = console or _console()
    metrics = Table(title="metrics (old -> new)")
    for col in ("metric", "old", "new"):
        metrics.add_column(col, justify="left" if col == "metric" else "right")
    for m, (o, n) in diff.metrics.items():
        metrics.add_row(m, fmt(o, m), fmt(n, m))
    console.print(metrics)
    for label, items, color in (("worse", diff.worse, "red"), ("better", diff.better, "green"), ("changed", diff.changed, "yellow")):
        table = Table(title=f"[{color}]{len(items)} question(s) {label}[/]")
        for col in ("id", "kind", "what changed", "question"):
            table.add_column(col, overflow="fold")
        for c in items:
            table.add_row(c.id, c.kind, "; ".join(c.details), c.question)
        console.print(table)
    if diff.only_old or diff.only_new:
        console.print(f"only in old: {', '.join(diff.only_old) or '-'}; only in new: {', '.join(diff.only_new) or '-'}")
