"""The first question after one more document is ingested into a running app's store.

Services are built once over an existing store (as ``policyqa serve`` does) and warmed up;
then, for each way a document arrives, one new report is ingested and the next question is
timed against the warm median:

- ``in-process``: through the app's own services (an upload in the 文件 tab);
- ``other-process``: ``policyqa ingest FILE --store DIR`` in a second process (a CLI ingest
  while the app runs: Chroma is re-opened, the keyword index follows the new generation).

Then the document is deleted again, so the store is left as it was.

    .venv/bin/python benchmarks/first_query_bench.py --store /tmp/m/full [--doc FILE] [--full-rebuild]

The store must have been built with the default (e5) settings. Writes
benchmarks/out/first_query.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.services import build_services  # noqa: E402
from common.settings import Settings  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402

QUESTIONS = ["阳江2015年专利申请量是多少？", "江门到2017年高新技术企业要达到多少家？", "中山2018年科技创新券发放了多少？",
             "赣榆区2015年有多少家高新技术企业？", "2016年阳江有哪些支持孵化器的措施？"]
NEW_DOC = """某市科学技术局2024年工作要点
一、工作目标
全年新增国家高新技术企业45家，技术合同成交额突破12亿元。
二、重点任务
（一）建设省级新型研发机构3家。（二）发放科技创新券2000万元。
"""
ASK_AFTER = "某市2024年计划新增多少家国家高新技术企业？"


def timed_ask(qa, question: str) -> float:
    t0 = time.perf_counter()
    qa.ask(question)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--doc", default=None, help="the document to add (default: a small plan)")
    ap.add_argument("--full-rebuild", action="store_true",
                    help="as before segments: every change re-reads and re-tokenizes every chunk")
    args = ap.parse_args()
    settings = Settings(home=args.store)
    services = build_services(settings)
    qa = services.qa
    if args.full_rebuild:
        lex = services.lexical
        lex._versions = lambda: [("", f"all|{lex.store.generation()}")]  # one segment of everything
    chunks = sum(int(d.get("chunk_count") or 0) for d in services.store.list_documents())
    for q in QUESTIONS:
        qa.ask(q)  # warm-up: model, indexes, caches
    warm = [timed_ask(qa, q) for q in QUESTIONS * 2]
    result: dict = {"store_chunks": chunks, "full_rebuild": args.full_rebuild, "warm_median_ms": round(statistics.median(warm), 1)}
    with tempfile.TemporaryDirectory(prefix="policyqa-first-") as tmp:
        for mode in ("in-process", "other-process"):
            doc = Path(tmp) / f"new_{mode}.txt"
            doc.write_text(Path(args.doc).read_text("utf-8") if args.doc else NEW_DOC, "utf-8")
            t0 = time.perf_counter()
            if mode == "in-process":
                ingest_paths([doc], settings, services.store, services.embeddings)
            else:
                subprocess.run([str(Path(sys.executable).with_name("policyqa")), "ingest", str(doc),
                                "--store", args.store], check=True, capture_output=True)
            ingest_s = time.perf_counter() - t0
            first = timed_ask(qa, ASK_AFTER)
            second = timed_ask(qa, ASK_AFTER)
            result[mode] = {"ingest_s": round(ingest_s, 1), "first_ms": round(first, 1),
                            "second_ms": round(second, 1),
                            "first_over_warm": round(first / result["warm_median_ms"], 2)}
            print(mode, result[mode], flush=True)
            for d in services.store.list_documents():
                if d["source"] == doc.name:
                    services.store.delete_document(d["doc_id"])
    result["lexical_segments_built"] = services.lexical.segments_built
    out = ROOT / "benchmarks" / "out" / f"first_query{'_full' if args.full_rebuild else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), "utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
