"""Document metadata: title, issuer, region, date, years covered, type, hashes.

Facts come from the document's own header first (作者, 发布机构, 成文日期, 标题 …), then from its
text: the signature block of a notice (江门市科学技术局 / 2015年12月7日), the title line (or the
headline a one-line document opens with), the places it names and how it speaks of itself
(全市 / 全区 / 全省), its section headings (三、2016年主要工作), the dates in its body.

Nothing is made up: a document without a title line is named by its file name, an issuer is
only ever what the document writes, and each field records how it was found
(``DocumentMeta.provenance``: stated / inferred / unknown, and ``found_by``), so citations can
quote what is stated and mark what is inferred.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from common.lexicon import YEAR, national_issuer
from common.textnorm import to_simplified
from ingest.cleaning import Cleaned
from ingest.headings import match_heading
from ingest.models import DocumentMeta, LoadedText
from ingest.regions import (
    COUNTRY, LEVELS, Region, find_regions, named_in_running_text, normalize_region, region_by_code,
)

# Work documents (总结 … 报告) and notices (通知 … 指引): the kinds a title names.
DOC_TYPES = ("总结", "计划", "要点", "方案", "报告", "通知", "意见", "办法", "措施", "指引")

_YEAR = YEAR
_YEAR_RANGE = re.compile(rf"({_YEAR})\s*(?:年)?\s*[-—–~～至到]\s*({_YEAR})")
_YEAR_IN = re.compile(rf"(?<!\d)({_YEAR})(?=\s*年|\s*[-—–~～]\s*{_YEAR}|[)）]|$)")
_DATE = re.compile(
    rf"({_YEAR})\s*(?:[-/.]|年)\s*(\d{{1,2}})\s*(?:[-/.]|月)\s*(\d{{1,2}})\s*日?"
)
_DATE_LINE = re.compile(rf"^{_YEAR}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日$")
_MEETING_LINE = re.compile(rf"^[—\-－]*\s*({_YEAR}年\d{{1,2}}月\d{{1,2}}日)在.{{0,40}}(?:会议|大会)")
_ORG_SUFFIX = re.compile(
    r"(?:局|委员会|委|厅|办公室|办公厅|办|人民政府|政府|研究院|院|部|中心|署|管委会|协会)$"
)
_NOT_ORG = {"本网", "本站", "本院", "网站", "本单位"}
# A forwarded notice: 转发/印发 …《inner title》… 通知
_REPOST = re.compile(r"(?:转发|印发).*?《(.+?)》.*?通知")

# Title words giving the document type. 计划 only as a work plan, not a named programme
# (扬帆计划实施方案 is a 方案).
_TITLE_TYPES = {
    "总结": re.compile(r"总结|工作回顾"),
    "计划": re.compile(r"工作计划|工作设想|工作安排|工作打算|计划$"),
    "要点": re.compile(r"要点"),
    "方案": re.compile(r"方案"),
    "报告": re.compile(r"报告"),
    "通知": re.compile(r"通知|通告|公告|倡议书|一封信"),
    "意见": re.compile(r"意见"),
    "办法": re.compile(r"办法|细则|规定|条例"),
    "措施": re.compile(r"措施|举措"),
    "指引": re.compile(r"指引|指南"),
}
_TITLE_WEAK_SUMMARY = re.compile(r"工作情况|情况$|成效|进展")
_HEADING_TYPES = {
    "总结": re.compile(r"总结|工作情况|基本情况|工作回顾|主要成效|工作成效|进展情况|完成情况|主要做法"),
    "计划": re.compile(
        r"工作计划|工作设想|工作安排|工作思路|工作打算|工作要点|下一步|"
        rf"{_YEAR}年(?:的)?(?:主要|重点)(?:工作|任务)"
    ),
}
_SELF_LEVEL = {
    "district": re.compile(r"全区|我区|区委|区政府|本区|全县|我县|县委|县政府|本县"),
    "city": re.compile(r"全市|我市|市委|市政府|本市"),
    "province": re.compile(r"全省|我省|省委|省政府|本省"),
}
# The unit names each self-reference above fits (全市: 天津市 as well as 阳江市 or 阳春市).
_SELF_SUFFIX = {"district": ("区", "县", "旗"), "city": ("市", "州", "盟"), "province": ("省", "自治区")}
_PLAN_CUES = re.compile(r"力争|争取|年内|确保|到\s*20\d\d\s*年")
_DONE_CUES = re.compile(r"同比增长|累计|完成了|取得了|实现了|已经|共有")


def normalize_title(title: str) -> str:
    """Tidy a title: no stray spaces, full-width brackets: 方案(2015-2017 年) -> 方案（2015-2017年）."""
    t = unicodedata.normalize("NFC", title).strip()
    # Drop whitespace unless it separates two Latin words or numbers ("R&D Plan 2020").
    t = re.sub(r"\s+", lambda m: " " if _latin_both_sides(t, m) else "", t)
    t = t.replace("(", "（").replace(")", "）")
    return t


def _latin_both_sides(text: str, m: re.Match[str]) -> bool:
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end()] if m.end() < len(text) else ""
    return bool(re.match(r"[A-Za-z0-9&]", before) and re.match(r"[A-Za-z0-9&]", after))


def iso_date(value: str | None) -> str | None:
    """First date in ``value`` as YYYY-MM-DD ("2016-04-25 17:13", "2015年12月7日", "2015.12.8")."""
    m = _DATE.search(value) if value else None
    return _iso(m) if m else None


def dates_in(text: str) -> Iterator[tuple[tuple[int, int], str]]:
    """Each date written in ``text``: where it stands, and as YYYY-MM-DD (forms as iso_date)."""
    for m in _DATE.finditer(text):
        iso = _iso(m)
        if iso:
            yield m.span(), iso


def _iso(m: re.Match[str]) -> str | None:
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def years_in(text: str) -> list[int]:
    """Years a title names: 2015年, 2015-2017 (expanded), ascending and unique."""
    found: set[int] = set()
    for a, b in _YEAR_RANGE.findall(text):
        lo, hi = sorted((int(a), int(b)))
        if hi - lo <= 10:
            found.update(range(lo, hi + 1))
    found.update(int(y) for y in _YEAR_IN.findall(text))
    return sorted(found)


def doc_id_for(path: Path) -> str:
    """Stable id of a file: derived from its absolute path (a changed file keeps its id)."""
    return hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:16]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- pieces


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _is_org(value: str | None) -> bool:
    if not value:
        return False
    v = value.strip()
    return (
        v not in _NOT_ORG
        and 2 <= len(v) <= 40
        and not re.search(r"[。，,；;：:！？/]|https?", v)
        and bool(_ORG_SUFFIX.search(v))
    )


def _signature(lines: list[str]) -> tuple[str, str] | None:
    """A notice's signature block: an organisation line followed by its date line."""
    for org, date in zip(lines, lines[1:]):
        if _DATE_LINE.match(date) and _is_org(org) and len(org) <= 30:
            iso = iso_date(date)
            if iso:
                return org, iso
    return None


