"""The commitments tab: targets and reported figures by region, indicator and year.

A sortable, filterable table (click a column header to sort; the filter box searches every
column); a click on a row shows its source sentence with document, region, date and section and
the figure's clause highlighted, plus the indicator's track over the years. CSV/JSON export.
Rows come from ``assistant.commitments`` (issue 5); nothing is computed here.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
import pandas as pd

from common.errors import PolicyQAError
from webui import formatting as fmt
from webui.backend import Backend
from webui.exports import write_exports
from assistant.commands.commitments_cmd import CSV_COLUMNS
from assistant.commitments import KIND_LABELS, track_commitments

COLUMNS = ["#", "地区", "指标", "类型", "年份", "数值", "文件", "日期", "章节"]
KINDS = [("全部", "all"), ("目标", "target"), ("实际", "reported")]


def rows_frame(rows: list[Any]) -> pd.DataFrame:
    data = [
        [
            i,
            r.region or "",
            r.indicator,
            KIND_LABELS.get(r.kind, r.kind) + (f"（{r.aspiration}）" if r.aspiration else ""),
            r.year if r.year is not None else "",
            r.value_text,
            r.source,
            r.date or "",
            r.section,
        ]
        for i, r in enumerate(rows)
    ]
    return pd.DataFrame(data, columns=COLUMNS)


def row_view(row: Any) -> fmt.CitationView:
    return fmt.CitationView(
        id=0, title=row.title, region=row.region, date=row.date, year=row.doc_year,
        section=row.section, source=row.source, text=row.sentence, quote=row.clause,
        provenance=tuple(sorted(row.provenance.items())),
    )


def track_html(rows: list[Any], row: Any) -> str:
    """The same region and indicator over the years (from ``track_commitments``)."""
    same = [r for r in rows if r.region == row.region and r.indicator == row.indicator]
    tracks = track_commitments(same)
    if not tracks:
        return ""
    return (
        f'<p class="pq-track"><strong>{html.escape(row.region or "")} · {html.escape(row.indicator)}</strong>：'
        f"{html.escape(tracks[0].summary())}</p>"
    )


class CommitmentsTab:
    TITLE = "承诺跟踪"
    TAB_ID = "commitments"

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def render(self) -> None:
        opts = self.backend.filter_options()
        gr.Markdown("各地在报告中写下的目标（到某年达到多少）和后来报告的实际数字。点击表格中的一行查看原文。")
        self.rows = gr.State([])
        with gr.Row():
            self.region = gr.Dropdown(
                choices=[("全部地区", "")] + [(r, r) for r in opts.regions], value="", label="地区",
                allow_custom_value=True, elem_id="pq-cm-region",
            )
            self.indicator = gr.Textbox(label="指标（如 高企、孵化器、专利）", elem_id="pq-cm-indicator")
            self.year = gr.Dropdown(
                choices=[("全部年份", "")] + [(str(y), str(y)) for y in range(2014, 2031)], value="",
                label="年份（目标期限或实际所属年份）", elem_id="pq-cm-year",
            )
            self.kind = gr.Radio(choices=KINDS, value="all", label="类型", elem_id="pq-cm-kind")
        with gr.Row():
            self.search = gr.Button("查询", variant="primary", elem_id="pq-cm-search")
            self.export = gr.Button("导出 CSV / JSON", elem_id="pq-cm-export")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                self.table = gr.Dataframe(
                    headers=COLUMNS, interactive=False, wrap=True, show_search="filter",
                    elem_id="pq-cm-table", label="目标与实际",
                )
            with gr.Column(scale=2):
                self.passage = gr.HTML(fmt.passage_html(None), elem_id="pq-cm-passage")
        self.files = gr.File(label="导出文件", file_count="multiple", height=140, elem_id="pq-cm-files")
        inputs = [self.region, self.indicator, self.year, self.kind]
        self.search.click(self.query, inputs, [self.table, self.rows], api_visibility="private")
        self.indicator.submit(self.query, inputs, [self.table, self.rows], api_visibility="private")
        self.table.select(self.show, [self.rows], [self.passage], api_visibility="private", queue=False)
        self.export.click(self.export_rows, [self.rows], [self.files], api_visibility="private")

    def query(self, region: str, indicator: str, year: str, kind: str) -> tuple[Any, list[Any]]:
        try:
            rows = self.backend.commitments(
                region=region or None, indicator=(indicator or "").strip() or None,
                year=int(year) if year else None, kind=kind or "all",
            )
        except PolicyQAError as exc:
            gr.Warning(f"{exc.message}。{exc.hint}")
            return gr.skip(), gr.skip()
        if not rows:
            gr.Info("没有符合条件的目标或实际数字。")
        return rows_frame(rows), rows

    def show(self, rows: list[Any], evt: gr.SelectData) -> str:
        """The clicked row's source; the row is found by its "#" value, so sorting is harmless."""
        number = fmt.clicked_row(evt.row_value, evt.index, len(rows))
        if number is None:
            return gr.skip()
        row = rows[number]
        heading = f"{row.indicator} · {'目标' if row.kind == 'target' else '实际'} {row.value_text}"
        return fmt.passage_html(row_view(row), heading=heading) + track_html(rows, row)

    def export_rows(self, rows: list[Any]) -> Any:
        if not rows:
            gr.Warning("先查询，再导出。")
            return gr.skip()
        flat = [r.to_json() for r in rows]
        payload = {"count": len(rows), "tracks": [t.to_json() for t in track_commitments(rows)]}
        return write_exports("commitments", flat, CSV_COLUMNS, payload)
