"""Run a question set through one or more systems and collect the results.

Each system is an :class:`~assistant.eval.answerers.Answerer`; PolicyQA and the baselines go
through the same loop. A follow-up question's ``history`` turns are asked first, by the same
system, and handed to it as the conversation so far; only the last question is scored.
A system that raises on one question gets that question scored as a failure with the error
recorded, and the run goes on.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from assistant.eval.answerers import RANK_DEPTH, Answerer, Turn
from assistant.eval.metrics import QuestionResult, aggregate, by_kind, score_question
from assistant.eval.questions import Question
from common.errors import PolicyQAError

log = logging.getLogger(__name__)

# (system name, questions done, questions total, the result just scored)
ProgressFn = Callable[[str, int, int, QuestionResult], None]


@dataclass
class SystemRun:
    """One system's results over the question set."""

    name: str
    results: list[QuestionResult]
    metrics: dict[str, Any]
    by_kind: dict[str, dict[str, Any]]
    config: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class EvalRun:
    """PolicyQA (``systems[0]``) and the baselines, over the same questions."""

    systems: list[SystemRun]
    k: int
    depth: int
    questions_path: str = ""
    problems: list[str] = field(default_factory=list)
    started: str = ""

    @property
    def main(self) -> SystemRun:
        return self.systems[0]

    @property
    def baselines(self) -> list[SystemRun]:
        return self.systems[1:]


def ask_one(answerer: Answerer, q: Question, *, k: int, depth: int) -> QuestionResult:
    """Ask one question (after its history turns) and score it."""
    history: list[Turn] = []
    try:
        for earlier in q.history:
            attempt = answerer.answer(earlier, k=k, depth=depth, filters=q.filters, history=history)
            history.append((earlier, attempt))
        attempt = answerer.answer(q.question, k=k, depth=depth, filters=q.filters, history=history)
    except PolicyQAError as exc:
        return score_question(q, None, k, error=f"{type(exc).__name__}: {exc.message}")
    except Exception as exc:  # a crash on one question must not lose the whole run
        log.exception("%s failed on %s", answerer.name, q.id)
        return score_question(q, None, k, error=f"{type(exc).__name__}: {exc}")
    return score_question(q, attempt, k)


def run_system(
    answerer: Answerer,
    questions: Sequence[Question],
    *,
    k: int,
    depth: int | None = None,
    progress: ProgressFn | None = None,
) -> SystemRun:
    depth = max(k, depth or RANK_DEPTH)
    t0 = time.perf_counter()
    results = []
    for i, q in enumerate(questions, 1):
        r = ask_one(answerer, q, k=k, depth=depth)
        results.append(r)
        if progress:
            progress(answerer.name, i, len(questions), r)
    try:
        config = dict(answerer.describe())
    except Exception as exc:  # describing is cosmetic; never lose results over it
        config = {"describe_error": str(exc)}
    return SystemRun(
        name=answerer.name,
        results=results,
        metrics=aggregate(results, k),
        by_kind=by_kind(results, k),
        config=config,
        seconds=time.perf_counter() - t0,
    )


def run_eval(
    questions: Sequence[Question],
    answerers: Sequence[Answerer],
    *,
    k: int = 5,
    depth: int | None = None,
    progress: ProgressFn | None = None,
    questions_path: str = "",
    problems: Sequence[str] = (),
) -> EvalRun:
    """Every answerer over every question; the first answerer is the system under test."""
    if not answerers:
        raise ValueError("run_eval needs at least one answerer")
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    systems = [run_system(a, questions, k=k, depth=depth, progress=progress) for a in answerers]
    return EvalRun(
        systems=systems,
        k=k,
        depth=max(k, depth or RANK_DEPTH),
        questions_path=questions_path,
        problems=list(problems),
        started=started,
    )


def environment() -> dict[str, Any]:
    return {"python": platform.python_version(), "machine": platform.machine()}