def _key(s: str) -> str:
    """Comparison key for titles: letters and digits only, no 年 (2015-2017 年 == 2015-2017)."""
    return re.sub(r"[\W_年]", "", unicodedata.normalize("NFKC", s))


def _inner_title(lines: list[str], quoted: str) -> str:
    """The forwarded document's own heading in the body (it may span two lines), else ``quoted``."""
    target = _key(quoted)
    for i, line in enumerate(lines[1:], start=1):
        if "《" in line or not target.startswith(_key(line)[:6] or "\0"):
            continue
        if _key(line) == target:
            return line
        if i + 1 < len(lines) and _key(line + lines[i + 1]) == target:
            return line + lines[i + 1]
    return quoted


_TOP_LINES = 8


def _top_lines(lines: list[str]) -> list[str]:
    """The lines before the body: at most the first eight, up to the first heading or sentence."""
    out = []
    for line in lines[:_TOP_LINES]:
        if match_heading(line) is not None or "。" in line:
            break
        out.append(line)
    return out


def _looks_like_title(line: str) -> bool:
    return (
        4 <= len(line) <= 60
        and "。" not in line
        and len(re.findall(r"[|｜]", line)) < 2  # a navigation or index row (信息公开 | 政策文件 |)
        and not line.endswith(("：", ":", "，", ","))
        and match_heading(line) is None
        and not _DATE_LINE.match(line)
        and bool(re.search(r"[\u4e00-\u9fff]", line))
    )


