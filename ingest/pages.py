"""Carry page numbers from the loaded text through cleaning to the chunks.

Cleaning removes lines (page numbers, running headers, chrome) and re-joins wrapped lines, but
never rewrites what it keeps: the cleaned text's non-blank characters are, in order, a
subsequence of the loaded text's. Walking both in step therefore finds, for every page start
of the loaded text, the first cleaned character that came from that page or a later one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace

from ingest.models import Chunk

# After a mismatch (a removed line), the walk looks for the next this-many cleaned characters
# in the loaded text to find where it continues.
_RESYNC_CHARS = 8


def _dense(text: str) -> tuple[str, list[int]]:
    """The non-whitespace characters of ``text`` and their offsets."""
    chars, offsets = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(ch)
            offsets.append(i)
    return "".join(chars), offsets


def cleaned_page_starts(loaded: str, page_starts: Sequence[int], cleaned: str) -> list[int]:
    """Offsets in ``cleaned`` where each page begins (page n+1 at ``out[n]``).

    A page that left nothing in the cleaned text starts where the next one does.
    """
    if not page_starts:
        return []
    src, src_at = _dense(loaded)
    dst, dst_at = _dense(cleaned)
    # where each cleaned character came from, as an offset into ``loaded``
    origin: list[int] = []
    j = 0
    for i, ch in enumerate(dst):
        if j < len(src) and src[j] == ch:
            origin.append(src_at[j])
            j += 1
            continue
        k = src.find(dst[i : i + _RESYNC_CHARS], j)
        if k < 0:
            k = src.find(ch, j)
        if k < 0:  # cannot happen for text the cleaner made; keep the walk going
            origin.append(src_at[min(j, len(src) - 1)] if src else 0)
            continue
        origin.append(src_at[k])
        j = k + 1
    out: list[int] = []
    pos = 0
    for start in page_starts:
        while pos < len(origin) and origin[pos] < start:
            pos += 1
        out.append(dst_at[pos] if pos < len(origin) else len(cleaned))
    return out


def with_pages(chunks: Sequence[Chunk], starts: Sequence[int]) -> list[Chunk]:
    """``chunks`` with ``page`` / ``page_end`` set from the cleaned page starts."""
    if not starts:
        return list(chunks)
    out = []
    for c in chunks:
        first = max(1, bisect_right(starts, c.start))
        last = max(first, bisect_right(starts, max(c.start, c.end - 1)))
        out.append(replace(c, page=first, page_end=last if last != first else None))
    return out


def join_pages(pages: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The pages' texts as one text (a blank line between pages) and where each page starts."""
    parts = [p.strip("\n") for p in pages]
    starts: list[int] = []
    pos = 0
    for part in parts:
        starts.append(pos)
        pos += len(part) + 2  # the "\n\n" between pages
    return "\n\n".join(parts), tuple(starts)
