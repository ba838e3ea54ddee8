"""Latency of retrieval + extractive answer per question, in a warm process, and its memory.

    .venv/bin/python benchmarks/answer_bench.py --store /tmp/policyqa_all          # existing store
    .venv/bin/python benchmarks/answer_bench.py --store /tmp/policyqa_all --build  # ingest first

The store should hold the whole sample corpus (reports + extra, ~2,700 chunks); building it
embeds everything with e5 (~7-10 minutes on 2 cores), so pass ``--store`` of an existing one.
Questions come from ``evals/questions.jsonl`` (follow-ups are asked standalone). The process
is warmed first (model, jieba, BM25 index, Chroma), then every question is timed end to end
through ``QAService.ask`` (query analysis, e5 query embedding, Chroma + BM25 search, fusion,
extractive answer), ``--repeat`` times. Reports p50 / p95 / max in ms and the process's peak
RSS; ``--json OUT`` writes them. Goal (issue 3): p95 < 300 ms on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    i = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[i]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    current = peak
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    except OSError:
        pass
    return current, peak


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="store directory (built with the whole corpus)")
    ap.add_argument("--build", action="store_true", help="ingest ../shared/corpus into --store first")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--questions", default=str(ROOT / "evals" / "questions.jsonl"))
    ap.add_argument("--repeat", type=int, default=2, help="timed passes over the questions")
    ap.add_argument("--json", dest="json_out", help="write the figures here")
    args = ap.parse_args(argv)

    from assistant.services import build_services
    from common.settings import load_settings

    settings = load_settings(store=args.store)
    services = build_services(settings)
    if args.build:
        from ingest.pipeline import ingest_paths
        from vectorstore.chroma_store import open_store

        store = open_store(settings, services.embeddings, create=True)
        t0 = time.perf_counter()
        ingest_paths([Path(args.corpus)], settings, store, services.embeddings)
        print(f"built the store in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    questions = [json.loads(line)["question"] for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    rss_before, _ = rss_mb()
    t0 = time.perf_counter()
    qa = services.qa
    qa.ask("阳江2015年专利申请量是多少？")  # warm: model, jieba, BM25 index, Chroma, catalog
    warm_s = time.perf_counter() - t0
    chunks = len(qa.searcher.catalog())

    times: list[float] = []
    abstained = 0
    for _ in range(max(1, args.repeat)):
        for q in questions:
            t = time.perf_counter()
            a = qa.ask(q)
            times.append((time.perf_counter() - t) * 1000)
            abstained += a.abstained
    rss_now, rss_peak = rss_mb()
    figures = {
        "questions": len(questions),
        "timed_asks": len(times),
        "chunks": chunks,
        "warm_up_s": round(warm_s, 2),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "rss_mb": round(rss_now, 0),
        "peak_rss_mb": round(rss_peak, 0),
        "rss_before_services_mb": round(rss_before, 0),
        "abstained_share": round(abstained / len(times), 3),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