def _title_types(title: str) -> list[str]:
    return [t for t, rx in _TITLE_TYPES.items() if rx.search(title)]


def _heading_lines(text: str) -> list[str]:
    out = []
    for line in _lines(text):
        h = match_heading(line)
        if h and h.whole_line:
            out.append(line)
    return out


def _doc_types(title: str | None, text: str) -> list[str]:
    """Types named by the title; else by the section headings; else by the content."""
    strong = _title_types(title or "")
    if strong:
        return strong
    found: set[str] = set()
    if title and _TITLE_WEAK_SUMMARY.search(title):
        found.add("总结")
    for line in _heading_lines(text):
        for t, rx in _HEADING_TYPES.items():
            if rx.search(line):
                found.add(t)
    if found:
        return [t for t in DOC_TYPES if t in found]
    # No title, no telling headings: a list of numbered tasks ahead is a 要点, prose a 计划.
    plan, done = len(_PLAN_CUES.findall(text)), len(_DONE_CUES.findall(text))
    if plan > done:
        numbered = sum(
            1 for line in _lines(text)
            if (h := match_heading(line)) and h.kind in ("num_dot", "num_comma")
        )
        return ["要点"] if numbered >= 8 else ["计划"]
    return ["总结"] if done else ["报告"]


# a header value that is only a date and time (2022-06-29 09:37:19, 2020年2月8日 10:30)
_DATE_ONLY = re.compile(r"[\d\s\-/.:：年月日时分秒]+")


def _issuer_from_publisher(value: str | None) -> str | None:
    """header 发布: '中华人民共和国国务院（…的报告）', '2025年省级人民代表大会（四川省人民政府）'."""
    if not value or _DATE_ONLY.fullmatch(value.strip()):
        return None  # 发布: 2022-06-29 09:37:19 is when, not who (_date reads it)
    m = re.match(r"^(.*?)[（(](.+?)[）)]\s*$", value.strip())
    if m:
        outside, inside = m.group(1).strip(), m.group(2).strip()
        return inside if "人民代表大会" in outside or not outside else outside
    return value.strip() or None


# --------------------------------------------------------------------------- entry point


def extract_metadata(path: Path, loaded: LoadedText, cleaned: Cleaned) -> DocumentMeta:
    """All metadata of one document (see the module docstring for where each fact comes from).

    ``provenance`` records for each field whether the document states it ("stated": its header,
    title line, signature, or a heading names it), it was derived by a rule ("inferred": the
    region voted by the places the text names, the years of the dates in the body), or nothing
    says ("unknown"). The title is never made up: without a title line it is the file name.
    """
    path = Path(path)
    text = cleaned.text
    header = dict(cleaned.header)
    lines = _lines(text)
    first = lines[0] if lines else ""
    # A notice is signed under its opening (a forwarding notice) or at its end.
    signature = _signature(lines[:40]) or _signature(lines[-12:])
    found: dict[str, str] = {}  # field -> how it was found

    title, found["title"] = _title(header, lines)
    lead_org = _leading_org(first) if found["title"] != "title line" else None

    issuer, found["issuer"] = _issuer(header, signature, title, lead_org)
    region, found["region"] = _region(header, title, issuer, text)

    date, found["date"] = _date(header, signature, lines)
    page_date = iso_date(
        header.get("发布日期") or header.get("发布时间") or header.get("时间")
        or header.get("更新时间")
    )
    if date and page_date and page_date != date and found["title"] == "forwarded document's title":
        header.setdefault("转发日期", page_date)

    doc_types, found["doc_type"] = _doc_types_found(title if found["title"] else None, text)
    years, found["years"] = _years(header, title if found["title"] else None, text, lines, doc_types, date)

    if not title:
        title, found["title"] = path.stem, ""  # the document states none: its file name
    provenance = {key: _status(how) for key, how in found.items()}
    return DocumentMeta(
        doc_id=doc_id_for(path),
        source=path.name,
        path=str(path.resolve()),
        title=normalize_title(title) if found["title"] else title,
        issuer=issuer,
        region=region.name if region else None,
        parent_region=region.parent if region and region.level in ("district", "town") else None,
        province=region.province if region else None,
        date=date,
        years=years,
        doc_type="+".join(doc_types),
        content_hash=content_hash(text),
        format=loaded.format,
        encoding=loaded.encoding,
        header=header,
        provenance=provenance,
        found_by={key: how for key, how in found.items() if how},
    )


