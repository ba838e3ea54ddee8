"""Chunking benchmark: sizes, speed, and what the chunk budget does to BM25 retrieval.

    .venv/bin/python benchmarks/chunk_bench.py [--corpus ../shared/corpus]
        [--questions evals/dev.jsonl] [--budgets 120,160,200,240,320]

For each budget (``ChunkSettings.max_tokens``) it prepares every corpus file with
``prepare_document`` (load -> clean -> metadata -> chunk), prints chunk counts and token/char
size distributions, and scores plain BM25 (the project's jieba tokenizer + bm25s, no store, no
dense model) on the answerable questions: hit@1/3/5 and MRR@10, where a hit is a passage that
contains an ``expected_evidence`` string under the DESIGN.md matching rule. Each budget is
scored twice: chunk text alone, and chunk text with its section path in front (what a retriever
can index when the heading is not in the chunk itself).

Timings are wall-clock on a shared 2-core machine: noisy.

Measured (reports + extra, 17 files, 279,749 cleaned characters; BM25 text only / section + text):

    budget  chunks  p50 tokens (chars)   dev (34 q) hit@1 hit@5 MRR    test (152 q) hit@1 hit@5 MRR
    160     2734    114 / 128 (95/105)   0.71 0.91 0.80 / 0.71 0.94 0.80   0.64 0.88 0.74 / 0.66 0.88 0.76
    240     1818    163 / 195            0.71 0.91 0.79 / 0.76 0.91 0.83   0.69 0.87 0.78 / 0.67 0.91 0.78
    320     1371    209 / 264 (180/215)  0.74 0.91 0.82 / 0.76 0.91 0.84   0.68 0.91 0.78 / 0.70 0.93 0.80

(p50 for reports / extra.) Every expected_evidence string lies inside one chunk at every budget,
so the budget only moves ranking. One question is 0.03 on dev, 0.007 on test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.settings import ChunkSettings, Settings  # noqa: E402
from common.textnorm import contains  # noqa: E402
from ingest.document import prepare_document  # noqa: E402


def _quantiles(values: list[int]) -> str:
    if not values:
        return "-"
    qs = statistics.quantiles(values, n=20) if len(values) > 1 else [values[0]] * 19
    return (f"min {min(values)}  p5 {qs[0]:.0f}  p50 {statistics.median(values):.0f}  "
            f"p95 {qs[18]:.0f}  max {max(values)}  mean {statistics.fmean(values):.0f}")


def _score(passages: list[str], questions: list[dict], k: int = 10) -> dict[str, float]:
    import bm25s

    from vectorstore.tokenize import tokenize

    retriever = bm25s.BM25()
    retriever.index([tokenize(p) for p in passages], show_progress=False)
    hits = {1: 0, 3: 0, 5: 0}
    rr = 0.0
    for q in questions:
        docs, _ = retriever.retrieve([tokenize(q["question"])], k=min(k, len(passages)),
                                     show_progress=False)
        rank = None
        for r, idx in enumerate(docs[0], start=1):
            if any(contains(passages[int(idx)], e) for e in q["expected_evidence"]):
                rank = r
                break
        if rank:
            rr += 1 / rank
            for cut in hits:
                hits[cut] += rank <= cut
    n = len(questions) or 1
    return {**{f"hit@{c}": v / n for c, v in hits.items()}, "mrr@10": rr / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--questions", type=Path, default=ROOT / "evals" / "dev.jsonl")
    ap.add_argument("--budgets", default="120,160,200,240,320")
    args = ap.parse_args(argv)

    files = sorted(p for p in args.corpus.rglob("*") if p.is_file())
    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    questions = [q for q in questions if q.get("answerable") and q.get("expected_evidence")]
    print(f"{len(files)} files, {len(questions)} answerable questions from {args.questions.name}")

    for budget in [int(b) for b in args.budgets.split(",")]:
        settings = Settings(chunk=ChunkSettings(max_tokens=budget))
        t0 = time.perf_counter()
        prepared = [prepare_document(f, settings) for f in files]
        elapsed = time.perf_counter() - t0
        chunks = [c for d in prepared for c in d.chunks]
        print(f"\n== max_tokens {budget}: {len(chunks)} chunks, prepare_document over "
              f"{len(files)} files {elapsed:.2f}s")
        for label, group in (("reports", [d for d in prepared if "reports" in d.meta.path]),
                             ("extra", [d for d in prepared if "extra" in d.meta.path])):
            cs = [c for d in group for c in d.chunks]
            print(f"  {label}: {sum(len(d.text) for d in group)} cleaned chars, {len(cs)} chunks")
            print(f"    tokens: {_quantiles([c.tokens for c in cs])}")
            print(f"    chars:  {_quantiles([len(c.text) for c in cs])}")
        plain = _score([c.text for c in chunks], questions)
        with_section = _score([f"{c.section}\n{c.text}" if c.section else c.text for c in chunks],
                              questions)
        fmt = "  ".join
        print("  BM25 text only:      " + fmt(f"{k} {v:.2f}" for k, v in plain.items()))
        print("  BM25 section + text: " + fmt(f"{k} {v:.2f}" for k, v in with_section.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
