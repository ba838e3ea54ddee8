"""The indicators targets and reported figures are normalised to, and how quantities are read.

An indicator has the phrases that name it in the reports and the kind of unit it is counted in;
a quantity only gets an indicator whose unit kind fits ("5亿元以上工业骨干企业" is money, so it is
never a count of 研发机构). Patterns run on the compact sentence view (NFKC, no whitespace).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COUNT_UNITS = ("人次", "家", "个", "件", "项", "人", "名", "场", "支", "所", "座", "篇", "台", "套")
MONEY_UNITS = ("万元", "亿元", "元")
RATIO_UNITS = ("%",)


def unit_kind(unit: str) -> str:
    if unit in MONEY_UNITS:
        return "money"
    if unit in RATIO_UNITS:
        return "ratio"
    return "count"


@dataclass(frozen=True)
class Indicator:
    name: str
    pattern: re.Pattern[str]
    kind: str  # "count" | "money" | "ratio"
    units: tuple[str, ...] = ()  # count units it is counted in; empty: any count unit


ORGS = ("家", "个", "所", "座")  # enterprises, institutions, platforms
ITEMS = ("项", "个", "件")  # projects, problems
PATENTS = ("件", "项")
PEOPLE = ("人", "名", "人次", "个")
EVENTS = ("场", "次", "个")
TEAMS = ("个", "支")

def _ind(name: str, pattern: str, kind: str = "count", units: tuple[str, ...] = ORGS) -> Indicator:
    return Indicator(name, re.compile(pattern), kind, units if kind == "count" else ())


# Order does not matter: overlapping matches are resolved by length (longest wins), so
# 新型研发机构 beats 研发机构 and 研发机构比例 beats both.
INDICATORS: tuple[Indicator, ...] = (
    _ind("高新技术产品产值占比", r"高新技术产品产值", "ratio"),
    _ind("高新技术企业数量", r"高新技术企业|高企(?!补助|培育库|提质)"),
    _ind("研发机构比例", r"研发机构比例", "ratio"),
    _ind("新型研发机构", r"新型研发机构"),
    _ind("研发机构", r"研发机构"),
    _ind("孵化器和众创空间", r"孵化器与众创空间|孵化器和众创空间"),
    _ind("孵化器", r"孵化器"),
    _ind("众创空间", r"众创空间"),
    _ind("加速器", r"加速器"),
    _ind("专利申请量", r"(?<!发明)(?<!PCT)专利申请量?|(?<!专利)(?<!发明)申请量", units=PATENTS),
    _ind("PCT专利申请量", r"PCT专利申请量?", units=PATENTS),
    _ind("专利授权量", r"(?<!发明)专利授权量?|授权专利数?|(?<!专利)(?<!发明)授权量", units=PATENTS),
    _ind("发明专利申请量", r"发明专利申请量?|发明专利(?!授权|拥有|的)", units=PATENTS),
    _ind("发明专利授权量", r"发明专利授权量?", units=PATENTS),
    _ind("有效发明专利", r"有效发明专利(?:拥有量)?", units=PATENTS),
    _ind("科技型中小企业入库", r"科技型中小企业(?!技术创新资金)"),
    _ind(
        "研发经费占比",
        r"研发经费[^,;。]{0,8}比重|R&D占比|研究与开发经费支出占[^,;。]{0,8}比重|研发(?:经费)?(?:投入)?强度",
        "ratio",
    ),
    _ind("每万人发明专利拥有量", r"(?:每)?万人(?:口)?[^,;。]{0,4}发明专利拥有量", units=PATENTS),
    _ind("工程技术研究中心", r"工程技术研究(?:开发)?中心|工程技术研发中心|工程中心"),
    _ind("重点实验室", r"重点实验室"),
    _ind("技术合同成交额", r"技术合同(?:成交额|交易额)", "money"),
    _ind("科技项目", r"科技(?:计划)?项目|重大科技专项|重大专项", units=ITEMS),
    _ind("创新团队", r"创新创业科研团队|创新团队|科研团队", units=TEAMS),
    _ind("科技特派员", r"科技特派员|特派员(?!工作站)", units=PEOPLE),
    _ind("院士工作站", r"院士工作站"),
    _ind("研究生工作站", r"研究生工作站"),
    _ind("产学研合作项目", r"产学研合作(?:项目)?", units=ITEMS),
    _ind("高层次人才", r"高层次人才|博士以上[^,;。]{0,6}人才", units=PEOPLE),
    _ind("创新券", r"创新券", "money"),
    # a "X科贷" loan product (苏科贷 …) counts as a science-and-technology loan
    _ind("科技贷款项目", r"(?:[\u4e00-\u9fff]科贷|科技贷款)[”\"]?项目", units=ITEMS),
    _ind("服务企业数", r"服务企业", units=("家",)),
    _ind("关键技术攻关", r"(?:核心)?关键技术(?:难题)?|核心技术", units=ITEMS),
    _ind("产研对接会议", r"现场会议|对接会", units=EVENTS),
    _ind("学术会议论坛", r"学术会议|论坛", units=EVENTS),
    _ind("科技三项经费", r"科技三项经费|科技经费", "money"),
    _ind("研发投入", r"研发投入", "money"),
    _ind("科技贷款", r"科技贷款(?!贴息|风险|入池|项目)|[\u4e00-\u9fff]科贷(?![”\"]?项目)", "money"),
    _ind("专利质押贷款", r"专利质押贷款", "money"),
)

INDICATOR_NAMES: tuple[str, ...] = tuple(dict.fromkeys(i.name for i in INDICATORS))


@dataclass(frozen=True)
class Keyword:
    """One indicator phrase found in a compact sentence."""

    indicator: Indicator
    start: int
    end: int


def find_keywords(compact: str) -> list[Keyword]:
    """Indicator phrases in ``compact``, overlaps resolved longest-first, in text order."""
    found: list[Keyword] = []
    for ind in INDICATORS:
        for m in ind.pattern.finditer(compact):
            if m.end() > m.start():
                found.append(Keyword(ind, m.start(), m.end()))
    found.sort(key=lambda k: (-(k.end - k.start), k.start))
    kept: list[Keyword] = []
    for k in found:
        if all(k.end <= o.start or k.start >= o.end for o in kept):
            kept.append(k)
    # Same span, two indicators (a loan product as loan or as project): keep both; the unit decides.
    for k in found:
        if k not in kept and any(k.start == o.start and k.end == o.end for o in kept):
            kept.append(k)
    kept.sort(key=lambda k: (k.start, -(k.end - k.start)))
    return kept


def fits(indicator: Indicator, unit: str, change: str | None) -> bool:
    """Whether a quantity in ``unit`` can measure ``indicator``; growth rates fit anything."""
    if unit.startswith("万") and unit not in MONEY_UNITS:
        unit = unit[1:]
    kind = unit_kind(unit)
    if kind == "ratio" and change == "增长":
        return True
    if indicator.kind != kind:
        return False
    return kind != "count" or not indicator.units or unit in indicator.units


# --- quantities ------------------------------------------------------------------------------

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# "1.8万家", "3.5万件": a count in ten-thousands keeps 万 in its unit
_UNIT_ALT = "|".join(
    re.escape(u) for u in (*MONEY_UNITS, *RATIO_UNITS, *(f"万{c}" for c in COUNT_UNITS if c != "人次"), *COUNT_UNITS)
)
QUANTITY = re.compile(
    r"(?<![\d.A-Za-z第这那])"
    r"(?P<num>\d+(?:\.\d+)?(?:[-~—–至到]\d+(?:\.\d+)?)?|[一二两三四五六七八九十]{1,3}(?=[家个]))"
    rf"(?P<unit>{_UNIT_ALT})"
)
_PRE_QUALIFIERS = ("超过", "突破", "增至", "不少于", "超", "约", "近", "逾")
_POST_QUALIFIERS = ("以上", "左右", "多", "余")


def cn_to_int(s: str) -> int | None:
    """一 .. 九十九; None for anything else."""
    if not s:
        return None
    if s == "十":
        return 10
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN_DIGITS.get(tens, None) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return t * 10 + o if t is not None else None
    if len(s) == 1:
        return _CN_DIGITS.get(s)
    return None


def normalise_value(raw: str) -> tuple[str, float | None]:
    """The value as a string ("250", "2-4", "1" for 一) and its lower bound as a number."""
    if re.fullmatch(r"[一二两三四五六七八九十]+", raw):
        n = cn_to_int(raw)
        return (str(n), float(n)) if n is not None else (raw, None)
    parts = re.split(r"[-~—–至到]", raw)
    try:
        low = float(parts[0])
    except ValueError:
        return raw, None
    if len(parts) == 2:
        return f"{parts[0]}-{parts[1]}", low
    return raw, low


def pre_qualifier(compact: str, pos: int) -> str | None:
    before = compact[max(0, pos - 3) : pos]
    for q in _PRE_QUALIFIERS:
        if before.endswith(q):
            return q
    return None


def post_qualifier(compact: str, end: int) -> str | None:
    after = compact[end : end + 2]
    for q in _POST_QUALIFIERS:
        if after.startswith(q):
            return q
    return None


LEVEL = re.compile(r"国家级|省级及以上|省级以上|市级及以上|市级以上|省、市级|省市级|省级|市级|区级|县级")


def find_level(segment: str) -> str | None:
    """The last administrative level named in ``segment``; 省/国家 right before a noun count too."""
    matches = list(LEVEL.finditer(segment))
    if matches:
        return matches[-1].group(0)
    if segment.endswith("国家"):
        return "国家级"
    if segment.endswith("省"):
        return "省级"
    return None