# How a value was found -> stated / inferred. Everything the document says in so many words is
# "stated"; what a rule worked out from the text is "inferred"; nothing found is "unknown".
_INFERRED_HOW = {"text", "national issuer", "first sentence", "body dates", "document date",
                 "content"}


def _status(how: str) -> str:
    if not how:
        return "unknown"
    return "inferred" if how in _INFERRED_HOW else "stated"


def _title(header: dict[str, str], lines: list[str]) -> tuple[str | None, str]:
    """The document's own title and where it stands; (None, "") when it states none."""
    first = lines[0] if lines else ""
    for key in ("标题", "信息名称"):
        if header.get(key):
            return header[key], f"header {key}"
    repost = _REPOST.search(first) if first.startswith(("转发", "印发", "关于印发")) else None
    if repost:
        return _inner_title(lines, repost.group(1)), "forwarded document's title"
    # Pages often open with a site banner, the issuer's name or a navigation row before the
    # title: a line near the top that names a document type (通知, 总结, 方案 …) is the title.
    for line in _top_lines(lines):
        if _looks_like_title(line) and _title_types(line) and not _is_org(line):
            return line.strip("|｜ "), "title line"
    if _looks_like_title(first) and not _is_org(first):
        return first, "title line"
    lead = _leading_title(first)
    if lead:
        return lead, "start of the first line"
    return None, ""


# A run of spaces (or an ideographic space / tab) separates a headline from the text in
# documents whose line breaks were lost: "海陵区审批服务公告 为全面贯彻落实…".
_SEGMENT_BREAK = re.compile(r"[ \t\u3000\xa0]+")
_NAV_SEGMENT = re.compile(r"^(?:通知公告|政策解读|部门解读|政务公开|新闻中心|原标题[:：]?|导读[:：]?)$")


def _leading_title(first: str) -> str | None:
    """The headline a one-line document opens with, before the first break in the line.

    Short organisation names (铜川市人民政府) and site section names (通知公告) before it are
    skipped. A headline that opens a quote or bracket it does not close (省普法办“防控疫情 法治同行”)
    or that starts like a notice's title (关于 / 转发 / 印发 …) without its closing word
    (通知, 意见 …) goes on into the next pieces. It must look like a title (no sentence inside, no
    news dateline) and be followed by more text.
    """
    segments = [seg for seg in _SEGMENT_BREAK.split(first[:240]) if seg]
    for n, seg in enumerate(segments[:-1]):
        if (_is_org(seg) and len(seg) <= 16) or _NAV_SEGMENT.match(seg):
            continue
        seg = re.sub(r"^【[^】]{1,12}】", "", seg)  # 【四川机关党建网】headline: the site's tag
        for nxt in segments[n + 1 : n + 3]:
            if len(seg) + len(nxt) > 80 or not _incomplete_title(seg):
                break
            seg = f"{seg} {nxt}"
        if len(seg) >= 6 and _looks_like_title(seg) and not _DATELINE.search(seg) and not seg.startswith(("根据", "为了", "为")):
            return seg
        return None
    return None


