"""Scoring one attempt against its question, and the totals over a run.

Definitions (the report repeats them):

* **rank**: 1-based position of the first passage in the ranked top 10 that contains any
  ``expected_evidence`` string (DESIGN matching rule: NFKC, no whitespace, substring).
* **hit@n**: share of questions with rank <= n. **MRR@10**: mean of 1/rank (0 when not found).
* **source recall@k**: share of ``expected_sources`` present among the top k passages.
* **fact recall**: share of ``expected_facts`` found in the answer text (matching rule, and a
  fact starting with a digit must not continue a longer number: "30家" is not in "130家").
  An abstention delivers no facts, so it scores 0 even if the passages it shows contain them.
* **citation precision**: share of cited passages whose file is one of ``expected_sources``
  (questions that were answered with at least one citation).
* **abstention accuracy**: abstained on ``answerable: false``, answered on ``answerable: true``;
  over all questions.
* Retrieval and answer metrics are over *answerable* questions only (retrieval: those with
  evidence strings); unanswerable questions count only for abstention.
* **latency p50/p95**: of the answering call, linear interpolation between ranks (as numpy).
* **median answer chars**: over answerable questions that were answered.
* **span ROUGE-L** (questions with a ``gold_answer``): character-level ROUGE-L F1 of the answer
  text against the gold span, both under the matching rule (NFKC, no whitespace); 0 for an
  abstention. **span start**: the answer contains the span's first
  :data:`SPAN_START_CHARS` characters (the whole span when shorter).
* **pass** (DESIGN.md section 3): answerable: answered, evidence within the top k and every fact
  in the answer; unanswerable: abstained. The span metrics are reported beside it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.eval.answerers import Attempt, RetrievedPassage
from assistant.eval.questions import Question
from common.textnorm import normalize

HIT_AT = (1, 3, 5)
MRR_DEPTH = 10
SPAN_START_CHARS = 20


@dataclass
class QuestionResult:
    """Everything the table, the reports and ``--diff`` show for one question."""

    id: str
    kind: str
    question: str
    answerable: bool
    rank: int | None
    k: int
    sources_top_k: list[str]
    source_recall: float | None
    facts_found: list[str]
    facts_missing: list[str]
    fact_recall: float | None
    cited_sources: list[str]
    citation_precision: float | None
    abstained: bool
    abstention_correct: bool
    latency_ms: float
    answer_chars: int
    passed: bool
    answer: str = ""
    resolved_question: str | None = None
    ranked_consistent: bool | None = None  # answer's passages == first k of the ranked list
    error: str | None = None
    history: list[str] = field(default_factory=list)
    has_evidence: bool = True
    span_rouge_l: float | None = None  # only for questions with a gold_answer
    span_start: bool | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["latency_ms"] = round(self.latency_ms, 1)
        for key in ("source_recall", "fact_recall", "citation_precision", "span_rouge_l"):
            if d[key] is not None:
                d[key] = round(d[key], 4)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> QuestionResult:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


def first_rank(passages: Sequence[RetrievedPassage], evidence: Iterable[str], depth: int = MRR_DEPTH) -> int | None:
    """1-based rank of the first passage containing any evidence string, within ``depth``."""
    needles = [n for n in (normalize(e) for e in evidence) if n]
    if not needles:
        return None
    for i, p in enumerate(passages[:depth], 1):
        text = normalize(p.text)
        if any(n in text for n in needles):
            return i
    return None


def fact_in(answer: str, fact: str) -> bool:
    """The DESIGN matching rule, plus a number boundary: a fact that starts with a digit must
    not continue a longer number, so "30家" is not found in "130家" nor "2.5%" in "82.5%"."""
    needle, answer_norm = normalize(fact), normalize(answer)
    if not needle:
        return False
    start = answer_norm.find(needle)
    while start != -1:
        before = answer_norm[start - 1] if start > 0 else ""
        if not (needle[0].isdigit() and (before.isdigit() or before == ".")):
            return True
        start = answer_norm.find(needle, start + 1)
    return False


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence of two strings.

    Bit-parallel (Allison-Dix / Hyyrö): one big-integer step per character of ``a`` instead of
    a len(a) x len(b) table, so a 2,000-character baseline answer against a 300-character span
    costs microseconds, not a second."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, ch in enumerate(b):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(b)) - 1
    v = full
    for ch in a:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(b) - bin(v).count("1")


def rouge_l_f1(answer: str, gold: str) -> float:
    """Character-level ROUGE-L F1 of ``answer`` against ``gold`` (both normalised)."""
    a, g = normalize(answer), normalize(gold)
    lcs = lcs_length(a, g)
    if not lcs:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(g)
    return 2 * precision * recall / (precision + recall)


def span_start_in(answer: str, gold: str, chars: int = SPAN_START_CHARS) -> bool:
    """Does the answer contain the gold span's first ``chars`` characters (normalised)?"""
    start = normalize(gold)[:chars]
    return bool(start) and start in normalize(answer)


def _same_passages(a: Sequence[RetrievedPassage], b: Sequence[RetrievedPassage]) -> bool:
    return [(p.source, normalize(p.text)) for p in a] == [(p.source, normalize(p.text)) for p in b]


