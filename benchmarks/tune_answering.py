"""Tune the fusion weight and calibrate the abstention threshold on a question set, in one warm
process (``policyqa eval`` would reload the model for every setting).

    .venv/bin/python benchmarks/tune_answering.py --store /tmp/pqa-full --weights 0,0.5,0.7,0.8,0.9,1
    .venv/bin/python benchmarks/tune_answering.py --store /tmp/pqa-full --weights 0.5,0.8 --fusion rrf
    .venv/bin/python benchmarks/tune_answering.py --store /tmp/pqa-full --calibrate

Use the dev set (``evals/dev.jsonl``, the default), never the test set. Metrics follow
DESIGN.md section 3 (hit@k on ``expected_evidence``, fact recall on the answer text);
``policyqa eval`` is the reference for reported figures. ``--calibrate`` answers every question
with the threshold at 0, prints each question's evidence score (answerable A / unanswerable U)
and the abstention accuracy and fact recall each threshold would give; pick the middle of the
gap between the U and A scores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run(qa, questions: list[dict]) -> list[dict]:
    from common.textnorm import contains

    rows = []
    for q in questions:
        history: list = []
        for earlier in q.get("history") or []:
            history.append((earlier, qa.ask(earlier, history=history or None)))
        f = q.get("filters") or {}
        a = qa.ask(q["question"], history=history or None, region=f.get("region"), year=f.get("year"))
        ranked = qa.retrieve(a.resolved_question or q["question"], k=10, region=f.get("region"), year=f.get("year"))
        evidence = q.get("expected_evidence") or []
        rank = next((i for i, p in enumerate(ranked, 1) if any(contains(p.text, e) for e in evidence)), None)
        facts = q.get("expected_facts") or []
        reason = a.analysis.get("abstain_reason", "")
        rows.append(
            {
                "id": q["id"], "question": q["question"], "answerable": bool(q["answerable"]),
                "rank": rank, "facts": len(facts), "found": sum(contains(a.answer, x) for x in facts),
                "abstained": a.abstained, "evidence": float(a.analysis.get("evidence") or 0.0),
                # abstentions the threshold does not decide (region / year / report not covered)
                "hard": bool(reason) and ("没有关于" in reason or "没有涉及" in reason or "的报告" in reason
                                          or "没有可以检索" in reason),
                "length": len(a.answer),
            }
        )  # fmt: skip
    return rows


def summary(rows: list[dict]) -> str:
    ans = [r for r in rows if r["answerable"]]
    hit = lambda k: sum(1 for r in ans if r["rank"] and r["rank"] <= k) / len(ans)  # noqa: E731
    mrr = sum(1 / r["rank"] for r in ans if r["rank"]) / len(ans)
    facts = sum(r["found"] for r in ans if not r["abstained"]) / max(1, sum(r["facts"] for r in ans))
    abst = sum(1 for r in rows if r["abstained"] != r["answerable"]) / len(rows)
    answered = [r["length"] for r in rows if not r["abstained"]]
    med = statistics.median(answered) if answered else 0
    return (
        f"hit@1 {hit(1):.3f}  hit@3 {hit(3):.3f}  hit@5 {hit(5):.3f}  MRR@10 {mrr:.3f}  "
        f"fact recall {facts:.3f}  abstention acc. {abst:.3f}  median answer {med:.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True)
    ap.add_argument("--questions", default=str(ROOT / "evals" / "dev.jsonl"))
    ap.add_argument("--weights", default="", help="comma-separated lexical weights to try")
    ap.add_argument("--fusion", default="score", choices=["score", "rrf"])
    ap.add_argument("--calibrate", action="store_true")
    args = ap.parse_args(argv)

    from assistant.services import build_services
    from common.settings import load_settings

    qa = build_services(load_settings(store=args.store)).qa
    questions = [json.loads(line) for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]

    if args.calibrate:
        answer = qa.settings.answer.model_copy(update={"abstain_threshold": 0.0})
        qa.settings = qa.settings.model_copy(update={"answer": answer})
        rows = run(qa, questions)
        for r in sorted((r for r in rows if not r["hard"]), key=lambda r: r["evidence"]):
            print(f"{r['evidence']:.3f} {'A' if r['answerable'] else 'U'} {r['found']}/{r['facts']} {r['id']} {r['question']}")
        for t in [x / 100 for x in range(20, 71, 3)]:
            ok = found = total = 0
            for r in rows:
                abstains = r["hard"] or r["evidence"] < t
                ok += abstains != r["answerable"]
                if r["answerable"]:
                    total += r["facts"]
                    found += 0 if abstains else r["found"]
            print(f"threshold {t:.2f}: abstention acc. {ok / len(rows):.3f}  fact recall {found / max(1, total):.3f}")
        return 0

    weights = [float(w) for w in args.weights.split(",")] if args.weights else [qa.searcher.settings.lexical_weight]
    for w in weights:
        qa.searcher.settings = qa.searcher.settings.model_copy(update={"lexical_weight": w, "fusion": args.fusion})
        print(f"weight {w} ({args.fusion}): {summary(run(qa, questions))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
