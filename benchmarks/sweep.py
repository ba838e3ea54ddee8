"""Measure retrieval and answering settings on several corpora in one warm process.

    .venv/bin/python benchmarks/sweep.py --set retrieval.lexical_weight=0.5 --set chunk.max_tokens=320
    .venv/bin/python benchmarks/sweep.py --grid retrieval.lexical_weight=0.3,0.5,0.8 --sets p20-dev,sample-dev

Each corpus is ingested once per chunking setting into its own store under ``--work``
(default /tmp/policyqa-sweep), through the real pipeline (``ingest_paths``) and the real
``QAService``; vectors are cached on disk by model and text (``CachedEmbeddings``), so a new
chunk size embeds only texts never seen before and settings that do not touch chunks embed
nothing. Question sets (``--sets``):

- ``sample-dev``: evals/dev.jsonl, fresh.jsonl and holdout_units.jsonl (all seen during
  development by now) over ../shared/corpus; ``sample-test``: evals/questions.jsonl
- ``p20-dev`` / ``p20-test``: ../shared/policies2020 questions on even / odd numbered documents,
  with our unanswerable questions (evals/policies2020_unanswerable.jsonl) of odd / even id
- ``p20``: all of them
- ``blind1`` … ``blindN``: the blind sets (every evals/blindN, about 20 local 科技局 texts each,
  outside the project), each reported once, then used for development like the other dev sets

Tune on the dev sets; a test set is for reporting. ``policyqa eval`` stays the reference for
published figures; this script exists to compare many settings without reloading the model.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import re
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
# The blind sets' documents are third-party page text kept outside the project
# (evals/blindN/sources.tsv lists where each came from); set POLICYQA_BLINDN to their folder.
BLIND_DOCS = {
    f"blind{n}": Path(os.environ.get(f"POLICYQA_BLIND{n}", f"/work/blind{'' if n == 1 else n}/docs"))
    for n in sorted(int(d.name[5:]) for d in (ROOT / "evals").glob("blind*") if d.name[5:].isdigit())
}
CORPORA = {
    "sample": [SHARED / "corpus"],
    "p20": [SHARED / "policies2020" / "docs"],
    **{name: [docs] for name, docs in BLIND_DOCS.items()},
}
P20_QUESTIONS = SHARED / "policies2020" / "questions.jsonl"
P20_UNANSWERABLE = ROOT / "evals" / "policies2020_unanswerable.jsonl"


class CachedEmbeddings:
    """An embedder with an on-disk cache of its vectors (by model fingerprint and text)."""

    def __init__(self, inner: Any, path: Path) -> None:
        from vectorstore.embeddings import embedder_fingerprint

        self.inner = inner
        self.model_name = inner.model_name
        self.query_prefix = getattr(inner, "query_prefix", "")
        self.passage_prefix = getattr(inner, "passage_prefix", "")
        self._fp = embedder_fingerprint(inner)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("create table if not exists v (k text primary key, vec text)")
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    def _key(self, kind: str, text: str) -> str:
        return hashlib.sha256(f"{self._fp}|{kind}|{text}".encode()).hexdigest()

    def _get(self, keys: list[str]) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        with self._lock:
            for lo in range(0, len(keys), 500):
                part = keys[lo : lo + 500]
                q = f"select k, vec from v where k in ({','.join('?' * len(part))})"
                for k, vec in self._db.execute(q, part):
                    out[k] = json.loads(vec)
        return out

    def _put(self, items: dict[str, list[float]]) -> None:
        with self._lock:
            self._db.executemany("insert or replace into v values (?, ?)", [(k, json.dumps(v)) for k, v in items.items()])
            self._db.commit()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key("p", t) for t in texts]
        have = self._get(keys)
        todo = [i for i, k in enumerate(keys) if k not in have]
        if todo:
            new = self.inner.embed_documents([texts[i] for i in todo])
            fresh = {keys[i]: v for i, v in zip(todo, new, strict=True)}
            self._put(fresh)
            have.update(fresh)
        return [have[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        key = self._key("q", text)
        have = self._get([key])
        if key not in have:
            have[key] = self.inner.embed_query(text)
            self._put({key: have[key]})
        return have[key]


def _apply(settings: Any, assignments: dict[str, str]) -> Any:
    """settings with dotted fields set: {"retrieval.lexical_weight": "0.5"}."""
    data = settings.model_dump()
    for dotted, raw in assignments.items():
        node = data
        *path, last = dotted.split(".")
        for part in path:
            node = node[part]
        old = node.get(last)
        if isinstance(old, bool):
            node[last] = raw.lower() in ("1", "true", "yes")
        elif isinstance(old, int):
            node[last] = int(raw)
        elif isinstance(old, float):
            node[last] = float(raw)
        else:
            node[last] = raw
    return type(settings).model_validate(data)


def _doc_number(source: str) -> int:
    m = re.search(r"(\d+)", source)
    return int(m.group(1)) if m else 0


def question_set(name: str) -> tuple[str, list[Any]]:
    """(corpus, questions) of a named set."""
    from assistant.eval.questions import load_questions

    if name in BLIND_DOCS:
        return name, load_questions(ROOT / "evals" / name / "questions.jsonl").questions
    if name.startswith("sample"):
        files = ("dev.jsonl", "fresh.jsonl", "holdout_units.jsonl") if name == "sample-dev" else ("questions.jsonl",)
        return "sample", [q for f in files for q in load_questions(ROOT / "evals" / f).questions]
    gold = load_questions(P20_QUESTIONS).questions
    unans = load_questions(P20_UNANSWERABLE).questions if P20_UNANSWERABLE.exists() else []
    if name == "p20":
        return "p20", gold + unans
    qs = [q for q in gold if p20_part(q.id, q.expected_sources[0]) == name]
    qs += [q for q in unans if p20_part(q.id, None) == name]
    return "p20", qs


def p20_part(question_id: str, gold_source: str | None) -> str:
    """Which half of policies2020 a question belongs to, ``p20-dev`` or ``p20-test``: a gold
    question by its document's number (even: dev), one of our unanswerable questions (no gold
    source) by its id's number (odd: dev), so both halves hold both kinds."""
    if gold_source is not None:
        return "p20-dev" if _doc_number(gold_source) % 2 == 0 else "p20-test"
    return "p20-dev" if _doc_number(question_id) % 2 == 1 else "p20-test"


