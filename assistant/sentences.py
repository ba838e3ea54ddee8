"""Sentence splitting for Chinese policy text and for generated answers.

Policy reports end sentences with 。；！？ (full- or half-width) and put headings on lines of their
own, so both sentence ends and line breaks split. Citation markers such as ``[2]`` that follow a
sentence end belong to the sentence before them (an LLM writes "…50%。[2]" as often as
"…50%[2]。"), so they are kept with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at 。；！？ (and their ASCII forms, but not '.' which also occurs in numbers
# such as 25.56), optionally followed by closing quotes/brackets and citation markers.
_END = re.compile(r"[。；！？;!?]+[”’」』）)]*(?:\s*\[\d{1,3}\])*|\n+")


@dataclass(frozen=True)
class Sentence:
    """A sentence with its character offsets in the text it came from."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences; offsets satisfy ``text[s.start:s.end] == s.text``.

    Leading and trailing whitespace is trimmed from each sentence (offsets follow the trimmed
    text); empty pieces are dropped.
    """
    out: list[Sentence] = []
    pos = 0
    for m in _END.finditer(text):
        _add(text, pos, m.end(), out)
        pos = m.end()
    _add(text, pos, len(text), out)
    return out


def _add(text: str, start: int, end: int, out: list[Sentence]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped or not re.search(r"\w", stripped):
        return
    lead = len(piece) - len(piece.lstrip())
    s = start + lead
    out.append(Sentence(stripped, s, s + len(stripped)))
