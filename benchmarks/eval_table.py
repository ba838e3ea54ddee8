"""Print eval JSON reports side by side as one Markdown table (PolicyQA and its baselines).

    .venv/bin/python benchmarks/eval_table.py "sample test=out/full.json" \\
        "policies2020=out/p20.json" "policies2020 dev=out/p20.json:p20-dev"

Each argument is ``LABEL=REPORT.json`` (a ``policyqa eval --json`` report), optionally followed
by a part of a policies2020 run: ``:p20-dev`` or ``:p20-test`` (the halves of
``benchmarks/sweep.py``: gold questions on even / odd numbered documents, our unanswerable
questions of odd / even id), ``:p20-gold`` (the data set's 167 questions only) or ``:p20-ours``
(our unanswerable ones). Totals of a part are recomputed from its question rows with the same
``aggregate`` as the eval itself; a whole report's totals are printed as written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from assistant.eval.metrics import QuestionResult, aggregate  # noqa: E402
from assistant.eval.questions import load_questions  # noqa: E402
from sweep import P20_QUESTIONS, p20_part  # noqa: E402

COLUMNS = (
    ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("MRR@10", "mrr@10"), ("fact recall", "fact_recall"),
    ("span start", "span_start"), ("span ROUGE-L", "span_rouge_l"),
    ("abstention", "abstention_accuracy"), ("pass", "pass_rate"), ("median answer", "median_answer_chars"),
)

PARTS = ("p20-dev", "p20-test", "p20-gold", "p20-ours")


def _totals(block: dict[str, Any], part: str | None, sources: dict[str, str]) -> dict[str, Any]:
    if not part:
        return block["metrics"]
    rows = []
    for row in block["questions"]:
        source = sources.get(row["id"])
        if part == "p20-gold":
            keep = source is not None
        elif part == "p20-ours":
            keep = source is None
        else:
            keep = p20_part(row["id"], source) == part
        if keep:
            rows.append(QuestionResult.from_json(row))
    return aggregate(rows, k=block.get("k", 5))


def _gold_sources() -> dict[str, str]:
    """Question id -> first expected source of the policies2020 data set's own questions."""
    return {q.id: q.expected_sources[0] for q in load_questions(P20_QUESTIONS).questions if q.expected_sources}


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "median_answer_chars":
        return f"{value:,.0f}"
    return f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reports", nargs="+", metavar="LABEL=REPORT.json[:PART]")
    args = ap.parse_args(argv)
    print("| corpus (questions) | system | " + " | ".join(c for c, _ in COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for spec in args.reports:
        label, _, rest = spec.partition("=")
        path, _, part = rest.partition(":")
        if part not in ("", *PARTS):
            ap.error(f"{spec}: unknown part {part!r}; use one of " + ", ".join(f":{p}" for p in PARTS))
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        sources = _gold_sources() if part else {}
        blocks = [("PolicyQA", {"metrics": report["metrics"], "questions": report["questions"], "k": report["config"]["k"]})]
        for name, b in report.get("baselines", {}).items():
            blocks.append((name, {**b, "k": report["config"]["k"]}))
        for i, (name, block) in enumerate(blocks):
            m = _totals(block, part or None, sources)
            first = f"{label} ({m['questions']})" if i == 0 else ""
            print(f"| {first} | {name} | " + " | ".join(_cell(k, m.get(k)) for _, k in COLUMNS) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
