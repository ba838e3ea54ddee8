"""Text helpers shared by the record extractors: sentences, a compact view, headings, context.

The extractors match their patterns on a *compact* view of each sentence (NFKC per character,
whitespace removed) so that full-width and half-width punctuation, hard line wraps inside a
sentence ("科技企业\\n孵化器") and stray spaces ("5个 省级") do not matter; every position in the
compact view maps back to the cleaned text, so records keep verbatim sentences and offsets.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from common.lexicon import YEAR
from common.textnorm import Sentence
from common.textnorm import split_sentences as _split
from ingest.headings import INLINE_LEAD, LEVELS, marker_kind
from ingest.models import Chunk, DocumentMeta


_YEAR = re.compile(rf"(?<!\d)({YEAR})(?:\s*年)")

# Words in a section heading that say what the section is about.
PLAN_WORDS = ("计划", "设想", "主要工作", "要点", "目标", "工作思路", "工作措施", "重点工作", "任务", "打算")
REPORT_WORDS = ("总结", "情况", "回顾", "成效", "存在问题", "问题", "成绩", "进展")


@dataclass
class Compact:
    """A whitespace-free NFKC view of a piece of text with a map back to the original."""

    text: str
    pos: list[int]  # pos[i] = offset in the original piece of compact character i
    length: int  # length of the original piece

    @classmethod
    def of(cls, original: str) -> Compact:
        chars: list[str] = []
        pos: list[int] = []
        for i, ch in enumerate(original):
            if ch.isspace():
                continue
            norm = unicodedata.normalize("NFKC", ch)
            chars.append(norm if len(norm) == 1 else ch)
            pos.append(i)
        return cls("".join(chars), pos, len(original))

    def orig_start(self, i: int) -> int:
        return self.pos[i] if i < len(self.pos) else self.length

    def orig_end(self, j: int) -> int:
        """Original offset just after compact character ``j - 1``."""
        return self.pos[j - 1] + 1 if j > 0 else 0


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    start: int


@dataclass
class DocContext:
    """What the extractors need to know about the document around a sentence."""

    meta: DocumentMeta
    text: str
    chunks: Sequence[Chunk]
    headings: list[Heading] = field(default_factory=list)
    _heading_starts: list[int] = field(default_factory=list)
    _chunk_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.headings = find_headings(self.text)
        self._heading_starts = [h.start for h in self.headings]
        self.chunks = sorted(self.chunks, key=lambda c: c.start)
        self._chunk_starts = [c.start for c in self.chunks]

    # --- where a position sits --------------------------------------------------------------
    def heading_path(self, offset: int) -> list[Heading]:
        """The headings in force at ``offset`` (outermost first)."""
        i = bisect_right(self._heading_starts, offset)
        path: list[Heading] = []
        for h in self.headings[:i]:
            while path and path[-1].level >= h.level:
                path.pop()
            path.append(h)
        return path

    def section(self, offset: int) -> str:
        """The section path cited for a record: the chunk's if chunks were given, else our own."""
        if self.chunks:
            i = bisect_right(self._chunk_starts, offset) - 1
            if i >= 0 and self.chunks[i].start <= offset < max(self.chunks[i].end, offset + 1):
                if self.chunks[i].section:
                    return self.chunks[i].section
        return " > ".join(h.title for h in self.heading_path(offset))

    def mode(self, offset: int) -> str | None:
        """'plan' when the text around ``offset`` states intentions, 'report' when it reports.

        Read from the headings (top level first: "二、2016年科技工作计划" > "(三)工作措施" is a
        plan even though its sub-heading says nothing), then from the document type.
        """
        for h in self.heading_path(offset):
            plan = any(w in h.title for w in PLAN_WORDS)
            report = any(w in h.title for w in REPORT_WORDS)
            if plan and not report:
                return "plan"
            if report and not plan:
                return "report"
        doc_type = self.meta.doc_type or ""
        if any(t in doc_type for t in ("计划", "要点", "方案")) and "总结" not in doc_type:
            return "plan"
        return None

    def section_year(self, offset: int) -> int | None:
        """A year named in the innermost heading that names one ("三、2016年主要工作")."""
        for h in reversed(self.heading_path(offset)):
            m = _YEAR.search(h.title)
            if m:
                return int(m.group(1))
        return None

    def plan_year(self) -> int | None:
        """The year a plan without an explicit deadline is for: the last year the document covers."""
        if self.meta.years:
            return max(self.meta.years)
        return self.meta.year

    def doc_year(self) -> int | None:
        """The year the document speaks from (for "目前 / 现有" figures)."""
        return self.meta.year or (max(self.meta.years) if self.meta.years else None)


def find_headings(text: str) -> list[Heading]:
    """Headings at line starts: 一、 （一） 1. 1、 （1） 第X条; the title stops at the first 。"""
    headings: list[Heading] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        lead = len(line) - len(line.lstrip())
        if stripped:
            kind = marker_kind(stripped)
            if kind is not None:
                title = re.split(r"[。；;]", stripped, maxsplit=1)[0][:40]
                headings.append(Heading(LEVELS[kind], title, offset + lead))
        offset += len(line)
    return headings


def _starts_heading(line: str) -> bool:
    return marker_kind(line.strip()) is not None


def split_sentences(text: str) -> list[Sentence]:
    """Sentences ending at 。！？ or at a line end that is not a hard wrap; offsets into ``text``.
    (The one splitter of ``common.textnorm``; records keep ；-joined clauses together.)"""
    return _split(text, semicolons=False, join_wrapped=True, starts_heading=_starts_heading)


def merge_inline_leads(sentences: list[Sentence], text: str, max_chars: int = 24) -> list[Sentence]:
    """Join a short lead sentence ("三是完善科技创新券实施。") to the sentence after it.

    Such leads name the measure and the next sentence gives its amount; cited together they make
    sense, cited alone neither does. Only within a paragraph (no blank line between).
    """
    out: list[Sentence] = []
    i = 0
    while i < len(sentences):
        s = sentences[i]
        compact = re.sub(r"\s+", "", s.text)
        if (
            i + 1 < len(sentences)
            and len(compact) <= max_chars
            and (INLINE_LEAD.match(compact) or marker_kind(compact) is not None)
            and "\n" not in text[s.end : sentences[i + 1].start]
        ):
            nxt = sentences[i + 1]
            out.append(Sentence(text[s.start : nxt.end], s.start, nxt.end))
            i += 2
            continue
        out.append(s)
        i += 1
    return out


def split_clauses(compact: str) -> list[tuple[int, int]]:
    """Clause spans of a compact sentence, split at ，,；;：: (the 、 of lists stays inside)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"[,，;；:：]", compact):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(compact):
        spans.append((start, len(compact)))
    return spans


def years_in(compact: str) -> list[tuple[int, int]]:
    """(position, year) of every year mention like 2016年 in a compact string."""
    return [(m.start(), int(m.group(1))) for m in _YEAR.finditer(compact)]
