"""A scripted answerer and a small question set with known ranks, facts and abstentions,
shared by the eval unit tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.eval.answerers import Attempt, RetrievedPassage, Turn
from assistant.eval.questions import Question

A, B, C, D = "a.txt", "b.txt", "c.txt", "d.txt"


def P(source: str, text: str) -> RetrievedPassage:
    return RetrievedPassage(source=source, text=text)


class ScriptedAnswerer:
    """Returns a fixed Attempt per question text and records what it was asked."""

    def __init__(self, script: Mapping[str, Attempt | Exception], name: str = "scripted") -> None:
        self.name = name
        self.script = script
        self.calls: list[tuple[str, list[str], dict]] = []

    def answer(
        self,
        question: str,
        *,
        k: int,
        depth: int,
        filters: Mapping[str, Any],
        history: Sequence[Turn],
    ) -> Attempt:
        self.calls.append((question, [q for q, _ in history], dict(filters)))
        out = self.script[question]
        if isinstance(out, Exception):
            raise out
        return out

    def describe(self) -> dict[str, Any]:
        return {"system": "scripted"}


QUESTIONS = [
    Question("q1", "第一问", "fact", True, ("10家", "20%"), ("证据一",), (A,)),
    Question("q2", "第二问", "cross", True, ("5个",), ("证据二",), (A, C)),
    Question("q3", "第三问", "fact", True, ("7项",), ("证据三",), (A,)),
    Question("q4", "第四问", "unanswerable", False),
    Question("q5", "第五问", "unanswerable", False),
]
SCRIPT = {
    # rank 2; top 3 holds A; one of two facts; cites A and B -> precision 0.5
    "第一问": Attempt(
        answer="共有10家企业。",  # 8 chars
        abstained=False,
        ranked=[P(B, "无关"), P(A, "这里有 证据 一 和更多"), P(B, "别的")],
        cited=[P(A, "证据一"), P(B, "别的")],
        latency_ms=100,
    ),
    # rank 1; both expected sources (C and A) in the top 3; the fact; cites C only
    "第二问": Attempt(
        answer="建成5个平台，覆盖全市各区县。",  # 15 chars
        abstained=False,
        ranked=[P(C, "证据二在此"), P(D, "x"), P(A, "y")],
        cited=[P(C, "证据二在此")],
        latency_ms=200,
    ),
    # evidence only at rank 7 (outside k=3, inside 10); abstains although it should answer
    "第三问": Attempt(
        answer="未在已收录的文件中找到。7项",
        abstained=True,
        ranked=[P(D, f"段落{i}") for i in range(6)] + [P(A, "证据三")] + [P(D, "z")] * 3,
        cited=[],
        latency_ms=300,
    ),
    "第四问": Attempt(answer="未找到", abstained=True, ranked=[P(D, "q")], cited=[], latency_ms=400),
    "第五问": Attempt(answer="瞎答一个数", abstained=False, ranked=[P(D, "q")], cited=[P(D, "q")], latency_ms=500),
}
