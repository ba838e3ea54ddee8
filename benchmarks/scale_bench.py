"""Cost against corpus size: synthetic corpora of N× the sample corpus.

For each factor N (default 1 and 10): the 17 sample files (reports + extra) N times, copy k>0
lightly varied so it is a distinct document (its title line marked 副本k, every number in the
text changed by k, so no chunk text repeats and nothing is reused); then

- ``policyqa ingest DIR --store DIR`` in its own process (bundled e5): wall time, chunks/s,
  peak RSS; the unchanged re-run's time;
- questions of evals/questions.jsonl asked in-process over the store, as the app does: p50 and
  p95 latency after a warm-up;
- the first question after one more document is ingested through the same services, against
  the warm median (the keyword index follows by segments);

and writes benchmarks/out/scale.json and benchmarks/out/scale.svg (latency and ingest rate
against size).

    .venv/bin/python benchmarks/scale_bench.py --root /tmp/scale [--factors 1,10] [--questions 60]

Embedding dominates ingest (~6.7 chunks/s on 2 cores): 10× takes about 25 minutes, 50× about
two hours. A Chroma server (``--chroma-url``) may hold the largest store.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.services import build_services  # noqa: E402
from common.settings import Settings  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402

POLICYQA = str(Path(sys.executable).with_name("policyqa"))
SOURCE = ROOT.parent / "shared" / "corpus"
NEW_DOC = "某市科学技术局2030年工作要点\n一、工作目标\n全年新增国家高新技术企业77家，技术合同成交额突破19亿元。\n"


def build_corpus(factor: int, out: Path) -> int:
    files = sorted(p for p in SOURCE.rglob("*.txt"))
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for k in range(factor):
        for f in files:
            text = f.read_text("utf-8")
            if k:
                text = re.sub(r"\d+", lambda m: str(int(m.group()) + k), text)
                lines = text.split("\n")
                lines[0] = f"{lines[0]}（副本{k}）"
                text = "\n".join(lines)
            (out / f"{k:02d}_{f.name}").write_text(text, "utf-8")
            n += 1
    return n


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    with open(os.devnull, "w") as devnull, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=devnull, env=env) as p:
        t0 = time.perf_counter()
        out = p.stdout.read().decode() if p.stdout else ""
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return round(wall, 1), round(usage.ru_maxrss / 1024, 1), out


def questions(n: int) -> list[str]:
    rows = [json.loads(x) for x in (ROOT / "evals" / "questions.jsonl").read_text("utf-8").splitlines() if x.strip()]
    return [r["question"] for r in rows[:n]]


def measure(factor: int, root: Path, n_questions: int, env: dict[str, str]) -> dict:
    corpus, store = root / f"corpus_{factor}x", root / f"store_{factor}x"
    files = build_corpus(factor, corpus)
    cmd = [POLICYQA, "ingest", str(corpus), "--store", str(store), "--json"]
    wall, rss, out = timed(cmd, env)
    report = json.loads(out)
    again, _, _ = timed(cmd, env)
    settings = Settings(home=store)
    services = build_services(settings)
    qa = services.qa
    qs = questions(n_questions)
    for q in qs[:5]:
        qa.ask(q)
    lat = []
    for q in qs:
        t0 = time.perf_counter()
        qa.ask(q)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    doc = root / f"new_{factor}x.txt"
    doc.write_text(NEW_DOC, "utf-8")
    ingest_paths([doc], settings, services.store, services.embeddings)
    t0 = time.perf_counter()
    qa.ask("某市2030年计划新增多少家国家高新技术企业？")
    first = (time.perf_counter() - t0) * 1000
    p50 = statistics.median(lat)
    return {
        "factor": factor, "files": files, "chunks": report["chunks_embedded"],
        "ingest_s": wall, "chunks_per_s": round(report["chunks_embedded"] / wall, 2), "ingest_peak_rss_mb": rss,
        "unchanged_rerun_s": again, "query_p50_ms": round(p50, 1),
        "query_p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1), "questions": len(lat),
        "first_after_one_more_ms": round(first, 1), "first_over_warm": round(first / p50, 2),
    }


def svg(rows: list[dict]) -> str:
    """Two small line charts side by side: query p50/p95 and ingest chunks/s against chunks."""
    w, h, pad = 300, 200, 40
    xs = [r["chunks"] for r in rows]
    xmax = max(xs) or 1

    def chart(x0: int, series: list[tuple[str, list[float], str]], title: str) -> str:
        ymax = max(v for _, vals, _ in series for v in vals) * 1.15 or 1
        def pt(x: float, y: float) -> str:
            return f"{x0 + pad + (w - 2 * pad) * x / xmax:.1f},{h - pad - (h - 2 * pad) * y / ymax:.1f}"
        parts = [f'<text x="{x0 + w / 2}" y="16" text-anchor="middle" font-size="12">{title}</text>',
                 f'<line x1="{x0 + pad}" y1="{h - pad}" x2="{x0 + w - pad}" y2="{h - pad}" stroke="#888"/>',
                 f'<line x1="{x0 + pad}" y1="{pad}" x2="{x0 + pad}" y2="{h - pad}" stroke="#888"/>',
                 f'<text x="{x0 + w / 2}" y="{h - 8}" text-anchor="middle" font-size="10">chunks (max {xmax})</text>',
                 f'<text x="{x0 + 4}" y="{pad - 6}" font-size="10">max {ymax / 1.15:.0f}</text>']
        for i, (name, vals, color) in enumerate(series):
            pts = " ".join(pt(x, y) for x, y in zip(xs, vals, strict=True))
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{pts}"/>')
            parts.append(f'<text x="{x0 + w - pad}" y="{pad + 12 * i}" text-anchor="end" font-size="10" fill="{color}">{name}</text>')
        return "".join(parts)

    body = chart(0, [("p50 ms", [r["query_p50_ms"] for r in rows], "#2563eb"),
                     ("p95 ms", [r["query_p95_ms"] for r in rows], "#dc2626")], "query latency") + \
        chart(w, [("chunks/s", [r["chunks_per_s"] for r in rows], "#16a34a")], "ingest rate")
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h}">{body}</svg>'


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True, help="where corpora and stores are made")
    ap.add_argument("--factors", default="1,10")
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--chroma-url", default=None, help="a Chroma server for the stores")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    if args.chroma_url:
        env["POLICYQA_STORE__CHROMA_URL"] = args.chroma_url
        os.environ["POLICYQA_STORE__CHROMA_URL"] = args.chroma_url
    rows = []
    for factor in (int(x) for x in args.factors.split(",")):
        rows.append(measure(factor, Path(args.root), args.questions, env))
        print(json.dumps(rows[-1]), flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps({"rows": rows, "cores": os.cpu_count()}, indent=2), "utf-8")
    (out / "scale.svg").write_text(svg(rows), "utf-8")
    print(f"wrote {out / 'scale.json'} and {out / 'scale.svg'}")


if __name__ == "__main__":
    main()
