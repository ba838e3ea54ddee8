"""`policyqa eval` end to end, as a user runs it: a subprocess, then runs in this process, over
a real store of the five sample reports (the shared ``reports_store`` fixture), the bundled e5
model, both baselines, JSON and HTML reports. The naive baseline's index is written under that
store's ``baselines/`` folder (beside, not inside, its Chroma data), so the store itself is
unchanged.

It checks the shape of the reports, that each reported rank is where the retriever really puts
the evidence, and that a run is reproducible; it does not assert quality targets (those are
measured and reported, see the README).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.services import Services
from common.textnorm import contains

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REPORT_FILES = {
    "000_6815dfeab2db1bf2.txt",
    "001_36a689d0a3f137d4.txt",
    "002_a295750ddb2d6bca.txt",
    "003_9713f358d5aa3b1f.txt",
    "004_4757f8428a5e4ec7.txt",
}
RATES = ("hit@1", "hit@3", "hit@5", "mrr@10", "source_recall@k", "fact_recall", "citation_precision",
         "abstention_accuracy", "answered_when_answerable", "abstained_when_unanswerable", "pass_rate")  # fmt: skip


def _subset(tmp_path: Path) -> tuple[Path, list[dict]]:
    """The project's questions answerable from the five reports, plus the unanswerable ones."""
    rows = [json.loads(line) for line in (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    keep = [r for r in rows if not r["answerable"] or set(r["expected_sources"]) <= REPORT_FILES]
    path = tmp_path / "reports_questions.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in keep) + "\n", encoding="utf-8")
    return path, keep


def _check_consistent(metrics: dict, rows: list[dict]) -> None:
    """Counts and ranges only: the totals' arithmetic is checked against a hand-computed fixture
    (tests/unit/test_eval_metrics.py), the ranks against the retriever below."""
    answerable = [r for r in rows if r["answerable"]]
    assert metrics["questions"] == len(rows) and metrics["answerable"] == len(answerable)
    for key in RATES:
        value = metrics[key]
        assert value is None or 0.0 <= value <= 1.0, (key, value)
    if not any(r["has_evidence"] for r in answerable):
        # e.g. the "unanswerable" kind: retrieval and answer metrics are undefined, not 0
        assert metrics["hit@1"] is None and metrics["mrr@10"] is None and metrics["fact_recall"] is None
    for r in rows:
        assert r["rank"] is None or 1 <= r["rank"] <= 10
        assert r["latency_ms"] >= 0 and r["error"] is None, r


def _check_ranks_against_the_retriever(reports_store, results: list[dict], rows: list[dict], n: int = 25) -> None:
    """The rank the report gives a question is where the retriever, asked directly in this
    process, first returns a passage holding the question's evidence (DESIGN.md's rule)."""
    services = Services(reports_store.settings)
    by_id = {r["id"]: r for r in rows}
    checked = 0
    for res in results:
        row = by_id[res["id"]]
        if not res["has_evidence"] or row.get("history"):
            continue
        f = row.get("filters") or {}
        passages = services.qa.retrieve(res["question"], k=10, region=f.get("region"), year=f.get("year"), doc=f.get("doc"))
        want = next((i for i, p in enumerate(passages, 1) if any(contains(p.text, e) for e in row["expected_evidence"])), None)
        assert res["rank"] == want, (res["id"], res["rank"], want)
        checked += 1
        if checked == n:
            break
    assert checked == n


def _check_facts_against_the_question_set(results: list[dict], rows: list[dict]) -> None:
    """Each result splits exactly its question's expected facts into found and missing (checked
    against the question set, not the report), and every fact it calls found is in its answer
    under DESIGN.md's matching rule."""
    expected = {r["id"]: r.get("expected_facts", []) for r in rows}
    for res in results:
        found, missing = res["facts_found"], res["facts_missing"]
        assert sorted(found + missing) == sorted(expected[res["id"]]), res["id"]
        assert not set(found) & set(missing), res["id"]
        assert all(contains(res["answer"], f) for f in found), (res["id"], found)


def test_eval_cli_on_the_five_reports_with_baselines(reports_store, policyqa_cli, policyqa_main, tmp_path):
    store = reports_store.path
    questions, rows = _subset(tmp_path)
    assert len(rows) >= 100 and sum(not r["answerable"] for r in rows) >= 20
    out_json, out_html = tmp_path / "out" / "eval.json", tmp_path / "out" / "eval.html"
    proc = policyqa_cli("eval", str(questions), "--store", str(store), "--compare", "naive,bm25",
                        "--json", str(out_json), "--report", str(out_html), "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "policyqa vs baselines" in proc.stdout and "policyqa/naive" in proc.stdout

    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert {"metrics", "by_kind", "questions", "baselines", "comparison", "config"} <= set(data)
    assert [q["id"] for q in data["questions"]] == [r["id"] for r in rows]
    _check_consistent(data["metrics"], data["questions"])
    _check_ranks_against_the_retriever(reports_store, data["questions"], rows)
    assert set(data["by_kind"]) == {r["kind"] for r in rows}
    _check_facts_against_the_question_set(data["questions"], rows)
    for kind, m in data["by_kind"].items():
        _check_consistent(m, [q for q in data["questions"] if q["kind"] == kind])

    assert set(data["baselines"]) == {"naive", "bm25"}
    for name, b in data["baselines"].items():
        _check_consistent(b["metrics"], b["questions"])
        _check_facts_against_the_question_set(b["questions"], rows)
        assert not any(q["abstained"] for q in b["questions"]), name  # baselines never abstain
        assert b["metrics"]["median_answer_chars"] > 0
    naive_cfg = data["baselines"]["naive"]["config"]
    assert naive_cfg["chunk_size"] == 750 and naive_cfg["chunk_overlap"] == 150 and naive_cfg["top_k"] == 3
    assert naive_cfg["chunks"] > 0 and naive_cfg["missing_files"] == []
    assert data["comparison"]["mrr@10"]["policyqa"] == data["metrics"]["mrr@10"]

    html = out_html.read_text(encoding="utf-8")
    assert "<svg" in html and "naive" in html and "bm25" in html

    # The runs below go through the same ``main`` in this process (no process start each).
    # A second run reuses the cached naive index: nothing is embedded again.
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(questions.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    again_json = tmp_path / "again.json"
    proc = policyqa_main("eval", str(small), "--store", str(store), "--compare", "naive", "--json", str(again_json), "--no-progress")
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads(again_json.read_text(encoding="utf-8"))
    assert again["baselines"]["naive"]["config"]["embedded_this_run"] == 0
    assert again["baselines"]["naive"]["config"]["chunks"] == naive_cfg["chunks"]

    # The same eval on the same store gives the same ranks and answers, with or without baselines.
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(questions.read_text(encoding="utf-8").splitlines()[:30]) + "\n", encoding="utf-8")
    plain_json = tmp_path / "plain.json"
    proc = policyqa_main("eval", str(first), "--store", str(store), "--json", str(plain_json), "--no-progress")
    assert proc.returncode == 0, proc.stderr[-3000:]
    plain = json.loads(plain_json.read_text(encoding="utf-8"))
    changed = [(a["id"], a["rank"], b["rank"]) for a, b in zip(data["questions"][:30], plain["questions"], strict=True)
               if (a["rank"], a["answer"]) != (b["rank"], b["answer"])]
    assert changed == []

    # --diff between the two runs works on real reports.
    proc = policyqa_main("eval", "--diff", str(out_json), str(again_json))
    assert proc.returncode == 0 and "metrics (old -> new)" in proc.stdout
