"""Record extraction: precision/recall against the hand-checked gold list, and speed on extra/.

    .venv/bin/python benchmarks/records_bench.py [--corpus ../shared/corpus]

Scores the extractor on the five sample reports twice (raw files with CORPUS.md metadata, and
the cleaned text + chunks ``prepare_document`` produces), then runs it over the twelve long
政府工作报告 in extra/ and prints record counts and timings. No model is loaded.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data"))

from gold_scoring import score  # noqa: E402
from sample_meta import sample_meta  # noqa: E402

from common.settings import Settings  # noqa: E402
from ingest.records import extract_records  # noqa: E402


def _report(label: str, records: list) -> None:
    print(f"\n{label}")
    for kind in ("target", "measure", "reported"):
        s = score(kind, records)
        note = "  (recall-only subset)" if kind == "reported" else ""
        print(f"  {s.summary()}{note}")
        for item in s.missed:
            print(f"    missed: {item}")
        if kind != "reported":
            for r in s.extra:
                print(f"    extra:  {r.source} {r.fields.get('indicator') or r.fields.get('measure')} "
                      f"{r.fields.get('value') or r.fields.get('benefit')}")
        if s.attribute_errors:
            print(f"    attribute errors: {len(s.attribute_errors)}")
            for e in s.attribute_errors:
                print(f"      {e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    args = parser.parse_args()
    reports = sorted((Path(args.corpus) / "reports").glob("*.txt"))
    extra = sorted((Path(args.corpus) / "extra").glob("*.txt"))

    raw = []
    for p in reports:
        raw += extract_records(sample_meta(p), p.read_text(encoding="utf-8"), [])
    _report("five sample reports, raw text", raw)

    from ingest.document import prepare_document

    settings = Settings()
    cleaned = []
    for p in reports:
        doc = prepare_document(p, settings)
        cleaned += extract_records(doc.meta, doc.text, doc.chunks)
    _report("five sample reports, cleaned text + chunks (prepare_document)", cleaned)

    counts: collections.Counter[str] = collections.Counter()
    chars = 0
    extract_s = 0.0
    prepare_s = 0.0
    print("\nextra/ (政府工作报告):")
    for p in extra:
        t0 = time.perf_counter()
        doc = prepare_document(p, settings)
        t1 = time.perf_counter()
        recs = extract_records(doc.meta, doc.text, doc.chunks)
        t2 = time.perf_counter()
        prepare_s += t1 - t0
        extract_s += t2 - t1
        chars += len(doc.text)
        c = collections.Counter(r.kind for r in recs)
        counts.update(c)
        print(f"  {p.name:<32} {len(doc.text):>7} chars  {dict(c)}  extract {1000 * (t2 - t1):.0f} ms")
    total = sum(counts.values())
    print(f"  total: {len(extra)} files, {chars} chars, {total} records {dict(counts)}; "
          f"extraction {extract_s:.2f} s ({chars / max(extract_s, 1e-9) / 1000:.0f}k chars/s), "
          f"prepare_document {prepare_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
