"""Thumbs up / down on answers, kept as JSONL in the store so they can become eval questions.

One line per rating: the question (and how a follow-up was resolved), the answer text, the rating,
whether the assistant abstained, the citations with their sources, the filters and a timestamp.
A later rating of the same answer is a new line; readers take the last one.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant.models import Answer

FEEDBACK_FILE = "feedback.jsonl"


class FeedbackLog:
    """Appends ratings to ``<home>/feedback.jsonl``; safe to call from concurrent requests."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / FEEDBACK_FILE
        self._lock = threading.Lock()

    def record(
        self,
        answer: Answer,
        rating: str,
        *,
        filters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write one rating (``"up"`` / ``"down"`` / ``"none"`` when a rating is withdrawn)."""
        if rating not in ("up", "down", "none"):
            raise ValueError(f"rating must be up, down or none, not {rating!r}")
        entry = {
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "question": answer.question,
            "resolved_question": answer.resolved_question,
            "answer": answer.answer,
            "rating": rating,
            "abstained": answer.abstained,
            "citations": [c.to_json() for c in answer.citations],
            "sources": sorted({c.passage.source for c in answer.citations}),
            "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "")},
            "answerer": answer.answerer,
        }
        line = json.dumps(entry, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return entry

    def read(self) -> list[dict[str, Any]]:
        """All ratings, oldest first (skipping lines a crash may have cut short)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out
