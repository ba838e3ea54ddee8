"""Eval reports: the JSON report (``--json``) and a Markdown or HTML report with a chart.

JSON keys: ``metrics``, ``by_kind`` and ``questions`` for PolicyQA (the system under test),
``baselines`` (the same three per baseline, plus its configuration), ``comparison`` (each
metric side by side with the ratio PolicyQA / baseline), ``config`` and ``problems``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from assistant.eval.chart import CHART_METRICS, LABELS, bar_chart
from assistant.eval.metrics import QuestionResult
from assistant.eval.runner import EvalRun, environment
from common.errors import ConfigError

COMPARE_METRICS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr@10",
    "source_recall@k",
    "fact_recall",
    "span_start",
    "span_rouge_l",
    "citation_precision",
    "abstention_accuracy",
    "pass_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "median_answer_chars",
)
LOWER_IS_BETTER = {"latency_p50_ms", "latency_p95_ms", "median_answer_chars"}
DEFINITIONS = {
    "rank": "position of the first of the top 10 passages that contains any expected_evidence "
    "string (NFKC, whitespace dropped, substring)",
    "hit@n": "share of answerable questions with rank <= n",
    "mrr@10": "mean of 1/rank over answerable questions (0 when not in the top 10)",
    "source_recall@k": "share of expected_sources among the top k passages",
    "fact_recall": "share of expected_facts found in the answer text (0 for an abstention; a fact "
    "starting with a digit must not continue a longer number: 30家 is not found in 130家)",
    "span_start": "questions with a gold_answer: share whose answer contains the span's first 20 "
    "characters (NFKC, whitespace dropped; 0 for an abstention)",
    "span_rouge_l": "questions with a gold_answer: mean character-level ROUGE-L F1 of the answer "
    "text against the span (0 for an abstention)",
    "citation_precision": "share of cited passages from an expected_sources file",
    "abstention_accuracy": "abstained on answerable=false, answered on answerable=true (all questions)",
    "pass": "answerable: answered, evidence in top k, all facts present; unanswerable: abstained",
    "latency": "wall time of the answering call, p50/p95 by linear interpolation",
    "median_answer_chars": "median answer length over answered answerable questions",
    "scope": "retrieval and answer metrics are over answerable questions only; unanswerable "
    "questions count for abstention accuracy and pass rate",
    "policyqa_ranking": "ranks come from QAService.retrieve(k=max(k,10)); the answer from "
    "QAService.ask(k=k); ranked_consistent = share of questions where ask's passages equal "
    "the first k ranked ones",
}


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def comparison(run: EvalRun) -> dict[str, dict[str, Any]]:
    """metric -> {system: value, "ratio_<baseline>": policyqa / baseline}."""
    out: dict[str, dict[str, Any]] = {}
    main = run.main
    for metric in COMPARE_METRICS:
        row: dict[str, Any] = {main.name: main.metrics.get(metric)}
        for b in run.baselines:
            row[b.name] = b.metrics.get(metric)
            row[f"ratio_{b.name}"] = ratio(main.metrics.get(metric), b.metrics.get(metric))
        out[metric] = row
    return out


def to_json(run: EvalRun) -> dict[str, Any]:
    main = run.main
    return {
        "metrics": main.metrics,
        "by_kind": main.by_kind,
        "questions": [r.to_json() for r in main.results],
        "baselines": {
            b.name: {
                "metrics": b.metrics,
                "by_kind": b.by_kind,
                "questions": [r.to_json() for r in b.results],
                "config": b.config,
                "seconds": round(b.seconds, 2),
            }
            for b in run.baselines
        },
        "comparison": comparison(run),
        "config": {
            "system": main.name,
            "questions_file": run.questions_path,
            "k": run.k,
            "rank_depth": run.depth,
            "started": run.started,
            "seconds": round(main.seconds, 2),
            "systems": {s.name: s.config for s in run.systems},
            "environment": environment(),
            "definitions": DEFINITIONS,
        },
        "problems": list(run.problems),
    }


def write_json(run: EvalRun, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(to_json(run), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return p


# --------------------------------------------------------------------------- formatting
def fmt(value: Any, metric: str = "") -> str:
    if value is None:
        return "n/a"
    if metric.endswith("_ms"):
        return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"
    if metric == "median_answer_chars":
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _rank(r: QuestionResult) -> str:
    if not r.answerable:
        return "-"
    return str(r.rank) if r.rank is not None else "miss"


def _chart_values(run: EvalRun) -> dict[str, dict[str, float | None]]:
    systems: dict[str, dict[str, float | None]] = {}
    for s in run.systems:
        systems[s.name] = {m: s.metrics.get(m) for m in CHART_METRICS}
    return systems


def _comparison_rows(run: EvalRun) -> tuple[list[str], list[list[str]]]:
    header = ["metric", run.main.name]
    for b in run.baselines:
        header += [b.name, f"{run.main.name}/{b.name}"]
    rows = []
    comp = comparison(run)
    for metric in COMPARE_METRICS:
        row = [LABELS.get(metric, metric) + (" (lower is better)" if metric in LOWER_IS_BETTER else "")]
        row.append(fmt(comp[metric][run.main.name], metric))
        for b in run.baselines:
            row.append(fmt(comp[metric][b.name], metric))
            r = comp[metric][f"ratio_{b.name}"]
            row.append("n/a" if r is None else f"{r:.2f}×")
        rows.append(row)
    return header, rows


KIND_COLUMNS = ("questions", "hit@1", "hit@5", "mrr@10", "fact_recall", "abstention_accuracy", "pass_rate")


def _kind_rows(by_kind: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    header = ["kind", *[LABELS.get(c, c) for c in KIND_COLUMNS]]
    rows = [[kind, *[fmt(m.get(c), c) for c in KIND_COLUMNS]] for kind, m in by_kind.items()]
    return header, rows


def _failure_rows(results: Sequence[QuestionResult]) -> tuple[list[str], list[list[str]]]:
    header = ["id", "kind", "rank", "facts missing", "abstained", "latency", "question", "problem"]
    rows = []
    for r in results:
        if r.passed:
            continue
        rows.append(
            [
                r.id,
                r.kind,
                _rank(r),
                "、".join(r.facts_missing) or "-",
                "yes" if r.abstained else "no",
                f"{r.latency_ms:.0f} ms",
                r.question,
                failure_reason(r),
            ]
        )
    return header, rows


def failure_reason(r: QuestionResult) -> str:
    if r.error:
        return f"error: {r.error}"
    if not r.answerable:
        return "answered an unanswerable question" if not r.abstained else ""
    reasons = []
    if r.abstained:
        reasons.append("abstained")
    if r.has_evidence and (r.rank is None or r.rank > r.k):
        reasons.append("evidence not in top k" if r.rank else "evidence not in top 10")
    if r.facts_missing and not r.abstained:
        reasons.append("facts missing")
    return ", ".join(reasons)


# --------------------------------------------------------------------------- markdown
def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(s: str) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _summary_lines(run: EvalRun) -> list[str]:
    m = run.main.metrics
    return [
        f"- question set: `{run.questions_path}` ({m['questions']} questions: "
        f"{m['answerable']} answerable, {m['unanswerable']} unanswerable)",
        f"- k = {run.k}; ranks looked for in the top {run.depth}; started {run.started}",
        "- retrieval and answer metrics are over answerable questions only; unanswerable "
        "questions count for abstention accuracy and pass rate",
        f"- passed: {sum(r.passed for r in run.main.results)} of {m['questions']}",
    ] + ([f"- skipped malformed lines: {len(run.problems)}"] if run.problems else [])


def write_markdown(run: EvalRun, path: str | Path) -> Path:
    """Markdown report; the chart is written beside it as ``<name>.svg`` and linked."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    svg_path = p.with_suffix(".svg")
    svg_path.write_text(bar_chart(_chart_values(run)), encoding="utf-8")
    parts = ["# PolicyQA evaluation", "", *_summary_lines(run), ""]
    parts += ["## PolicyQA vs baselines", "", f"![metrics chart]({svg_path.name})", ""]
    parts += [_md_table(*_comparison_rows(run)), ""]
    parts += ["## By kind (PolicyQA)", "", _md_table(*_kind_rows(run.main.by_kind)), ""]
    for b in run.baselines:
        parts += [f"### By kind ({b.name})", "", _md_table(*_kind_rows(b.by_kind)), ""]
    header, rows = _failure_rows(run.main.results)
    parts += [f"## Questions that did not pass ({len(rows)})", ""]
    parts += [_md_table(header, rows) if rows else "None.", ""]
    if run.problems:
        parts += ["## Skipped lines", "", *[f"- {p_}" for p_ in run.problems], ""]
    parts += ["## Definitions", "", *[f"- **{k}**: {v}" for k, v in DEFINITIONS.items()], ""]
    p.write_text("\n".join(parts), encoding="utf-8")
    return p


