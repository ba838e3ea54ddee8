"""The evaluation tab: upload a question set, run it, see metrics, a chart and the failures.

All numbers come from ``assistant.eval`` (runner, metrics, report): this tab only lays them out,
so the page, ``policyqa eval`` and the JSON report always agree. The JSON and HTML reports are
written into the app's own temp folder and offered for download.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from common.errors import PolicyQAError
from webui.backend import Backend
from assistant.eval.runner import EvalRun
from assistant.eval.chart import CHART_METRICS, LABELS, bar_chart
from assistant.eval.report import (
    COMPARE_METRICS,
    KIND_COLUMNS,
    LOWER_IS_BETTER,
    comparison,
    failure_reason,
    fmt,
    write_html,
    write_json,
)

BASELINES = [
    ("bm25（jieba + BM25，几秒）", "bm25"),
    ("naive（LangChain 教程式 750 字切块 + 向量检索；首次需几分钟建索引）", "naive"),
]


def metrics_frame(run: EvalRun) -> pd.DataFrame:
    """Each metric for PolicyQA and each baseline side by side, with the ratio."""
    comp = comparison(run)
    rows = []
    for metric in COMPARE_METRICS:
        label = LABELS.get(metric, metric) + ("（越低越好）" if metric in LOWER_IS_BETTER else "")
        row = {"指标": label, run.main.name: fmt(comp[metric][run.main.name], metric)}
        for b in run.baselines:
            row[b.name] = fmt(comp[metric][b.name], metric)
            r = comp[metric][f"ratio_{b.name}"]
            row[f"{run.main.name}/{b.name}"] = "n/a" if r is None else f"{r:.2f}×"
        rows.append(row)
    return pd.DataFrame(rows)


def kinds_frame(run: EvalRun) -> pd.DataFrame:
    rows = [
        {"kind": kind, **{LABELS.get(c, c): fmt(m.get(c), c) for c in KIND_COLUMNS}}
        for kind, m in run.main.by_kind.items()
    ]
    return pd.DataFrame(rows)


def failures_frame(run: EvalRun) -> pd.DataFrame:
    """The questions PolicyQA did not pass, with why."""
    rows = []
    for r in run.main.results:
        if r.passed:
            continue
        rows.append(
            {
                "id": r.id,
                "kind": r.kind,
                "rank": "-" if not r.answerable else (str(r.rank) if r.rank is not None else "miss"),
                "缺少的事实": "、".join(r.facts_missing) or "-",
                "拒答": "是" if r.abstained else "否",
                "耗时": f"{r.latency_ms:.0f} ms",
                "问题": r.question,
                "原因": failure_reason(r),
                "回答": (r.answer or "")[:200],
            }
        )
    columns = ["id", "kind", "rank", "缺少的事实", "拒答", "耗时", "问题", "原因", "回答"]
    return pd.DataFrame(rows, columns=columns)


def chart_svg(run: EvalRun) -> str:
    systems = {s.name: {m: s.metrics.get(m) for m in CHART_METRICS} for s in run.systems}
    return bar_chart(systems)


def summary_html(run: EvalRun) -> str:
    m = run.main.metrics
    passed = sum(r.passed for r in run.main.results)
    extra = f"；跳过格式错误的行 {len(run.problems)} 行" if run.problems else ""
    problems = "".join(f"<li>{html.escape(p)}</li>" for p in run.problems[:20])
    return (
        f'<div id="pq-eval-summary"><p><strong>{html.escape(run.questions_path)}</strong>：'
        f"{m['questions']} 个问题（可回答 {m['answerable']}，不可回答 {m['unanswerable']}），"
        f"k = {run.k}，通过 <strong>{passed}</strong> / {m['questions']}{extra}。</p>"
        + (f"<ul class='pq-fail'>{problems}</ul>" if problems else "")
        + "</div>"
    )


class EvalTab:
    """Builds the evaluation tab inside the current Blocks context."""

    TITLE = "评估"
    TAB_ID = "eval"

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def render(self) -> None:
        gr.Markdown(
            "上传问题集（JSONL，每行一个问题：`question`、`kind`、`answerable`、`expected_facts`、"
            "`expected_evidence`、`expected_sources`、可选 `filters`），运行后查看指标、图表和未通过的问题，"
            "并下载 JSON 报告。格式与 `policyqa eval` 相同。"
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=2):
                self.questions = gr.File(
                    label="问题集（.jsonl）", file_types=[".jsonl", ".json", ".txt"], type="filepath",
                    elem_id="pq-eval-file",
                )
            with gr.Column(scale=1):
                self.k = gr.Number(
                    value=self.backend.settings.retrieval.k, label="k（每题取的段落数）", precision=0,
                    minimum=1, maximum=50, elem_id="pq-eval-k",
                )
                self.baselines = gr.CheckboxGroup(
                    choices=BASELINES, value=[], label="对比基线", elem_id="pq-eval-baselines"
                )
                self.run = gr.Button("运行评估", variant="primary", elem_id="pq-eval-run")
        self.summary = gr.HTML(elem_id="pq-eval-summary-box")
        self.metrics = gr.Dataframe(label="指标", interactive=False, elem_id="pq-eval-metrics")
        self.chart = gr.HTML(elem_id="pq-eval-chart")
        self.kinds = gr.Dataframe(label="按类型（PolicyQA）", interactive=False, elem_id="pq-eval-kinds")
        self.failures = gr.Dataframe(
            label="未通过的问题", interactive=False, wrap=True, show_search="filter", elem_id="pq-eval-failures"
        )
        self.reports = gr.File(label="报告下载（JSON / HTML）", file_count="multiple", elem_id="pq-eval-report")
        self.run.click(
            self.evaluate,
            [self.questions, self.k, self.baselines],
            [self.summary, self.metrics, self.chart, self.kinds, self.failures, self.reports],
            api_visibility="private",
            concurrency_id="eval",
            concurrency_limit=1,
        )

    def evaluate(
        self, path: str | None, k: float | None, baselines: list[str] | None, progress: gr.Progress = gr.Progress()
    ) -> tuple[Any, ...]:
        if not path:
            gr.Warning("请先上传问题集文件（.jsonl）。")
            return (gr.skip(),) * 6
        progress(0.0, desc="准备")

        def on_progress(system: str, done: int, total: int) -> None:
            progress((done, total), desc=f"{system}：第 {done}/{total} 题", unit="题")

        try:
            run = self.backend.run_eval(path, k=int(k or 5), baselines=list(baselines or []), progress=on_progress)
        except PolicyQAError as exc:
            hint = f"<p>提示：{html.escape(exc.hint)}</p>" if exc.hint else ""
            return f'<div class="pq-fail"><p>无法运行：{html.escape(exc.message)}</p>{hint}</div>', *(gr.skip(),) * 5
        out = Path(tempfile.mkdtemp(prefix="eval-", dir=_temp_root()))
        stem = Path(run.questions_path or "questions").stem
        files = [str(write_json(run, out / f"{stem}-report.json")), str(write_html(run, out / f"{stem}-report.html"))]
        return summary_html(run), metrics_frame(run), chart_svg(run), kinds_frame(run), failures_frame(run), files



def _temp_root() -> str:
    """Gradio's upload/cache folder: the app's own temp folder (see app.prepare_runtime)."""
    from gradio.utils import get_upload_folder

    Path(get_upload_folder()).mkdir(parents=True, exist_ok=True)
    return get_upload_folder()
