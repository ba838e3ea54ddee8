"""The app's programmatic endpoints, for ``gradio_client`` (documented in the README).

Each is a plain typed function registered with ``gr.api``; Gradio derives the API schema from the
type hints. Library errors become ``gr.Error`` so the client raises with the message and hint.

- ``/ask``: one question -> the ``ask --json`` object (DESIGN.md section 3).
- ``/documents``: the ingested documents with metadata and chunk counts.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

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
            answer = self.backend.ask(
                question,
                region=region or None,
                year=int(year) if year not in (None, "") else None,
                doc=doc or None,
                k=int(k) if k else None,
            )
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
