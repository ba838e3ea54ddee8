"""Report writers (JSON, Markdown + SVG, HTML), the chart, the terminal table and --diff."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from assistant.eval.answerers import Attempt
from assistant.eval.chart import bar_chart
from assistant.eval.diff import diff_files, diff_runs, load_run
from assistant.eval.report import comparison, ratio, report_format, to_json, write_html, write_json, write_markdown, write_report
from assistant.eval.runner import run_eval
from common.errors import ConfigError, QuestionError
from tests.unit.eval_helpers import QUESTIONS, SCRIPT, P, ScriptedAnswerer


def baseline_script():
    """A baseline that never abstains, ranks everything first and answers long."""
    out = {}
    for q in QUESTIONS:
        ev = q.expected_evidence[0] if q.expected_evidence else "无"
        text = f"{ev} " + "长" * 300 + "".join(q.expected_facts)
        out[q.question] = Attempt(text, False, [P(q.expected_sources[0] if q.expected_sources else "d.txt", text)], [], 50)
    return out


@pytest.fixture
def run():
    return run_eval(
        QUESTIONS,
        [ScriptedAnswerer(SCRIPT, name="policyqa"), ScriptedAnswerer(baseline_script(), name="naive")],
        k=3,
        questions_path="q.jsonl",
        problems=["line 9: not valid JSON"],
    )


def test_json_report_shape_and_consistency(run, tmp_path):
    path = write_json(run, tmp_path / "out" / "eval.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"metrics", "by_kind", "questions", "baselines", "comparison", "config", "problems"} <= set(data)
    assert len(data["questions"]) == 5 and data["questions"][0]["id"] == "q1"
    assert data["questions"][0]["rank"] == 2 and data["questions"][0]["facts_missing"] == ["20%"]
    assert set(data["baselines"]) == {"naive"}
    naive = data["baselines"]["naive"]
    assert naive["metrics"]["hit@1"] == 1.0 and naive["metrics"]["abstention_accuracy"] == 0.6
    assert data["comparison"]["hit@1"]["ratio_naive"] == pytest.approx(round((1 / 3) / 1.0, 3), abs=1e-3)
    assert data["config"]["k"] == 3 and data["config"]["rank_depth"] == 10
    assert data["problems"] == ["line 9: not valid JSON"]
    # Every metric in [0, 1] is one, and matches the rows it was computed from.
    for key in ("hit@1", "hit@3", "hit@5", "mrr@10", "fact_recall", "abstention_accuracy", "pass_rate"):
        assert 0.0 <= data["metrics"][key] <= 1.0
    assert data["metrics"]["pass_rate"] == sum(q["passed"] for q in data["questions"]) / 5


def test_ratio():
    assert ratio(0.9, 0.6) == 1.5 and ratio(None, 1) is None and ratio(1, 0) is None


def test_comparison_lists_each_metric_for_each_system(run):
    comp = comparison(run)
    assert comp["median_answer_chars"]["naive"] > comp["median_answer_chars"]["policyqa"]
    assert set(comp["mrr@10"]) == {"policyqa", "naive", "ratio_naive"}


def test_markdown_report_with_chart_beside_it(run, tmp_path):
    md = write_markdown(run, tmp_path / "r.md")
    text = md.read_text(encoding="utf-8")
    svg = tmp_path / "r.svg"
    assert svg.is_file() and "![metrics chart](r.svg)" in text
    ET.fromstring(svg.read_text(encoding="utf-8"))  # well-formed SVG
    assert "| metric | policyqa | naive | policyqa/naive |" in text
    assert "## Questions that did not pass (3)" in text
    assert "| q3 | fact | 7 | 7项 | yes |" in text
    assert "answered an unanswerable question" in text
    assert "over answerable questions only" in text


def test_html_report_is_one_file_with_inline_chart(run, tmp_path):
    html = write_report(run, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<svg" in html and "</html>" in html
    assert html.count('<tr class="fail">') == 3 and html.count('<tr class="pass">') == 2
    assert "naive" in html and "line 9: not valid JSON" in html


def test_report_format_is_checked_up_front(tmp_path):
    assert report_format("a.MD") == "md" and report_format("x/y.htm") == "html"
    with pytest.raises(ConfigError, match="report format"):
        report_format(tmp_path / "r.pdf")


def test_chart_bars_scale_with_values():
    svg = bar_chart({"a": {"hit@1": 1.0, "fact_recall": None}, "b": {"hit@1": 0.5, "fact_recall": 0.25}},
                    ["hit@1", "fact_recall"])  # fmt: skip
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    heights = {r.find(f"{ns}title").text: float(r.get("height")) for r in bars}
    assert heights["a hit@1: 1.000"] == pytest.approx(2 * heights["b hit@1: 0.500"])
    assert heights["b fact_recall: 0.250"] == pytest.approx(heights["a hit@1: 1.000"] / 4)
    assert "n/a" in svg  # the missing value is marked, not drawn as zero


def test_terminal_table_marks_failures(run):
    from rich.console import Console

    from assistant.eval.terminal import print_questions, print_summary

    console = Console(record=True, width=200, color_system=None)
    print_questions(run.main, console=console)
    print_summary(run, console=console)
    out = console.export_text()
    assert "policyqa: 2/5 passed" in out
    assert "FAIL abstained" in out and "FAIL answered (should abstain)" in out
    assert "miss" not in out.split("q3")[1].split("\n")[0]  # q3 has rank 7, not a miss
    assert "policyqa/naive" in out
    console = Console(record=True, width=200, color_system=None)
    print_questions(run.main, failures_only=True, console=console)
    assert " q2 " not in console.export_text()


def test_diff_lists_better_and_worse(run, tmp_path):
    old = to_json(run)
    better_script = dict(SCRIPT)
    better_script["第三问"] = Attempt("共7项", False, [P("a.txt", "证据三")], [P("a.txt", "证据三")], 10)
    worse_script = dict(better_script)
    worse_script["第二问"] = Attempt("不知道", False, [P("d.txt", "x")], [], 10)
    new = to_json(run_eval(QUESTIONS, [ScriptedAnswerer(worse_script, name="policyqa")], k=3))
    d = diff_runs(old, new)
    assert [c.id for c in d.better] == ["q3"] and [c.id for c in d.worse] == ["q2"]
    assert "now passes" in d.better[0].details and "rank 7 -> 1" in d.better[0].details
    assert "answers now (used to abstain)" in d.better[0].details
    assert any("facts lost: -5个" in x for x in d.worse[0].details)
    assert d.metrics["pass_rate"] == (0.4, 0.4)

    # the same through files, and a question only in one run
    new["questions"] = new["questions"][:-1]
    (tmp_path / "old.json").write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new, ensure_ascii=False), encoding="utf-8")
    d2 = diff_files(tmp_path / "old.json", tmp_path / "new.json")
    assert d2.only_old == ["q5"] and [c.id for c in d2.better] == ["q3"]


def test_diff_of_identical_runs_is_empty(run):
    d = diff_runs(to_json(run), to_json(run))
    assert d.better == d.worse == d.changed == []


def test_diff_refuses_files_that_are_not_reports(tmp_path):
    (tmp_path / "x.json").write_text('{"metrics": {}}', encoding="utf-8")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(QuestionError, match="no 'questions' list"):
        load_run(tmp_path / "x.json")
    with pytest.raises(QuestionError, match="not a JSON eval report"):
        load_run(tmp_path / "bad.json")
    with pytest.raises(QuestionError, match="not found"):
        load_run(tmp_path / "missing.json")
