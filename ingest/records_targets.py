"""Targets ("到2017年…达到250家以上") and reported figures ("2015年专利申请量达1724件").

Per sentence: find the quantities (number + unit), give each the indicator named next to it
(right after it: "新增30家高新技术企业"; else before it: "国家级孵化器达到2家"; else shared with
the next list item: "一家省级、一家市级科技企业孵化器"; else the one of the previous clause:
"培育…15家,争取获批7家"), then decide whether it is a goal or a figure already reached:

- a goal when the sentence carries a future cue (到/至2017年, 2016年底前, 力争, 争取, 年内) or the
  part of the document is a plan (heading "2016年工作计划", or a 方案/要点 document), unless the
  quantity is an existing stock ("现存的126家", "等4家", "目前…共有");
- otherwise a reported figure, with the period it describes.

Quantities that are conditions ("5亿元以上工业骨干企业", "产值超10亿元的企业", "基本条件之一是
…40家以上") or negated ("尚没有一个…孵化器") are not records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.indicators import (
    QUANTITY,
    Indicator,
    Keyword,
    find_keywords,
    find_level,
    fits,
    normalise_value,
    post_qualifier,
    pre_qualifier,
    unit_kind,
)
from ingest.models import Record
from ingest.records_text import Compact, DocContext, Sentence, split_clauses, years_in

# How far after a quantity its noun may start ("3家企业新建企业研究生工作站").
AFTER_WINDOW = 12
# How far a quantity may be from the previous one to share its noun ("15家,争取获批7家").
CARRY_GAP = 8

_STRONG_CUE = re.compile(r"(?<!截)(?<!截止)(?:到|至)(?:19|20)\d\d年|(?:19|20)\d\d年底?前|力争|争取(?!了|到了)|年内|力求|拟")
_ASPIRATION = re.compile(r"力争|争取(?!了)")
_EXISTING = re.compile(r"现存|现有|已有|共有|累计|目前|截至|截止|总量|拥有|已经|已")
_NEGATION = re.compile(r"没有|尚无|无一|尚未|未能")
_CONDITION = re.compile(r"条件|标准|门槛")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class _Quantity:
    start: int  # compact positions
    end: int
    raw: str
    unit: str


def extract_figures(ctx: DocContext, sentences: Iterable[Sentence]) -> list[Record]:
    """Target and reported records of the given sentences."""
    records: list[Record] = []
    for sentence in sentences:
        records.extend(_sentence_figures(ctx, sentence))
    return records


def _quantities(compact: str) -> list[_Quantity]:
    return [
        _Quantity(m.start(), m.end(), m.group("num"), m.group("unit"))
        for m in QUANTITY.finditer(compact)
    ]


def _is_condition(compact: str, q: _Quantity, clause_start: int) -> bool:
    """An attribute of something else, not a figure: "5亿元以上工业骨干企业", "超10亿元的企业"."""
    after = compact[q.end :]
    for qual in ("以上", "以下"):
        if after.startswith(qual):
            after = after[len(qual) :]
            break
    if after.startswith("的"):
        return True
    if compact[q.end : q.end + 2] in ("以上", "以下") and after[:1] and _CJK.match(after[:1]):
        return True
    before = compact[clause_start : q.start]
    return bool(_CONDITION.search(before))


def _sentence_figures(ctx: DocContext, sentence: Sentence) -> list[Record]:
    c = Compact.of(sentence.text)
    text = c.text
    quantities = _quantities(text)
    if not quantities:
        return []
    keywords = find_keywords(text)
    if not keywords:
        return []
    mode = ctx.mode(sentence.start)
    years = years_in(text)
    first_q = quantities[0].start
    head_aspiration = _ASPIRATION.search(text[:first_q])
    records: list[Record] = []
    last: tuple[Indicator, _Quantity] | None = None  # previous quantity with an indicator

    for a, b in split_clauses(text):
        cq = [q for q in quantities if a <= q.start < b]
        if not cq:
            continue
        ck = [k for k in keywords if a <= k.start and k.end <= b]
        paired = _pair_respectively(text, a, b, cq, ck)
        for j, q in enumerate(cq):
            if _NEGATION.search(text[a : q.start]) or _is_condition(text, q, a):
                continue
            before_q = text[a : q.start]
            change = "新增" if "新增" in before_q else ("增长" if "增长" in before_q else None)
            if q in paired:
                kw: Keyword | None = paired[q]
            else:
                kw = _keyword_for(text, q, j, cq, ck, a, b, change)
            indicator = kw.indicator if kw else _carried(text, last, q, change)
            if indicator is None:
                continue
            last = (indicator, q)
            prev_end = cq[j - 1].end if j > 0 else a
            existing = bool(_EXISTING.search(text[prev_end : q.start])) or text[
                max(a, q.start - 1) : q.start
            ] == "等"
            future = bool(_STRONG_CUE.search(text[: b]))
            is_target = not existing and (future or mode == "plan")
            value, value_num = normalise_value(q.raw)
            qualifiers: list[str] = []
            aspiration = _ASPIRATION.search(text[a : q.start]) or (
                head_aspiration if q.start >= first_q else None
            )
            if aspiration and is_target:
                qualifiers.append(aspiration.group(0))
            for qual in (pre_qualifier(text, q.start), post_qualifier(text, q.end)):
                if qual:
                    qualifiers.append(qual)
            level = _level(text, q, kw, prev_end, a)
            fields = {
                "indicator": indicator.name,
                "value": value,
                "value_num": value_num,
                "unit": q.unit,
                "qualifier": "、".join(qualifiers) or None,
                "qualifiers": qualifiers,
                "change": change,
                "level": level,
                "keyword": text[kw.start : kw.end] if kw else None,
            }
            clause_start = sentence.start + c.orig_start(a)
            clause_end = sentence.start + c.orig_end(b)
            fields["clause"] = ctx.text[clause_start:clause_end]
            fields["clause_start"] = clause_start
            fields["clause_end"] = clause_end
            if is_target:
                year, source = _deadline(ctx, sentence, years, a, q)
                fields["deadline_year"] = year
                fields["deadline_source"] = source
                kind = "target"
            else:
                fields["period"] = _period(ctx, sentence, years, a, q, text)
                fields["existing"] = existing
                kind = "reported"
            records.append(
                Record(
                    kind=kind,
                    sentence=sentence.text,
                    section=ctx.section(sentence.start),
                    start=sentence.start,
                    end=sentence.end,
                    fields=fields,
                )
            )
    return records


def _carried(
    text: str, last: tuple[Indicator, _Quantity] | None, q: _Quantity, change: str | None
) -> Indicator | None:
    """The previous quantity's indicator, for a close quantity of the same kind of unit."""
    if last is None:
        return None
    indicator, prev = last
    if q.start - prev.end > CARRY_GAP or not fits(indicator, q.unit, change):
        return None
    if not _only_filler(text[prev.end : q.start]):
        return None  # "新增高新技术企业3000家、专精特新企业1000家": another noun in between
    same_unit = q.unit == prev.unit or unit_kind(q.unit) == unit_kind(prev.unit) == "money"
    return indicator if same_unit or (change == "增长" and q.unit == "%") else None


