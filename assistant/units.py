"""Answer units: the verbatim pieces of a passage an answer can quote, and what each one is.

A passage is cut into sentences (``assistant.sentences``), and further where a document whose
line breaks were lost runs one piece into the next: before a heading marker or a question/answer
marker (问： 答：) after a gap, before a news dateline (新华社北京2月1日电), and after the document's
own title at its very start. Each unit is then one of

- ``title``: the document's title where the text repeats it;
- ``heading``: a numbered heading (一、… （二）… 3. … 第五条) short enough to be a title only
  (``一、加强对教师群体的疫情防控工作。`` names a topic, states nothing);
- ``question``: a question in the text (问：… / a sentence ending in ？) of a Q&A document;
- ``lead``: a sentence that introduces what follows (具体措施如下： / 对办事人员要求：);
- ``content``: everything else.

Titles, headings, questions and leads are *pointers*: when one matches the question, the answer
is the content that follows it (:func:`following`), never the pointer alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.textnorm import split_sentences
from common.textnorm import normalize
from ingest.headings import INLINE_LEAD, LEVELS, marker_kind, match_heading

POINTERS = ("title", "heading", "question", "lead")
# Inline 一是 ranks below every heading marker (LEVELS: their outline levels, headings.txt).
_INLINE_LEVEL = max(LEVELS.values(), default=0) + 1

# Where a lost line break is seen: a gap, then a heading marker, a Q&A marker or a dateline.
_GAP_BEFORE = re.compile(
    r"(?<=\S)[ \t\u3000\xa0]+(?=(?:问[:：]|答[:：]|新华社[\u4e00-\u9fff]{2,6}\d{1,2}月\d{1,2}日电)|"
    r"[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．](?![\d.．%]))"
)
_QA = re.compile(r"(?<=[。！？!?；;])\s*(?=[问答][:：])")
# In a passage without line breaks (a document whose breaks were lost) any gap between two
# Chinese characters or punctuation marks is such a break: "保生产 保运行 我省9家口罩…".
_ANY_GAP = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000\xa0]+(?=[^\x00-\x7f])")
_HEADING_MAX_CHARS = 30  # a heading unit longer than this states something: content
_LEAD_END = re.compile(r"[：:]\s*[”’」』）)]*$")


@dataclass(frozen=True)
class Unit:
    """A verbatim stretch of a passage: ``passage_text[start:end] == text``."""

    text: str
    start: int
    end: int
    kind: str  # title / heading / question / lead / content
    heading_kind: str = ""  # the marker family it opens with (cn, cn_paren, num_dot ...), if any

    @property
    def pointer(self) -> bool:
        return self.kind in POINTERS


def split_units(text: str, title: str | None = None) -> list[Unit]:
    """The answer units of a passage, in order (see the module docstring).

    ``title``: the document's stated title; where the passage starts with it, it is its own unit.
    """
    cuts = {0, len(text)}
    if title:
        end = _prefix_end(text, title)
        if end:
            cuts.add(end)
    for rx in (_GAP_BEFORE, _QA) if "\n" in text else (_GAP_BEFORE, _QA, _ANY_GAP):
        cuts.update(m.end() for m in rx.finditer(text))
    pieces: list[tuple[int, int]] = []
    bounds = sorted(cuts)
    for a, b in zip(bounds, bounds[1:]):
        for s in split_sentences(text[a:b]):
            pieces.append((a + s.start, a + s.end))
    out: list[Unit] = []
    title_end = _prefix_end(text, title) if title else 0
    for a, b in pieces:
        piece = text[a:b]
        out.extend(_classify(piece, a, b, is_title=title_end > 0 and b <= title_end))
    # A question points at an answer only in a Q&A text (问：… 答：…, numbered questions); a
    # rhetorical question in a news story is content.
    for i, u in enumerate(out):
        if u.kind == "question" and not u.text.lstrip().startswith(("问：", "问:")) and not u.heading_kind:
            nxt = out[i + 1].text.lstrip() if i + 1 < len(out) else ""
            if not nxt.startswith(("答：", "答:")):
                out[i] = Unit(u.text, u.start, u.end, "content", u.heading_kind)
    return out


def _prefix_end(text: str, title: str) -> int:
    """End offset in ``text`` of ``title`` when the text starts with it (whitespace ignored)."""
    want = normalize(title)
    if len(want) < 4:
        return 0
    got = ""
    for i, ch in enumerate(text):
        if not ch.isspace():
            got += normalize(ch)
        if len(got) >= len(want):
            return i + 1 if got == want else 0
    return 0


def _classify(piece: str, start: int, end: int, *, is_title: bool) -> list[Unit]:
    if is_title:
        return [Unit(piece, start, end, "title")]
    body = piece.strip()
    heading = match_heading(body)
    marker_kind = heading.kind if heading is not None else ""
    if body.startswith(("问：", "问:")) or body.rstrip("”’」』）)").endswith(("？", "?")):
        return [Unit(piece, start, end, "question", marker_kind)]
    if heading is not None:
        rest = body[body.find(heading.marker) + len(heading.marker):]
        title = re.sub(r"[。.；;：:\s]+$", "", rest)
        # 一、加强组织领导。 and 三、2016年主要工作 name a topic; （二）延期缴纳社保，最长6个月。
        # states something (a figure; a year is no figure)
        figure = re.search(r"\d", re.sub(r"(?:19|20)\d\d\s*年", "", title))
        if len(title) <= _HEADING_MAX_CHARS and not re.search(r"[，,、；;]", title) and not figure:
            return [Unit(piece, start, end, "heading", marker_kind)]
    if _LEAD_END.search(body):
        return [Unit(piece, start, end, "lead", marker_kind)]
    return [Unit(piece, start, end, "content", marker_kind)]


def following(units: list[Unit], i: int, budget: int) -> list[int]:
    """Indexes of the content after pointer ``units[i]``, up to ``budget`` characters.

    Under a heading: its items, down to the next heading of the same marker family (or of one
    used above it); after a question: its answer, down to the next question; after a title or a
    lead: what follows, down to the next pointer of any kind. At least one unit is given when
    there is one, even over the budget.
    """
    head = units[i]
    seen_kinds = [u.heading_kind for u in units[:i] if u.heading_kind]
    stop_kinds = {head.heading_kind, *seen_kinds} if head.heading_kind else set()
    out: list[int] = []
    used = 0
    for j in range(i + 1, len(units)):
        u = units[j]
        if u.kind == "title":
            break
        if u.heading_kind and u.heading_kind in stop_kinds:
            break  # the next item of the same list, or a section above it
        if head.kind in ("question",) and u.kind == "question":
            break
        if head.kind in ("title", "lead") and u.kind in ("heading", "question", "title") and out:
            break
        if out and used + len(u.text) > budget:
            break
        out.append(j)
        used += len(u.text)
    return out


def item_family(unit: Unit) -> str:
    """The marker family a unit opens a list item with (cn, cn_paren, num_dot … from the heading
    lexicon, or ``inline`` for 一是 / 二是), "" for none."""
    body = unit.text.lstrip()
    return marker_kind(body) or ("inline" if INLINE_LEAD.match(body) else "")


def _open_families(families: list[str]) -> list[str]:
    """The marker families open after ``families``, outermost first: one seen again closes the
    families opened under it."""
    stack: list[str] = []
    for f in families:
        if f:
            if f in stack:
                del stack[stack.index(f):]
            stack.append(f)
    return stack


def starts_list(units: list[Unit], i: int) -> bool:
    """Does ``units[i]`` open a new list (一是 after "着力实施“五大工程”。"), rather than continue
    one opened before it (二、 after a section's last sentence)?"""
    family = item_family(units[i])
    return bool(family) and family not in _open_families([item_family(u) for u in units[:i]])


def sibling_items(units: list[Unit], i: int) -> list[int]:
    """Indexes of the items of the list that ``units[i]`` is an item of, itself included, in
    order: the units of its marker family until a family above it (（二） ends the 一是 … 三是 of
    （一）; 二、 ends its （一） … （三））. A family is above when it was open before the item (the
    order the document uses them), or, never seen before, when the heading lexicon ranks it
    higher (an inline 一是 is below every heading). Items of a list nested under one of them
    are not its siblings."""
    family = item_family(units[i])
    if not family:
        return []
    families = [item_family(u) for u in units]
    stack = _open_families(families[:i])
    opened = stack[: stack.index(family)] if family in stack else stack

    def ends(f: str) -> bool:
        if not f or f == family:
            return False
        if f in opened:
            return True
        return LEVELS.get(f, _INLINE_LEVEL) < LEVELS.get(family, _INLINE_LEVEL)

    out = [i]
    for step in (-1, 1):
        j = i + step
        nested: set[str] = set()  # families opened under an item: their own lists
        while 0 <= j < len(units):
            f = families[j]
            if f and f not in nested and ends(f):
                break
            if f == family:
                out.append(j)
                nested.clear()
            elif f:
                nested.add(f)
            j += step
    return sorted(out)
