"""The one small interface every evaluated system implements, and PolicyQA's own adapter.

The runner treats PolicyQA and the baselines alike: each gets a question (with filters and the
earlier turns of a follow-up) and returns an :class:`Attempt`: the answer text, whether it
abstained, a ranked list of passages for the retrieval metrics, the passages the answer cites,
and how long answering took.

How PolicyQA is measured (the clean split chosen for ranks vs answers):

* the **answer** is exactly what a user gets: ``QAService.ask(question, k=k, ...)``; its
  latency is the latency reported;
* the **ranking** is the same retrieval asked for a deeper list,
  ``QAService.retrieve(question, k=max(k, 10), ...)``, so MRR@10 can see ranks 6-10 without
  changing the answer. hit@k and source recall@k read the first k of that list.

The runner records, per question, whether ``ask``'s passages equal the first k of the ranked
list, so a pipeline whose retrieval depends on k shows up instead of silently skewing metrics.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from assistant.models import Answer, Passage
from assistant.request import QuestionRequest
from common.settings import Settings

RANK_DEPTH = 10  # MRR@10: ranks are looked for in the top 10 passages


@dataclass(frozen=True)
class RetrievedPassage:
    """What the metrics need of a passage: the file it comes from and its text."""

    source: str
    text: str
    section: str = ""
    score: float = 0.0


@dataclass
class Attempt:
    """One system's answer to one question."""

    answer: str
    abstained: bool
    ranked: list[RetrievedPassage]  # best first, up to the requested depth
    cited: list[RetrievedPassage]  # passages the answer quotes or consists of
    latency_ms: float
    answer_passages: list[RetrievedPassage] = field(default_factory=list)  # what answering used
    resolved_question: str | None = None
    raw: Answer | None = None  # PolicyQA's own answer (baselines have none), for follow-up history


Turn = tuple[str, Attempt]


@runtime_checkable
class Answerer(Protocol):
    """A system under evaluation."""

    name: str

    def answer(
        self,
        question: str,
        *,
        k: int,
        depth: int,
        filters: Mapping[str, Any],
        history: Sequence[Turn],
    ) -> Attempt: ...

    def describe(self) -> dict[str, Any]:
        """Parameters worth printing in the report (chunking, k, model ...)."""
        ...


def _from_passage(p: Passage) -> RetrievedPassage:
    return RetrievedPassage(
        source=str(getattr(p, "source", "")),
        text=str(getattr(p, "text", "")),
        section=str(getattr(p, "section", "") or ""),
        score=float(getattr(p, "score", 0.0) or 0.0),
    )


class AskingService(Protocol):
    """What the adapter uses of ``assistant.pipeline.QAService``."""

    def ask(self, request: QuestionRequest | str, **loose: Any) -> Answer: ...

    def retrieve(self, request: QuestionRequest | str, **loose: Any) -> list[Passage]: ...


class PolicyQAAnswerer:
    """Adapter around ``assistant.pipeline.QAService`` (ask + retrieve)."""

    name = "policyqa"

    def __init__(self, qa: AskingService, *, settings: Settings | None = None) -> None:
        self.qa = qa
        self.settings = settings

    def answer(
        self,
        question: str,
        *,
        k: int,
        depth: int,
        filters: Mapping[str, Any],
        history: Sequence[Turn],
    ) -> Attempt:
        # QAService wants history as (question, Answer) pairs (assistant/conversation.py).
        hist = [(q, a.raw) for q, a in history]
        kwargs = {"region": filters.get("region"), "year": filters.get("year"), "doc": filters.get("doc")}
        t0 = time.perf_counter()
        ans = self.qa.ask(question, k=k, history=hist or None, **kwargs)
        latency = (time.perf_counter() - t0) * 1000.0
        used = [_from_passage(p) for p in ans.passages]
        if depth > k:
            # retrieve() takes no history: a follow-up is ranked in its resolved, standalone
            # form, which is what ask() retrieved with.
            standalone = getattr(ans, "resolved_question", None) or question
            ranked = [_from_passage(p) for p in self.qa.retrieve(standalone, k=depth, **kwargs)]
        else:
            ranked = used
        cited = [_from_passage(c.passage) for c in ans.citations]
        return Attempt(
            answer=ans.answer,
            abstained=bool(ans.abstained),
            ranked=ranked[:depth],
            cited=cited,
            latency_ms=latency,
            answer_passages=used,
            resolved_question=getattr(ans, "resolved_question", None),
            raw=ans,
        )

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"system": "PolicyQA (hybrid retrieval + extractive answer)"}
        s = self.settings
        if s is not None:
            info.update(
                {
                    "embedding": s.embedding.backend
                    if s.embedding.backend == "e5"
                    else s.embedding.model,
                    "lexical_weight": s.retrieval.lexical_weight,
                    "region_boost": s.retrieval.region_boost,
                    "year_boost": s.retrieval.year_boost,
                    "abstain_threshold": s.answer.abstain_threshold,
                    "max_sentences": s.answer.max_sentences,
                    "llm": bool(s.llm.base_url),
                }
            )
        return info
