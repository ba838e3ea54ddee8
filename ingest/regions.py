"""Chinese place names: a complete gazetteer, normalisation and recognition in text.

Every province, prefecture and county-level unit of China (about 3,500) comes from the
``cpca`` data package (its ``resources/adcodes.csv``: administrative codes with names, read as a
file; the package's own matcher is not used). The code says where a unit belongs: 320707 赣榆区
lies in 3207 连云港市 in 32 江苏省.

Short forms (赣榆 for 赣榆区, 阳江 for 阳江市, 广西 for 广西壮族自治区) are derived, not listed:
the name without its suffix (市, 区, 县, 旗, 地区, 盟, 自治州/县 and the peoples named before it),
used only when it is a place name rather than an ordinary word. jieba's dictionary decides that:
a short form tagged as a common word (not a place or other proper name) that is frequent is not
a place in running text (光明, 平安, 通道, 长治); county-level shorts that are very frequent
words are not used at all (东海, 江山, 路桥). A few more come from the lexicon
(``common/lexicon/place_words.txt``: 朝阳产业, 中山大学 …).

A name several units share (鼓楼区 of 南京, 福州, 开封 and 徐州; 江城 for 阳江's 江城区 and
普洱's 江城县) is resolved by the other places the same text names: 鼓楼区 in a text naming 南京 is
南京's. With nothing to decide by, it is left out rather than guessed.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from common.errors import DependencyError
from common.lexicon import place_words

COUNTRY = "全国"

# Levels, most general first. Provincial-level municipalities (北京市) are "province"; county-
# level units (districts, counties, county-level cities, banners) are "district".
LEVELS = ("country", "province", "city", "district", "town")

_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_PROPER_TAGS = {"ns", "nr", "nz", "nrt", "nrfg", "nt"}
# A short form that jieba knows as an ordinary word at least this often is not a place name.
_COMMON_WORD_FREQ = 100
# County-level short forms this frequent as words are never used (东海, 江山, 路桥, 新城).
_COUNTY_SHORT_MAX_FREQ = 500
# A word this frequent crossing the edge of a short place name makes it part of that word.
_STRADDLE_FREQ = 50
_UNIVERSITY = re.compile(r"^.{0,4}?(?:大学|学院)")


@dataclass(frozen=True)
class Region:
    """A normalised administrative unit."""

    name: str  # full name: 阳江市, 赣榆区, 广东省, 全国
    level: str  # one of LEVELS
    parent: str | None  # the unit one level up: 连云港市 for 赣榆区, 广东省 for 阳江市
    province: str | None  # the province-level unit it lies in (itself for a province)
    code: str = ""  # administrative code (six digits), "" for 全国

    @property
    def chain(self) -> tuple[str, ...]:
        """The unit and its ancestors, most specific first: (赣榆区, 连云港市, 江苏省)."""
        out = [self.name]
        node: Region | None = self
        while node is not None and node.parent:
            out.append(node.parent)
            node = _gazetteer().parent_of(node)
        return tuple(out)


@dataclass(frozen=True)
class RegionMatch:
    """A place name found in a text."""

    name: str  # as written: 阳江, 赣榆区
    normalised: str  # 阳江市, 赣榆区
    level: str
    parent: str | None
    province: str | None
    start: int
    end: int
    code: str = ""

    @property
    def region(self) -> Region:
        return _gazetteer().by_code[self.code]


def _data_file() -> Path:
    """cpca's adcodes.csv, found without importing cpca (its __init__ loads pandas and fails
    on setuptools without pkg_resources)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            "the gazetteer data package cpca is not installed", hint="pip install cpca"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    if not path.is_file():
        raise DependencyError(f"cpca has no {path}", hint="reinstall it: pip install --force-reinstall cpca")
    return path


def _peoples() -> list[str]:
    path = _data_file().with_name("56_nations.csv")
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # with and without 族: 新疆维吾尔自治区 and 巴音郭楞蒙古自治州 drop it; longest first
    forms = set(names) | {n[:-1] for n in names if n.endswith("族") and len(n) > 2}
    return sorted(forms, key=len, reverse=True)


