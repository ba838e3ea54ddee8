"""The main text of a web page (a government site's article page), as lines.

Where a main-content selector hits (#zoom, .TRS_Editor, article …) its container is the text,
with the title and the header-fact lines (发布时间：… 来源：…) that stand above it; otherwise
trafilatura finds the main block. Data tables become rows with their headers
(``ingest.tables``), layout tables plain blocks. Measured on 20 pages (the five sample reports
in four site templates, ``benchmarks/html_extract_bench.py``): after ``clean()`` content recall
1.00, chrome strings kept 0.00 (the selector-only walk: 0.33; trafilatura alone: 0.23), title
and date right on every page (0.60 / 0.70 before).
"""

from __future__ import annotations

import re

from ingest.cleaning import parse_header_line
from ingest.tables import table_lines

# Elements that never carry the document's own text.
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "nav",
              "header", "footer", "form", "aside", "button", "select", "input", "textarea",
              "object", "embed", "map", "head")
# id/class words of site chrome (matched as whole words of the attribute values).
_CHROME_WORDS = re.compile(
    r"(?:^|[\s_-])(nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|sidebar|share|toolbar|"
    r"topbar|header|banner|copyright|position|location|skip|advert|ads?)(?:$|[\s_-])",
    re.I,
)
# Where the main text usually is, best first (Chinese government sites use id="zoom").
_MAIN_SELECTORS = ("article", "main", "#zoom", "#content", ".content", ".article",
                   "#article", ".TRS_Editor", "[role=main]")
_BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table thead tbody tfoot "
    "tr blockquote pre address figure figcaption center body html hr".split()
)


