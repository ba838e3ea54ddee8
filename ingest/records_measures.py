"""Support measures: 创新券, 贷款贴息, 风险补偿, 专利质押融资, 科技保险补助, 加计扣除 …

One record per sentence and measure. A measure is a named instrument; generic phrases
("加大扶持力度", "财政补助政策") are not. Its benefit is the first amount or ratio written after
the measure's name and before the next measure's ("补贴支出费用的50%", "6360万元"); its
conditions are the groups the sentence names (科技型中小微企业, 入池企业 …); its status is
'planned' in plan parts of a report or with a future cue, else 'implemented'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from common.lexicon import enterprise_types, measures
from ingest.models import Record
from ingest.records_text import Compact, DocContext, Sentence


# The measures of the lexicon (common/lexicon/measures.txt) that a pattern finds, in its order:
# a span matched by an earlier one is not matched again by a later one.
MEASURE_TYPES = tuple(m for m in measures() if m.pattern is not None)
MEASURE_NAMES: tuple[str, ...] = tuple(m.name for m in measures())

# Project funding with an amount: "支持资金1150万元", "安排扶持资金10350万元". With 人才 in the
# sentence it is talent support ("6人获省扶持资金125万元").
_FUNDING = re.compile(r"(?:扶持|支持|资助)资金(?=\d)")

_BENEFIT = re.compile(
    r"(?:补贴|补助|资助|奖励|贴息)[^,;。]{0,10}?\d+(?:\.\d+)?%"
    r"|(?:每年|每家|每项|最高|共计|合计|累计)?(?:补助|资助|奖励|给予)?\d+(?:\.\d+)?(?:万元|亿元|元)"
    r"|\d+(?:\.\d+)?%"
)
_AMOUNT = re.compile(r"\d+(?:\.\d+)?(?:万元|亿元|元|%)")

# The groups a measure may address: every enterprise or applicant kind of the lexicon.
GROUPS: tuple[str, ...] = enterprise_types().all_surfaces
_GROUPS = re.compile("|".join(map(re.escape, GROUPS)))
# "对新认定的省、市级新型研发机构给予…", "对进入…载体的中小微企业…": who exactly qualifies.
_TARGETED = re.compile(r"对((?:新认定|进入|符合|经认定)[^,;。《》]{1,24}?(?:企业|机构|人才|人员|团队))")
_PLAN_CUE = re.compile(r"力争|争取(?!了)|年内|拟|将|继续|研究设立|制定|推广|探索")


def extract_measures(ctx: DocContext, sentences: Iterable[Sentence]) -> list[Record]:
    """Measure records of the given (lead-merged) sentences."""
    records: list[Record] = []
    for sentence in sentences:
        records.extend(_sentence_measures(ctx, sentence))
    return records


def _find(text: str) -> list[tuple[str, int, int]]:
    """(measure, start, end) in text order; earlier types own their spans."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, int, int]] = []
    for t in MEASURE_TYPES:
        for m in t.pattern.finditer(text):
            s, e = m.span()
            if e > s and all(e <= ts or s >= te for ts, te in taken):
                taken.append((s, e))
                found.append((t.name, s, e))
    for m in _FUNDING.finditer(text):
        s, e = m.span()
        if all(e <= ts or s >= te for ts, te in taken):
            name = "人才扶持" if "人才" in text else "科技项目资助"
            found.append((name, s, e))
    found.sort(key=lambda f: f[1])
    return found


def _sentence_measures(ctx: DocContext, sentence: Sentence) -> list[Record]:
    c = Compact.of(sentence.text)
    text = c.text
    hits = _find(text)
    if not hits:
        return []
    mode = ctx.mode(sentence.start)
    if mode == "plan":
        status = "planned"
    elif mode == "report":
        status = "implemented"
    else:
        status = "planned" if _PLAN_CUE.search(text) else "implemented"
    conditions = _conditions(text)
    records: list[Record] = []
    seen: set[str] = set()
    for i, (name, s, e) in enumerate(hits):
        if name in seen:
            continue
        seen.add(name)
        # the benefit lies after this mention and before the next mention of another measure
        stop = next((hs for hn, hs, _ in hits[i + 1 :] if hn != name), len(text))
        window = text[e:stop]
        benefit_m = _BENEFIT.search(window)
        benefit = benefit_m.group(0) if benefit_m else None
        amounts = [m.group(0) for m in _AMOUNT.finditer(window)]
        records.append(
            Record(
                kind="measure",
                sentence=sentence.text,
                section=ctx.section(sentence.start),
                start=sentence.start,
                end=sentence.end,
                fields={
                    "measure": name,
                    "keyword": text[s:e],
                    "benefit": benefit,
                    "amounts": amounts,
                    "conditions": conditions,
                    "status": status,
                },
            )
        )
    return records


def _conditions(text: str) -> list[str]:
    """Groups the sentence addresses: named groups first, then "对新认定的…机构" phrases."""
    out: list[str] = []
    for m in _GROUPS.finditer(text):
        if m.group(0) not in out:
            out.append(m.group(0))
    for m in _TARGETED.finditer(text):
        phrase = m.group(1)
        if phrase not in out:
            out.append(phrase)
    return out[:6]