def _short_form(name: str, peoples: list[str]) -> str:
    """赣榆区 -> 赣榆, 广西壮族自治区 -> 广西, 延边朝鲜族自治州 -> 延边, 白沙黎族自治县 -> 白沙."""
    base = name
    for suffix in ("特别行政区", "自治区", "自治州", "自治县", "自治旗"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            changed = True
            while changed:  # 土家族苗族: strip every people named before the suffix
                changed = False
                for p in peoples:
                    if base.endswith(p) and len(base) - len(p) >= 2:
                        base = base[: -len(p)]
                        changed = True
                        break
            return base if len(base) >= 2 and base != name else ""
    for suffix in ("地区", "林区", "矿区", "新区", "省", "市", "区", "县", "旗", "盟"):
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            return base[: -len(suffix)]
    return ""


@lru_cache(maxsize=1)
def _jieba_words() -> dict[str, tuple[int, str]]:
    """jieba's dictionary: word -> (frequency, part of speech)."""
    spec = importlib.util.find_spec("jieba")
    out: dict[str, tuple[int, str]] = {}
    if spec is None or not spec.origin:
        return out
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                out[parts[0]] = (int(parts[1]), parts[2])
    return out


def _ordinary_word(short: str) -> bool:
    """Is a county-level unit's short form an ordinary word of running text rather than the
    place's name? (Prefecture shorts are used as names even where jieba tags them as words:
    大连, 合肥, 烟台; the few that are not are listed in the lexicon.)"""
    freq, tag = _jieba_words().get(short, (0, ""))
    if freq >= _COUNTY_SHORT_MAX_FREQ:
        return True
    return freq >= _COMMON_WORD_FREQ and tag not in _PROPER_TAGS


def _straddles_a_word(text: str, start: int, end: int) -> bool:
    """Does a two-character word cross either end of ``text[start:end]``? 定结 in 鉴定结论
    (鉴定, 结论), 和县 in 市和县级 (县级), 中山 in 高中山区 (高中): then it is no place name."""
    words = _jieba_words()
    for a, b in ((start - 1, start + 1), (end - 1, end + 1)):
        if a >= 0 and b <= len(text) and words.get(text[a:b], (0, ""))[0] >= _STRADDLE_FREQ:
            return True
    return False


class _Gazetteer:
    """Indexes built once from the data file."""

    def __init__(self) -> None:
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        self.surface: dict[str, list[str]] = defaultdict(list)  # spelling -> codes
        self.full_forms: set[str] = set()
        country = Region(COUNTRY, "country", None, None, "")
        self.by_code[""] = country
        self.by_name[COUNTRY].append(country)
        for s in ("全国", "国务院", "中华人民共和国"):
            self.surface[s].append("")
            self.full_forms.add(s)

        rows: dict[str, str] = {}
        with _data_file().open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code, name = row["adcode"][:6], row["name"].strip()
                if name and name not in _PLACEHOLDERS:
                    rows[code] = name
        for code in sorted(rows):  # provinces (xx0000) before cities (xxyy00) before counties
            name = rows[code]
            pcode, ccode = code[:2] + "0000", code[:4] + "00"
            if code == pcode:
                region = Region(name, "province", None, name, code)
            elif code == ccode:
                region = Region(name, "city", rows.get(pcode), rows.get(pcode), code)
            else:
                parent = rows.get(ccode) or rows.get(pcode)  # municipalities, 省直辖 counties
                region = Region(name, "district", parent, rows.get(pcode), code)
            self.by_code[code] = region
            self.by_name[name].append(region)
            self.full_forms.add(name)
            self.surface[name].append(code)

        words = place_words()
        peoples = _peoples()
        shorts: dict[str, list[Region]] = defaultdict(list)
        for region in self.by_code.values():
            if region.level == "country" or region.name in words.full_only:
                continue
            short = _short_form(region.name, peoples)
            if not short or short in self.full_forms:
                continue
            if region.level == "district" and _ordinary_word(short):
                continue
            shorts[short].append(region)
        for short, units in shorts.items():
            # A short shared across levels names the biggest unit (吉林: the province).
            top = min(LEVELS.index(u.level) for u in units)
            self.surface[short].extend(u.code for u in units if LEVELS.index(u.level) == top)
        # Longest spelling first, so 连云港 wins over 连云 and 阳江市 over 阳江.
        spellings = sorted(self.surface, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, spellings)))

    def parent_of(self, region: Region) -> Region | None:
        if not region.parent:
            return None
        code = region.code
        for candidate in (code[:4] + "00", code[:2] + "0000"):
            r = self.by_code.get(candidate)
            if r is not None and r.name == region.parent and r.code != code:
                return r
        return None


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


def all_regions() -> list[Region]:
    """Every unit of the gazetteer (全国, provinces, prefectures, county-level units)."""
    return list(_gazetteer().by_code.values())


def region_by_code(code: str) -> Region:
    """The unit with this administrative code ("" for 全国)."""
    return _gazetteer().by_code[code]


def regions_named(name: str) -> list[Region]:
    """Every unit with this full name (鼓楼区: four of them)."""
    return list(_gazetteer().by_name.get(name, []))


def lookup(name: str | None, parent: str | None = None) -> Region | None:
    """The unit with full name ``name`` (under ``parent`` when several share the name)."""
    units = _gazetteer().by_name.get(name or "", [])
    if parent:
        units = [u for u in units if parent in u.chain[1:]] or units
    return units[0] if len(units) == 1 or (units and parent) else None