def _pair_respectively(
    text: str, a: int, b: int, cq: list[_Quantity], ck: list[Keyword]
) -> dict:
    """"技术合同成交额、授权专利数分别增长300%和100%": the i-th noun gets the i-th quantity."""
    pos = text.find("分别", a, b)
    if pos < 0:
        return {}
    nouns = [k for k in ck if k.end <= pos]
    # one keyword per noun position (苏科贷 may match twice on the same span)
    seen: set[tuple[int, int]] = set()
    uniq = []
    for k in nouns:
        if (k.start, k.end) not in seen:
            seen.add((k.start, k.end))
            uniq.append(k)
    qs = [q for q in cq if q.start > pos]
    if len(uniq) >= 2 and len(uniq) == len(qs):
        return dict(zip(qs, uniq, strict=True))
    return {}


def _keyword_for(
    text: str,
    q: _Quantity,
    j: int,
    cq: list[_Quantity],
    ck: list[Keyword],
    a: int,
    b: int,
    change: str | None,
) -> Keyword | None:
    next_start = cq[j + 1].start if j + 1 < len(cq) else b
    prev_end = cq[j - 1].end if j > 0 else a
    # 1. the noun right after the quantity: "新增30家高新技术企业"
    for k in ck:
        if (
            q.end <= k.start < min(q.end + AFTER_WINDOW, next_start)
            and not re.search(r"[、和及与]", text[q.end : k.start])
            and fits(k.indicator, q.unit, change)
        ):
            return k
    # 2. the nearest noun before it: "国家级孵化器达到2家"
    before = [
        k
        for k in ck
        if prev_end <= k.start
        and k.end <= q.start
        # "42家全国重点实验室、10家湖北实验室": that noun belongs to the previous quantity
        and not (j > 0 and k.start - prev_end < AFTER_WINDOW and "、" in text[k.end : q.start])
        and fits(k.indicator, q.unit, change)
    ]
    if before:
        return before[-1]
    # 3. a list whose items share the last noun: "一家省级、一家市级科技企业孵化器" (only when
    # this item names nothing but a level; "1家国家实验室、42家…重点实验室" shares nothing)
    if j + 1 < len(cq) and re.search(r"[、和及与]", text[q.end : next_start]):
        item = re.split(r"[、和及与]", text[q.end : next_start], maxsplit=1)[0]
        if _only_filler(item):
            for k in ck:
                if k.start >= next_start and fits(k.indicator, q.unit, change):
                    return k
    return None


