"""Structure-aware chunking: along the document's headings and sentence ends, within a token budget.

1. Lines that open with a heading marker (一、 （一） 1. 1、 （1） 第X条 …) start a section; the
   section path ("一、科技创新基本情况 > （七）加强知识产权保护") nests by marker family in the
   order the document uses them.
2. Paragraphs are split into sentences at 。！？；!?; (closing quotes and brackets stay with
   their sentence); a table row (one line, cells joined by ；) stays one piece. A sentence
   longer than the budget is cut at ，、：, failing that hard, by
   tokens; that is the only time a chunk ends mid-sentence.
3. Sentences are packed into the fewest chunks of at most ``max_tokens`` (cl100k tokens), as
   even in size as possible, never across a section boundary. A heading with no text of its own (一、… followed directly by
   （一）…) goes into the first chunk of what follows, so the heading words are searchable there.
4. Chunks below ``min_tokens`` are merged into a neighbour of the same section when it fits.

Every chunk satisfies ``text[chunk.start:chunk.end] == chunk.text``; between chunks there is
only whitespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from common.settings import ChunkSettings
from common.textnorm import row_at
from ingest.headings import HEADING_START, Heading, match_heading
from ingest.models import Chunk
from ingest.tokens import get_encoding

_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)】》\"'〕］\]]*")
_CLAUSE_END = re.compile(r"[，,、：:]+[”’」』）)】》\"'〕］\]]*")


@dataclass
class _Section:
    path: str
    pieces: list[tuple[int, int]] = field(default_factory=list)  # sentence spans
    heading_only: bool = False  # holds nothing but its own whole-line heading


class _Counter:
    """Token counts of slices of one text, memoised (the packer asks for the same spans again)."""

    def __init__(self, text: str, encoding: str) -> None:
        self.text = text
        self._enc = get_encoding(encoding)
        self._memo: dict[tuple[int, int], int] = {}

    def __call__(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        key = (start, end)
        n = self._memo.get(key)
        if n is None:
            n = self._memo[key] = len(self._enc.encode_ordinary(self.text[start:end]))
        return n


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of ``text[start:end]`` ending at each match of ``pattern`` (and at the end)."""
    spans = []
    pos = start
    for m in pattern.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    out = []
    for a, b in spans:
        a, b = _trim(text, a, b)
        if b > a:
            out.append((a, b))
    return out


# A heading inside a line: after a sentence end or a run of spaces, a marker that opens a
# section (一、 （一） 1. 1、 （1） 第X条). Documents whose line breaks were lost keep their
# structure this way ("…如下： 一、减轻企业负担。（一）减免房租。…").
_INLINE_HEADING = re.compile(
    r"(?<=[。！？!?])\s*(?=" + HEADING_START + r")|(?<=\S)[ \t\u3000\xa0]{1,}(?=" + HEADING_START + r")"
)


def logical_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text``, a line also ending where an inline heading starts."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        cut = start
        for m in _INLINE_HEADING.finditer(text, start, end):
            if m.end() > cut and match_heading(text[m.end():end]) is not None:
                out.append((cut, m.start()))
                cut = m.end()
        out.append((cut, end))
    return out


def _sections(text: str) -> list[_Section]:
    """The text as sections of sentence spans, in order."""
    sections: list[_Section] = [_Section(path="")]
    stack: list[Heading] = []
    for line_start, line_end in logical_lines(text):
        a, b = _trim(text, line_start, line_end)
        if a == b:
            continue
        heading = match_heading(text[a:b])
        if heading:
            kinds = [h.kind for h in stack]
            if heading.kind in kinds:
                del stack[kinds.index(heading.kind):]
            stack.append(heading)
            # A bare title ("一、科技创新基本情况") waits for its text; a short complete item
            # ("2.加强科研团队建设。") is text itself.
            bare = heading.whole_line and text[b - 1] not in "。！？；!?;"
            sections.append(_Section(path=" > ".join(h.label for h in stack), heading_only=bare))
            if heading.whole_line:
                sections[-1].pieces.append((a, b))
                continue
        elif sections[-1].heading_only:
            sections[-1].heading_only = False
        if row_at(text, a, b):
            sections[-1].pieces.append((a, b))  # a table row is never split (its ； join cells)
        else:
            sections[-1].pieces.extend(_split(text, a, b, _SENTENCE_END))
    return [s for s in sections if s.pieces]