def normalize_region(name: str) -> Region | None:
    """阳江 -> 阳江市, 赣榆 -> 赣榆区 (连云港市, 江苏省), 广东 -> 广东省, 国务院 -> 全国.

    Also accepts a chain such as 江苏省连云港市赣榆区 (the most specific unit wins) and another
    suffix (阳江地区). None for anything that is not a known place, or that several units share
    with nothing to tell them apart (鼓楼区 alone).
    """
    key = re.sub(r"\s+", "", name or "")
    if not key:
        return None
    matches = find_regions(key)
    if matches and "".join(m.name for m in matches) == key:
        return max(matches, key=lambda m: LEVELS.index(m.level)).region
    g = _gazetteer()
    for suffix in ("特别行政区", "自治区", "地区", "市", "区", "县", "盟", "省"):
        stem = key[: -len(suffix)]
        if key.endswith(suffix) and stem in g.surface and len(g.surface[stem]) == 1:
            return g.by_code[g.surface[stem][0]]
    return None


def find_regions(text: str, context: Iterable[str] = ()) -> list[RegionMatch]:
    """Places named in ``text``, in order, without overlaps (longest spelling wins).

    A spelling several units share is resolved by the places named unambiguously in the same
    text, or given as ``context`` (a document's region, the regions a corpus is about): the
    unit under the most specific of them wins (鼓楼区 after 南京市 is 南京's, not 徐州's, although
    both lie in 江苏省). One that stays ambiguous is left out.
    """
    g = _gazetteer()
    text = text or ""
    hits: list[tuple[re.Match[str], list[str]]] = []
    for m in g.pattern.finditer(text):
        surface = m.group(0)
        if surface not in g.full_forms and _is_false_hit(text, surface, m.start(), m.end()):
            continue
        # County-level names in a short or two-character form (赣榆, 和县) must not be part of
        # a word; province and city short forms are names first (广西部署 is 广西 + 部署).
        county = all(g.by_code[c].level == "district" for c in g.surface[surface])
        weak = surface not in g.full_forms or len(surface) == 2
        if county and weak and _straddles_a_word(text, m.start(), m.end()):
            continue
        # 对新建区级科技产业园区: an ordinary word before 区级 / 县级 / 市级 is no place (新建区)
        if county and text[m.end() : m.end() + 1] == "级" and _ordinary_word(surface[:-1]):
            continue
        hits.append((m, g.surface[surface]))
    known = set(context)
    for _, codes in hits:
        if len(codes) == 1:
            known.update(g.by_code[codes[0]].chain)
    out: list[RegionMatch] = []
    for m, codes in hits:
        if len(codes) > 1:
            codes = _disambiguate(codes, known)
            if not codes:
                continue
        region = g.by_code[codes[0]]
        out.append(
            RegionMatch(
                name=m.group(0), normalised=region.name, level=region.level,
                parent=region.parent, province=region.province,
                start=m.start(), end=m.end(), code=region.code,
            )
        )
    return out


def _disambiguate(codes: list[str], known: set[str]) -> list[str]:
    """The one unit among ``codes`` whose nearest ancestor is in ``known``, else []."""
    g = _gazetteer()
    for depth in (1, 2, 3):  # parent first, then grandparent ...
        fitting = [c for c in codes if len(g.by_code[c].chain) > depth and g.by_code[c].chain[depth] in known]
        if len(fitting) == 1:
            return fitting
        if len(fitting) > 1:
            return []
    return []


def named_in_running_text(text: str) -> list[RegionMatch]:
    """Places a document's text names, for deciding what it is about: as :func:`find_regions`,
    except that a county-level unit written in a short form (赣榆) or a two-character name (和县)
    counts only when the text also names its city or province in full, so that a word that
    looks like a county (定结 in a far-away 西藏) does not steer the vote."""
    matches = find_regions(text)
    named = {m.normalised for m in matches if m.name in _gazetteer().full_forms and len(m.name) > 2}
    named |= {m.normalised for m in matches if m.level in ("province", "city")}
    out = []
    for m in matches:
        strong = m.level != "district" or (m.name == m.normalised and len(m.name) > 2)
        if strong or set(m.region.chain[1:]) & named:
            out.append(m)
    return out


def _is_false_hit(text: str, surface: str, start: int, end: int) -> bool:
    words = place_words()
    after = text[end : end + 8]
    before = text[max(0, start - 4) : start]
    rule = words.not_before.get(surface)
    if rule is not None and rule.match(after):
        return True
    rule = words.not_after.get(surface)
    if rule is not None and rule.search(before):
        return True
    return bool(_UNIVERSITY.match(after))
