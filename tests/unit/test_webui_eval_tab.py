"""The evaluation tab renders assistant.eval's run (real runner and metrics, fake QA service)."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from webui.backend import Backend
from webui.eval_tab import EvalTab
from tests.unit.webui_fakes import fake_services

QUESTIONS = [
    {"id": "yj-1", "question": "阳江到2017年底建几个省级孵化器？", "kind": "commitment", "answerable": True,
     "expected_facts": ["3个"], "expected_evidence": ["省级孵化器3个"], "expected_sources": ["000_yangjiang.txt"]},
    {"id": "yj-2", "question": "阳江省众创空间建几个？", "kind": "commitment", "answerable": True,
     "expected_facts": ["5个"], "expected_evidence": ["省众创空间2个"], "expected_sources": ["000_yangjiang.txt"]},
    {"id": "sz-1", "question": "深圳2019年的创新券额度是多少？", "kind": "unanswerable", "answerable": False},
]


def _tab(tmp_path: Path) -> EvalTab:
    with gr.Blocks():
        tab = EvalTab(Backend(fake_services(tmp_path / "home")))
        tab.render()
    return tab


def test_run_shows_metrics_chart_failures_and_writes_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    qfile = tmp_path / "set.jsonl"
    lines = [json.dumps(q, ensure_ascii=False) for q in QUESTIONS] + ["{not json"]
    qfile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary, metrics, chart, kinds, failures, files = _tab(tmp_path).evaluate(str(qfile), 5, ["bm25"])
    assert "3 个问题" in summary and "通过 <strong>2</strong> / 3" in summary and "line 4" in summary
    assert list(metrics.columns) == ["指标", "policyqa", "bm25", "policyqa/bm25"]
    hit1 = metrics[metrics["指标"] == "hit@1"].iloc[0]
    assert hit1["policyqa"] == "1.000"
    assert chart.startswith("<svg") and "policyqa" in chart
    assert set(kinds["kind"]) == {"commitment", "unanswerable"}
    assert list(failures["id"]) == ["yj-2"] and failures.iloc[0]["缺少的事实"] == "5个"
    report = json.loads(Path(files[0]).read_text(encoding="utf-8"))
    assert {"metrics", "by_kind", "questions"} <= set(report)
    assert Path(files[1]).read_text(encoding="utf-8").startswith("<!doctype html>")
    assert all(Path(f).is_relative_to(tmp_path / "gradio") for f in files)


def test_bad_question_file_is_a_message_not_a_crash(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    out = _tab(tmp_path).evaluate(str(empty), 5, [])
    assert "无法运行" in out[0] and "empty" in out[0]