_DATELINE = re.compile(r"\d{1,2}月\d{1,2}日电|记者|来源[:：]")
_NOTICE_START = re.compile(r"^(?:关于|转发|印发|关于印发)")
_NOTICE_END = re.compile(r"(?:通知|意见|办法|决定|规定|方案|措施|公告|通告|细则|指引|指南|函|批复|规划|要点)$")


def _incomplete_title(seg: str) -> bool:
    """A title cut at a space: an open quote or bracket, or a notice title without its end."""
    for a, b in (("“", "”"), ("《", "》"), ("（", "）"), ("(", ")")):
        if seg.count(a) > seg.count(b):
            return True
    return bool(_NOTICE_START.match(seg)) and not _NOTICE_END.search(seg)


def _leading_org(first: str) -> str | None:
    """An organisation name the first line opens with (铜川市人民政府 各区县人社局…)."""
    segments = [seg for seg in _SEGMENT_BREAK.split(first[:120]) if seg]
    if len(segments) > 1 and _is_org(segments[0]) and len(segments[0]) <= 16:
        return segments[0]
    return None


_TITLE_ORG = re.compile(
    r"^(.{2,24}?(?:科学技术局|科技局|人民政府办公厅|人民政府办公室|人民政府|委员会办公厅|委员会|办公厅|"
    r"总局|厅|局|委|部))(?=关于|印发|转发|\d{4}年|年度|工作总结|工作计划|工作要点)"
)


def _issuer(
    header: dict[str, str], signature: tuple[str, str] | None, title: str | None, lead_org: str | None
) -> tuple[str | None, str]:
    """Header organisation, the signature, the organisation a title opens with."""
    for key in ("发布机构", "发文机关", "发文机构", "发布单位", "作者"):
        if _is_org(header.get(key)):
            return header[key].strip(), f"header {key}"
    if signature:
        return signature[0], "signature"
    if title:
        # 中山市科学技术局2018年工作总结…, 国家卫生健康委办公厅关于…: an organisation that names
        # its place or is a national body
        m = _TITLE_ORG.match(title)
        if m and not re.search(r"[《》“”：:，,]", m.group(1)) and (
            find_regions(m.group(1)) or national_issuer().match(m.group(1))
        ):
            return m.group(1), "title"
        national = national_issuer().match(title)
        if national:  # 国家邮政局启动…, 应急管理部调拨…: the body is named, the verb follows
            return national.group(0), "title"
    if lead_org:
        return lead_org, "first line"
    publisher = _issuer_from_publisher(header.get("发布"))
    return (publisher, "header 发布") if publisher else (None, "")


def _region(
    header: dict[str, str], title: str | None, issuer: str | None, text: str
) -> tuple[Region | None, str]:
    """Named in the title, the issuer or the header's source; else a national issuer; else
    voted by the places the text names (inferred)."""
    for how, source in (("title", title), ("issuer", issuer), ("header 来源", header.get("来源"))):
        if not source:
            continue
        matches = find_regions(to_simplified(source))  # 湘鄉市 is 湘乡市
        if matches:
            best = max(matches, key=lambda m: LEVELS.index(m.level))
            return best.region, how
    for source in (issuer, title):
        if source and national_issuer().match(source):
            return normalize_region(COUNTRY), "national issuer"
    region = _vote_region(to_simplified(text))
    return (region, "text") if region else (None, "")


