"""What the answering pipeline hands to the CLI, the app and eval.

The JSON shape of :meth:`Answer.to_json` is the ``ask --json`` contract of DESIGN.md section 3;
other tools parse it, so keys are only ever added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.citing import inferred_fields, page_label, title_stated


@dataclass
class Passage:
    """One retrieved chunk with the metadata a citation needs."""

    chunk_id: str
    text: str
    score: float
    source: str
    title: str
    region: str | None
    date: str | None
    year: int | None
    section: str
    doc_id: str
    start: int = 0
    end: int = 0
    years: list[int] = field(default_factory=list)
    issuer: str | None = None
    doc_type: str | None = None
    parent_region: str | None = None  # the city a district belongs to (赣榆区 -> 连云港市)
    province: str | None = None
    # Component scores, for eval and debugging: {"dense": .., "lexical": .., "boost": ..}
    scores: dict[str, float] = field(default_factory=dict)
    # How the document's title, issuer, region, date and years were found: field -> stated /
    # inferred / unknown (missing: stated, as in stores made before it was recorded).
    provenance: dict[str, str] = field(default_factory=dict)
    page: int | None = None  # 1-based page of a PDF or scan; None for formats without pages
    page_end: int | None = None  # last page when the passage runs over a page break

    @property
    def pages_label(self) -> str:
        """第3页, 第3-4页, or "" for formats without pages."""
        return page_label(self.page, self.page_end)

    def to_json(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "source": self.source,
            "title": self.title,
            "region": self.region,
            "date": self.date,
            "year": self.year,
            "section": self.section,
            "text": self.text,
            "score": round(float(self.score), 4),
            "doc_id": self.doc_id,
            "issuer": self.issuer,
            "scores": {k: round(float(v), 4) for k, v in self.scores.items()},
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "page_end": self.page_end,
            "title_stated": title_stated(self),
            "inferred": inferred_fields(self),
        }


@dataclass
class Citation:
    """A passage the answer quotes; ``quote`` is the verbatim sentence(s) used from it."""

    id: int
    passage: Passage
    quote: str = ""

    def to_json(self) -> dict[str, Any]:
        p = self.passage
        return {
            "id": self.id,
            "source": p.source,
            "title": p.title,
            "region": p.region,
            "date": p.date,
            "year": p.year,
            "section": p.section,
            "page": p.page,
            "page_end": p.page_end,
            "text": p.text,
            "quote": self.quote,
            # the title is the document's own (else it is the file name); these fields were
            # worked out from the text, not stated by it
            "title_stated": title_stated(p),
            "inferred": inferred_fields(p),
        }


@dataclass
class SentenceCheck:
    """Result of checking one generated sentence against the passages it cites."""

    sentence: str
    citations: list[int]
    ok: bool
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "citations": self.citations,
            "ok": self.ok,
            "problems": self.problems,
        }


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    # Extra facts for the UI and eval; never required by other tools.
    resolved_question: str | None = None  # after follow-up resolution
    analysis: dict[str, Any] = field(default_factory=dict)  # region/years/intent found
    checks: list[SentenceCheck] = field(default_factory=list)  # LLM answers only
    answerer: str = "extractive"
    latency_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "resolved_question": self.resolved_question,
            "analysis": self.analysis,
            "checks": [c.to_json() for c in self.checks],
            "answerer": self.answerer,
            "latency_ms": round(self.latency_ms, 1),
        }
