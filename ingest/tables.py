"""Tables as text: one line per row that repeats the column headers.

Every loader (DOCX, PDF, HTML) hands its tables here as a grid of cell strings, merged cells
already spread over the cells they cover. A subsidy amount in a row then keeps the name of the
measure and the condition it belongs to ("项目：高企认定奖励；金额：20万元；条件：首次认定"), and
the chunker, the sentence splitter and the records extractor read the row as one unit
(``common.textnorm.is_table_row``).
"""

from __future__ import annotations

from collections.abc import Sequence

from common.textnorm import table_row


def _clean(cell: str | None) -> str:
    return " ".join((cell or "").split())


def _is_caption(row: Sequence[str], width: int) -> bool:
    """A first row that is one cell across a wider table (a merged title row)."""
    filled = {c for c in row if c}
    return width > 1 and len(filled) == 1


def table_lines(grid: Sequence[Sequence[str | None]]) -> list[str]:
    """The lines of one table: a caption row as itself, then each data row with its headers.

    The header is the first row (after a caption row). A table of one row, or of one column, has
    no header to repeat: its cells are written as they are.
    """
    rows = [[_clean(c) for c in row] for row in grid]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    lines: list[str] = []
    if len(rows) > 1 and _is_caption(rows[0], width):
        lines.append(next(c for c in rows[0] if c))
        rows = rows[1:]
    if width == 1 or len(rows) == 1:
        lines.extend(" ".join(dict.fromkeys(c for c in r if c)) for r in rows)
        return lines
    headers, body = rows[0], rows[1:]
    for row in body:
        if row == headers:
            continue  # a header row repeated on a new page
        line = table_row(headers, row)
        if line:
            lines.append(line)
    return lines
