"""The app's programmatic endpoints, for ``gradio_client`` (documented in the README).

Each is a plain typed function registered with ``gr.api``; Gradio derives the API schema from the
type hints. Library errors become ``gr.Error`` so the client raises with the message and hint.

- ``/ask``: one question -> the ``ask --json`` object (DESIGN.md section 3).
- ``/documents``: the ingested documents with metadata and chunk counts.
- ``/commitments``: targets and reported figures (region, indicator, year, kind filters).
- ``/subsidies``: support measures ranked for a region and an enterprise profile.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.request import QuestionRequest
from common.errors import PolicyQAError
from webui.backend import Backend


def as_gradio_error(exc: PolicyQAError) -> gr.Error:
    text = f"{exc.message}（提示：{exc.hint}）" if exc.hint else exc.message
    return gr.Error(text, print_exception=False)


class ApiEndpoints:
    """Holds the backend; its methods are the endpoints."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def register(self) -> None:
        """Call inside the app's Blocks context."""
        gr.api(self.ask, api_name="ask", concurrency_id="answer")
        gr.api(self.documents, api_name="documents", queue=False)
        gr.api(self.commitments, api_name="commitments")
        gr.api(self.subsidies, api_name="subsidies")

    def ask(
        self,
        question: str,
        region: str = "",
        year: int | None = None,
        doc: str = "",
        k: int | None = None,
    ) -> dict[str, Any]:
        """Answer one question from the ingested documents, with citations.

        Returns the `policyqa ask --json` object: question, answer, abstained, citations
        (id, source, title, region, date, year, section, text, quote) and passages.
        """
        try:
            answer = self.backend.ask(QuestionRequest.of(question, region=region, year=year, doc=doc, k=k))
        except PolicyQAError as exc:
            raise as_gradio_error(exc) from exc
        return answer.to_json()

    def documents(self) -> list[dict[str, Any]]:
        """The ingested documents: source, title, issuer, region, date, years, doc_type,
        chunk_count, record_count, doc_id."""
        keep = (
            "doc_id", "source", "title", "issuer", "region", "parent_region", "province",
            "date", "years", "doc_type", "chunk_count", "record_count",
        )
        return [{k: d.get(k) for k in keep} for d in self.backend.documents()]

    def commitments(
        self, region: str = "", indicator: str = "", year: int | None = None, kind: str = "all"
    ) -> list[dict[str, Any]]:
        """Targets and reported figures with their sources, as `policyqa commitments --json` rows.

        region: short names work (江门); indicator: a name or word (高企, 孵化器, 专利);
        year: the deadline (targets) or period (reported figures); kind: all, target or reported.
        """
        try:
            rows = self.backend.commitments(
                region=region or None, indicator=indicator or None,
                year=int(year) if year not in (None, "") else None, kind=kind or "all",
            )
        except PolicyQAError as exc:
            raise as_gradio_error(exc) from exc
        return [r.to_json() for r in rows]

    def subsidies(self, region: str = "", profile: str = "", include_parents: bool = False) -> list[dict[str, Any]]:
        """Support measures ranked for an enterprise, each with the reasons it matches and its
        citation, as `policyqa subsidies --json` measures. profile: e.g. 科技型中小企业，有发明专利，想贷款."""
        try:
            matches = self.backend.subsidies(region=region or None, profile=profile or None, include_parents=include_parents)
        except PolicyQAError as exc:
            raise as_gradio_error(exc) from exc
        return [{"rank": i + 1, **m.to_json()} for i, m in enumerate(matches)]
