"""Document metadata: title, issuer, region, date, years covered, type, hashes.

Facts come from the document's own header first (作者, 发布机构, 成文日期, 标题 …), then from its
text: the signature block of a notice (江门市科学技术局 / 2015年12月7日), the title line, the
places it names and how it speaks of itself (全市 / 全区 / 全省), its section headings
(三、2016年主要工作). Nothing is guessed from the file name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import Path

from ingest.cleaning import Cleaned
from ingest.headings import match_heading, short_title
from ingest.models import DocumentMeta, LoadedText
from ingest.regions import LEVELS, Region, find_regions, normalize_region

DOC_TYPES = ("总结", "计划", "要点", "方案", "报告")

_YEAR = r"(?:19[4-9]\d|20\d\d)"
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
    "district": re.compile(r"全区|我区|区委|区政府|本区"),
    "city": re.compile(r"全市|我市|市委|市政府|本市"),
    "province": re.compile(r"全省|我省|省委|省政府|本省"),
}
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
    if not value:
        return None
    m = _DATE.search(value)
    if not m:
        return None
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


def _looks_like_title(line: str) -> bool:
    return (
        4 <= len(line) <= 60
        and "。" not in line
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


def _choose_region(title: str | None, issuer: str | None, text: str) -> Region | None:
    """The region a document is about: named in its title or issuer, else voted by its text."""
    for source in (title, issuer):
        if not source:
            continue
        matches = find_regions(source)
        if matches:
            best = max(matches, key=lambda m: LEVELS.index(m.level))
            return best.region
    counts = Counter(m.normalised for m in find_regions(text))
    if not counts:
        return None
    # How the document speaks of itself (全区 / 全市 / 全省) says which level it is about.
    levels = {level: len(rx.findall(text)) for level, rx in _SELF_LEVEL.items()}
    level = max(levels, key=lambda k: levels[k]) if any(levels.values()) else None
    by_level = [(n, c) for n, c in counts.most_common() if normalize_region(n) and
                normalize_region(n).level == level]  # type: ignore[union-attr]
    if by_level:
        return normalize_region(by_level[0][0])
    name = counts.most_common(1)[0][0]
    return normalize_region(name)


def _qualify_issuer(issuer: str, region: Region | None) -> str:
    """'科学技术局' issued by a district becomes '赣榆区科学技术局'."""
    if region and region.level in ("city", "district", "province") and not find_regions(issuer):
        return region.name + issuer
    return issuer


def _issuer_from_publisher(value: str | None) -> str | None:
    """header 发布: '中华人民共和国国务院（…的报告）', '2025年省级人民代表大会（四川省人民政府）'."""
    if not value:
        return None
    m = re.match(r"^(.*?)[（(](.+?)[）)]\s*$", value.strip())
    if m:
        outside, inside = m.group(1).strip(), m.group(2).strip()
        return inside if "人民代表大会" in outside or not outside else outside
    return value.strip() or None


# --------------------------------------------------------------------------- entry point


def extract_metadata(path: Path, loaded: LoadedText, cleaned: Cleaned) -> DocumentMeta:
    """All metadata of one document (see module docstring for where each fact comes from)."""
    path = Path(path)
    text = cleaned.text
    header = dict(cleaned.header)
    lines = _lines(text)
    first = lines[0] if lines else ""
    # A notice is signed under its opening (a forwarding notice) or at its end.
    signature = _signature(lines[:40]) or _signature(lines[-12:])

    # Title: the header's, else a forwarded document's own, else the first line.
    title: str | None = header.get("标题") or header.get("信息名称") or None
    repost = _REPOST.search(first) if first.startswith(("转发", "印发", "关于印发")) else None
    if not title and repost:
        title = _inner_title(lines, repost.group(1))
    if not title and _looks_like_title(first):
        title = first

    # Issuer: header organisation, the notice's signature, the title's organisation.
    issuer: str | None = None
    for key in ("发布机构", "发文机关", "发文机构", "发布单位", "作者"):
        if _is_org(header.get(key)):
            issuer = header[key].strip()
            break
    if issuer is None and signature:
        issuer = signature[0]
    if issuer is None and title:
        m = re.match(r"^(.{2,20}?(?:科学技术局|科技局|人民政府|委员会|厅|局))", title)
        if m and find_regions(m.group(1)):
            issuer = m.group(1)
    if issuer is None:
        issuer = _issuer_from_publisher(header.get("发布"))

    region = _choose_region(title, issuer, text)
    if issuer and not find_regions(issuer):
        issuer = _qualify_issuer(issuer, region)
    if issuer is None and region and region.level in ("city", "district") and "科技" in text[:400]:
        # A science-and-technology work document with no stated issuer: the region's bureau.
        issuer = f"{region.name}科学技术局"

    # Date: 成文日期, the signature's date, then the page's publication date.
    date = iso_date(header.get("成文日期") or header.get("发文日期") or header.get("印发日期"))
    if date is None and signature:
        date = signature[1]
    page_date = iso_date(
        header.get("发布日期") or header.get("发布时间") or header.get("时间")
        or header.get("更新时间")
    )
    if date is None:
        date = page_date
    elif page_date and page_date != date and repost:
        header.setdefault("转发日期", page_date)
    if date is None:
        for line in lines[:10]:
            m = _MEETING_LINE.match(line)
            if m:
                date = iso_date(m.group(1))
                break

    doc_types = _doc_types(title, text)

    # Years covered.
    years = set(years_in(title)) if title else set()
    if not years:
        for line in _heading_lines(text):
            if any(rx.search(line) for rx in _HEADING_TYPES.values()):
                years.update(years_in(line))
        if "总结" in doc_types and date:
            last = int(date[:4]) - 1
            if f"{last}年" in text or "去年" in text:
                years.add(last)
        if not years and lines:
            first_sentence = re.split(r"[。！？]", lines[0])[0]
            years.update(years_in(first_sentence))
    if not years and header.get("年份", "").isdigit():
        years.add(int(header["年份"]))
    if not years and date:
        years.add(int(date[:4]))
    if title and "政府工作报告" in title and years:
        years.add(min(years) - 1)  # the report reviews the year before it

    # No title line at all: name it the way such documents are named.
    if not title and (region or years):
        year = f"{min(years)}年" if len(years) == 1 else ""
        subject = "科技工作" if "科技工作" in text[:400] else "工作"
        title = f"{year}{region.name if region else ''}{subject}{''.join(doc_types)}"
    if not title:
        title = short_title(first) or path.stem  # nothing to name it by: its opening words

    return DocumentMeta(
        doc_id=doc_id_for(path),
        source=path.name,
        path=str(path.resolve()),
        title=normalize_title(title),
        issuer=issuer,
        region=region.name if region else None,
        parent_region=region.parent if region and region.level in ("district", "town") else None,
        province=region.province if region else None,
        date=date,
        years=sorted(years),
        doc_type="+".join(doc_types),
        content_hash=content_hash(text),
        format=loaded.format,
        encoding=loaded.encoding,
        header=header,
    )
