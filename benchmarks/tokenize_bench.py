"""BM25 alone with tokenizer and indexed-field variants, on the project's question sets.

Chooses the defaults of ``vectorstore/tokenize.py`` and ``vectorstore/lexical.py`` by
measurement. Chunks come from the real ingest (``prepare_document``) over ../shared/corpus
(reports + extra); a question is a hit at rank r when the r-th chunk contains one of its
``expected_evidence`` strings (DESIGN.md matching rule). Tune on ``evals/dev.jsonl``; the
larger ``evals/questions.jsonl`` is printed as a check.

    .venv/bin/python benchmarks/tokenize_bench.py [tokenizer|fields|bm25] [--json OUT]

Measured 2026-11 (2,734 chunks, 34 dev / 152 test answerable questions), MRR@10 dev / test.
Indexed fields (default tokenizer): text alone 0.799 / 0.743; + section 0.805 / 0.757;
+ title 0.844 / 0.811; + title + region + section (the default) 0.880 / 0.826, test hit@5
0.875 -> 0.928. Tokenizer (default fields): words only (cut_for_search, domain terms,
stopwords) 0.846 / 0.810; + CJK bigrams (the default) 0.880 / 0.826; the other variants
(jieba.cut, "2017年" tokens, no stopwords, no domain terms, bigrams broken at stopwords) all
land within 0.03 of it on dev, i.e. within one or two questions: noise. BM25 k1/b: flat.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from common.settings import Settings  # noqa: E402
from common.textnorm import contains  # noqa: E402
from vectorstore.tokenize import TokenizerOptions, tokenize_with  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def load_questions(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [q for q in rows if q.get("answerable", True) and q.get("expected_evidence")]


def load_chunks() -> list[tuple[object, object]]:
    from ingest.document import prepare_document

    settings = Settings()
    docs = [prepare_document(f, settings) for f in sorted(CORPUS.rglob("*.txt"))]
    return [(d.meta, c) for d in docs for c in d.chunks]


def evaluate(chunks, sets, options: TokenizerOptions, field, k1=1.5, b=0.75) -> dict:
    import bm25s

    tokens = [tokenize_with(field(m, c), options) for m, c in chunks]
    bm25 = bm25s.BM25(k1=k1, b=b)
    bm25.index(tokens, show_progress=False)
    out = {}
    for name, questions in sets.items():
        h1 = h5 = mrr = 0.0
        for q in questions:
            scores = bm25.get_scores(tokenize_with(q["question"], options) or ["\u2205"])
            order = np.argsort(-scores)[:10]
            rank = next(
                (i + 1 for i, idx in enumerate(order)
                 if any(contains(chunks[idx][1].text, e) for e in q["expected_evidence"])),
                None,
            )  # fmt: skip
            if rank:
                mrr += 1 / rank
                h1 += rank == 1
                h5 += rank <= 5
        n = len(questions)
        out[name] = {"hit@1": h1 / n, "hit@5": h5 / n, "mrr@10": mrr / n, "n": n}
    return out


def _region(meta) -> str:
    return " ".join(x for x in (meta.region, meta.parent_region) if x)


FIELDS = {
    "text": lambda m, c: c.text,
    "text+section": lambda m, c: f"{c.text} {c.section}",
    "text+title": lambda m, c: f"{c.text} {m.title}",
    "text+title+region": lambda m, c: f"{c.text} {m.title} {_region(m)}",
    "text+title+region+section (default)": lambda m, c: f"{c.text} {c.section} {m.title} {_region(m)}",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", default="tokenizer", choices=["tokenizer", "fields", "bm25"])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sets = {
        "dev": load_questions(ROOT / "evals" / "dev.jsonl"),
        "test": load_questions(ROOT / "evals" / "questions.jsonl"),
    }
    t0 = time.perf_counter()
    chunks = load_chunks()
    print(f"{len(chunks)} chunks ({time.perf_counter() - t0:.1f} s); questions: "
          + ", ".join(f"{k} {len(v)}" for k, v in sets.items()))
    base = TokenizerOptions()
    default_field = FIELDS["text+title+region+section (default)"]
    runs: dict[str, dict] = {}
    if args.what == "tokenizer":
        variants = {
            "words only": replace(base, bigrams=False),
            "words only, jieba.cut": replace(base, bigrams=False, search_mode=False),
            "words + bigrams (default)": base,
            "words + bigrams, jieba.cut": replace(base, search_mode=False),
            "words + bigrams, year tokens": replace(base, year_tokens=True),
            "words + bigrams, no stopwords": replace(base, stopwords=False),
            "words + bigrams, no domain terms": replace(base, domain_terms=False),
        }
        for name, opt in variants.items():
            runs[name] = evaluate(chunks, sets, opt, default_field)
    elif args.what == "fields":
        for name, field in FIELDS.items():
            runs[name] = evaluate(chunks, sets, base, field)
    else:
        for k1 in (0.9, 1.2, 1.5, 2.0):
            for b in (0.5, 0.75, 0.9):
                runs[f"k1={k1} b={b}"] = evaluate(chunks, sets, base, default_field, k1, b)
    for name, res in runs.items():
        cells = "  ".join(
            f"{s}: hit@1 {r['hit@1']:.3f} hit@5 {r['hit@5']:.3f} MRR@10 {r['mrr@10']:.3f}"
            for s, r in res.items()
        )
        print(f"{name:36s} {cells}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(runs, indent=2, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