# --------------------------------------------------------------------------- html
_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#111}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}
th,td{border:1px solid #d1d5db;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f3f4f6} tr.fail td{background:#fef2f2} tr.pass td{background:#f0fdf4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] = ()) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def write_html(run: EvalRun, path: str | Path) -> Path:
    """One self-contained HTML file with the chart inline."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    body = ["<h1>PolicyQA evaluation</h1>", "<ul>"]
    body += [f"<li>{escape(line[2:]).replace('`', '')}</li>" for line in _summary_lines(run)]
    body += ["</ul>", "<h2>PolicyQA vs baselines</h2>", bar_chart(_chart_values(run))]
    body.append(_html_table(*_comparison_rows(run)))
    body += ["<h2>By kind (PolicyQA)</h2>", _html_table(*_kind_rows(run.main.by_kind))]
    for b in run.baselines:
        body += [f"<h3>By kind ({escape(b.name)})</h3>", _html_table(*_kind_rows(b.by_kind))]
    header = ["id", "kind", "rank", "facts missing", "abstained", "latency", "question", "problem"]
    rows, classes = [], []
    for r in run.main.results:
        rows.append(
            [r.id, r.kind, _rank(r), "、".join(r.facts_missing) or "-", "yes" if r.abstained else "no",
             f"{r.latency_ms:.0f} ms", r.question, failure_reason(r)]
        )  # fmt: skip
        classes.append("pass" if r.passed else "fail")
    body += [f"<h2>All questions ({len(rows)}; failures in red)</h2>", _html_table(header, rows, classes)]
    if run.problems:
        body += ["<h2>Skipped lines</h2>", "<ul>", *[f"<li>{escape(x)}</li>" for x in run.problems], "</ul>"]
    body += ["<h2>Definitions</h2>", "<ul>"]
    body += [f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in DEFINITIONS.items()]
    body.append("</ul>")
    html = (
        '<!doctype html>\n<html lang="zh"><head><meta charset="utf-8">'
        f"<title>PolicyQA evaluation</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    p.write_text(html, encoding="utf-8")
    return p


def report_format(path: str | Path) -> str:
    """"md" or "html" from the file name; anything else is a ConfigError (checked before a run)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix in (".html", ".htm"):
        return "html"
    raise ConfigError(
        f"cannot tell the report format of {str(path)!r}",
        "name the report OUT.md (Markdown + OUT.svg chart) or OUT.html (one file)",
    )


def write_report(run: EvalRun, path: str | Path) -> Path:
    """Markdown for ``.md``, HTML for ``.html``/``.htm``."""
    if report_format(path) == "md":
        return write_markdown(run, path)
    return write_html(run, path)
