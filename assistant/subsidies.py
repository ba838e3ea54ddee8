"""Subsidy finder: which support measures apply to a company like mine, and where they are written.

    profile = parse_profile("科技型中小企业，有发明专利，想贷款")
    for m in find_measures(store, region="中山", profile=profile):
        m.measure, m.benefit, m.reasons   # 专利质押融资, 补贴支出费用的50%, ["有发明专利 → …", …]
        m.citation()                      # document, section, region, date, verbatim sentence

Measures come from the records extracted at ingest (kind ``measure``). Ranking: how well the
measure fits the profile (enterprise type, assets such as 发明专利, needs such as 贷款/研发/人才/
孵化), then whether the text gives an amount, whether it is in force, and how recent it is.
:func:`answer_subsidy_question` turns the result into a cited :class:`Answer` for the chat
(``QAService(subsidy_finder=make_subsidy_finder(store))``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.citing import title_stated
from assistant.commitments import region_matches, resolve_region
from assistant.models import Answer, Citation, Passage
from assistant.query import QueryAnalysis
from common.lexicon import Measure, enterprise_types, measures
from common.textnorm import normalize
from ingest.models import Record
from vectorstore.base import PolicyStore, RecordSource

# --- what users say about themselves ------------------------------------------------------------

# Enterprise types (the lexicon's): canonical -> words that name it.
ENTERPRISE_TYPES: dict[str, tuple[str, ...]] = enterprise_types().surfaces
ASSETS: dict[str, tuple[str, ...]] = {
    "发明专利": ("发明专利", "专利", "知识产权"),
    "研发投入": ("研发投入", "研发费用", "研发支出"),
    "科技成果": ("科技成果", "技术成果"),
}
NEEDS: dict[str, tuple[str, ...]] = {
    "贷款": ("贷款", "融资", "借款", "资金周转", "缺钱", "信贷", "贴息"),
    "投资": ("股权投资", "投资", "基金", "风投", "创投"),
    "研发": ("研发", "技术开发", "创新", "技术服务", "检测"),
    "人才": ("人才", "引进人才", "招人", "团队", "博士"),
    "孵化": ("孵化", "创业", "场地", "办公场所", "租金"),
    "保险": ("保险",),
    "成果转化": ("成果转化", "技术转移", "技术交易", "买技术"),
    "减税": ("减税", "税收", "税", "加计扣除"),
    "认定": ("高企认定", "申报高企", "认定"),
}


@dataclass
class Profile:
    """An enterprise as the user describes it."""

    text: str = ""
    enterprise_types: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.enterprise_types or self.assets or self.needs)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "enterprise_types": self.enterprise_types, "assets": self.assets, "needs": self.needs}


def _find_terms(text: str, vocab: dict[str, tuple[str, ...]]) -> list[str]:
    found: list[str] = []
    rest = text
    pairs = sorted(((w, c) for c, ws in vocab.items() for w in ws), key=lambda p: -len(p[0]))
    for word, canonical in pairs:
        if word in rest:
            rest = rest.replace(word, "\u0000")  # a word counts once, for its longest reading
            if canonical not in found:
                found.append(canonical)
    return found


def parse_profile(text: str | None, known_types: Sequence[str] = ()) -> Profile:
    """"科技型中小企业，有发明专利，想贷款" -> types [科技型中小企业], assets [发明专利], needs [贷款]."""
    t = normalize(text or "")
    # "想引进人才/博士" is a need; only what the user *is* counts as a type
    types = enterprise_types().find(re.sub(r"(?:想|要|需要|缺|引进|招聘|招)[^,，。;；、]{0,8}", "", t))
    for et in known_types:  # what the query analysis already found
        types += [c for c in enterprise_types().find(normalize(et)) or [et] if c not in types]
    assets = _find_terms(t, ASSETS)
    needs = _find_terms(t, NEEDS)
    # "有发明专利" is an asset, not a need to patent; "人才" said as a type is not also a need
    if "科研人员" in types and "人才" in needs and not re.search(r"(想|要|需要|缺)[^，,。]{0,4}人才", t):
        needs.remove("人才")
    return Profile(text=text or "", enterprise_types=types, assets=assets, needs=needs)


# --- what each measure is for ---------------------------------------------------------------------


# What each measure is for: the lexicon's (common/lexicon/measures.txt), by name.
MEASURE_INFO: dict[str, Measure] = {m.name: m for m in measures()}
_FALLBACK_INFO = Measure("", "", None, "")



def _satisfies(kind: str, condition: str) -> bool:
    """Does an applicant of ``kind`` belong to the group a measure names (中小微企业 is open to
    a 科技型中小企业)?"""
    return condition in enterprise_types().satisfied_by(kind)


@dataclass
class MeasureMatch:
    """One measure record, ranked for a profile, with why it matches and where it is written."""

    measure: str
    label: str
    benefit: str | None
    conditions: list[str]
    status: str
    region: str | None
    source: str
    title: str
    date: str | None
    year: int | None
    section: str
    sentence: str
    start: int
    end: int
    doc_id: str
    score: float
    reasons: list[str] = field(default_factory=list)
    profile_match: bool = False
    provenance: dict[str, str] = field(default_factory=dict)  # the document's metadata provenance
    page: int | None = None  # of the sentence, in a document with pages

    def citation(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "title": self.title,
            "region": self.region,
            "date": self.date,
            "year": self.year,
            "section": self.section,
            "page": self.page,
            "text": self.sentence,
            "title_stated": title_stated(self),
        }

    def passage(self) -> Passage:
        return Passage(
            chunk_id=f"{self.doc_id}:m{self.start}",
            text=self.sentence,
            score=self.score,
            source=self.source,
            title=self.title,
            region=self.region,
            date=self.date,
            year=self.year,
            section=self.section,
            doc_id=self.doc_id,
            start=self.start,
            end=self.end,
            provenance=dict(self.provenance),
            page=self.page,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "label": self.label,
            "benefit": self.benefit,
            "conditions": self.conditions,
            "status": self.status,
            "score": round(self.score, 3),
            "reasons": self.reasons,
            "citation": self.citation(),
        }


def _score(rec: Record, profile: Profile | None) -> tuple[float, list[str], bool, bool]:
    """(score, reasons, matches the profile, excluded for the profile)."""
    f = rec.fields
    name = str(f.get("measure") or "")
    info = MEASURE_INFO.get(name, _FALLBACK_INFO)
    label = info.label or name
    conditions = [str(c) for c in f.get("conditions") or []]
    score = 0.0
    reasons: list[str] = []
    matched = False
    if profile is not None and not profile.empty:
        for t in profile.enterprise_types:
            said = [c for c in conditions if _satisfies(t, c)]
            if said:
                score += 3.0
                matched = True
                reasons.append(f"{t} → {label}面向{'、'.join(said[:2])}")
            elif t in info.types:
                score += 2.0
                matched = True
                reasons.append(f"{t} → {label}适用于{t}")
        if profile.enterprise_types and info.types and not any(
            t in info.types or any(_satisfies(t, c) for c in conditions)
            for t in profile.enterprise_types
        ):
            if not profile.needs or not set(profile.needs) & set(info.needs):
                return 0.0, [], False, True  # for other kinds of applicants
        for need in profile.needs:
            if need in info.needs:
                score += 3.0
                matched = True
                reasons.append(f"想{need} → {label}：{info.what}")
        for asset in profile.assets:
            if asset in info.assets:
                score += 2.5
                matched = True
                reasons.append(f"有{asset} → {label}：{info.what}")
    if f.get("benefit"):
        score += 1.0
        reasons.append(f"原文写明金额/比例：{f['benefit']}")
    if f.get("status") == "implemented":
        score += 0.5
    score += ((rec.year or 2000) - 2000) / 100.0  # newer first among equals
    return score, reasons, matched, False


def find_measures(
    store: RecordSource,
    region: str | None = None,
    profile: Profile | str | None = None,
    *,
    include_parents: bool = False,
    only_matching: bool = True,
) -> list[MeasureMatch]:
    """Measures for a region and profile, best first.

    ``region`` accepts short names (中山); with ``include_parents`` the measures of the province
    and the country count too. With a profile, measures that fit nothing in it are left out
    (``only_matching=False`` keeps them, ranked last), and so are measures for other kinds of
    applicants (孵化器补助 for a 科技型中小企业 that did not ask about 孵化).
    """
    wanted = resolve_region(region)
    if isinstance(profile, str):
        profile = parse_profile(profile)
    out: list[MeasureMatch] = []
    for rec in store.list_records(kind="measure"):
        if wanted and not region_matches(rec.region, wanted, include_parents=include_parents):
            continue
        score, reasons, matched, excluded = _score(rec, profile)
        if excluded:
            continue
        if profile is not None and not profile.empty and not matched and only_matching:
            continue
        if wanted and rec.region != wanted:
            score -= 1.0  # a parent's or child's measure ranks after the place's own
        f = rec.fields
        name = str(f.get("measure") or "")
        out.append(
            MeasureMatch(
                measure=name,
                label=MEASURE_INFO.get(name, _FALLBACK_INFO).label or name,
                benefit=f.get("benefit"),
                conditions=list(f.get("conditions") or []),
                status=str(f.get("status") or ""),
                region=rec.region,
                source=rec.source,
                title=rec.title,
                date=rec.date,
                year=rec.year,
                section=rec.section,
                sentence=rec.sentence,
                start=rec.start,
                end=rec.end,
                doc_id=rec.doc_id,
                score=score,
                reasons=reasons,
                profile_match=matched,
                provenance=dict(rec.provenance),
                page=rec.page,
            )
        )
    out.sort(key=lambda m: (-m.score, m.source, m.start))
    return out


# --- the chat seam ---------------------------------------------------------------------------------

MAX_MEASURES_IN_ANSWER = 8


# Words of a subsidy question that only say "which support can I get"; the rest names what.
_GENERIC = re.compile(r"补贴|补助|资助|奖励|扶持|支持|优惠|政策|措施|申请|享受|企业|哪些|什么|可以|能|有")


def _covers_what_is_asked(analysis: QueryAnalysis, measures: Sequence[MeasureMatch]) -> bool:
    """Do the measures' sentences name everything the question asks about beyond "support" (the
    生活方面 of "人才可以享受哪些生活方面的优惠")? Questions naming nothing more are covered."""
    terms = [t for t in getattr(analysis, "content_terms", None) or [] if not _GENERIC.fullmatch(t)
             and t not in (getattr(analysis, "enterprise_types", None) or [])]
    terms = [t for t in terms if not any(w in t for w in enterprise_types().all_surfaces)]
    if not terms:
        return True
    return all(any(t in m.sentence for m in measures) for t in terms)


def answer_subsidy_question(
    question: str, analysis: QueryAnalysis, store: RecordSource, *, max_measures: int = MAX_MEASURES_IN_ANSWER
) -> Answer | None:
    """A cited answer listing the measures that fit the question, or None when none are found.

    ``analysis`` is the pipeline's QueryAnalysis (regions, enterprise types); only its
    ``wanted_regions`` and ``enterprise_types`` are read, so a plain object with those works.
    Measures are grouped by name (best record first); each line quotes the amount and ends with
    its [n] marker; the citations quote the verbatim sentences.
    """
    regions = list(getattr(analysis, "wanted_regions", None) or [])
    profile = parse_profile(question, getattr(analysis, "enterprise_types", None) or [])
    matches: list[MeasureMatch] = []
    for region in regions or [None]:
        matches += find_measures(store, region=region, profile=profile, only_matching=False)
    if not matches:
        return None
    matches.sort(key=lambda m: (-m.score, m.source, m.start))
    # best record per (region, measure); keep the others as extra citations of the same line
    groups: dict[tuple[str | None, str], list[MeasureMatch]] = {}
    for m in matches:
        groups.setdefault((m.region, m.measure), []).append(m)
    chosen = list(groups.values())[:max_measures]
    if not _covers_what_is_asked(analysis, [m for g in chosen for m in g]):
        return None  # asks about something the measure records do not name: the passages answer

    citations: list[Citation] = []
    lines: list[str] = []
    where = "、".join(r for r in regions) if regions else "已收录文件"
    who = "、".join(profile.enterprise_types + [f"有{a}" for a in profile.assets] + [f"想{n}" for n in profile.needs])
    lead = f"根据已收录文件，{where}可申请或可关注的扶持措施" + (f"（按与“{who}”的匹配程度排序）" if who else "") + "："
    for group in chosen:
        best = group[0]
        # the line quotes an amount when any mention gives one, and that mention's status
        shown = next((m for m in group if m.benefit), best)
        cited = [shown] + [m for m in group if m is not shown][:1]
        ids: list[int] = []
        for m in cited:
            citations.append(Citation(id=len(citations) + 1, passage=m.passage(), quote=m.sentence))
            ids.append(len(citations))
        status = "已实施" if shown.status == "implemented" else "计划中"
        facts = [f for f in (shown.region, status, shown.benefit) if f]
        why = f"；{best.reasons[0]}" if best.reasons and best.profile_match else ""
        marks = "".join(f"[{i}]" for i in ids)
        lines.append(f"- {best.label}（{' · '.join(facts)}）{why} {marks}")
    text = "\n".join([lead, *lines])
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        citations=citations,
        passages=[c.passage for c in citations],
        analysis={"profile": profile.to_json(), "measures": [g[0].to_json() for g in chosen]},
        answerer="subsidies",
    )


class _CachedRecords:
    """The store's measure records, read again only when its generation changes."""

    def __init__(self, store: PolicyStore) -> None:
        self.store = store
        self._key: object = object()
        self._records: list[Record] = []

    def list_records(self, kind: str | None = None) -> list[Record]:
        gen = self.store.generation()
        if gen != self._key:
            self._records = self.store.list_records(kind="measure")
            self._key = gen
        return [r for r in self._records if kind in (None, r.kind)]


def make_subsidy_finder(
    store: PolicyStore,
) -> Callable[[str, QueryAnalysis, Sequence[Passage]], Answer | None]:
    """The callable ``QAService(subsidy_finder=...)`` expects: (question, analysis, passages)."""
    cached = _CachedRecords(store)

    def finder(question: str, analysis: QueryAnalysis, passages: Sequence[Passage]) -> Answer | None:
        return answer_subsidy_question(question, analysis, cached)

    return finder