# Words that may stand between two quantities sharing one noun ("15家,争取获批7家",
# "169家、省级60家", "2650万元,2015年达3065万元").
_FILLER = re.compile(
    r"国家级|省级及以上|省级以上|市级及以上|市级以上|省、市级|省级|市级|区级|县级|(?:19|20)\d\d年|"
    r"[、,，;；]|其中|同比|增长|达到|达|争取|获批|累计|共计|合计|新增|力争|超过|超|年内|全年|以上|左右|分别|总量|总数|预计"
)


def _only_filler(gap: str) -> bool:
    return len(_FILLER.sub("", gap)) <= 1


def _level(text: str, q: _Quantity, kw: Keyword | None, prev_end: int, a: int) -> str | None:
    if kw is None:
        return find_level(text[prev_end : q.start])
    if kw.start >= q.end:
        # up to the end of this list item: "一家省级、一家市级科技企业孵化器"
        item = re.split(r"[、和及与]", text[q.end : kw.start], maxsplit=1)[0]
        return find_level(item) or find_level(text[prev_end : q.start])
    return find_level(text[max(prev_end, a) : kw.start])


def _deadline(
    ctx: DocContext, sentence: Sentence, years: list[tuple[int, int]], a: int, q: _Quantity
) -> tuple[int | None, str]:
    before = [y for pos, y in years if pos < q.start]
    if before:
        return before[-1], "explicit"
    year = ctx.section_year(sentence.start)
    if year:
        return year, "section"
    return ctx.plan_year(), "document"


def _period(
    ctx: DocContext,
    sentence: Sentence,
    years: list[tuple[int, int]],
    a: int,
    q: _Quantity,
    text: str,
) -> int | None:
    in_clause = [y for pos, y in years if a <= pos < q.start]
    if in_clause:
        return in_clause[-1]
    if re.search(r"目前|现有|现存|当前", text[a : q.start]):
        # "now" is the end of the period the section reports on, else the document's date
        return ctx.section_year(sentence.start) or ctx.doc_year()
    before = [y for pos, y in years if pos < q.start]
    if before:
        return before[-1]
    return ctx.section_year(sentence.start) or ctx.doc_year()
