"""Follow-up questions resolved against the previous turn.

"那中山呢？", "授权量呢？", "2019年的目标呢？" only make sense after an earlier question. The
resolver rewrites such a follow-up into a standalone question built from the previous turn's
(resolved) question; the rewrite is what gets retrieved and answered, and is kept in
``Answer.resolved_question``. No LLM is needed, so it works offline and predictably:

* A follow-up starts with 那 / 那么 / 还有 / 换成 …, ends with 呢, refers back (这类, 同一年, 该),
  or is short and names only a region, a year or an aspect without a topic of its own.
* Region / year only ("那中山呢", "那2022年呢"): the previous question with them swapped in. When
  the new region's documents do not cover the previous year (a 2015 question, then "那中山呢"
  with 中山 reports of 2018-2019), the year is dropped rather than asking what no document says.
* An aspect only ("2019年的目标呢"): region + year + the previous topic + 的 + aspect.
* A noun phrase ("授权量呢", "国家级研发机构呢", "那科技保险呢"): it replaces the previous
  question's topic word that it most resembles (申请量 -> 授权量, 新型研发机构 -> 国家级研发机构),
  else the main topic word.
* A question of its own that leans on the context ("要组织申报几个这类项目"): the previous region
  and year are added, and 这类 / 该 / 这些 become the previous topic.

History is a list of turns, each ``(question, Answer)``; a bare question string (or a pair
whose Answer is None) also works, and earlier follow-ups are then resolved in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from assistant.query import ASPECT_WORDS, CorpusCoverage, QueryAnalysis, analyze
from assistant.request import turns

_LEAD = re.compile(
    r"^(?:那么|那|还有|另外|再问一下|再问|换成|如果是|如果换成|换作|请问|and|what about)\s*", re.I
)
_TAIL = re.compile(r"(?:的情况|情况)?\s*(?:呢|吗|怎么样|如何|怎样)?\s*[？?。!！]*\s*$")
_ENDS_NE = re.compile(r"呢\s*[？?]*\s*$")
_BACKREF = re.compile(r"这类|该类|此类|这些|这个|这项|这种|上述|同一年|同年|同期|当年|那里|当地|它们?")
_SAME_YEAR = re.compile(r"同一年|同年|同期|当年")
_DEMONSTRATIVE = re.compile(r"这类|该类|此类|这些|这个|这项|这种|上述")
_FILLER = re.compile(r"[的是有了呢吗么要各都还也和与及多少几个家项什么怎样如何？?，,。\s]")

Analyzer = Callable[[str], QueryAnalysis]


def standalone_history(
    history: Sequence[Any] | None, *, analyzer: Analyzer | None = None,
    coverage: CorpusCoverage | None = None,
) -> list[str]:
    """The standalone form of every earlier question, in order (earlier follow-ups without a
    recorded ``resolved_question`` are resolved against the ones before them)."""
    resolved: list[str] = []
    for question, answer in turns(history):
        known = getattr(answer, "resolved_question", None) if answer is not None else None
        if known:
            resolved.append(known)
        elif resolved:
            resolved.append(_resolve(question, resolved[-1], analyzer, coverage))
        else:
            resolved.append(question)
    return resolved


def is_followup(question: str, qa: QueryAnalysis, prev: QueryAnalysis | None = None) -> bool:
    """Does ``question`` lean on an earlier turn (``prev``, when known)?"""
    q = question.strip()
    if len(q) > 40:
        return False
    topic = [t for t in qa.key_terms if t not in ASPECT_WORDS]
    if _LEAD.match(q) or _ENDS_NE.search(q) or _BACKREF.search(q):
        return True
    core = _TAIL.sub("", q)
    if len(core) <= 12 and not topic and bool(qa.regions or qa.years):
        return True
    # A short question naming no region right after one that did ("2019年还会继续发吗？").
    return prev is not None and bool(prev.regions) and not qa.regions and len(q) <= 20


def resolve_followup(
    question: str,
    history: Sequence[Any] | None,
    *,
    analyzer: Analyzer | None = None,
    coverage: CorpusCoverage | None = None,
    analysis: QueryAnalysis | None = None,
) -> str:
    """A standalone form of ``question`` given ``history``; the question itself when it is not
    a follow-up or there is no history. ``analysis``: the question's, when the caller has it
    (it is not analysed again)."""
    earlier = standalone_history(history, analyzer=analyzer, coverage=coverage)
    if not earlier:
        return question
    return _resolve(question, earlier[-1], analyzer, coverage, analysis)


def _resolve(
    question: str, prev: str, analyzer: Analyzer | None, coverage: CorpusCoverage | None,
    analysis: QueryAnalysis | None = None,
) -> str:
    an = analyzer or (lambda q: analyze(q))
    qa = analysis or an(question)
    if qa.language == "none":
        return question
    pa = an(prev)
    if not is_followup(question, qa, pa):
        return question
    same_year = bool(_SAME_YEAR.search(question))
    topic = [t for t in qa.key_terms if t not in ASPECT_WORDS and not _BACKREF.fullmatch(t)]
    topic = [t for t in topic if not _SAME_YEAR.search(t) and t not in ("同一", "一年")]
    aspects = [t for t in qa.key_terms if t in ASPECT_WORDS]
    region_text = "和".join(qa.region_mentions[r] for r in qa.regions)
    keep_prev_years = not qa.years
    if qa.regions and keep_prev_years and pa.years and coverage is not None and not same_year:
        covered = coverage.years_for(qa.regions)
        if covered and not set(pa.years) & covered:
            keep_prev_years = False  # the new region's documents are about other years
    prev_topic = [t for t in pa.key_terms if t not in ASPECT_WORDS]
    main_topic = max(prev_topic, key=len) if prev_topic else ""
    region = region_text or _first_region_surface(pa)
    year = _new_year_text(qa) or (_year(pa.year_mentions[0]) if pa.year_mentions and keep_prev_years else "")

    core = _TAIL.sub("", _LEAD.sub("", question.strip()))
    for m in qa.year_mentions:
        core = core.replace(m, "")
    for s in qa.region_mentions.values():
        core = core.replace(s, "")
    core = _SAME_YEAR.sub("", core).strip("的，, ")

    if topic:
        span = _topic_span(core, topic)
        leftover = core.replace(span, "", 1) if span else core
        inside = span
        for t in topic:
            inside = inside.replace(t, "")
        leftover = _FILLER.sub("", leftover + inside)
        for a in aspects:
            leftover = leftover.replace(a, "")
        if span and not leftover and prev_topic and not _BACKREF.search(core):
            # A noun phrase: swap it for the previous topic word it most resembles.
            target = _most_similar(span, prev_topic)
            out = _swap_region_year(prev, pa, qa, region_text, keep_prev_years)
            if target in out:
                return out.replace(target, _replacement(span, target), 1)
            return f"{region}{year}{span}的{aspects[0] if aspects else '情况'}是什么？"
        # A question of its own: give it the context it leans on.
        body = core
        if _DEMONSTRATIVE.search(body) and main_topic:
            body = _DEMONSTRATIVE.sub(main_topic, body, count=1)
        elif main_topic and not any(len(t) >= 3 for t in topic) and main_topic not in body:
            body = f"{main_topic}{body}"  # "还会继续发吗" after a question about 创新券
        return f"{region}{year}{body}？"

    if aspects and not set(aspects) <= set(pa.key_terms):
        # "2019年的目标呢": the previous topic, with the new aspect.
        subject = "".join(prev_topic) or "".join(pa.key_terms)
        return f"{region}{year}{subject}的{aspects[0]}是什么？"

    return _swap_region_year(prev, pa, qa, region_text, keep_prev_years)


def _swap_region_year(
    prev: str, pa: QueryAnalysis, qa: QueryAnalysis, region_text: str, keep_prev_years: bool
) -> str:
    out = prev
    if qa.regions:
        if pa.regions:
            surfaces = [pa.region_mentions[r] for r in pa.regions]
            out = out.replace(surfaces[0], region_text, 1)
            for s in surfaces[1:]:
                out = re.sub(r"[和、与及]?" + re.escape(s), "", out, count=1)
        else:
            out = region_text + out
    if qa.years:
        new_year = _new_year_text(qa)
        if pa.year_mentions:
            out = out.replace(pa.year_mentions[0], new_year, 1)
            for m in pa.year_mentions[1:]:
                out = out.replace(m, "", 1)
        else:
            at = out.find(region_text) + len(region_text) if region_text and region_text in out else 0
            out = out[:at] + new_year + out[at:]
    elif not keep_prev_years:
        for m in pa.year_mentions:
            out = re.sub(r"(?:到|至|在)?" + re.escape(m) + r"(?:的|底|末)?", "", out, count=1)
    return out


def _topic_span(core: str, topic: list[str]) -> str:
    """The stretch of ``core`` from the first topic word to the end of the last one."""
    starts = [core.find(t) for t in topic if t in core]
    ends = [core.find(t) + len(t) for t in topic if t in core]
    if not starts:
        return ""
    return core[min(starts) : max(ends)]


def _most_similar(span: str, candidates: list[str]) -> str:
    """The candidate sharing the longest common suffix with ``span`` (申请量 ~ 授权量,
    新型研发机构 ~ 国家级研发机构), then the most shared characters; else the first."""

    def suffix(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
            n += 1
        return n

    best = max(candidates, key=lambda c: (suffix(span, c), len(set(span) & set(c)), -candidates.index(c)))
    if suffix(span, best) == 0 and not set(span) & set(best):
        return candidates[0]
    return best


def _replacement(span: str, target: str) -> str:
    """What replaces ``target``: ``span``, except that a short qualifier swaps only its own
    part of a longer compound (授权量 for 专利申请量 gives 专利授权量)."""
    n = 0
    while n < min(len(span), len(target)) and span[-1 - n] == target[-1 - n]:
        n += 1
    qual_span, qual_target = span[: len(span) - n], target[: len(target) - n]
    if n and 0 < len(qual_span) <= 2 and len(qual_target) > len(qual_span):
        return qual_target[: len(qual_target) - len(qual_span)] + span
    return span


def _first_region_surface(qa: QueryAnalysis) -> str:
    return qa.region_mentions[qa.regions[0]] if qa.regions else ""


def _year(mention: str) -> str:
    return mention if mention.endswith("年") else f"{mention}年"


def _new_year_text(qa: QueryAnalysis) -> str:
    return _year(qa.year_mentions[0]) if qa.year_mentions else ""
