"""Strip web-page chrome from captured reports and keep the document's own header facts.

Rules are line based and deliberately narrow: a line is removed only when it is recognisably
site furniture (font-size widgets, share buttons, breadcrumbs, copyright/备案/contact footers,
print/close links, QR-code prompts, navigation rows, empty attachment stubs, a trailing licence
notice). Anything else is policy text and stays, byte for byte, apart from leading/trailing
whitespace of lines and lines re-joined where the capture wrapped a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from common.textnorm import is_table_row
from ingest.headings import match_heading

# --------------------------------------------------------------------------- header facts

HEADER_KEYS = (
    "来源", "信息来源", "文章来源", "稿件来源", "作者", "时间", "发布时间", "发布日期", "更新时间",
    "更新日期", "成文日期", "发文日期", "印发日期", "生效日期", "发布机构", "发文机关", "发文机构",
    "发布单位", "信息名称", "索引号", "分类", "主题分类", "体裁分类", "文号", "发文字号", "主题词",
    "关键词", "内容概述", "时效", "有效性", "浏览次数", "阅读次数", "点击数", "访问量", "责任编辑",
    "标题", "年份", "发布",
)
# Longest first, so 发布机构 is not read as 发布 + "机构".
_KEY_ALT = "|".join(sorted(map(re.escape, HEADER_KEYS), key=len, reverse=True))
_KEY_AT = re.compile(rf"(?:^|(?<=[\s|]))({_KEY_ALT})\s*[:：]")
_KEY_START = re.compile(rf"^({_KEY_ALT})\s*[:：]")
_BULLET = re.compile(r"^[•·●◆■▪►\-*]\s*")
_DATETIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s+(\d{1,2}:\d{2}(?::\d{2})?))?$"
)
# Header lines sit above the body: we look at this many non-blank lines at most.
_HEADER_WINDOW = 20

# --------------------------------------------------------------------------- chrome

# Fragments removed from inside a line (the rest of the line may be a header line).
_INLINE_CHROME = re.compile(
    r"【\s*字体[^】]*(?:】|$)"  # 【字体：大 中 小】, or cut off at the end of the line
    r"|[【\[]\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|收藏|返回顶部)\s*[】\]]"
)
# 您当前所在位置: …, 当前位置：首页 > …, and a bare trail 首页 > 政务公开 > 规划计划
_BREADCRUMB = re.compile(
    r"^(?:您|你)?(?:现在|当前|所在)+的?位置\s*[:：>]?|^(?:您|你)的位置\s*[:：>]|^首页\s*[>＞›»]"
    # a bare trail of short section names: >政府信息公开>工作信息>计划总结
    r"|^[>＞›»]?\s*(?:[^>＞›»。，,；;]{1,20}\s*[>＞›»]\s*){2,}[^>＞›»。，,；;]{0,20}$"
)
_SHARE = re.compile(r"^(?:转载)?分享(?:到|至)?\s*[:：]?\s*$|^转载分享")
_PRINT_CLOSE = re.compile(
    r"^(?:[【\[]?\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|返回顶部|收藏本页|【?\s*字体)\s*[】\]]?\s*)+$"
)
_FOOTER_WORDS = re.compile(
    r"版权所有|ICP备|公网安备|备案序号|备案号|网站标识码|扫一扫|网站报障|技术支持\s*[:：]|"
    r"Copyright|©"
)
_FOOTER_KEYS = re.compile(
    r"^(?:管理维护|主办单位|承办单位|协办单位|主办|承办|维护单位|网站维护|运行维护|网站管理)\s*[:：]"
)
# A contact line: in a site's footer (next to 版权所有, 主办单位) it is chrome; in a notice's body
# (四、联系方式 / 联系人:李帆 / 联系电话:2046546 / 邮箱:…) it is what applicants are told, and
# questions ask for it. Only the footer's go.
_CONTACT_KEYS = re.compile(
    r"^(?:联系方式|联系电话|联系我们|联系地址|地址|电话|传真|邮编|邮箱|电子邮件|E-?mail)\s*[:：]", re.I
)
_FOOTER_REACH = 2  # lines (non-empty) from a contact line to the footer it belongs to
_COPYRIGHT_NOTICE = re.compile(r"^版权声明\s*[:：]?\s*$|^免责声明\s*[:：]?\s*$")
# A line that is nothing but a short number (a share counter, a page number), a page-number
# marker or a widget's leftover word.
_STRAY = re.compile(
    r"^(?:\d{1,4}|public domain|true|false|top|返回顶部|[-—–]\s*\d{1,4}\s*[-—–]|"
    r"第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?)$",
    re.I,
)
_LATIN_WORD_LINE = re.compile(r"^[A-Za-z]{2,10}$")
_NAV_WORDS = frozenset(
    "关于我们 网站帮助 网站地图 站点地图 隐私申明 隐私声明 隐私政策 联系我们 设为首页 加入收藏 网站声明 "
    "法律声明 免责声明 使用帮助 无障碍 无障碍浏览 长者模式 适老模式 首页 返回首页 English 繁體 繁体 简体 "
    "网站导航 意见建议 常见问题 纠错 网站纠错 我要纠错 RSS 手机版 微信 微博 登录 注册".split()
)
_STUB = re.compile(
    r"^(?:相关文件|文档附件|相关附件|附件下载|附件|相关链接|相关阅读|相关信息|相关新闻|相关稿件|"
    r"相关文章|相关政策|相关解读)\s*[:：]?\s*$"
)
# A licence notice at the very end (Wikisource captures): 本作品…属于公有领域。
_LICENCE_START = re.compile(r"^本作品(?:是|在|来自|采用)")
_LICENCE_TAIL_MAX = 2500

# --------------------------------------------------------------------------- re-joining

_TERMINAL = "。！？；：…!?;:”’」』）)】》\"'"
_SHORT_LINE = 120  # footer rules only remove lines shorter than this


@dataclass(frozen=True)
class Cleaned:
    """Cleaned text (what chunks point into), header facts, and what was removed."""

    text: str
    header: dict[str, str] = field(default_factory=dict)
    removed: tuple[str, ...] = ()


def _strip_line(line: str) -> str:
    return line.strip(" \t\u3000\xa0\ufeff\u200b")


def _is_nav_row(s: str) -> bool:
    items = [i for i in re.split(r"\s*[|｜丨]\s*|\s{2,}", s) if i]
    if len(items) < 2:
        return False
    hits = sum(1 for i in items if i in _NAV_WORDS)
    return hits >= 2 and hits * 2 >= len(items)


def is_chrome_line(s: str) -> bool:
    """True for a (stripped) line that is site furniture, not document text."""
    if not s:
        return False
    bare = _BULLET.sub("", s).strip()
    if bare and bare != s and is_chrome_line(bare):
        return True  # • 无障碍: a menu item
    if _STRAY.match(s) or _PRINT_CLOSE.match(s) or _SHARE.match(s) or _BREADCRUMB.match(s):
        return True
    if _LATIN_WORD_LINE.match(s):
        return True  # a widget's label alone on a line of a Chinese page (Baidu, map, RSS)
    if _COPYRIGHT_NOTICE.match(s) or _is_nav_row(s):
        return True
    if len(s) < _SHORT_LINE and (_FOOTER_WORDS.search(s) or _FOOTER_KEYS.match(s)):
        return True
    return False


def _drop_footer_contacts(lines: list[str | None], removed: list[str], chrome: set[int]) -> None:
    """Remove the contact lines (电话:, 邮箱:, 地址:) that stand within a few lines of the page
    chrome removed (a footer's 版权所有 / 主办单位 block); those of the document stay."""
    filled = [i for i, s in enumerate(lines) if s or i in chrome]
    for n, i in enumerate(filled):
        s = lines[i]
        if s and len(s) < _SHORT_LINE and _CONTACT_KEYS.match(s):
            near = filled[max(0, n - _FOOTER_REACH) : n + _FOOTER_REACH + 1]
            if any(j in chrome for j in near):
                removed.append(s)
                lines[i] = None
                chrome.add(i)  # the footer's next contact line is as near to it


def parse_header_line(s: str) -> dict[str, str] | None:
    """Facts of a header line ("来源: 作者:X 时间:Y", "索引号: | 0142 | 分类: | 10 |"), or None."""
    s = _BULLET.sub("", s).strip()
    if not s or len(s) > 160:
        return None
    dt = _DATETIME.match(s)
    if dt:
        return {"发布时间": s} if dt.group(4) else None
    if "|" in s:
        cells = [c.strip() for c in s.split("|")]
        facts: dict[str, str] = {}
        i = 0
        while i < len(cells):
            cell = cells[i]
            if not cell:
                i += 1
                continue
            km = _KEY_START.match(cell)
            if not km:
                return None  # a table row of content, not a header
            key, value = km.group(1), cell[km.end():].strip()
            if not value and i + 1 < len(cells) and cells[i + 1] and not _KEY_START.match(cells[i + 1]):
                value = cells[i + 1]
                i += 1
            facts.setdefault(key, value)
            i += 1
        return facts or None
    if not _KEY_START.match(s):
        return None
    found = list(_KEY_AT.finditer(s))
    facts = {}
    for n, m in enumerate(found):
        end = found[n + 1].start() if n + 1 < len(found) else len(s)
        facts.setdefault(m.group(1), s[m.end():end].strip())
    return facts


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """``key: value`` lines closed by ``---`` at the top (the extra reports); (facts, lines used)."""
    facts: dict[str, str] = {}
    for i, raw in enumerate(lines[:15]):
        s = _strip_line(raw)
        if s == "---":
            return (facts, i + 1) if facts else ({}, 0)
        if not s:
            continue
        m = re.match(r"^([^\s:：]{1,10})\s*[:：]\s*(.*)$", s)
        if not m:
            return {}, 0
        facts.setdefault(m.group(1), m.group(2).strip())
    return {}, 0


def _add_facts(header: dict[str, str], facts: dict[str, str]) -> None:
    for key, value in facts.items():
        if value and not header.get(key):
            header[key] = value


def clean(text: str, *, rejoin_min_chars: int = 40) -> Cleaned:
    """Remove page chrome, collect header facts, re-join wrapped lines.

    ``rejoin_min_chars``: a line at least this long that does not end a sentence is joined with
    the next line (web captures wrap long lines; PDFs wrap at the page width, so their loader
    passes a smaller value).
    """
    text = re.sub(r"\r\n?", "\n", text or "").replace("\ufeff", "").replace("\u200b", "")
    raw_lines = text.split("\n")
    header, skip = _front_matter(raw_lines)
    removed: list[str] = list(raw_lines[:skip])
    lines: list[str | None] = [_strip_line(line) for line in raw_lines[skip:]]

    # 1. Inline widgets, then whole chrome lines.
    notices: list[int] = []
    chrome: set[int] = set()  # the lines removed as page chrome, for the footer's contact lines
    for i, s in enumerate(lines):
        if s:
            fragments = _INLINE_CHROME.findall(s)
            if fragments:
                removed.extend(f.strip() for f in fragments)
                s = _strip_line(_INLINE_CHROME.sub("", s))
                # A bullet or separator left alone once its widget is gone.
                lines[i] = s = "" if re.fullmatch(r"[•·●◆■▪►|｜\-*:：\s]*", s) else s
        if s and is_chrome_line(s):
            if _COPYRIGHT_NOTICE.match(s):
                notices.append(i)
            removed.append(s)
            lines[i] = None
            chrome.add(i)
    _drop_footer_contacts(lines, removed, chrome)

    # 2. Header lines above the body.
    seen = 0
    for i, s in enumerate(lines):
        if s is None or not s:
            continue
        seen += 1
        if seen > _HEADER_WINDOW:
            break
        facts = parse_header_line(s)
        if facts is not None:
            _add_facts(header, facts)
            removed.append(s)
            lines[i] = None
        elif len(s) > 80 and "。" in s:
            break  # the body has started

    _drop_copyright_paragraphs(lines, removed, notices)
    _drop_licence_tail(lines, removed)
    _drop_empty_stubs(lines, removed)

    paragraphs = _rejoin(lines, rejoin_min_chars)
    return Cleaned(text="\n".join(paragraphs).strip("\n"), header=header, removed=tuple(removed))


def _drop_copyright_paragraphs(lines: list[str | None], removed: list[str], notices: list[int]) -> None:
    """The paragraph after a '版权声明:' line is the site's copyright notice, not the document."""
    for idx in notices:
        j = idx + 1
        while j < len(lines) and lines[j] == "":
            j += 1
        para = []
        while j < len(lines) and lines[j]:
            para.append(j)
            j += 1
        body = "".join(lines[k] or "" for k in para)
        if para and re.search(r"本网|本站|版权|转载|稿件|著作权", body):
            for k in para:
                removed.append(lines[k] or "")
                lines[k] = None


def _drop_licence_tail(lines: list[str | None], removed: list[str]) -> None:
    for i, s in enumerate(lines):
        if s and _LICENCE_START.match(s):
            tail = "".join(x for x in lines[i:] if x)
            if len(tail) <= _LICENCE_TAIL_MAX and ("公有领域" in tail or "著作权" in tail or "版权" in tail):
                removed.extend(x for x in lines[i:] if x)
                for j in range(i, len(lines)):
                    lines[j] = None
                return


def _drop_empty_stubs(lines: list[str | None], removed: list[str]) -> None:
    """'相关文件:' / '文档附件:' with nothing after them but other stubs, chrome or the end."""
    next_is_empty = True
    for i in range(len(lines) - 1, -1, -1):
        s = lines[i]
        if s is None or s == "":
            continue
        if _STUB.match(s):
            if next_is_empty:
                removed.append(s)
                lines[i] = None
            continue
        next_is_empty = False


def _ends_sentence(s: str) -> bool:
    return s[-1:] in _TERMINAL


def _can_join(prev: str, nxt: str, min_chars: int) -> bool:
    """Whether ``nxt`` continues the sentence ``prev`` was cut in (a wrapped line)."""
    if _ends_sentence(prev) or is_table_row(prev) or is_table_row(nxt):
        return False
    if len(prev) < min_chars and prev[-1:] not in "，,、":
        return False
    if match_heading(prev) and match_heading(prev).whole_line:  # type: ignore[union-attr]
        return False
    if match_heading(nxt) or _KEY_START.match(nxt) or _DATETIME.match(nxt):
        return False
    if len(nxt) <= 20 and nxt[-1:] in "：:！!":
        return False  # a salutation such as 各位代表：
    return bool(re.match(r"[\w“‘《〈「『\"']", nxt))


def _rejoin(lines: list[str | None], min_chars: int) -> list[str]:
    """Non-removed lines, wrapped lines re-joined, blank runs collapsed to one blank line."""
    out: list[str] = []
    joinable = False  # the previous kept line is directly above (no blank or removed line)
    for s in lines:
        if s is None or s == "":
            if out and out[-1] != "":
                out.append("")
            joinable = False
            continue
        if joinable and out and _can_join(out[-1], s, min_chars):
            sep = " " if re.match(r"[A-Za-z0-9]", s) and re.search(r"[A-Za-z0-9]$", out[-1]) else ""
            out[-1] = out[-1] + sep + s
        else:
            out.append(s)
        joinable = True
    while out and out[-1] == "":
        out.pop()
    return out
