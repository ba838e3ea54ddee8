"""Query analysis: what a question asks about, read from its own words.

It finds regions (阳江, 中山市, 赣榆 … through ``ingest.regions``), explicit years (2016年,
2015-2017; 今年 / 明年 stay as words, since they are relative to the document, not to today),
enterprise types (科技型中小企业, 高新技术企业 …), the intent (fact / target / subsidy / cross /
other) and the key terms that evidence should contain.

Values found here only *boost* retrieval; explicit ``--region`` / ``--year`` options filter.
:meth:`QueryAnalysis.apply_coverage` compares the question with what the corpus covers, so that a
question about a region or a year no document is about can be recognised and answered with an
abstention instead of a neighbouring number.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from common.errors import QuestionError
from common.lexicon import (
    YEAR, asking_prefixes, aspect_words, document_fact_words, enterprise_types, question_stopwords,
    support_words,
)
from ingest import regions as gazetteer
from vectorstore.tokenize import TokenizerOptions, tokenize_with

# Questions longer than this are cut for embedding and BM25 (the answer still names the whole
# question). 512 characters is far more than any real question and keeps search fast.
MAX_QUERY_CHARS = 512

INTENTS = ("fact", "target", "subsidy", "cross", "other")

# --- vocabularies -------------------------------------------------------------------------

_SUBSIDY = re.compile(
    "|".join(support_words()) + r"|能申请|可以申请|可申请|申请什么|能享受|可以享受|享受哪些|能补|补多少|subsid|grant"
)
_MEASURE_LIST = re.compile(
    r"有哪些|哪些(?:补贴|补助|资助|政策|扶持|支持|优惠|措施)|能申请|可以申请|可申请|申请什么|申请哪些|"
    r"能享受|可以享受|享受什么|享受哪些|能拿|可以拿|what (?:subsidies|support)"
)
# The asker asks what they can get: "可以申请", "能享受" …, or speaks of themselves (我/我们 …).
_CAN_GET = re.compile(r"能申请|可以申请|可申请|申请什么|申请哪些|能享受|可以享受|可享受|能拿到|可以拿到|能获得哪些|可以获得哪些|能得到哪些")
_FOR_ME = re.compile(r"我|我们|我司|我公司|本公司|本企业|咱们")
_LISTING = re.compile(r"有哪些|哪些|什么|能申请|可以申请|可申请|列出|都有|which|what")
_TARGET = re.compile(
    r"目标|计划|力争|争取|预计|任务|承诺|打算|规划|设想|要点|要达到|达到多少|什么要求|"
    r"(?:到|至)\s*\d{4}\s*年|(?:到|至)20\d\d|年底前|年内|target|goal|plan"
)
_CROSS = re.compile(
    r"比较|对比|相比|变化|各地|分别|哪些城市|哪些地区|哪些市|哪几个|历年|趋势|前后|先后|"
    r"增长了多少|与.{1,12}相比|compare|change"
)
_FACT = re.compile(
    r"多少|几[个家项件年人所次倍]?|是什么|哪|何时|什么时候|是否|有没有|比例|金额|数量|占比|"
    r"规模|how|what|when|which|whether"
)
# Asks for a figure (多少 / 几个 / 比例是 …), not "what does it require" (占比有什么要求).
_QUANTITY = re.compile(
    r"多少|几[个家项件人所次倍成期宗条场名位批笔台套]|几$|多大|百分之几|几成|(?:什么|何种)比例|"
    r"(?:比例|比重|占比|金额|数量|规模|额度|增幅|强度)(?:是|为|有|达|达到)?(?:多少|几)|"
    r"how many|how much|what percent"
)

# The kind of figure a question asks for, when it names one: an amount of money (多少万元,
# 多少钱, 总投资多少亿元) or a share (比例, 占比, 百分之几). Evidence must state a figure of that
# kind: "新认定高新技术企业6家" does not answer "每家奖励多少万元".
# What kind of answer a question wants, besides a figure (asks_quantity): who/which entity, a
# time, a list of measures or requirements (the items under a heading), or a description.
_ASKS_WHO = re.compile(
    r"哪位|谁|哪家|哪些(?:企业|单位|公司|部门|机构|人员|人|医院|银行|园区)|哪个(?:单位|部门|企业|公司|机构|医院|银行)|"
    r"什么(?:单位|部门|机构|人)|由.{0,8}(?:负责|主持|牵头)"
)
# 几点 is a time of day, 哪几点 the points of a speech (要求做到哪几点); 哪几天 a period
# (公示期是哪几天), asked before 哪几 makes it a list; a time limit (多长时间内提出, 期限是多长)
# is answered by the sentence that sets it.
_ASKS_WHEN = re.compile(
    r"何时|什么时候|什么时间|哪一?天|哪几天|几月几日|(?<!哪)几点|哪一年|截止(?:到|时间|日期)?|起止|"
    r"(?:多长|多久)(?:时间)?(?:内|以内)|期限|时限"
)
_ASKS_LIST = re.compile(
    r"哪些|如何|怎样|怎么|有何|何种|哪几|什么(?:要求|措施|政策|举措|规定|支持|办法|服务|便利|保障|义务|工作)|"
    r"做了什么|做了哪些|采取了?什么|提出了?什么|出台了?什么|主要(?:内容|措施|做法)"
)
ANSWER_KINDS = ("figure", "who", "when", "list", "what")


def answer_kind(text: str, asks_quantity: bool) -> str:
    """figure / who / when / list / what: the shape of the answer the question asks for."""
    if asks_quantity:
        return "figure"
    if _ASKS_WHO.search(text):
        return "who"
    if _ASKS_WHEN.search(text):
        return "when"
    if _ASKS_LIST.search(text):
        return "list"
    return "what"


# The kind of value a question asks for, when it names one, and how a text states a value of
# that kind. Evidence must state one: "新认定高新技术企业6家" does not answer "每家奖励多少万元",
# "上午9点" answers "几点到几点" and "工作日" does not. Checked in this order.
# A time of day: 17:00, 18时, 9点
_CLOCK = r"\d{1,2}\s*[:：]\s*\d{2}|\d{1,2}\s*(?:点|时)(?!期|代|间)"
_MONEY = r"\d[\d,.]*\s*(?:万|亿|千)?元|[一二两三四五六七八九十百千万]+(?:万|亿)?元"
_SHARE = r"\d[\d.]*\s*[%％]|\d\s*/\s*\d|百分之|[一二三四五六七八九]成|一半|[二三四五六七八九十]分之|个百分点"
_UNITS: tuple[tuple[str, str, str], ...] = (
    ("money",
     # (合同金额的多大比例 asks for a share of the amount)
     r"多少(?:万|亿|千)?元|多少钱|几(?:万|亿|千)元|金额(?![^，,。？?]{0,6}(?:比例|百分|占比|比重))|投资(?:额|规模)|资金规模|"
     r"多少(?:奖金|资金|经费|补贴|补助|奖励|资助)",
     _MONEY),
    # (研发)投入强度 is R&D spending as a share of GDP
    ("share", r"比例|比重|占比|百分之|百分比|几成|增幅|费率|投入强度", _SHARE),
    # 补贴标准是多少 / 费用能补多少: an amount or a share
    # (资金拟匹配多少个项目 counts projects)
    ("amount", r"(?:补贴|补助|奖励|资助|资金|费用|经费|工资|价格|收费|额度|标准)[^，,。？?]{0,8}?(?:是|为|有|能补|补)?多少"
     r"(?![个家项名人件所户位])",
     f"{_MONEY}|{_SHARE}"),
    # (什么时间段 asks for a period of days, 办公时间段 for hours: the words before say which)
    ("clock", r"(?<!哪)几点|(?:办公|服务|开放|营业|接待|办理|工作)时间",
     rf"{_CLOCK}|上午|下午|早上|晚上|全天|24小时"),
    ("duration", r"多久|多长时间|几年|几个月|多少天|(?<!哪)几天|期限|年限",
     r"\d+(?:\.\d+)?\s*(?:个)?(?:年|月|日|天|周|小时|工作日)|[一二三四五六七八九十两半]+(?:个)?(?:年|月|天|周|小时)"),
    ("phone", r"电话|热线|号码", r"\d{5,}|\d{3,4}\s*-\s*\d{7,8}"),
    # (哪几家单位 asks who)
    ("count", r"多少(?:名|人|家|个|项|所|户|件|例|位|辆|台|套|张|次|床)|(?<!哪)几(?:名|家|项|所|户|件|例|位)",
     r"\d+(?:\.\d+)?\s*(?:万|千|百)?(?:多|余)?(?:名|人|家|个|项|所|户|件|例|位|辆|台|套|张|次|床)|"
     r"[一二三四五六七八九十百千万两]+(?:名|人|家|个|项|所|户|件|例|位)"),
    ("year", r"哪一年|哪年|什么年份", r"(?:19|20)\d\d\s*年"),
    ("date", r"哪一?天|哪几天|几月几日|日期|何时|什么时[候间]|时间段|起止",
     r"\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年\s*\d{1,2}\s*月|月底|月初|月中|年底|年内|之日起|即日起|"
     r"[上下]半年|第[一二三四]季度|\d{1,2}\s*月(?:份|前|底|中旬|上旬|下旬)"),
)
_ASKED = tuple((name, re.compile(asked)) for name, asked, _ in _UNITS)
_STATED = {name: re.compile(stated) for name, _, stated in _UNITS}


def states_unit(text: str, unit: str | None) -> bool:
    """Does ``text`` state a value of the kind asked for (see :func:`asked_unit`)?"""
    rx = _STATED.get(unit or "")
    return True if rx is None else bool(rx.search(text))


# The values a question asks for by name, each of which the answer must give: "截止日期和联系人
# 是什么" is not answered by the deadline alone, nor "哪几家单位联合发的？文号多少" by the issuers.
# A contact, an e-mail address or a document number is checked whenever it is asked for (a quote
# that does not give one never answers); a date (a deadline, a period, a time limit) too, as an
# answer without one does not answer when (公示期是哪几天 is not answered by the sentence that
# announces the 公示); a score, an amount or a share only in a question that asks for two or more
# of these (alone, the ranker's unit features already weigh them).
_PHONE = r"\d{3,4}\s*-\s*\d{7,8}|(?<![\d.])\d{7,8}(?![\d.])|(?<!\d)1[3-9]\d{9}(?!\d)"
_DATE = (
    r"\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年\s*\d{1,2}\s*月|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|月底|年底|"
    r"[之即]日起|\d{1,2}\s*月(?:上|中|下)旬|\d+\s*个?(?:工作日|日|天)(?:内|以内)"
)
_PARTS: tuple[tuple[str, bool, str, str], ...] = (
    # whom to reach: the person named after 联系人 (also spaced out as 联 系 人); the number is
    # the phone part
    ("contact", True, r"联系人|联系方式|找谁",
     rf"联\s*系\s*人[^:：。；\n]{{0,5}}[:：]\s*[\u4e00-\u9fff]{{2,4}}|联系人\s*[\u4e00-\u9fff]{{2,3}}\s*(?:\d|电话)"),
    ("phone", True, r"电话|热线|号码", _PHONE),
    ("email", True, r"邮箱|电子邮件|邮件地址|e-?mail", r"[\w.-]+@[\w-]+(?:\.[\w-]+)+"),
    ("docno", True, r"文号|发文字号|字号", r"〔\s*\d{4}\s*〕\s*\d+\s*号|\[\s*\d{4}\s*\]\s*\d+\s*号"),
    ("date", False, r"截止|何时|什么时候|什么时间|哪一?天|哪几天|几月几日|日期|期限|时限|最[晚迟]|(?:多长|多久)(?:时间)?内",
     f"{_DATE}|{_CLOCK}"),
    ("score", False, r"多少分|几分|得分", r"\d+(?:\.\d+)?\s*分(?!之|钟|别|类|批)"),
    ("money", False, r"多少(?:万|亿|千)?元|多少钱|金额|多少[\u4e00-\u9fff]{0,4}(?:奖金|资金|经费|补贴|补助|奖励|资助)", _MONEY),
    ("share", False, r"比例|比重|占比|百分之|百分比|增幅|投入强度|完成率", _SHARE),
)
_PART_ASKED = tuple((name, always, re.compile(asked, re.I)) for name, always, asked, _ in _PARTS)
_PART_STATED = {name: re.compile(stated, re.I) for name, _, _, stated in _PARTS}


# A question about the document itself: the day it was signed or issued (落款日期是哪天, 哪天发文
# 的, 印发时间), or who issued it (哪个单位发布的, 由哪个部门编制, 哪几家单位联合发的). Its answer
# is the document's own line that states it (the signature, the issuer line under the title).
_ABOUT_DOCUMENT = (
    ("date", re.compile(
        r"落款|(?:发文|印发|发布|公布|成文|签发|下发|出台)(?:的)?(?:日期|时间)|"
        r"(?:哪一?天|什么时候|何时|几月几日)(?:发文|印发|发布|公布|签发|下发|出台|发的|印发的)"
    )),
    ("issuer", re.compile(
        r"(?:哪个|哪家|哪几家|哪些|什么)(?:单位|部门|机构|机关)[^，,。；？?]{0,4}?"
        r"(?:发布|印发|编制|出台|发的|出的|制定|起草|解读|公布|下发|联合发)|"
        r"由(?:哪个|哪家|什么)(?:单位|部门|机构)|(?:发布|发文|编制|解读|起草|制定)(?:单位|机关|部门|机构)是"
    )),
)


def about_document(text: str) -> str | None:
    """"date" or "issuer" when the question asks it of the document itself, else None."""
    for name, rx in _ABOUT_DOCUMENT:
        if rx.search(text):
            return name
    return None


def asked_parts(text: str) -> list[str]:
    """The values the answer must each give (see ``_PARTS``), in the order they are asked."""
    found = sorted((m.start(), name, always) for name, always, rx in _PART_ASKED if (m := rx.search(text)))
    if len(found) >= 2:
        return [name for _, name, _ in found]
    return [name for _, name, always in found if always or name == "date"]


def states_part(text: str, part: str) -> bool:
    """Does ``text`` give a value of the part asked (a contact, a date …)?"""
    rx = _PART_STATED.get(part)
    return True if rx is None else bool(rx.search(text))


def part_span(text: str, part: str) -> tuple[int, int] | None:
    """Where ``text`` gives a value of the part asked, or None."""
    m = _PART_STATED[part].search(text) if part in _PART_STATED else None
    return m.span() if m else None


# The parts checked whenever asked (a contact, a phone, an e-mail address, a document number).
ALWAYS_PARTS = frozenset(name for name, always, _, _ in _PARTS if always)


def asked_unit(text: str) -> str | None:
    """The kind of value the question names (money, share, clock, duration, phone, count, year,
    date) or None."""
    for name, rx in _ASKED:
        if rx.search(text):
            return name
    return None


# Words a question is made of that say nothing about the topic: they never count as key terms.
_STOPWORDS = question_stopwords()

# Aspect words: what kind of answer is wanted, not what it is about. They stay key terms for
# search, but evidence need not contain them (a target sentence seldom says 目标).
ASPECT_WORDS = aspect_words()
_DOCUMENT_FACT_WORDS = document_fact_words()

_YEAR_RANGE = re.compile(rf"(?<![\d.])({YEAR})\s*(?:年)?\s*[-–—~～至到]\s*({YEAR})(?!\d)")
# A four-digit year, not part of a longer number or an amount (2000万元).
_YEAR = re.compile(rf"(?<![\d.])({YEAR})(?![\d.％%万亿元件家个项人千百名台套宗])")
_RELATIVE_YEAR = re.compile(r"今年|明年|去年|前年|后年|上一年|下一年|本年度|当年")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z&+\-]*")


@dataclass
class CorpusCoverage:
    """What the indexed documents are about: their regions and years.

    ``regions`` holds every region a document is *about* (its region, the city a district
    belongs to, its province), not every place a text mentions: a 江门 plan that mentions 深圳 is
    not a document about 深圳. ``region_years`` maps each of those regions to the years its
    documents cover. ``text_years`` are years written in the text of each region's documents
    (to cover targets such as 至2017年底 in a 2016 report).
    """

    regions: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    region_years: dict[str, set[int]] = field(default_factory=dict)
    doc_regions: set[str] = field(default_factory=set)  # the documents' own regions only
    doc_years: set[int] = field(default_factory=set)  # each document's own year (its date's)
    doc_count: int = 0
    # Coverage is certain only where the metadata behind it is stated: a region no document is
    # about is "known absent" only when every document states its region; a region's years are
    # known only when every document about it states them (title, headings).
    regions_stated: bool = True
    unstated_year_regions: set[str] = field(default_factory=set)

    @classmethod
    def from_documents(cls, docs: Iterable[dict[str, Any]]) -> "CorpusCoverage":
        cov = cls()
        for d in docs:
            cov.doc_count += 1
            years = {int(y) for y in (d.get("years") or [])}
            date = d.get("date")
            if date and str(date)[:4].isdigit():
                years.add(int(str(date)[:4]))
            cov.years |= years
            own = int(str(date)[:4]) if date and str(date)[:4].isdigit() else (max(years) if years else None)
            if own:
                cov.doc_years.add(own)
            if d.get("region"):
                cov.doc_regions.add(d["region"])
            prov = d.get("provenance") or {}
            if prov.get("region", "stated") != "stated":
                cov.regions_stated = False
            years_stated = prov.get("years", "stated") == "stated"
            for key in ("region", "parent_region", "province"):
                name = d.get(key)
                if name:
                    cov.regions.add(name)
                    cov.region_years.setdefault(name, set()).update(years)
                    if not years_stated:
                        cov.unstated_year_regions.add(name)
            if not years_stated and not d.get("region"):
                cov.unstated_year_regions.add("")
        return cov

    def governing(self, region: str) -> str | None:
        """The nearest unit above ``region`` that a document is about (江西省 for 南昌市, 大理白族
        自治州 for 大理市): its policies apply to the region. 全国 does not count: a national
        report's figures are not a city's."""
        unit = gazetteer.normalize_region(region)
        if unit is None:
            return None
        for above in unit.chain[1:]:
            if above in self.doc_regions and above != gazetteer.COUNTRY:
                return above
        return None

    def years_known(self, regions: Iterable[str]) -> bool:
        """Are the years of every document about ``regions`` (all documents when none) stated?"""
        regions = list(regions)
        if not regions:
            return not self.unstated_year_regions
        return not any(r in self.unstated_year_regions for r in regions)

    def years_for(self, regions: Iterable[str]) -> set[int]:
        """Years covered by documents about any of ``regions`` (all years when none given)."""
        regions = list(regions)
        if not regions:
            return set(self.years)
        out: set[int] = set()
        for r in regions:
            out |= self.region_years.get(r, set())
        return out


@dataclass
class QueryAnalysis:
    """What :func:`analyze` found in a question. ``to_json`` goes into ``Answer.analysis``."""

    question: str
    text: str  # the question as searched: normalised, cut to MAX_QUERY_CHARS
    truncated: bool = False
    language: str = "zh"  # "zh", "en" or "none" (no letters at all)
    regions: list[str] = field(default_factory=list)  # normalised: 阳江市, 赣榆区 …
    region_mentions: dict[str, str] = field(default_factory=dict)  # normalised -> as written
    place_words: list[str] = field(default_factory=list)  # every place name as written, ancestors too
    years: list[int] = field(default_factory=list)
    year_mentions: list[str] = field(default_factory=list)  # "2016年", "2015-2017年"
    relative_years: list[str] = field(default_factory=list)  # 今年, 明年 …, left as words
    # Years that name a document rather than a fact: 2019年报告, 2022年国务院政府工作报告.
    doc_years: list[int] = field(default_factory=list)
    enterprise_types: list[str] = field(default_factory=list)
    intent: str = "other"
    asks_quantity: bool = False
    asks_unit: str | None = None  # money / share / clock / duration / phone / count / year / date
    asks_list: bool = False
    parts: list[str] = field(default_factory=list)  # values the answer must each give (asked_parts)
    about_document: str | None = None  # "date" / "issuer": asked of the document itself
    answer_kind: str = "what"  # figure / who / when / list / what (see answer_kind())
    key_terms: list[str] = field(default_factory=list)
    # Set by apply_coverage(): what the question asks that no document is about.
    uncovered_regions: list[str] = field(default_factory=list)
    uncovered_years: list[int] = field(default_factory=list)
    uncovered_doc_years: list[int] = field(default_factory=list)
    # A region no document is about, mapped to the unit above it that one is (南昌市 -> 江西省).
    governing_regions: dict[str, str] = field(default_factory=dict)
    # Uncovered regions the documents' text does name (a document read as about another place
    # may be about this one): not known to be absent (see note_text_mentions).
    mentioned_regions: list[str] = field(default_factory=list)
    naming_docs: list[str] = field(default_factory=list)  # doc_ids of those documents
    # An uncovered region mapped to the unit above it that a document is about (上栗县 ->
    # 萍乡市), set by apply_coverage(); kept in ``within_regions`` when that unit's documents
    # name the region (note_text_mentions): their sentences that name it are about it.
    enclosing_regions: dict[str, str] = field(default_factory=dict)
    within_regions: dict[str, str] = field(default_factory=dict)
    # Whether the corpus states what the uncovered regions / years are judged by (see
    # CorpusCoverage); only then is "no document about it" said without looking further.
    regions_certain: bool = True
    years_certain: bool = True
    # Explicit filters (CLI --region / --year / doc), normalised.
    filter_region: str | None = None
    filter_year: int | None = None
    filter_doc: str | None = None

    @property
    def focus_terms(self) -> list[str]:
        """Key terms of the clause that asks (the last one, with the question word): in
        "为切实做好…，农业农村部启动开展…行动注重哪些方面" the context is restated and 注重 is
        what is asked about."""
        clauses = [c for c in re.split(r"[，,；;：:]", self.text) if c.strip()]
        last = clauses[-1] if clauses else self.text
        return [t for t in self.key_terms if t in last] or list(self.key_terms)

    @property
    def content_terms(self) -> list[str]:
        """Key terms minus aspect words: what the evidence itself should mention."""
        skip = ASPECT_WORDS | (_DOCUMENT_FACT_WORDS if self.about_document else frozenset())
        terms = [t for t in self.key_terms if t not in skip]
        return terms or list(self.key_terms)

    @property
    def wants_measures(self) -> bool:
        """Asks which support the asker can get ("有哪些补贴可以申请", "我能申请什么", "我们公司
        可以享受哪些优惠"), not one figure and not what a government did ("北京市出台了哪些政策
        加大资金支持力度" is answered from the passages, not by listing measure types)."""
        if self.intent != "subsidy" or self.asks_quantity:
            return False
        if _CAN_GET.search(self.text):
            return True
        return bool(_FOR_ME.search(self.text)) and bool(_MEASURE_LIST.search(self.text))

    @property
    def wanted_regions(self) -> list[str]:
        """The regions an answer must be about: the filter, else those named."""
        return [self.filter_region] if self.filter_region else list(self.regions)

    @property
    def focus_years(self) -> list[int]:
        """The years a comparison is about: a long range (从2016年到2022年) by its ends."""
        if len(self.years) > 4 and self.year_mentions:
            ends: list[int] = []
            for m in self.year_mentions:
                ys = [int(y) for y in re.findall(r"(?:19|20)\d\d", m)]
                ends += [ys[0], ys[-1]] if ys else []
            return sorted(set(ends))
        return list(self.years)

    @property
    def wanted_years(self) -> list[int]:
        return [self.filter_year] if self.filter_year else list(self.years)

    @property
    def region_out_of_corpus(self) -> bool:
        """Every region the question names is one no document is about (nor one above it), and
        every document states its region, so that is certain."""
        return self.regions_certain and self.region_absent

    @property
    def region_absent(self) -> bool:
        """Every region the question names is one no document is about or names in its text."""
        absent = set(self.uncovered_regions) - set(self.mentioned_regions)
        return bool(self.regions) and absent >= set(self.regions)

    def region_forms(self, region: str) -> set[str]:
        """How a text may name ``region``: as the question wrote it, in full, by its stem."""
        return {self.region_mentions.get(region, region), region, _stem(region)}

    def note_text_mentions(
        self, naming: Callable[[str], set[str]], naming_in: Callable[[str, str], set[str]] | None = None,
    ) -> "QueryAnalysis":
        """Mark the regions asked that ``naming`` finds (the documents that do not state their
        region and name it, as written, in full or by its stem): their metadata, read from
        the text, cannot say the region is absent, and they may be about it.

        ``naming_in(form, unit)`` finds the documents about ``unit`` whose text names a form:
        a county no document is about that its city's summary names (萍乡市's 上栗县) is not
        absent either; the city document's sentences that name it may answer."""
        docs: dict[str, None] = {}
        self.mentioned_regions = []
        self.within_regions = {}
        for r in self.wanted_regions:
            forms = self.region_forms(r)
            found = set().union(*(naming(f) for f in forms))
            above = self.enclosing_regions.get(r)
            if naming_in is not None and above and r in self.uncovered_regions \
                    and any(naming_in(f, above) for f in forms):
                self.within_regions[r] = above
                self.mentioned_regions.append(r)
            if found and r in self.uncovered_regions and r not in self.mentioned_regions:
                self.mentioned_regions.append(r)
            docs.update(dict.fromkeys(sorted(found)))
        self.naming_docs = list(docs)
        return self

    @property
    def answer_regions(self) -> list[str]:
        """The regions an answer may come from: those asked (also one no document is known to
        be about: then nothing fits, and the evidence says so), and the units above them that
        govern them when no document is about the region itself."""
        out = list(self.wanted_regions)
        out += [g for r, g in self.governing_regions.items() if r in self.wanted_regions and g not in out]
        return out

    @property
    def year_out_of_corpus(self) -> bool:
        """Every year the question names is one no (relevant) document covers, or it names a
        document of a year there is none of (2023年国务院政府工作报告)."""
        if self.doc_years and set(self.uncovered_doc_years) >= set(self.doc_years):
            return True
        return self.years_certain and bool(self.years) and set(self.uncovered_years) >= set(self.years)

    def apply_coverage(self, coverage: CorpusCoverage) -> "QueryAnalysis":
        """Mark the regions and years no document is about (see :class:`CorpusCoverage`)."""
        self.governing_regions = {}
        self.uncovered_regions = []
        self.enclosing_regions = {}
        for r in self.regions:
            if _region_covered(r, coverage):
                continue
            # A province's or city's policy applies to the places in it; its figures do not
            # count a city's enterprises, so a figure question does not look upwards (only
            # to the sentences of that unit's documents that name the place, see within_regions).
            above = coverage.governing(r)
            if above and not self.asks_quantity:
                self.governing_regions[r] = above
            else:
                self.uncovered_regions.append(r)
                if above:
                    self.enclosing_regions[r] = above
        self.regions_certain = coverage.regions_stated
        covered_regions = [r for r in self.wanted_regions if _region_covered(r, coverage)]
        covered_regions += [self.governing_regions[r] for r in self.wanted_regions if r in self.governing_regions]
        years = coverage.years_for(covered_regions)
        self.uncovered_years = [y for y in self.years if y not in years]
        self.years_certain = coverage.years_known(covered_regions)
        self.uncovered_doc_years = [y for y in self.doc_years if y not in coverage.doc_years]
        return self

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["content_terms"] = self.content_terms
        out["focus_terms"] = self.focus_terms
        return out


def _stem(name: str) -> str:
    """A region's name without its unit (中山 for 中山市); two-character names stay whole."""
    return name[:-1] if len(name) > 2 and name[-1] in "市区县省" else name


def _region_covered(region: str, coverage: CorpusCoverage) -> bool:
    return region in coverage.regions


# --- regions ------------------------------------------------------------------------------

RegionFinder = Callable[[str], list[tuple[str, str]]]


def find_region_mentions(text: str) -> list[tuple[str, str]]:
    """``(normalised name, as written)`` for each region named in ``text``, in order, once each.

    Uses the ingest gazetteer (``ingest.regions``), so the assistant and ingest agree on names
    (中山 -> 中山市, 赣榆 -> 赣榆区, 国务院 -> 全国). A region named together with a smaller
    one inside it (连云港市海州区) stands for the smaller one: the question is about 海州区.
    """
    seen: dict[str, str] = {}
    chains: dict[str, tuple[str, ...]] = {}
    for hit in gazetteer.find_regions(text):
        if hit.normalised not in seen:
            seen[hit.normalised] = hit.name
            chains[hit.normalised] = hit.region.chain
    ancestors = {a for name, chain in chains.items() for a in chain[1:]}
    return [(name, surface) for name, surface in seen.items() if name not in ancestors]


def normalize_region_name(name: str) -> str:
    """Normalise a user-given region (``--region 中山``) the way ingest does (中山市)."""
    region = gazetteer.normalize_region(name.strip())
    return region.name if region is not None else name.strip()


# --- the analysis -------------------------------------------------------------------------


def clean_question(question: str | None) -> str:
    """NFKC, collapse whitespace; raise :class:`QuestionError` for an empty question."""
    text = unicodedata.normalize("NFKC", question or "")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QuestionError(
            "the question is empty",
            "type a question, e.g. policyqa ask '阳江2015年专利申请量是多少？'",
        )
    return text


def has_content(text: str) -> bool:
    """False for punctuation- or symbol-only input (nothing to search for)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def analyze(
    question: str,
    *,
    region: str | None = None,
    year: int | None = None,
    doc: str | None = None,
    coverage: CorpusCoverage | None = None,
    tokenize: Callable[[str], list[str]] | None = None,
    find_regions: RegionFinder | None = None,
    normalize_region: Callable[[str], str] | None = None,
) -> QueryAnalysis:
    """Analyse ``question``; ``region`` / ``year`` / ``doc`` are explicit filters.

    ``tokenize`` defaults to the lexical index's tokenizer (jieba with the domain dictionary) so
    key terms are the words BM25 matches; ``find_regions`` / ``normalize_region`` default to
    the ingest gazetteer.
    """
    full = clean_question(question)
    text = full[:MAX_QUERY_CHARS]
    qa = QueryAnalysis(question=full, text=text, truncated=len(full) > MAX_QUERY_CHARS)
    if not has_content(text):
        qa.language = "none"
        return qa
    qa.language = "zh" if _CJK.search(text) else ("en" if _LATIN_WORD.search(text) else "none")

    finder = find_regions or find_region_mentions
    for name, surface in finder(text):
        qa.regions.append(name)
        qa.region_mentions[name] = surface
    if find_regions is None:
        qa.place_words = list(dict.fromkeys(m.name for m in gazetteer.find_regions(text)))

    qa.years, qa.year_mentions = find_years(text)
    qa.doc_years = find_doc_years(text)
    if qa.doc_years:
        # "2019年报告里2018年技术合同成交额…": 2019 picks the document, 2018 is the fact's year.
        rest = _DOC_YEAR.sub(" ", text)
        qa.years, qa.year_mentions = find_years(rest)
    qa.relative_years = sorted(set(_RELATIVE_YEAR.findall(text)), key=text.index)
    qa.enterprise_types = find_enterprise_types(text)
    qa.asks_quantity = bool(_QUANTITY.search(text.lower()))
    qa.asks_unit = asked_unit(text)
    if qa.asks_unit == "share" and not qa.asks_quantity:
        qa.asks_unit = None  # "占GDP比重有什么要求" asks for a requirement, not a share
    qa.asks_list = bool(_LISTING.search(text.lower()))
    qa.parts = asked_parts(text)
    qa.about_document = about_document(text)
    qa.answer_kind = answer_kind(text, qa.asks_quantity)
    qa.intent = classify_intent(text, qa)
    qa.key_terms = key_terms(text, qa, tokenize=tokenize)

    if region:
        qa.filter_region = (normalize_region or normalize_region_name)(region)
    if year is not None:
        qa.filter_year = int(year)
    if doc:
        qa.filter_doc = doc.strip()
    if coverage is not None:
        qa.apply_coverage(coverage)
    return qa


def find_years(text: str, *, strict: bool = False) -> tuple[list[int], list[str]]:
    """Explicit years, ranges expanded (2015-2017 -> 2015, 2016, 2017), and how they were written.

    ``strict`` (for report text rather than questions): a lone number is a year only when 年
    follows it, since reports write counts such as 2000份 right after numbers."""
    years: list[int] = []
    mentions: list[str] = []
    taken: list[tuple[int, int]] = []
    for m in _YEAR_RANGE.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        if a <= b <= a + 20:
            years.extend(range(a, b + 1))
            end = m.end() + (1 if text[m.end() : m.end() + 1] == "年" else 0)
            mentions.append(text[m.start() : end])
            taken.append((m.start(), m.end()))
    for m in _YEAR.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if strict and text[m.end() : m.end() + 1] != "年":
            continue
        years.append(int(m.group(1)))
        end = m.end() + (1 if text[m.end() : m.end() + 1] == "年" else 0)
        mentions.append(text[m.start() : end])
    return sorted(set(years)), mentions


_DOC_YEAR = re.compile(
    r"((?:(?:19|20)\d\d\s*年?\s*(?:和|与|、|及|跟)\s*)*(?:19|20)\d\d)\s*年?\s*(?:的)?\s*(?:中华人民共和国)?"
    r"(?:国务院|[\u4e00-\u9fff]{1,3}省|[\u4e00-\u9fff]{1,3}市)?(?:政府)?(?:工作)?报告"
)


def find_doc_years(text: str) -> list[int]:
    """Years that name a report (2019年报告, 2022年国务院政府工作报告, 2018年和2019年的国务院报告)."""
    return sorted({int(y) for m in _DOC_YEAR.finditer(text) for y in re.findall(r"(?:19|20)\d\d", m.group(1))})


def find_enterprise_types(text: str) -> list[str]:
    """Kinds of enterprise the question names (the lexicon's canonical names)."""
    return enterprise_types().find(text)


def classify_intent(text: str, qa: QueryAnalysis) -> str:
    """One of INTENTS. Order matters: a question comparing regions is cross-document even when
    it asks about targets; a support-measure question is a subsidy question even with 哪些."""
    low = text.lower()
    if len(qa.regions) >= 2 or _CROSS.search(low) or _spans_years(qa):
        return "cross"
    if _SUBSIDY.search(low):
        return "subsidy"
    if _TARGET.search(low):
        return "target"
    if _FACT.search(low):
        return "fact"
    return "other"


def _spans_years(qa: QueryAnalysis) -> bool:
    # "2015年和2018年…" (two separate years, not one range) compares documents.
    return len(qa.year_mentions) >= 2


def key_terms(
    text: str, qa: QueryAnalysis, *, tokenize: Callable[[str], list[str]] | None = None
) -> list[str]:
    """Content words of the question, in order, without regions, years and stopwords."""
    rest = text
    # every place the question names, also one standing above another (浙江省 in 开化县…浙江省…)
    places = set(qa.region_mentions.values()) | set(qa.place_words)
    for surface in sorted(places, key=len, reverse=True):
        rest = rest.replace(surface, " ")
    for name in qa.regions:  # also the bare stem: 中山 when 中山市 was found
        stem = _stem(name)
        rest = rest.replace(stem, " ")
    for m in qa.year_mentions:
        rest = rest.replace(m, " ")
    rest = _RELATIVE_YEAR.sub(" ", rest)
    tok = tokenize or default_tokenize
    terms: list[str] = []
    # Latin words keep their form (R&D, GDP, PCT); the tokenizer would split R&D.
    for w in _LATIN_WORD.findall(rest):
        w = w.lower().strip("-+")
        if len(w) >= 2 and w not in _STOPWORDS and w not in terms:
            terms.append(w)
    rest = _LATIN_WORD.sub(" ", rest)
    for t in tok(rest):
        t = t.strip().lower()
        if not t or t in _STOPWORDS or not has_content(t) or t.startswith(asking_prefixes()):
            continue
        if t.isdigit() or re.fullmatch(r"[\d.%]+", t):
            terms.append(t)  # a number in a question (1724件?) is a strong term
            continue
        if _CJK.search(t) and (len(t) < 2 or t[-1] in "了过着" or t[0] in "了着"):
            continue  # single characters and verb + particle (发了, 放了) say nothing
        if t not in terms:
            terms.append(t)
    # The tokenizer's search mode also yields sub-words (专利申请量 -> 专利, 申请): keep the
    # longest form only, so coverage counts each notion once.
    return [t for t in terms if not any(t != o and t in o for o in terms)]


def split_unknown_terms(terms: Iterable[str], doc_freq: Callable[[str], int]) -> list[str]:
    """Key terms with each one no chunk contains (科技保险补助, when the text says 科技保险项目补助)
    replaced by its dictionary sub-words that chunks do contain (科技保险, 补助): the corpus
    says the same thing in other words, and only the words it uses can be looked for."""
    out: list[str] = []
    for t in terms:
        parts: list[str] = []
        if len(t) >= 4 and _CJK.search(t) and doc_freq(t) == 0:
            options = TokenizerOptions(search_mode=True, bigrams=False, year_tokens=False)
            subs = [w for w in tokenize_with(t, options) if w != t and len(w) >= 2]
            subs = [w for w in subs if not any(w != o and w in o for o in subs)]  # longest only
            parts = [w for w in subs if doc_freq(w) > 0 and w not in _STOPWORDS]
        for w in parts or [t]:
            if w not in out:
                out.append(w)
    return out


def default_tokenize(text: str) -> list[str]:
    """Words of ``text``: the lexical index's jieba with its domain dictionary, in precise mode
    (no sub-words, no character bigrams), so key terms are whole words such as 专利申请量."""
    options = TokenizerOptions(search_mode=False, bigrams=False, year_tokens=False)
    return tokenize_with(text, options)


def term_weights(terms: Iterable[str], doc_freq: Callable[[str], int], n_docs: int) -> dict[str, float]:
    """IDF weight per term (BM25's form, floored at 0.1): rare terms (专利申请量) count more in
    coverage than common ones (企业). ``doc_freq`` counts chunks containing the term."""
    out: dict[str, float] = {}
    for t in terms:
        df = doc_freq(t)
        out[t] = max(0.1, math.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
        if df == 0:
            # A word no chunk contains is as often the user's synonym (收集 for 征集) as an
            # absent topic (公寓): it counts, but not as the rarest word of the corpus would.
            out[t] *= 0.5
    return out
