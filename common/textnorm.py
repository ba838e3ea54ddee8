"""Text rules shared by every package: the matching rule and sentence splitting.

Matching (DESIGN.md section 3): NFKC-normalise both sides and drop all whitespace, then test
substring containment. Full-width digits and punctuation (５０％, （一）) therefore match their
half-width forms.

Sentences: :func:`split_sentences`, the one sentence splitter (answers, units, records,
answer checks).

Table rows: loaders write each row of a table as one line that repeats the column headers
(:func:`table_row`, "项目：高企认定奖励；金额：20万元；条件：首次认定"); the splitter and the
chunker keep such a line whole (:func:`is_table_row`), so an amount never loses its measure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, then no whitespace at all."""
    return _WS.sub("", unicodedata.normalize("NFKC", text or ""))


@lru_cache(maxsize=1)
def _simplified_table() -> dict[int, str]:
    """Traditional character -> simplified, one for one (OpenCC's TSCharacters, first choice)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        simp = simp.split(" ")[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[ord(trad)] = simp
    return table


def to_simplified(text: str) -> str:
    """The text in simplified characters (湘鄉市 -> 湘乡市), character for character, so offsets
    hold. For matching only (tokens, term coverage, place names): what is quoted stays as the
    document wrote it. Some local pages are published, or mirrored, in traditional characters."""
    return (text or "").translate(_simplified_table())


def contains(haystack: str, needle: str) -> bool:
    """True when ``needle`` occurs in ``haystack`` under the matching rule."""
    n = normalize(needle)
    return bool(n) and n in normalize(haystack)


# --- sentences ------------------------------------------------------------------------------

# Sentence ends of Chinese policy text (and their ASCII forms; never '.', which also occurs in
# numbers such as 25.56). ；/; end a clause that often stands as a sentence (lists of targets).
SENTENCE_ENDS = "。！？!?"
CLAUSE_ENDS = "；;"
CLOSERS = "”’」』）)】》\"'〕］]"
# A line at least this long that does not end a sentence is a hard wrap of a paragraph when the
# next line does not start a heading (web captures and PDFs wrap mid-sentence).
WRAP_MIN_CHARS = 40


# --- table rows -----------------------------------------------------------------------------

ROW_FIELD_SEP = "；"
ROW_KEY_SEP = "："
# A header: short, and no sentence or clause punctuation of its own.
_ROW_KEY = re.compile(r"[^：:；;。，,！？!?\n]{1,20}：")


def table_row(headers: list[str], cells: list[str]) -> str:
    """One table row as a line: ``header：value`` per non-empty cell, joined by ；.

    Cells without a header (or a table without a header row) are written as the bare value.
    The same header-value pair twice (a merged cell spanning columns) is written once.
    """
    parts: list[str] = []
    for n, value in enumerate(cells):
        value = " ".join((value or "").split())
        if not value:
            continue
        head = " ".join((headers[n] if n < len(headers) else "").split())
        part = f"{head}{ROW_KEY_SEP}{value}" if head and head != value else value
        if part not in parts:
            parts.append(part)
    return ROW_FIELD_SEP.join(parts)


_ROW_MAX_CHARS = 600  # a longer line is a paragraph (one-line notices run to thousands)


def is_table_row(line: str) -> bool:
    """Is ``line`` (one line, stripped or not) a table row written by :func:`table_row`?"""
    line = line.strip()
    if "\n" in line or ROW_FIELD_SEP not in line or len(line) > _ROW_MAX_CHARS:
        return False
    keyed = [bool(_ROW_KEY.match(part)) for part in line.split(ROW_FIELD_SEP)]
    # the first field and most of the others open with a header (a value may hold a ；)
    return keyed[0] and sum(keyed) >= 2 and sum(keyed) * 2 >= len(keyed)


def row_at(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` a whole line of ``text`` (surrounding blanks aside) and a table
    row? Only whole lines are rows: a sentence inside a paragraph never is, whatever it looks
    like ("邮寄地址：…；邮编：…" in a notice that lost its line breaks)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return False
    return is_table_row(text[start:end])


@dataclass(frozen=True)
class Sentence:
    """A sentence with its character offsets in the text it came from: ``text[start:end]``."""

    text: str
    start: int
    end: int


def split_sentences(
    text: str,
    *,
    semicolons: bool = True,
    join_wrapped: bool = False,
    starts_heading: Callable[[str], bool] | None = None,
) -> list[Sentence]:
    """The sentences of ``text`` in order; each is trimmed and ``text[s.start:s.end] == s.text``.

    A sentence ends at 。！？ (with ``semicolons`` also at ；), closing quotes and brackets
    staying with it, and citation markers ``[2]`` after the end too (an LLM writes "…50%。[2]" as
    often as "…50%[2]。"). A line break ends a sentence, unless ``join_wrapped`` and the line is
    a hard wrap: long, without a sentence end, followed by a line that is not indented and (per
    ``starts_heading``) does not open a heading.
    """
    ends = SENTENCE_ENDS + (CLAUSE_ENDS if semicolons else "")
    out: list[Sentence] = []
    start = 0
    i = 0
    n = len(text)
    in_row = False  # inside a table row: only its line end ends it
    while i < n:
        ch = text[i]
        boundary = False
        if i == 0 or text[i - 1] == "\n":
            line_end = text.find("\n", i)
            in_row = row_at(text, i, line_end if line_end >= 0 else n)
        if in_row and ch != "\n":
            pass
        elif ch in ends:
            while i + 1 < n and text[i + 1] in ends:
                i += 1
            while i + 1 < n and text[i + 1] in CLOSERS:
                i += 1  # keep closing quotes/brackets with the sentence
            m = _MARKERS_AFTER.match(text, i + 1)
            if m:
                i = m.end() - 1
            boundary = True
        elif ch == "\n":
            boundary = not (join_wrapped and _wrapped(text, i, ends, starts_heading))
        if boundary:
            _append(out, text, start, i + 1)
            start = i + 1
        i += 1
    _append(out, text, start, n)
    return out


_MARKERS_AFTER = re.compile(r"(?:\s*\[\d{1,3}\])+")


def _wrapped(text: str, i: int, ends: str, starts_heading: Callable[[str], bool] | None) -> bool:
    line_start = text.rfind("\n", 0, i) + 1
    line = text[line_start:i].strip()
    nxt_end = text.find("\n", i + 1)
    nxt = text[i + 1 : nxt_end if nxt_end >= 0 else len(text)]
    return (
        len(line) >= WRAP_MIN_CHARS
        and line[-1] not in ends + "：:；;"
        and nxt.strip() != ""
        and not nxt[:1].isspace()  # an indented next line starts a new paragraph
        and not (starts_heading and starts_heading(nxt))
    )


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped or not re.search(r"\w", stripped):
        return
    s = start + (len(piece) - len(piece.lstrip()))
    out.append(Sentence(stripped, s, s + len(stripped)))
