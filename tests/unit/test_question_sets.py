"""The project's own question sets (evals/questions.jsonl, dev, holdout_units, fresh) are sound.

Every expected fact and evidence string must really be in the files the question names (under
the DESIGN matching rule), facts must sit next to their evidence, and questions must be written
in a user's own words rather than copied from the documents. A question set that fails these
checks would make every eval number meaningless, so they run with the fast unit tests.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.eval.metrics import fact_in
from common.textnorm import contains, normalize

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "evals" / "questions.jsonl"
DEV = ROOT / "evals" / "dev.jsonl"
HOLDOUT_UNITS = ROOT / "evals" / "holdout_units.jsonl"
FRESH = ROOT / "evals" / "fresh.jsonl"
SETS = {"questions": MAIN, "dev": DEV, "holdout_units": HOLDOUT_UNITS, "fresh": FRESH}

REQUIRED = {
    "id": str,
    "question": str,
    "kind": str,
    "answerable": bool,
    "expected_facts": list,
    "expected_evidence": list,
    "expected_sources": list,
}
# A question that shares this many consecutive characters (after normalisation) with a corpus
# file was copied, not asked.
COPY_RUN = 12
# Evidence must fit inside one ~150-token chunk; 60 characters leaves a wide margin.
MAX_EVIDENCE_CHARS = 60
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])|\n\s*\n")


def _rows(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - reported by the test below
            pytest.fail(f"{path.name}:{n}: not JSON ({exc})")
    return rows


@lru_cache(maxsize=None)
def _corpus(corpus_dir: Path) -> dict[str, str]:
    """Raw text of every corpus file by base name (the name questions cite)."""
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    texts = {p.name: p.read_text(encoding="utf-8") for p in files}
    assert len(texts) == len(files), "two corpus files share a base name"
    return texts


@lru_cache(maxsize=None)
def _normalized(corpus_dir: Path) -> dict[str, str]:
    return {name: normalize(text) for name, text in _corpus(corpus_dir).items()}


@lru_cache(maxsize=None)
def _sentences(corpus_dir: Path, name: str) -> tuple[str, ...]:
    return tuple(normalize(s) for s in _SENTENCE_END.split(_corpus(corpus_dir)[name]) if s.strip())


@pytest.fixture(scope="module", params=sorted(SETS))
def qset(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    path = SETS[request.param]
    assert path.is_file(), f"{path} missing"
    return request.param, _rows(path)


def test_every_line_is_a_json_object_with_the_required_keys(qset):
    name, rows = qset
    assert rows, f"{name} is empty"
    for row in rows:
        assert isinstance(row, dict), row
        for key, typ in REQUIRED.items():
            assert key in row, f"{name} {row.get('id')}: missing {key}"
            assert isinstance(row[key], typ), f"{name} {row['id']}: {key} is not {typ.__name__}"
        for key in ("expected_facts", "expected_evidence", "expected_sources"):
            assert all(isinstance(v, str) and v.strip() for v in row[key]), (row["id"], key)
        assert row["question"].strip(), row["id"]
        if "filters" in row:
            assert isinstance(row["filters"], dict)
            assert set(row["filters"]) <= {"region", "year", "doc"}, row["id"]
        if "history" in row:
            assert isinstance(row["history"], list) and row["history"], row["id"]
            assert all(isinstance(h, str) and h.strip() for h in row["history"]), row["id"]


def test_ids_are_unique(qset):
    name, rows = qset
    ids = [r["id"] for r in rows]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, f"{name}: duplicate ids {sorted(dupes)}"


def test_main_set_size_and_mix():
    rows = _rows(MAIN)
    assert len(rows) >= 120
    assert sum(not r["answerable"] for r in rows) >= 20
    kinds = {r["kind"] for r in rows}
    assert {"fact", "commitment", "subsidy", "cross", "followup", "unanswerable"} <= kinds
    assert sum(bool(r.get("history")) for r in rows) >= 5
    # Both halves of the corpus are asked about.
    sources = {s for r in rows for s in r["expected_sources"]}
    assert any(s.startswith("00") for s in sources) and any("政府工作报告" in s for s in sources)


def test_dev_set_size_and_mix():
    rows = _rows(DEV)
    assert 30 <= len(rows) <= 60
    assert sum(not r["answerable"] for r in rows) >= 8


def test_no_question_is_shared_between_the_sets():
    main = {normalize(r["question"]) for r in _rows(MAIN)}
    dev = {normalize(r["question"]) for r in _rows(DEV)}
    assert not main & dev
    assert not {r["id"] for r in _rows(MAIN)} & {r["id"] for r in _rows(DEV)}


def test_answerable_questions_have_sources_and_evidence(qset):
    name, rows = qset
    for row in rows:
        if row["answerable"]:
            assert row["expected_sources"], f"{name} {row['id']}: no sources"
            assert row["expected_evidence"], f"{name} {row['id']}: no evidence"
            assert row["expected_facts"], f"{name} {row['id']}: no facts"
        else:
            assert not (row["expected_facts"] or row["expected_evidence"] or row["expected_sources"]), (
                f"{name} {row['id']}: unanswerable questions expect nothing"
            )


def test_sources_exist_and_evidence_occurs_in_them(qset, corpus_dir):
    name, rows = qset
    texts = _normalized(corpus_dir)  # the matching rule: normalised text, substring
    for row in rows:
        for src in row["expected_sources"]:
            assert src in texts, f"{name} {row['id']}: unknown source {src}"
        for ev in row["expected_evidence"]:
            assert len(normalize(ev)) <= MAX_EVIDENCE_CHARS, f"{name} {row['id']}: evidence too long"
            assert any(normalize(ev) in texts[s] for s in row["expected_sources"]), (
                f"{name} {row['id']}: evidence {ev!r} not in {row['expected_sources']}"
            )
        # Cross-document questions need evidence from every document they name.
        for src in row["expected_sources"]:
            assert any(normalize(ev) in texts[src] for ev in row["expected_evidence"]), (
                f"{name} {row['id']}: no evidence string comes from {src}"
            )


def test_facts_occur_in_sources_next_to_their_evidence(qset, corpus_dir):
    """A fact must be in an evidence string or in a source sentence that holds one."""
    name, rows = qset
    texts, norm = _corpus(corpus_dir), _normalized(corpus_dir)
    for row in rows:
        evidence = [normalize(e) for e in row["expected_evidence"]]
        for fact in row["expected_facts"]:
            f = normalize(fact)
            # fact_in: the eval's own fact rule (matching rule + number boundary), so a fact
            # that only occurs inside a longer number ("30家" in "130家") is caught here.
            assert any(fact_in(texts[s], fact) for s in row["expected_sources"] if f in norm[s]), (
                f"{name} {row['id']}: fact {fact!r} not in its sources"
            )
            near = any(fact_in(e, fact) for e in evidence) or any(
                fact_in(sent, fact) and any(e in sent for e in evidence)
                for s in row["expected_sources"]
                for sent in _sentences(corpus_dir, s)
            )
            assert near, f"{name} {row['id']}: fact {fact!r} is not beside any expected evidence"


def test_questions_are_paraphrased_not_copied(qset, corpus_dir):
    """No question (or history turn) shares a run of COPY_RUN characters with any corpus file."""
    name, rows = qset
    corpus = _normalized(corpus_dir)
    for row in rows:
        for text in [row["question"], *row.get("history", [])]:
            t = normalize(text)
            for i in range(len(t) - COPY_RUN + 1):
                run = t[i : i + COPY_RUN]
                hits = [n for n, body in corpus.items() if run in body]
                assert not hits, f"{name} {row['id']}: {run!r} copied from {hits[0]}"


def test_the_checks_catch_a_bad_row(corpus_dir):
    """The matching helpers used above really reject what they should."""
    texts = _corpus(corpus_dir)
    zs = texts["004_4757f8428a5e4ec7.txt"]
    assert contains(zs, "分别补贴支出费用的５０％")  # full-width digits match (NFKC)
    assert not contains(zs, "分别补贴支出费用的60%")
    copied = normalize("对企业贷款时产生的银行利息、保险费用")
    assert copied[:COPY_RUN] in _normalized(corpus_dir)["004_4757f8428a5e4ec7.txt"]
