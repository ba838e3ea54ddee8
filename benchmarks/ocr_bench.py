"""OCR and long-PDF cost on this machine: pages per second, accuracy, peak memory, ingest time.

1. OCR alone: ``--pages`` A4 pages of sample-report text (24 lines of 32 characters, ~770
   characters a page) rendered at 150 dpi with Noto CJK, read by the OCR worker process one by
   one. Seconds per page, characters per second, character accuracy (difflib ratio of the
   text read to the text printed, whitespace removed), and the worker's peak memory (VmHWM).
2. Ingest of a scanned PDF of ``--scan-pages`` such pages: ``policyqa ingest`` in its own
   process into a fresh store (bundled e5), wall time and the process's peak RSS; then the
   unchanged re-run (the OCR cache: nothing is read again).
3. Reading a long text PDF (``--long-pages`` pages of 25 lines):
   ``prepare_document`` in its own process, wall time and peak RSS (memory stays bounded: one
   page is held at a time).

    .venv/bin/python benchmarks/ocr_bench.py [--pages 10 --scan-pages 20 --long-pages 300]

Writes benchmarks/out/ocr_bench.json. Other work on the machine slows it down: the load average
is recorded.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import format_files as ff  # noqa: E402

POLICYQA = str(Path(sys.executable).with_name("policyqa"))
REPORT = next((ROOT.parent / "shared" / "corpus" / "reports").glob("*.txt"))
# Printed lines per page: page_image indents each line as a paragraph (2 characters) and
# leaves a paragraph gap; 24 lines of 32 characters fill an A4 page at 150 dpi.
PER_PAGE = 24
LINE_CHARS = 32


def report_pages(n: int) -> list[list[str]]:
    """``n`` pages of ``PER_PAGE`` lines of real report text."""
    text = "".join(line.strip() for line in REPORT.read_text("utf-8").split("\n") if len(line.strip()) > 20)
    chunks = [text[i : i + LINE_CHARS] for i in range(0, len(text), LINE_CHARS)]
    pages = []
    for k in range(n):
        start = (k * PER_PAGE) % max(1, len(chunks) - PER_PAGE)
        pages.append(chunks[start : start + PER_PAGE])
    return pages


def _squash(s: str) -> str:
    return "".join(s.split())


def ocr_alone(n: int) -> dict:
    import io

    from ingest.ocr import OcrWorker

    worker = OcrWorker(page_timeout_s=300)
    pages = report_pages(n)
    images = []
    for lines in pages:
        buf = io.BytesIO()
        ff.page_image(lines, per_line=LINE_CHARS + 2).save(buf, format="PNG")
        images.append(buf.getvalue())
    worker.read(images[0])  # start-up and warm-up: not timed
    seconds, chars, ratios = [], 0, []
    for png, lines in zip(images, pages, strict=True):
        t0 = time.perf_counter()
        page = worker.read(png)
        seconds.append(time.perf_counter() - t0)
        chars += len(_squash(page.text))
        ratios.append(difflib.SequenceMatcher(None, _squash(page.text), _squash("".join(lines))).ratio())
    hwm = _vm_hwm(worker._proc.pid) if worker._proc else None
    worker.close()
    total = sum(seconds)
    return {
        "pages": n, "seconds_per_page": round(total / n, 2), "pages_per_second": round(n / total, 3),
        "chars_per_second": round(chars / total), "accuracy_mean": round(sum(ratios) / n, 4),
        "accuracy_min": round(min(ratios), 4), "worker_peak_mb": hwm,
    }


def _vm_hwm(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the process, its stdout."""
    with tempfile.TemporaryFile("w+") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{text[-2000:]}")
    return round(wall, 1), round(usage.ru_maxrss / 1024, 1), text


def scanned_ingest(n: int, tmp: Path) -> dict:
    folder = tmp / "scan"
    folder.mkdir()
    ff.scanned_pdf(folder / "scan.pdf", report_pages(n))
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    cmd = [POLICYQA, "ingest", str(folder), "--store", str(tmp / "store"), "--json"]
    wall, rss, out = _timed(cmd, env)
    report = json.loads(out)
    again, _, _ = _timed(cmd, env)
    added = report["added"][0]
    return {"pages": n, "ingest_seconds": wall, "peak_rss_mb": rss, "ocr_pages": len(added["ocr_pages"]),
            "chunks": added["chunks"], "unchanged_rerun_seconds": again}


def long_pdf_read(n: int, tmp: Path) -> dict:
    path = tmp / "long.pdf"
    pages = [[f"{i}. 重点任务", *(f"本市安排科技专项资金{i * j}万元，支持企业开展第{j}类研发项目。"
                                for j in range(1, 25))] for i in range(1, n + 1)]
    ff.text_pdf(path, pages)
    code = (
        "import sys, time; from pathlib import Path; sys.path.insert(0, %r)\n"
        "from common.settings import Settings; from ingest.document import prepare_document\n"
        "t = time.perf_counter(); p = prepare_document(Path(%r), Settings(home=%r))\n"
        "print(len(p.loaded.page_starts), len(p.chunks), round(time.perf_counter() - t, 1))"
    ) % (str(ROOT), str(path), str(tmp / "home"))
    wall, rss, out = _timed([sys.executable, "-c", code], dict(os.environ))
    n_pages, chunks, seconds = out.split()
    return {"pages": int(n_pages), "chunks": int(chunks), "read_seconds": float(seconds),
            "process_seconds": wall, "peak_rss_mb": rss, "file_mb": round(path.stat().st_size / 1e6, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--scan-pages", type=int, default=20)
    ap.add_argument("--long-pages", type=int, default=300)
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="policyqa-ocr-bench-") as t:
        tmp = Path(t)
        result = {"ocr": ocr_alone(args.pages)}
        print("OCR alone:", result["ocr"], flush=True)
        result["scanned_ingest"] = scanned_ingest(args.scan_pages, tmp)
        print("scanned PDF ingest:", result["scanned_ingest"], flush=True)
        result["long_pdf"] = long_pdf_read(args.long_pages, tmp)
        print("long text PDF read:", result["long_pdf"], flush=True)
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    result["cores"] = os.cpu_count()
    out = ROOT / "benchmarks" / "out" / "ocr_bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