def score_question(q: Question, attempt: Attempt | None, k: int, error: str | None = None) -> QuestionResult:
    """Score one attempt; ``attempt`` None means the system failed (``error`` says how)."""
    if attempt is None:
        attempt = Attempt(answer="", abstained=False, ranked=[], cited=[], latency_ms=0.0)
    top_k = attempt.ranked[:k]
    sources_top_k = list(dict.fromkeys(p.source for p in top_k))
    cited_sources = [p.source for p in attempt.cited]
    abstained = bool(attempt.abstained) and error is None

    if q.answerable:
        rank = first_rank(attempt.ranked, q.expected_evidence)
        expected = set(q.expected_sources)
        source_recall = (len(expected & set(sources_top_k)) / len(expected)) if expected else None
        found = [f for f in q.expected_facts if not abstained and fact_in(attempt.answer, f)]
        missing = [f for f in q.expected_facts if f not in found]
        fact_recall = (len(found) / len(q.expected_facts)) if q.expected_facts else None
        if not abstained and cited_sources and expected:
            citation_precision = sum(s in expected for s in cited_sources) / len(cited_sources)
        else:
            citation_precision = None
        abstention_correct = not abstained and error is None
        span_rouge = span_start = None
        if q.gold_answer:
            delivered = "" if abstained else attempt.answer
            span_rouge = rouge_l_f1(delivered, q.gold_answer)
            span_start = span_start_in(delivered, q.gold_answer)
        passed = (
            abstention_correct
            and not missing
            and (rank is not None and rank <= k or not q.expected_evidence)
        )
    else:
        rank, source_recall, fact_recall, citation_precision = None, None, None, None
        found, missing = [], []
        abstention_correct = abstained
        passed = abstained
        span_rouge = span_start = None

    consistent = None
    if attempt.answer_passages and attempt.ranked:
        consistent = _same_passages(attempt.answer_passages[:k], attempt.ranked[:k])
    return QuestionResult(
        id=q.id,
        kind=q.kind,
        question=q.question,
        answerable=q.answerable,
        rank=rank,
        k=k,
        sources_top_k=sources_top_k,
        source_recall=source_recall,
        facts_found=found,
        facts_missing=missing,
        fact_recall=fact_recall,
        cited_sources=cited_sources,
        citation_precision=citation_precision,
        abstained=abstained,
        abstention_correct=abstention_correct,
        latency_ms=float(attempt.latency_ms),
        answer_chars=len(attempt.answer),
        passed=bool(passed),
        answer=attempt.answer,
        resolved_question=attempt.resolved_question,
        ranked_consistent=consistent,
        error=error,
        history=list(q.history),
        has_evidence=bool(q.expected_evidence),
        span_rouge_l=span_rouge,
        span_start=span_start,
    )


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default method)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * pct / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def aggregate(results: Sequence[QuestionResult], k: int) -> dict[str, Any]:
    """Totals for a list of results (a whole run, or one kind)."""
    answerable = [r for r in results if r.answerable]
    # Retrieval metrics need evidence strings: without them a question cannot be found, so it
    # is left out of hit@n / MRR rather than counted as a miss.
    ranked = [r for r in answerable if r.has_evidence]
    m: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(results) - len(answerable),
        "ranked": len(ranked),
        "errors": sum(r.error is not None for r in results),
    }
    for n in HIT_AT:
        m[f"hit@{n}"] = _mean([1.0 if r.rank is not None and r.rank <= n else 0.0 for r in ranked])
    if k not in HIT_AT:
        m[f"hit@{k}"] = _mean([1.0 if r.rank is not None and r.rank <= k else 0.0 for r in ranked])
    m[f"mrr@{MRR_DEPTH}"] = _mean([1.0 / r.rank if r.rank else 0.0 for r in ranked])
    m["source_recall@k"] = _mean([r.source_recall for r in answerable if r.source_recall is not None])
    m["fact_recall"] = _mean([r.fact_recall for r in answerable if r.fact_recall is not None])
    m["citation_precision"] = _mean(
        [r.citation_precision for r in answerable if r.citation_precision is not None]
    )
    spans = [r for r in answerable if r.span_rouge_l is not None]
    m["span_questions"] = len(spans)
    m["span_start"] = _mean([1.0 if r.span_start else 0.0 for r in spans])
    m["span_rouge_l"] = _mean([r.span_rouge_l for r in spans if r.span_rouge_l is not None])
    m["abstention_accuracy"] = _mean([1.0 if r.abstention_correct else 0.0 for r in results])
    m["answered_when_answerable"] = _mean([0.0 if r.abstained else 1.0 for r in answerable])
    unans = [r for r in results if not r.answerable]
    m["abstained_when_unanswerable"] = _mean([1.0 if r.abstained else 0.0 for r in unans])
    m["pass_rate"] = _mean([1.0 if r.passed else 0.0 for r in results])
    lat = [r.latency_ms for r in results if r.error is None]
    m["latency_p50_ms"] = percentile(lat, 50)
    m["latency_p95_ms"] = percentile(lat, 95)
    lengths = [r.answer_chars for r in answerable if not r.abstained and r.error is None]
    m["median_answer_chars"] = statistics.median(lengths) if lengths else None
    consistent = [r.ranked_consistent for r in results if r.ranked_consistent is not None]
    m["ranked_consistent"] = _mean([1.0 if c else 0.0 for c in consistent])
    return {key: (round(v, 4) if isinstance(v, float) else v) for key, v in m.items()}


def by_kind(results: Sequence[QuestionResult], k: int) -> dict[str, dict[str, Any]]:
    kinds: dict[str, list[QuestionResult]] = {}
    for r in results:
        kinds.setdefault(r.kind, []).append(r)
    return {kind: aggregate(rs, k) for kind, rs in sorted(kinds.items())}
