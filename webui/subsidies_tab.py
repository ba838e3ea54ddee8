"""The subsidy-finder tab: region, enterprise type and needs in; matching measures out.

The form composes the same profile text a user would type (``policyqa subsidies --profile``),
parsed by ``assistant.subsidies.parse_profile``; ranking and reasons are the finder's. A click on
a measure shows the sentence it comes from. CSV/JSON export.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from common.errors import PolicyQAError
from webui import formatting as fmt
from webui.backend import Backend
from webui.exports import write_exports
from assistant.subsidies import ASSETS, ENTERPRISE_TYPES, NEEDS, MeasureMatch
from assistant.commands.subsidies_cmd import CSV_COLUMNS

COLUMNS = ["#", "措施", "金额 / 比例", "条件", "地区", "匹配原因", "文件", "日期"]


def profile_text(types: list[str] | None, assets: list[str] | None, needs: list[str] | None, free: str | None) -> str:
    """"科技型中小企业，有发明专利，想贷款" from the form's choices (plus free text)."""
    parts = list(types or [])
    parts += [f"有{a}" for a in assets or []]
    parts += [f"想{n}" for n in needs or []]
    if free and free.strip():
        parts.append(free.strip())
    return "，".join(parts)


def measures_frame(matches: list[MeasureMatch]) -> pd.DataFrame:
    data = [
        [
            i,
            m.label or m.measure,
            m.benefit or "（原文未写明）",
            "、".join(m.conditions),
            m.region or "",
            "；".join(m.reasons),
            m.source,
            m.date or "",
        ]
        for i, m in enumerate(matches)
    ]
    return pd.DataFrame(data, columns=COLUMNS)


class SubsidiesTab:
    TITLE = "补贴查找"
    TAB_ID = "subsidies"

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def render(self) -> None:
        opts = self.backend.filter_options()
        gr.Markdown("说说你的企业，查找适用的扶持措施（创新券、贷款贴息、风险补偿、专利质押融资、科技保险补助……），每条都附原文出处。")
        self.matches = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                self.region = gr.Dropdown(
                    choices=[("全部地区", "")] + [(r, r) for r in opts.regions], value="", label="地区",
                    allow_custom_value=True, elem_id="pq-sb-region",
                )
                self.parents = gr.Checkbox(label="包括所在省和国家的措施", value=False, elem_id="pq-sb-parents")
                self.types = gr.CheckboxGroup(choices=list(ENTERPRISE_TYPES), label="企业类型", elem_id="pq-sb-types")
                self.assets = gr.CheckboxGroup(choices=list(ASSETS), label="已有", elem_id="pq-sb-assets")
                self.needs = gr.CheckboxGroup(choices=list(NEEDS), label="需求", elem_id="pq-sb-needs")
                self.free = gr.Textbox(label="补充说明（可选）", placeholder="例如：有发明专利，想贷款", elem_id="pq-sb-free")
                with gr.Row():
                    self.find = gr.Button("查找", variant="primary", elem_id="pq-sb-find")
                    self.export = gr.Button("导出 CSV / JSON", elem_id="pq-sb-export")
            with gr.Column(scale=3):
                self.table = gr.Dataframe(
                    headers=COLUMNS, interactive=False, wrap=True, show_search="filter",
                    elem_id="pq-sb-table", label="适用的扶持措施（按匹配程度排序）",
                )
                self.passage = gr.HTML(fmt.passage_html(None), elem_id="pq-sb-passage")
                self.files = gr.File(label="导出文件", file_count="multiple", height=140, elem_id="pq-sb-files")
        inputs = [self.region, self.types, self.assets, self.needs, self.free, self.parents]
        self.find.click(self.search, inputs, [self.table, self.matches], api_visibility="private")
        self.table.select(self.show, [self.matches], [self.passage], api_visibility="private", queue=False)
        self.export.click(self.export_rows, [self.matches], [self.files], api_visibility="private")

    def search(
        self, region: str, types: list[str], assets: list[str], needs: list[str], free: str, parents: bool
    ) -> tuple[Any, list[MeasureMatch]]:
        profile = profile_text(types, assets, needs, free)
        try:
            matches = self.backend.subsidies(region=region or None, profile=profile or None, include_parents=bool(parents))
        except PolicyQAError as exc:
            gr.Warning(f"{exc.message}。{exc.hint}")
            return gr.skip(), gr.skip()
        if not matches:
            gr.Info("没有找到匹配的扶持措施；可以减少条件，或勾选“包括所在省和国家的措施”。")
        return measures_frame(matches), matches

    def show(self, matches: list[MeasureMatch], evt: gr.SelectData) -> str:
        number = fmt.clicked_row(evt.row_value, evt.index, len(matches))
        if number is None:
            return gr.skip()
        m = matches[number]
        view = fmt.CitationView(
            id=0, title=m.title, region=m.region, date=m.date, year=m.year, section=m.section,
            source=m.source, text=m.sentence, quote=m.benefit or "",
            provenance=tuple(sorted(m.provenance.items())),
        )
        heading = f"{m.label or m.measure}" + (f" · {m.benefit}" if m.benefit else "")
        return fmt.passage_html(view, heading=heading)

    def export_rows(self, matches: list[MeasureMatch]) -> Any:
        if not matches:
            gr.Warning("先查找，再导出。")
            return gr.skip()
        items = [{"rank": i + 1, **m.to_json()} for i, m in enumerate(matches)]
        flat = [{**{k: v for k, v in it.items() if k != "citation"}, **it["citation"]} for it in items]
        return write_exports("subsidies", flat, CSV_COLUMNS, {"count": len(items), "measures": items})
