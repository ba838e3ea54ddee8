"""The documents tab: what is ingested, upload more (with progress and per-file errors), delete.

Uploads go through :meth:`Backend.ingest_uploads`, i.e. the same ``ingest_paths`` the CLI uses, so
the same checks (encoding, empty, binary junk, size, duplicates) apply and report per file.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
import pandas as pd

from assistant.citing import title_stated
from common.errors import PolicyQAError
from webui.backend import Backend, IngestOutcome
from webui.roles import Roles

COLUMNS = ["文件", "标题", "地区", "日期", "覆盖年份", "类型", "块数", "记录数", "ID"]

STATUS_LABELS = {
    "added": "已新增",
    "updated": "已更新",
    "unchanged": "未变化",
    "duplicate": "重复（已存在相同内容）",
    "failed": "失败",
    "removed": "已移除",
}


def documents_frame(docs: list[dict[str, Any]]) -> pd.DataFrame:
    """The documents table: one row per document, newest metadata from the store."""
    rows = []
    for d in docs:
        region = d.get("region") or ""
        if d.get("parent_region") and d.get("parent_region") != region:
            region = f"{region}（{d['parent_region']}）"
        if region and (d.get("provenance") or {}).get("region") == "inferred":
            region = f"{region}（据正文推断）"
        rows.append(
            [
                d.get("source") or "",
                d.get("title") if title_stated(d) else "（文件未写标题）",
                region,
                d.get("date") or "",
                "、".join(str(y) for y in d.get("years") or []),
                d.get("doc_type") or "",
                int(d.get("chunk_count") or 0),
                int(d.get("record_count") or 0),
                d.get("doc_id") or "",
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def doc_choices(docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(_doc_label(d), str(d.get("doc_id"))) for d in docs]


def _doc_label(d: dict[str, Any]) -> str:
    """file · 《title》 (the title only when the document states one)."""
    return f"{d.get('source')} · 《{d.get('title')}》" if title_stated(d) else str(d.get("source"))


def outcome_html(outcome: IngestOutcome) -> str:
    """Per-file result table; failures carry their reason and hint."""
    if not outcome.rows:
        return '<p class="pq-fail">没有收到文件。</p>'
    summary = "，".join(f"{STATUS_LABELS.get(k, k)} {v}" for k, v in sorted(outcome.counts.items()))
    body = []
    for r in outcome.rows:
        cls = "pq-fail" if r["status"] == "failed" else "pq-ok"
        body.append(
            f'<tr class="pq-upload-row" data-status="{html.escape(r["status"])}">'
            f"<td>{html.escape(r['file'])}</td>"
            f'<td class="{cls}">{html.escape(STATUS_LABELS.get(r["status"], r["status"]))}</td>'
            f"<td>{html.escape(r['reason'])}</td><td>{html.escape(r['hint'])}</td></tr>"
        )
    return (
        f'<div id="pq-upload-result"><p><strong>导入结果：</strong>{html.escape(summary)}</p>'
        '<table class="pq-report-table"><thead><tr><th>文件</th><th>结果</th><th>原因</th>'
        f"<th>提示</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


class DocumentsTab:
    """Builds the documents tab inside the current Blocks context."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.roles = Roles.from_settings(backend.settings)

    def render(self) -> None:
        docs = self.backend.documents()
        exts = list(self.backend.settings.ingest.extensions)
        limit = self.backend.settings.server.max_upload_mb
        gr.Markdown(
            f"已收录的文件。上传 {' / '.join(exts)} 文件即可导入（单个文件不超过 {limit:g} MB）；"
            "同名文件再次上传会替换旧版本。"
        )
        self.table = gr.Dataframe(
            value=documents_frame(docs),
            headers=COLUMNS,
            interactive=False,
            wrap=True,
            show_search="filter",
            column_widths=["18%", "28%", "11%", "9%", "9%", "8%", "5%", "5%", "7%"],
            elem_id="pq-documents",
            label="文件列表",
        )
        with gr.Row():
            self.refresh = gr.Button("刷新", size="sm", elem_id="pq-docs-refresh")
        # Shown when an admin password is set: uploading and deleting need it (webui/roles.py).
        self.admin_password = gr.Textbox(
            label="管理员密码（上传、删除文件需要）", type="password", elem_id="pq-admin-password",
            visible=self.roles.admin_required, max_lines=1,
        )
        with gr.Row(equal_height=False):
            with gr.Column():
                self.files = gr.File(
                    label="上传文件",
                    file_count="multiple",
                    file_types=exts,
                    type="filepath",
                    elem_id="pq-upload",
                )
                self.ingest = gr.Button("导入", variant="primary", elem_id="pq-ingest")
                self.result = gr.HTML(elem_id="pq-upload-result-box")
            with gr.Column():
                self.to_delete = gr.Dropdown(
                    choices=doc_choices(docs), label="删除文件", elem_id="pq-delete-choice"
                )
                self.confirm = gr.Checkbox(label="确认删除（不可撤销）", value=False, elem_id="pq-delete-confirm")
                self.delete = gr.Button("删除", variant="stop", elem_id="pq-delete")
                self.delete_result = gr.HTML(elem_id="pq-delete-result")
        self._wire()

    def _wire(self) -> None:
        self.refresh.click(self.reload, None, [self.table, self.to_delete], api_visibility="private", queue=False)
        self.ingest_event = self.ingest.click(
            self.ingest_files,
            [self.files, self.admin_password],
            [self.result, self.table, self.to_delete, self.files],
            api_visibility="private",
            concurrency_id="write",
            concurrency_limit=1,
        )
        self.delete_event = self.delete.click(
            self.delete_doc,
            [self.to_delete, self.confirm, self.admin_password],
            [self.delete_result, self.table, self.to_delete, self.confirm],
            api_visibility="private",
            concurrency_id="write",
            concurrency_limit=1,
        )

    def reload(self) -> tuple[Any, Any]:
        docs = self.backend.documents()
        return documents_frame(docs), gr.Dropdown(choices=doc_choices(docs), value=None)

    def _refused(self, what: str, request: gr.Request | None, password: str | None) -> str | None:
        """The refusal to show when this request may not change documents, else None."""
        if self.roles.is_admin(getattr(request, "username", None), password):
            return None
        who = "请输入正确的管理员密码" if not self.roles.reader else "请以管理员身份登录，或输入管理员密码"
        return f'<p class="pq-fail pq-refused">{what}需要管理员权限：{who}。</p>'

    def ingest_files(self, files: list[str] | None, admin_password: str | None = None,
                     request: gr.Request = None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # type: ignore[assignment]
        """Ingest uploaded files with a progress bar; one result row per file."""
        refused = self._refused("导入文件", request, admin_password)
        if refused:
            return refused, gr.skip(), gr.skip(), gr.skip()
        if not files:
            gr.Warning("请先选择要上传的文件。")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        progress(0.0, desc="准备导入")

        def report(fraction: float, desc: str) -> None:
            progress(max(0.0, min(1.0, fraction)), desc=desc)

        try:
            outcome = self.backend.ingest_uploads(list(files), progress=report)
        except PolicyQAError as exc:
            msg = f'<p class="pq-fail">导入失败：{html.escape(exc.message)}</p>'
            if exc.hint:
                msg += f'<p class="pq-hint">提示：{html.escape(exc.hint)}</p>'
            return msg, gr.skip(), gr.skip(), gr.skip()
        if outcome.failed:
            gr.Warning(f"{outcome.failed} 个文件未能导入，原因见导入结果。")
        docs = self.backend.documents()
        return outcome_html(outcome), documents_frame(docs), gr.Dropdown(choices=doc_choices(docs), value=None), None

    def delete_doc(self, doc_id: str | None, confirmed: bool, admin_password: str | None = None,
                   request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        refused = self._refused("删除文件", request, admin_password)
        if refused:
            return refused, gr.skip(), gr.skip(), gr.skip()
        if not doc_id:
            gr.Warning("请先选择要删除的文件。")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if not confirmed:
            gr.Warning("请勾选“确认删除”后再删除。")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            doc = self.backend.delete_document(doc_id)
        except PolicyQAError as exc:
            return f'<p class="pq-fail">{html.escape(exc.message)}</p>', gr.skip(), gr.skip(), False
        docs = self.backend.documents()
        msg = f'<p class="pq-ok">已删除：{html.escape(_doc_label(doc))}</p>'
        return msg, documents_frame(docs), gr.Dropdown(choices=doc_choices(docs), value=None), False