def html_to_text(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    title_tag = soup.find("title")
    page_title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup.find_all(_DROP_TAGS):
        if tag.name != "form":
            tag.decompose()
    page_chars = len((soup.body or soup).get_text(strip=True))
    for form in soup.find_all("form"):
        # A search box is a small form; an ASP.NET page wraps its whole body in one <form>
        # (dropping that one left nothing of the page but its <title>).
        if not form.decomposed and len(form.get_text(strip=True)) * 2 < page_chars:
            form.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("body", "html"):
            continue
        attrs = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        if attrs.strip() and _CHROME_WORDS.search(attrs):
            tag.decompose()

    root = None
    for selector in _MAIN_SELECTORS:
        found = soup.select_one(selector)
        if found is not None and found.get_text(strip=True):
            root = found
            break
    if root is not None:
        # A selector hit is exact (0 chrome strings kept on the bench's #zoom and .TRS_Editor
        # pages, benchmarks/html_extract_bench.py), but the 发布时间/来源 line and the title sit
        # above the container: the page date was lost on all 10 of those pages.
        title, facts = _lead_outside(soup, root, page_title)
    else:
        # No selector hit (meaningless class names): the whole body kept 0.69 of the bench's
        # chrome strings after clean() (nav, sidebar, 相关链接, 上一篇/下一篇) and the metadata
        # title became a nav item on 4/5 of such pages; trafilatura finds the main block.
        text = _trafilatura_text(soup, markup, page_title)
        if text:
            return text
        root, title, facts = soup.body or soup, page_title, []
    text = _block_text(root)
    lead = "\n".join(facts)
    # A page whose <h1> was chrome-wrapped still has its <title>: keep it as the first line.
    if title and title not in text[: len(title) + 200]:
        lead = f"{title}\n{lead}" if lead else title
    return f"{lead}\n\n{text}" if lead and text else (text or lead)


# Header facts and the heading are looked for among this many non-blank lines above the text.
_LEAD_WINDOW = 15
_STOP = "\x00"  # where the main-text container stands in a walk of the whole page
_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
# A block that starts with one of these and is mostly links lists other pages. trafilatura's
# favor_recall keeps it (0.18 of the chrome strings of the bench's T4 pages after clean()).
_LINK_BLOCK_LABEL = re.compile(
    r"^(?:相关(?:链接|阅读|文章|新闻|信息|稿件)|推荐阅读|延伸阅读|热点新闻|猜你喜欢"
    r"|上一篇|下一篇|上一条|下一条)"
)
_NOT_COUNTED = re.compile(r"[\s\d\-/.:：,，、|·•()（）\[\]【】年月日]+")


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _block_text(node, stop=None) -> str:
    """The text of ``node``, one line per block. With ``stop`` (the main-text container) the
    container is written as ``_STOP`` and not entered, and a table row outside it is one line,
    cells joined by " | " (索引号： | 0142 | 分类： | 10, as ``ingest.cleaning`` reads them)."""
    out: list[str] = []
    inside = frozenset(id(p) for p in stop.parents) if stop is not None else frozenset()
    _walk(node, out, stop, inside)
    lines = [line.strip() for line in "".join(out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _walk(node, out: list[str], stop, inside: frozenset[int]) -> None:
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Doctype, ProcessingInstruction

    for child in node.children:
        if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            # Source line breaks inside a paragraph are layout, not text.
            out.append(re.sub(r"\s+", " ", str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if child is stop:
            out.append(f"\n{_STOP}\n")
        elif stop is not None and name == "tr" and id(child) not in inside:
            cells = (c.get_text(" ", strip=True) for c in child.find_all(["td", "th"]))
            out.append("\n" + " | ".join(c for c in cells if c) + "\n")
        elif name == "br":
            out.append("\n")
        elif name == "table" and stop is None and (rows := _table_block_lines(child)) is not None:
            out.append("\n" + "\n".join(rows) + "\n")
        elif name in ("tr", "td", "th") or name in _BLOCK_TAGS:  # layout-table cells are blocks
            out.append("\n")
            _walk(child, out, stop, inside)
            out.append("\n")
        else:
            _walk(child, out, stop, inside)


def _fact_lines(lines: list[str]) -> list[str]:
    """Header-fact lines (发布时间：… 来源：… 成文日期：…) as ``ingest.cleaning`` recognises them."""
    return [line for line in lines if parse_header_line(line) is not None]


def _lead_outside(soup, root, page_title: str) -> tuple[str, list[str]]:
    """The title and the header-fact lines of a page whose main text is ``root``: fact lines
    among the lines just above the container, kept as they are (``clean()`` parses them); the
    title is an <h1> in the container (then nothing is added), else the nearest <h1> above it,
    else the line right above the fact lines if the <title> contains it (the <title> without
    its site name), else the <title>."""
    before = _block_text(soup.body or soup, stop=root).split(_STOP, 1)[0]
    window = [line for line in before.split("\n") if line][-_LEAD_WINDOW:]
    facts = _fact_lines(window)
    own = root.find("h1")
    if own is not None and own.get_text(strip=True):
        return own.get_text(" ", strip=True), facts
    squashed = [_squash(line) for line in window]
    h1 = root.find_previous("h1")
    if h1 is not None and (heading := _squash(h1.get_text())) and heading in squashed:
        return window[squashed.index(heading)], facts
    if facts:
        i = window.index(facts[0])
        if i > 0 and len(squashed[i - 1]) >= 4 and squashed[i - 1] in _squash(page_title):
            return window[i - 1], facts
    return page_title, facts


def _is_link_block(tag) -> bool:
    """相关链接 / 上一篇 … blocks: a label, then mostly link text (dates and bullets not counted)."""
    text = _NOT_COUNTED.sub("", tag.get_text())
    label = _LINK_BLOCK_LABEL.match(text)
    if label is None or len(text) == label.end():
        return False
    linked = sum(len(_NOT_COUNTED.sub("", a.get_text())) for a in tag.find_all("a"))
    return linked * 10 >= (len(text) - label.end()) * 7


def _trafilatura_text(soup, markup: str, page_title: str) -> str:
    """Main text found by trafilatura (favor_recall), written by our own walk; "" when
    trafilatura is not installed, fails or finds nothing (the caller walks the whole body).

    On the bench's pages without a selector hit it kept 0.00 chrome strings after clean() on
    T2 and, once related-link blocks are dropped, on T4. Tables are ours: a data table becomes
    its "header：value；…" row lines (paragraphs trafilatura keeps or drops with the block they
    sit in), a layout table plain blocks; trafilatura's own table output (include_tables) wrote
    the whole chrome of a table-layout page as "| … |" rows (0.76 of it kept on T3 after clean()).
    Its title (extract_metadata, site name split off) goes in front: the metadata title was right
    on 0.95 of the bench's pages with it; its date (htmldate) is not used (right on 11/20).
    """
    try:
        import trafilatura
    except ImportError:
        return ""
    from bs4 import BeautifulSoup

    body = soup.body or soup
    data = [(t, r) for t in body.find_all("table") if (r := _table_block_lines(t)) is not None]
    for table, rows in data:
        block = soup.new_tag("div")
        for line in rows:
            p = soup.new_tag("p")
            p.string = line
            block.append(p)
        table.replace_with(block)
    for tag in body.find_all(_TABLE_PARTS):
        tag.name = "div"
    for tag in body.find_all(["div", "ul", "ol", "dl", "section", "p"]):
        if not tag.decomposed and _is_link_block(tag):
            tag.decompose()
    try:
        found = trafilatura.extract(str(soup), favor_recall=True, include_tables=False,
                                    output_format="html")
        if not found:
            return ""
        meta = trafilatura.extract_metadata(markup)
    except Exception:  # a heuristic library: whatever goes wrong, our own walk still works
        return ""
    tree = BeautifulSoup(found, "lxml")
    text = _block_text(tree.body or tree)
    if not text:
        return ""
    title = (meta.title if meta is not None else None) or page_title
    facts = _facts_above(body, text)
    lead = "\n".join(facts)
    if title and not _has_heading(text, title):
        lead = f"{title}\n{lead}" if lead else title
    return f"{lead}\n\n{text}" if lead else text


def _has_heading(text: str, title: str) -> bool:
    """Whether ``text`` opens with ``title``, or with a line that is most of it (the title
    without a site name trafilatura did not split off: 关于…的通知_某市)."""
    key = _squash(title)
    if key in _squash(text[: len(title) + 200]):
        return True
    opening = [line for line in text.split("\n") if line.strip()][:4]
    return any(len(s := _squash(line)) >= 4 and len(s) * 2 >= len(key) and s in key
               for line in opening if not _fact_lines([line]))


def _table_block_lines(table) -> list[str] | None:
    """The lines of a data table, or None for a layout table. A table of header facts
    (索引号： | … | 发布机构： | …, most rows read as header lines) is written row by row, cells
    joined by " | " as ``ingest.cleaning`` reads it; any other table as header rows
    (``ingest.tables.table_lines``; its first row taken as column names garbled such a table)."""
    grid = _data_table_grid(table)
    if grid is None:
        return None
    rows = [" | ".join(dict.fromkeys(c for c in row if c)) for row in grid]
    rows = [row for row in rows if row]
    if rows and len(_fact_lines(rows)) * 2 >= len(rows):
        return rows
    return table_lines(grid)


def _facts_above(body, text: str) -> list[str]:
    """Header-fact lines of the page above where ``text`` starts that ``text`` left out."""
    head = _fact_lines([line for line in text.split("\n")[:_LEAD_WINDOW] if line])
    first = next((_squash(line) for line in text.split("\n")
                  if len(_squash(line)) >= 10 and line not in head), None)
    if first is None:
        return []
    lines = [line for line in _block_text(body).split("\n") if line]
    at = next((i for i, line in enumerate(lines)
               if first in _squash(line) or (len(_squash(line)) >= 10 and _squash(line) in first)), None)
    if at is None:
        return []
    kept = _squash(text)
    above = _fact_lines(lines[max(0, at - _LEAD_WINDOW):at])
    return [line for line in above if _squash(line) not in kept]


# A cell longer than this, or a table inside a table, means the table lays out the page.
_DATA_CELL_MAX_CHARS = 300


def _data_table_grid(table) -> list[list[str]] | None:
    """The cells of a data table (rowspan/colspan spread over the cells they cover), or None
    for a layout table (nested tables, long cells, a single row or column)."""
    if table.find("table") is not None:
        return None
    grid: list[list[str]] = []
    carry: dict[int, tuple[str, int]] = {}  # column -> (text, rows still covered)
    for tr in table.find_all("tr"):
        row: list[str] = []
        cells = iter(tr.find_all(["td", "th"], recursive=False))
        col = 0
        while True:
            if col in carry:
                text, left = carry[col]
                row.append(text)
                carry[col] = (text, left - 1)
                if left <= 1:
                    del carry[col]
                col += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            text = cell.get_text(" ", strip=True)
            if len(text) > _DATA_CELL_MAX_CHARS:
                return None
            span = _int_attr(cell, "colspan")
            down = _int_attr(cell, "rowspan")
            for k in range(span):
                row.append(text if k == 0 else "")  # merged across: the value counts once
                if down > 1:
                    carry[col] = (text if k == 0 else "", down - 1)
                col += 1
        grid.append(row)
    if len(grid) < 2 or max(len(r) for r in grid) < 2:
        return None
    return grid


def _int_attr(tag, name: str) -> int:
    try:
        return max(1, min(50, int(str(tag.get(name) or 1))))
    except ValueError:
        return 1
