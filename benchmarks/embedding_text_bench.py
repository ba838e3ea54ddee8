"""Dense search alone (bundled e5) with different texts embedded per chunk.

Chooses ``ingest.pipeline.embedding_text``. Chunks of the five sample reports from the real
ingest; questions of ``evals/dev.jsonl`` and ``evals/questions.jsonl`` whose expected sources
are among the reports; a hit at rank r when the r-th chunk contains an expected evidence string.

    .venv/bin/python benchmarks/embedding_text_bench.py        # ~5 embeddings of 255 chunks

Measured 2026-11 (255 chunks; 26 dev / 103 test questions), MRR@10 dev / test, hit@5 test:
chunk text alone 0.574 / 0.570, 0.738; region + title + text (the default) 0.771 / 0.808,
0.922; region + text 0.747 / 0.799; region + title + section + text 0.720 / 0.785; title +
region + years + text 0.776 / 0.786.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from common.settings import EmbeddingSettings, Settings  # noqa: E402
from common.textnorm import contains  # noqa: E402


def _region(m) -> str:
    return " ".join(x for x in (m.region, m.parent_region) if x)


VARIANTS = {
    "text": lambda m, c: c.text,
    "region+title+text (default)": lambda m, c: f"{_region(m)} {m.title}\n{c.text}",
    "region+text": lambda m, c: f"{_region(m)}\n{c.text}",
    "region+title+section+text": lambda m, c: f"{_region(m)} {m.title}\n{c.section}\n{c.text}",
    "title+region+years+text": lambda m, c: f"{m.title}（{_region(m)}，{'、'.join(map(str, m.years))}年）\n{c.text}",
}


def main() -> None:
    from ingest.document import prepare_document
    from ingest.pipeline import embedding_text
    from vectorstore.embeddings import make_embeddings

    reports = ROOT.parent / "shared" / "corpus" / "reports"
    docs = [prepare_document(f, Settings()) for f in sorted(reports.glob("*.txt"))]
    chunks = [(d.meta, c) for d in docs for c in d.chunks]
    names = {d.meta.source for d in docs}
    questions = []
    for part, path in (("dev", "evals/dev.jsonl"), ("test", "evals/questions.jsonl")):
        for line in (ROOT / path).read_text("utf-8").splitlines():
            q = json.loads(line) if line.strip() else None
            if q and q.get("answerable", True) and q.get("expected_evidence") and q.get("expected_sources") \
                    and set(q["expected_sources"]) <= names:
                questions.append((part, q))
    m0, c0 = chunks[0]
    assert embedding_text(m0, c0) == VARIANTS["region+title+text (default)"](m0, c0)
    emb = make_embeddings(EmbeddingSettings())
    queries = np.array([emb.embed_query(q["question"]) for _, q in questions])
    print(f"{len(chunks)} chunks, {len(questions)} questions")
    for name, text_of in VARIANTS.items():
        t0 = time.perf_counter()
        passages = np.array(emb.embed_documents([text_of(m, c) for m, c in chunks]))
        scores = queries @ passages.T
        cells = []
        for part in ("dev", "test"):
            rows = [i for i, (p, _) in enumerate(questions) if p == part]
            h1 = h5 = mrr = 0.0
            for i in rows:
                q = questions[i][1]
                order = np.argsort(-scores[i])[:10]
                rank = next((r + 1 for r, j in enumerate(order)
                             if any(contains(chunks[j][1].text, e) for e in q["expected_evidence"])), None)  # fmt: skip
                if rank:
                    mrr += 1 / rank
                    h1 += rank == 1
                    h5 += rank <= 5
            n = len(rows)
            cells.append(f"{part}({n}): hit@1 {h1 / n:.3f} hit@5 {h5 / n:.3f} MRR@10 {mrr / n:.3f}")
        print(f"{name:30s} " + "  ".join(cells) + f"  ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
