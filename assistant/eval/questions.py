"""Reading a question-set file (JSONL, DESIGN.md section 3).

Users bring their own files, written by hand, so one bad line must not stop the run: each
malformed line is reported with its number and the problem, skipped, and the rest still runs.
Only a file with no usable question at all is an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import QuestionError

FORMAT_HINT = (
    'each line must be one JSON object such as {"id": "zs-03", "question": "...", '
    '"kind": "subsidy", "answerable": true, "expected_facts": ["50%"], '
    '"expected_evidence": ["补贴支出费用的50%"], "expected_sources": ["004_4757f8428a5e4ec7.txt"]} '
    "(see DESIGN.md section 3)"
)
_LIST_KEYS = ("expected_facts", "expected_evidence", "expected_sources")
_FILTER_KEYS = ("region", "year", "doc")


@dataclass(frozen=True)
class Question:
    """One evaluation question. ``history`` holds earlier user turns for follow-ups."""

    id: str
    question: str
    kind: str = "fact"
    answerable: bool = True
    expected_facts: tuple[str, ...] = ()
    expected_evidence: tuple[str, ...] = ()
    expected_sources: tuple[str, ...] = ()
    filters: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    # A verbatim answer span (annotated data sets such as ../shared/policies2020): eval then
    # also scores the answer against it (span ROUGE-L, span start found).
    gold_answer: str | None = None
    line: int = 0


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class QuestionSet:
    path: Path
    questions: list[Question]
    problems: list[LineProblem]


def _strings(obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if isinstance(value, str):  # a lone string is a common slip; accept it as a one-item list
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key!r} must be a list of strings")
    return tuple(v for v in value if v.strip())


def parse_question(obj: Any, line: int = 0) -> Question:
    """Validate one decoded line; raises ValueError naming the problem."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    qid = obj.get("id")
    if isinstance(qid, int) and not isinstance(qid, bool):
        qid = str(qid)
    if not isinstance(qid, str) or not qid.strip():
        raise ValueError("missing 'id' (a non-empty string)")
    text = obj.get("question")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{qid}: missing 'question' (a non-empty string)")
    if "answerable" not in obj:
        raise ValueError(f"{qid}: missing 'answerable' (true or false)")
    answerable = obj["answerable"]
    if not isinstance(answerable, bool):
        raise ValueError(f"{qid}: 'answerable' must be true or false, got {answerable!r}")
    kind = obj.get("kind", "fact")
    if not isinstance(kind, str) or not kind.strip():
        raise ValueError(f"{qid}: 'kind' must be a non-empty string")
    facts, evidence, sources = (_strings(obj, key) for key in _LIST_KEYS)
    filters = obj.get("filters") or {}
    if not isinstance(filters, dict):
        raise ValueError(f"{qid}: 'filters' must be an object like {{\"region\": \"中山市\"}}")
    unknown = sorted(set(filters) - set(_FILTER_KEYS))
    if unknown:
        raise ValueError(f"{qid}: unknown filter {unknown[0]!r} (use region, year, doc)")
    if "year" in filters and filters["year"] is not None:
        try:
            filters = {**filters, "year": int(filters["year"])}
        except (TypeError, ValueError):
            raise ValueError(f"{qid}: filter 'year' must be a year like 2019") from None
    history = obj.get("history") or []
    if isinstance(history, str):
        history = [history]
    if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
        raise ValueError(f"{qid}: 'history' must be a list of earlier questions")
    gold = obj.get("gold_answer")
    if gold is not None and not isinstance(gold, str):
        raise ValueError(f"{qid}: 'gold_answer' must be a string (a verbatim answer span)")
    return Question(
        id=qid.strip(),
        question=text.strip(),
        kind=kind.strip(),
        answerable=answerable,
        expected_facts=facts,
        expected_evidence=evidence,
        expected_sources=sources,
        filters={k: v for k, v in filters.items() if v not in (None, "")},
        history=tuple(history),
        gold_answer=gold.strip() if gold and gold.strip() else None,
        line=line,
    )


def parse_lines(lines: list[str], path: Path) -> QuestionSet:
    questions: list[Question] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("//"):
            continue  # blank lines and comments are allowed in hand-written files
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(LineProblem(n, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        try:
            q = parse_question(obj, n)
        except ValueError as exc:
            problems.append(LineProblem(n, str(exc)))
            continue
        if q.id in seen:
            problems.append(LineProblem(n, f"duplicate id {q.id!r} (first on line {seen[q.id]})"))
            continue
        seen[q.id] = n
        questions.append(q)
    return QuestionSet(path=path, questions=questions, problems=problems)


def load_questions(path: str | Path) -> QuestionSet:
    """Read a question set; malformed lines become ``problems``; no valid line is an error."""
    p = Path(path)
    if not p.is_file():
        raise QuestionError(
            f"question file {str(p)!r} not found",
            "pass the path of a JSONL question set, e.g. evals/questions.jsonl",
        )
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuestionError(
            f"question file {str(p)!r} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            "save it as UTF-8, one JSON object per line",
        ) from None
    except OSError as exc:
        raise QuestionError(
            f"cannot read question file {str(p)!r}: {exc.strerror or exc}",
            "check the path and its permissions",
        ) from None
    qset = parse_lines(text.splitlines(), p)
    if not qset.questions:
        detail = f"; {len(qset.problems)} malformed line(s), first: {qset.problems[0]}" if qset.problems else ""
        what = "is empty" if not text.strip() else "has no valid question"
        raise QuestionError(f"question file {str(p)!r} {what}{detail}", FORMAT_HINT)
    return qset


def merge_question_sets(sets: Sequence[QuestionSet]) -> QuestionSet:
    """Several question sets run as one (``policyqa eval dev.jsonl fresh.jsonl``); an id used in
    two of them is an error, since results are reported and diffed by id."""
    if len(sets) == 1:
        return sets[0]
    seen: dict[str, Path] = {}
    for qs in sets:
        for q in qs.questions:
            if q.id in seen:
                raise QuestionError(
                    f"question id {q.id!r} is in both {str(seen[q.id])!r} and {str(qs.path)!r}",
                    "give the questions of different sets different ids, or run the sets one by one",
                )
            seen[q.id] = qs.path
    return QuestionSet(
        path=sets[0].path,
        questions=[q for qs in sets for q in qs.questions],
        problems=[p for qs in sets for p in qs.problems],
    )