def _store_key(settings: Any) -> str:
    chunk = json.dumps(settings.chunk.model_dump(), sort_keys=True)
    return hashlib.sha256(f"{chunk}|{settings.embedding.backend}|{settings.embedding.model}".encode()).hexdigest()[:10]


def ensure_store(corpus: str, settings: Any, work: Path, cache: CachedEmbeddings) -> Path:
    from ingest.pipeline import ingest_paths
    from vectorstore.chroma_store import open_store

    home = work / "stores" / f"{corpus}-{_store_key(settings)}"
    s = settings.model_copy(update={"home": home})
    store = open_store(s, cache, create=True)
    t0 = time.perf_counter()
    report = ingest_paths(CORPORA[corpus], s, store, cache)
    changed = len(report.added) + len(report.updated)
    if changed:
        print(f"  ingested {corpus} into {home.name}: {changed} files, {report.chunks_embedded} "
              f"embedded, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return home


def evaluate(settings: Any, home: Path, questions: list[Any], cache: CachedEmbeddings, k: int = 5) -> Any:
    from assistant.eval.answerers import PolicyQAAnswerer
    from assistant.eval.runner import run_eval
    from assistant.services import Services

    s = settings.model_copy(update={"home": home})
    services = Services(s)
    services._parts["embeddings"] = cache  # the cached embedder: no query is embedded twice
    return run_eval(questions, [PolicyQAAnswerer(services.qa, settings=s)], k=k)


METRICS = ("hit@1", "hit@5", "mrr@10", "fact_recall", "span_start", "span_rouge_l", "abstention_accuracy",
           "pass_rate", "median_answer_chars")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="a fixed setting")
    ap.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2",
                    help="a setting to sweep (several --grid: every combination)")
    ap.add_argument("--sets", default="sample-dev,p20-dev", help="question sets (see the module doc)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/policyqa-sweep"))
    ap.add_argument("--json", type=Path, help="write every result here")
    ap.add_argument("--show-failures", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="end with a Markdown table: a row per setting")
    ap.add_argument("--from-json", type=Path, nargs="+", metavar="SWEEP.json",
                    help="print the Markdown table of earlier --json outputs and exit")
    args = ap.parse_args(argv)
    if args.from_json:
        rows = [r for path in args.from_json for r in json.loads(path.read_text(encoding="utf-8"))]
        print(markdown_table(rows))
        return 0

    from common.settings import load_settings
    from vectorstore.embeddings import make_embeddings

    base = load_settings()
    fixed = dict(a.split("=", 1) for a in args.set)
    grid = [(g.split("=", 1)[0], g.split("=", 1)[1].split(",")) for g in args.grid]
    combos = [dict(zip([n for n, _ in grid], values, strict=True)) for values in itertools.product(*[v for _, v in grid])] or [{}]
    sets = [question_set(n) + (n,) for n in args.sets.split(",")]
    cache = CachedEmbeddings(make_embeddings(base.embedding), args.work / "vectors.sqlite")

    results = []
    for combo in combos:
        settings = _apply(base, {**fixed, **combo})
        label = " ".join(f"{k.split('.')[-1]}={v}" for k, v in {**fixed, **combo}.items()) or "defaults"
        for corpus, questions, name in sets:
            home = ensure_store(corpus, settings, args.work, cache)
            run = evaluate(settings, home, questions, cache)
            m = run.main.metrics
            results.append({"settings": {**fixed, **combo}, "set": name, "metrics": m,
                            "questions": [r.to_json() for r in run.main.results]})
            cells = "  ".join(f"{key}={m.get(key) if m.get(key) is not None else '-'}" for key in METRICS)
            print(f"{label:40} {name:12} n={m['questions']:3}  {cells}", flush=True)
            if args.show_failures:
                for r in run.main.results:
                    if not r.passed:
                        print(f"    FAIL {r.id} rank={r.rank} abst={r.abstained} miss={r.facts_missing} "
                              f"span={r.span_start} | {r.question} | {r.answer[:120]!r}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.markdown:
        print(markdown_table(results))
    return 0


def markdown_table(results: list[dict]) -> str:
    """One row per setting, for each question set its MRR@10 and pass rate (and span start and
    ROUGE-L where the set has gold spans)."""
    sets = list(dict.fromkeys(r["set"] for r in results))
    labels = list(dict.fromkeys(json.dumps(r["settings"], sort_keys=True) for r in results))
    spans = {s for s in sets if any(r["set"] == s and r["metrics"].get("span_start") is not None for r in results)}
    head = ["setting"]
    for s in sets:
        head += [f"{s} MRR@10", f"{s} pass"] + ([f"{s} span start", f"{s} ROUGE-L"] if s in spans else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by = {(json.dumps(r["settings"], sort_keys=True), r["set"]): r["metrics"] for r in results}
    for label in labels:
        cells = [", ".join(f"{k.split('.')[-1]}={v}" for k, v in json.loads(label).items()) or "defaults"]
        for s in sets:
            m = by.get((label, s), {})
            keys = ["mrr@10", "pass_rate"] + (["span_start", "span_rouge_l"] if s in spans else [])
            cells += [f"{m[k]:.3f}" if m.get(k) is not None else "" for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
