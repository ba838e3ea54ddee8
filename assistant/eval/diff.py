"""``policyqa eval --diff OLD.json NEW.json``: which questions got better or worse.

Questions are matched by id. A question changed when its pass/fail, its rank, the facts found
in its answer or its abstention changed. Better/worse is decided in that order of importance:
pass/fail first, then abstention correctness, then facts found, then rank (a smaller rank is
better; "not in the top 10" is worst). The overall metrics are compared too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import QuestionError

DIFF_METRICS = ("hit@1", "hit@5", "mrr@10", "fact_recall", "span_start", "span_rouge_l", "citation_precision", "abstention_accuracy", "pass_rate", "latency_p95_ms")


@dataclass
class QuestionChange:
    id: str
    kind: str
    direction: str  # "better" | "worse" | "changed"
    details: list[str] = field(default_factory=list)
    question: str = ""


@dataclass
class RunDiff:
    better: list[QuestionChange]
    worse: list[QuestionChange]
    changed: list[QuestionChange]  # neither clearly better nor worse (e.g. a fact swapped)
    only_old: list[str]
    only_new: list[str]
    metrics: dict[str, tuple[Any, Any]]


def load_run(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QuestionError(f"eval report {str(p)!r} not found", "pass two files written by `policyqa eval --json OUT`") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise QuestionError(f"{str(p)!r} is not a JSON eval report ({exc})", "pass files written by `policyqa eval --json OUT`") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuestionError(f"{str(p)!r} has no 'questions' list", "pass files written by `policyqa eval --json OUT`")
    return data


def _rank_value(rank: Any) -> int:
    return int(rank) if isinstance(rank, int) and rank > 0 else 10_000


def _rank_text(rank: Any) -> str:
    return str(rank) if isinstance(rank, int) and rank > 0 else "miss"


def compare_question(old: dict[str, Any], new: dict[str, Any]) -> QuestionChange | None:
    details: list[str] = []
    score = 0  # >0 better, <0 worse; weights keep the order of importance
    if bool(old.get("passed")) != bool(new.get("passed")):
        details.append("now passes" if new.get("passed") else "no longer passes")
        score += 1000 if new.get("passed") else -1000
    if bool(old.get("abstained")) != bool(new.get("abstained")):
        details.append("abstains now" if new.get("abstained") else "answers now (used to abstain)")
        correct_now = bool(new.get("abstention_correct"))
        score += 100 if correct_now else -100
    old_found, new_found = set(old.get("facts_found") or []), set(new.get("facts_found") or [])
    if old_found != new_found:
        gained, lost = sorted(new_found - old_found), sorted(old_found - new_found)
        if gained:
            details.append("facts found: +" + "、".join(gained))
        if lost:
            details.append("facts lost: -" + "、".join(lost))
        score += 10 * (len(gained) - len(lost))
    if old.get("span_start") is not None and new.get("span_start") is not None:
        if bool(old["span_start"]) != bool(new["span_start"]):
            details.append("span start found" if new["span_start"] else "span start lost")
            score += 10 if new["span_start"] else -10
    if old.get("answerable", True) and old.get("rank") != new.get("rank"):
        o, n = _rank_value(old.get("rank")), _rank_value(new.get("rank"))
        details.append(f"rank {_rank_text(old.get('rank'))} -> {_rank_text(new.get('rank'))}")
        score += 1 if n < o else -1 if n > o else 0
    if not details:
        return None
    direction = "better" if score > 0 else "worse" if score < 0 else "changed"
    return QuestionChange(
        id=str(new.get("id")), kind=str(new.get("kind", "")), direction=direction, details=details,
        question=str(new.get("question", "")),
    )  # fmt: skip


def diff_runs(old: dict[str, Any], new: dict[str, Any]) -> RunDiff:
    old_q = {q["id"]: q for q in old["questions"] if isinstance(q, dict) and "id" in q}
    new_q = {q["id"]: q for q in new["questions"] if isinstance(q, dict) and "id" in q}
    better, worse, changed = [], [], []
    for qid, nq in new_q.items():
        if qid not in old_q:
            continue
        change = compare_question(old_q[qid], nq)
        if change is None:
            continue
        {"better": better, "worse": worse, "changed": changed}[change.direction].append(change)
    om, nm = old.get("metrics") or {}, new.get("metrics") or {}
    metrics = {m: (om.get(m), nm.get(m)) for m in DIFF_METRICS if m in om or m in nm}
    return RunDiff(
        better=better,
        worse=worse,
        changed=changed,
        only_old=sorted(set(old_q) - set(new_q)),
        only_new=sorted(set(new_q) - set(old_q)),
        metrics=metrics,
    )


def diff_files(old_path: str | Path, new_path: str | Path) -> RunDiff:
    return diff_runs(load_run(old_path), load_run(new_path))
