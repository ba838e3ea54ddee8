"""The heading markers of Chinese official documents, shared by cleaning and chunking.

一、  （一）/(一)  1. / 1．  1、  （1）/(1)  ①  第X条  第X章/节/部分. A heading may be a line of
its own ("一、科技创新基本情况") or open a paragraph ("(一)制定完善…政策体系。根据…"); both
start a section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.lexicon import heading_markers

# The marker families of the lexicon (common/lexicon/headings.txt), in matching order; the
# nesting of levels is decided per document (chunking) or by the usual outline level (records).
_MARKERS: tuple[tuple[str, str], ...] = tuple((kind, rx) for kind, _, rx in heading_markers().markers)
LEVELS: dict[str, int] = {kind: level for kind, level, _ in heading_markers().markers}
INLINE_LEAD = re.compile("^(?:" + "|".join(heading_markers().inline) + ")")
_MARKER_RE = re.compile(
    r"^[ \t\u3000\xa0]*(?:" + "|".join(f"(?P<{name}>{pat})" for name, pat in _MARKERS) + r")"
)
# The markers as one regex without groups, for finding headings inside a line.
HEADING_START = "(?:" + "|".join(pat for _, pat in _MARKERS) + ")"

# A heading title is cut at the first sentence end, and kept to about this many characters.
TITLE_MAX_CHARS = 30
_SENTENCE_END = "。！？；!?;"
_CLAUSE_BREAKS = "，,；;：:、"


@dataclass(frozen=True)
class Heading:
    """A heading at the start of a line."""

    kind: str  # marker family: cn, cn_paren, num_dot ...
    marker: str  # as written: "(七)"
    title: str  # short title after the marker, for section paths
    whole_line: bool  # the heading is the whole line (no body text after it)

    @property
    def label(self) -> str:
        """``marker + title`` with half-width brackets made full-width: "（七）加强知识产权保护"."""
        return normalize_marker(self.marker) + self.title


def normalize_marker(marker: str) -> str:
    """'(七)' -> '（七）', '1．' -> '1.', '一.' -> '一、'; other markers unchanged."""
    m = marker.strip(" \t\u3000\xa0")
    if m[:1] in "(（" and m[-1:] in ")）":
        return f"（{m[1:-1]}）"
    if m.endswith("．"):
        m = m[:-1] + "."
    if m[:1] in "一二三四五六七八九十" and m.endswith("."):
        m = m[:-1] + "、"
    return m


def short_title(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """The start of ``text`` up to its first sentence end, kept to about ``limit`` characters."""
    text = text.strip()
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END:
            text = text[:i]
            break
    # a heading run into its text after a gap (a one-line document): "一、…工作 　　地方各级…"
    text = re.split(r"[\u3000\t]|\s{2,}", text, maxsplit=1)[0]
    text = text.rstrip(_CLAUSE_BREAKS + " ")
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(c) for c in _CLAUSE_BREAKS)
    if cut >= 4:
        return head[:cut]
    return head + "…"


def marker_kind(line: str) -> str | None:
    """The marker family a line opens with (cn, cn_paren, num_dot …), heading or not."""
    m = _MARKER_RE.match(line)
    return m.lastgroup if m else None


def strip_marker(line: str) -> str:
    """The line without the heading marker it opens with ("7.多措并举…" -> "多措并举…")."""
    m = _MARKER_RE.match(line)
    return line[m.end():] if m else line


def match_heading(line: str) -> Heading | None:
    """The heading a line starts with, or None. ``line`` is one line (no newline)."""
    m = _MARKER_RE.match(line)
    if not m:
        return None
    kind = m.lastgroup or ""
    marker = m.group(kind)
    rest = line[m.end():].strip(" \t\u3000\xa0")
    if not rest or not re.match(r"[\w“\"《「『（(【]", rest):
        return None  # "1." alone, or "1.5" style numbers are not headings
    title = short_title(rest)
    if not title:
        return None
    # A whole-line heading: short, and no sentence inside it (at most a final 。).
    body = rest.rstrip("。.；;：: ")
    whole = len(rest) <= 50 and not any(c in body for c in _SENTENCE_END)
    return Heading(kind=kind, marker=marker, title=title, whole_line=whole)


def is_heading_line(line: str) -> bool:
    """True for a line that is only a heading ("一、科技创新基本情况")."""
    h = match_heading(line)
    return bool(h and h.whole_line)
