"""The one request type for a question, from the web app and the API down to retrieval.

A :class:`QuestionRequest` carries the question, the explicit filters (region, year, document:
``vectorstore.hybrid.SearchFilters``), the number of passages and the conversation so far. The
CLI, the chat tab, the app's API and the OpenAI-compatible endpoint build one with
:meth:`QuestionRequest.of`, which checks the values and says what is wrong with a bad one;
``QAService.ask`` / ``stream`` / ``retrieve`` take it, and retrieval gets its filters as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.models import Answer
from common.errors import QuestionError
from vectorstore.hybrid import SearchFilters

Turn = tuple[str, Answer | None]  # an earlier question and the answer it got (None: unknown)
MAX_K = 50


def turns(history: Sequence[Any] | None) -> tuple[Turn, ...]:
    """Earlier turns as (question, answer) pairs, from what callers hold: pairs, dicts with
    ``question`` / ``answer`` (JSON clients), or bare question strings."""
    out: list[Turn] = []
    for turn in history or ():
        if isinstance(turn, str):
            out.append((turn, None))
        elif isinstance(turn, Mapping):
            out.append((str(turn.get("question", "")), turn.get("answer")))
        else:
            q, a = turn
            out.append((str(q), a))
    return tuple(t for t in out if t[0].strip())


def as_year(value: Any) -> int | None:
    """A filter year from a CLI option, a form field or JSON: None when empty."""
    if value in (None, ""):
        return None
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise QuestionError(f"bad year {value!r}", "give a four-digit year, e.g. --year 2016") from exc
    if not 1900 <= year <= 2100:
        raise QuestionError(f"bad year {value!r}", "give a four-digit year, e.g. --year 2016")
    return year


def as_k(value: Any) -> int | None:
    """Passages per answer: None (the settings' default) or 1..50."""
    if value in (None, "", 0):
        return None
    try:
        k = int(value)
    except (TypeError, ValueError) as exc:
        raise QuestionError(f"bad k {value!r}", f"use a number of passages from 1 to {MAX_K}") from exc
    if not 1 <= k <= MAX_K:
        raise QuestionError(f"bad k {value!r}", f"use a number of passages from 1 to {MAX_K}")
    return k


@dataclass(frozen=True)
class QuestionRequest:
    question: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    k: int | None = None  # None: settings.retrieval.k
    history: tuple[Turn, ...] = ()

    @classmethod
    def of(
        cls,
        question: str,
        *,
        region: str | None = None,
        year: Any = None,
        doc: str | None = None,
        k: Any = None,
        history: Sequence[Any] | None = None,
    ) -> QuestionRequest:
        """A request from loose values (CLI options, form fields, JSON), checked."""
        filters = SearchFilters(region=(region or "").strip() or None, year=as_year(year), doc=(doc or "").strip() or None)
        return cls(str(question or ""), filters, as_k(k), turns(history))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | str) -> QuestionRequest:
        """From the dict a LangChain chain is invoked with (``{"question": …, "region": …}``)."""
        if isinstance(values, str):
            return cls.of(values)
        return cls.of(
            values.get("question", ""),
            region=values.get("region"),
            year=values.get("year"),
            doc=values.get("doc"),
            k=values.get("k"),
            history=values.get("history"),
        )
