"""Prompt templates as data files (Chinese), loaded by name.

``load_prompt("answer_system")`` reads ``prompts/answer_system.md``. Templates use
``str.format`` fields; values are substituted once, so braces or instructions inside a passage
are never interpreted. :func:`render_answer_messages` builds the system and user messages of the
LLM answerer with the passages numbered [1]..[k], fenced as data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from common.errors import ConfigError

FENCE_OPEN = "<<<参考段落开始>>>"
FENCE_CLOSE = "<<<参考段落结束>>>"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.md`` (or ``.txt``)."""
    if not _NAME.match(name):
        raise ConfigError(f"bad prompt name {name!r}", "use a file name under prompts/ without extension")
    base = resources.files(__name__)
    for ext in (".md", ".txt"):
        f = base / f"{name}{ext}"
        if f.is_file():
            return f.read_text(encoding="utf-8")
    raise ConfigError(
        f"prompt {name!r} not found",
        f"add prompts/{name}.md; available: {', '.join(list_prompts())}",
    )


def list_prompts() -> list[str]:
    base = resources.files(__name__)
    return sorted(
        p.name.rsplit(".", 1)[0] for p in base.iterdir() if p.name.endswith((".md", ".txt"))
    )


def render(name: str, **values: Any) -> str:
    """``load_prompt(name).format(**values)``; a missing value names the field."""
    try:
        return load_prompt(name).format(**values)
    except KeyError as exc:
        raise ConfigError(f"prompt {name!r} needs a value for {exc}", "pass it to render()") from exc


def _defang(text: str) -> str:
    # A passage must not be able to close the data fence and speak as the user.
    return text.replace(FENCE_OPEN, "").replace(FENCE_CLOSE, "").replace("<<<", "《").replace(">>>", "》")


def render_passages(passages: Sequence[Any]) -> str:
    """Passages numbered [1]..[k] with title, issuer, region, date and section."""
    blocks = []
    for n, p in enumerate(passages, 1):
        blocks.append(
            render(
                "passage",
                n=n,
                title=_defang(p.title or p.source),
                issuer=p.issuer or "-",
                region=p.region or "-",
                date=p.date or (str(p.year) if p.year else "-"),
                section=_defang(p.section or "-"),
                text=_defang(p.text.strip()),
            ).strip()
        )
    return "\n\n".join(blocks)


def render_answer_messages(question: str, passages: Sequence[Any]) -> list[tuple[str, str]]:
    """``[("system", …), ("human", …)]`` for the LLM answerer."""
    user = render(
        "answer_user",
        count=len(passages),
        passages=render_passages(passages),
        question=_defang(question),
    )
    return [("system", load_prompt("answer_system").strip()), ("human", user.strip())]