def _vote_region(text: str) -> Region | None:
    """The region the text speaks about most, at the level it speaks of itself (全区 / 全市 /
    全省). 全国 only when no other place is named and the text does not speak of itself as a
    local unit: a local notice cites 国务院 as its authority, or names 全国科普日."""
    matches = named_in_running_text(text)
    counts = Counter(m.normalised for m in matches if m.level != "country")
    levels = {level: len(rx.findall(text)) for level, rx in _SELF_LEVEL.items()}
    most = max(levels.values())
    tops = [level for level, n in levels.items() if n and n == most]
    if not counts:
        return normalize_region(COUNTRY) if matches and not tops else None
    codes = {m.normalised: m.code for m in matches}
    ranked = [n for n, _ in counts.most_common()]
    if not tops:
        return region_by_code(codes[ranked[0]])
    level_of = {n: region_by_code(codes[n]).level for n in ranked}
    of_kind = {n: any(_names_kind(n, t) for t in tops) for n in ranked}
    # A place of the level it speaks of, or a county-level 市 when it speaks of 全市 (湘乡市, named
    # seven times, not 湘潭市 named once); else a province-level 市 (全市 for 天津市).
    fitting = [n for n in ranked if level_of[n] in tops or level_of[n] == "district" and of_kind[n]] \
        or [n for n in ranked if of_kind[n]]
    if fitting:
        return region_by_code(codes[fitting[0]])
    # Only places above it named (the province a 全市 summary compares itself with): it does
    # not say where it is from.
    general = min(LEVELS.index(t) for t in tops)
    if all(LEVELS.index(level_of[n]) < general for n in ranked):
        return None
    return region_by_code(codes[ranked[0]])


def _names_kind(name: str, level: str) -> bool:
    """Is ``name`` a unit of the kind the self-reference of ``level`` speaks of (全区 of a 区 or of
    an 自治区, not of a 特别行政区)?"""
    if name.endswith("自治区"):
        return level in ("district", "province")
    if name.endswith("特别行政区"):
        return level == "province"
    return name.endswith(_SELF_SUFFIX[level])


def _date(
    header: dict[str, str], signature: tuple[str, str] | None, lines: list[str]
) -> tuple[str | None, str]:
    """成文日期, the signature's date, the page's publication date, a meeting's date line."""
    for key in ("成文日期", "发文日期", "印发日期"):
        d = iso_date(header.get(key))
        if d:
            return d, f"header {key}"
    if signature:
        return signature[1], "signature"
    for key in ("发布日期", "发布时间", "时间", "更新时间", "发布"):
        d = iso_date(header.get(key))
        if d:
            return d, f"header {key}"
    for line in lines[:10]:
        m = _MEETING_LINE.match(line)
        if m:
            return iso_date(m.group(1)), "meeting line"
    return None, ""


def _doc_types_found(title: str | None, text: str) -> tuple[list[str], str]:
    types = _title_types(title or "")
    if types:
        return types, "title"
    return _doc_types(title, text), "content"


_BODY_DATE = re.compile(rf"({_YEAR})\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日")


def _years(
    header: dict[str, str], title: str | None, text: str, lines: list[str],
    doc_types: list[str], date: str | None,
) -> tuple[list[int], str]:
    """Years covered: the title's; the years its section headings are about; else the year of
    the opening sentence, of the dates in the body, of the document's date (inferred)."""
    years = set(years_in(title)) if title else set()
    how = "title" if years else ""
    if not years:
        for line in _heading_lines(text):
            if any(rx.search(line) for rx in _HEADING_TYPES.values()):
                years.update(years_in(line))
        if years:
            how = "section headings"
            if "总结" in doc_types and date:
                last = int(date[:4]) - 1
                if f"{last}年" in text or "去年" in text:
                    years.add(last)
    if not years and header.get("年份", "").isdigit():
        years.add(int(header["年份"]))
        how = "header 年份"
    if not years and lines:
        first_sentence = re.split(r"[。！？]", lines[0])[0]
        years.update(years_in(first_sentence))
        how = "first sentence" if years else ""
    if not years:
        years.update(int(y) for y in _BODY_DATE.findall(text))
        how = "body dates" if years else ""
    if not years and date:
        years.add(int(date[:4]))
        how = "document date"
    if title and "政府工作报告" in title and years:
        years.add(min(years) - 1)  # the report reviews the year before it
    return sorted(years), how