def _fit(count: _Counter, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence into spans within ``limit``: at clauses, else hard."""
    if count(start, end) <= limit:
        return [(start, end)]
    out: list[tuple[int, int]] = []
    for a, b in _split(count.text, start, end, _CLAUSE_END):
        if count(a, b) <= limit:
            out.append((a, b))
            continue
        while a < b:  # hard cut: the longest prefix within the limit (binary search)
            lo, hi = a + 1, b
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if count(a, mid) <= limit:
                    lo = mid
                else:
                    hi = mid - 1
            cut_a, cut_b = _trim(count.text, a, lo)
            if cut_b > cut_a:
                out.append((cut_a, cut_b))
            a, _ = _trim(count.text, lo, b)
    return out


def _pack_greedy(count: _Counter, units: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Exact greedy packing (real counts for every candidate): the fallback of :func:`_pack`."""
    chunks: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for a, b in units:
        if current is not None and count(current[0], b) <= limit:
            current = (current[0], b)
        else:
            if current is not None:
                chunks.append(current)
            current = (a, b)
    if current is not None:
        chunks.append(current)
    return chunks


def _pack(count: _Counter, pieces: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Pack consecutive spans into the fewest chunks within ``limit``, as even in size as possible.

    Dynamic programming over span boundaries: best[j] is (chunks, sum of squared token counts)
    for the first j units. Fewest chunks first; among those, the smallest sum of squares, which
    avoids a full chunk followed by a one-sentence tail. Span sizes are the sums of the units'
    counts (joining two sentences changes the count by at most one token in practice), and spans
    within a join-per-token margin of the limit are counted for real. Every chosen span is then
    counted exactly; should one exceed the limit, the section falls back to exact greedy packing.
    """
    units = [s for a, b in pieces for s in _fit(count, a, b, limit)]
    n = len(units)
    if n == 0:
        return []
    prefix = [0]
    for a, b in units:
        prefix.append(prefix[-1] + count(a, b))
    best: list[tuple[int, int, int] | None] = [(0, 0, -1)] + [None] * n
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i, n):
            joins = j - i
            tokens = prefix[j + 1] - prefix[i]
            if tokens - joins > limit:
                break
            if tokens + joins > limit:
                tokens = count(units[i][0], units[j][1])
                if tokens > limit:
                    continue
            cand = (here[0] + 1, here[1] + tokens * tokens, i)
            old = best[j + 1]
            if old is None or cand[:2] < old[:2]:
                best[j + 1] = cand
    spans: list[tuple[int, int]] = []
    j = n
    while j > 0:
        entry = best[j]
        assert entry is not None  # every single unit fits, so every prefix is reachable
        i = entry[2]
        spans.append((units[i][0], units[j - 1][1]))
        j = i
    spans.reverse()
    if any(count(a, b) > limit for a, b in spans):
        return _pack_greedy(count, units, limit)
    return spans


def _merge_small(count: _Counter, spans: list[tuple[int, int]], limit: int, minimum: int
                 ) -> list[tuple[int, int]]:
    """Merge chunks under ``minimum`` tokens into a neighbour (same section) when it fits."""
    spans = list(spans)
    i = 0
    while i < len(spans) and len(spans) > 1:
        a, b = spans[i]
        if count(a, b) >= minimum:
            i += 1
            continue
        if i > 0 and count(spans[i - 1][0], b) <= limit:
            spans[i - 1] = (spans[i - 1][0], b)
            del spans[i]
        elif i + 1 < len(spans) and count(a, spans[i + 1][1]) <= limit:
            spans[i + 1] = (a, spans[i + 1][1])
            del spans[i]
        else:
            i += 1
    return spans


def chunk_text(text: str, settings: ChunkSettings | None = None) -> list[Chunk]:
    """Split cleaned ``text`` into :class:`Chunk` objects (see module docstring)."""
    settings = settings or ChunkSettings()
    limit, minimum = settings.max_tokens, settings.min_tokens
    if not text or text.isspace():
        return []
    count = _Counter(text, settings.encoding)

    chunks: list[Chunk] = []
    # Headings waiting for the text they introduce, with their own section paths.
    carried: list[tuple[tuple[int, int], str]] = []
    sections = _sections(text)
    for n, section in enumerate(sections):
        if section.heading_only and n + 1 < len(sections):
            carried.extend((piece, section.path) for piece in section.pieces)
            continue
        spans = _pack(count, [piece for piece, _ in carried] + section.pieces, limit)
        for a, b in _merge_small(count, spans, limit, minimum):
            # Headings that could not share a chunk with their text keep their own path.
            own = [path for (pa, pb), path in carried if pb <= b]
            path = own[-1] if own and b <= carried[-1][0][1] else section.path
            chunks.append(
                Chunk(text=text[a:b], start=a, end=b, section=path,
                      index=len(chunks), tokens=count(a, b))
            )
        carried = []
    return chunks
