"""Chinese place names: a gazetteer, normalisation and recognition in text.

Provinces, every prefecture-level unit (with its province), the districts and counties of the
sample corpus' cities and the best-known districts of big cities (``ingest/data/regions.txt``).
``normalize_region("赣榆")`` gives 赣榆区 in 连云港市, 江苏省; ``find_regions(text)`` finds the
places a question or document names, so the assistant can filter by region and say plainly when
a region (深圳, say) is not in the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

COUNTRY = "全国"

# Levels, most general first.
LEVELS = ("country", "province", "city", "district", "town")


@dataclass(frozen=True)
class Region:
    """A normalised administrative unit."""

    name: str  # full, normalised name: 阳江市, 赣榆区, 广东省, 全国
    level: str  # one of LEVELS; provincial-level municipalities (北京市) are "province"
    parent: str | None  # the unit one level up: 连云港市 for 赣榆区, 广东省 for 阳江市
    province: str | None  # the province-level unit it lies in (itself for a province)

    @property
    def chain(self) -> tuple[str, ...]:
        """The unit and its ancestors, most specific first: (赣榆区, 连云港市, 江苏省)."""
        out = [self.name]
        node = self
        while node.parent:
            out.append(node.parent)
            parent = _gazetteer().by_name.get(node.parent)
            if parent is None:
                break
            node = parent
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

    @property
    def region(self) -> Region:
        return _gazetteer().by_name[self.normalised]


# Short forms followed by these are something else (中山大学, 中山路, 阳春白雪, 新会员 ...).
_NOT_BEFORE: dict[str, str] = {
    "中山": r"大学|装|路|公园|陵|舰|先生|纪念|医院|东路|西路|北路|南路|广场|堂|站|港",
    "阳春": r"三月|白雪|面",
    "新会": r"员|计|议|场|期|谈|见|址",
    "三明": r"治",
    "大同": r"小异|世界",
    "开平": r"方",
    "黄山": r"松",
    "德州": r"扑克",
    "玉树": r"临风",
    "长春": r"藤",
}
# ... and preceded by these (孙中山, 世界大同).
_NOT_AFTER: dict[str, str] = {"中山": r"孙", "大同": r"世界|天下", "南山": r"寿比"}
# A short place name right before 大学/学院 names a university (中山大学, 河北工业大学).
_UNIVERSITY = re.compile(r"^.{0,4}?(?:大学|学院)")
_SUFFIXES = ("特别行政区", "自治区", "地区", "市", "区", "县", "盟", "省")
_STRIP_FOR_SHORT = ("地区", "市", "区", "县", "盟")


class _Gazetteer:
    """Indexes built once from the data file."""

    def __init__(self) -> None:
        self.by_name: dict[str, Region] = {}
        self.surface: dict[str, str] = {}  # any accepted spelling -> normalised name
        self.full_forms: set[str] = set()
        self._add(Region(COUNTRY, "country", None, None), ["全国", "国务院", "中华人民共和国"])
        text = resources.files("ingest").joinpath("data/regions.txt").read_text(encoding="utf-8")
        for raw in text.splitlines():
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            kind, *fields = raw.rstrip("\n").split("\t")
            if kind == "P":
                province, short = fields[0], fields[1]
                self._add(Region(province, "province", None, province), [short])
                for unit in (fields[2].split() if len(fields) > 2 else []):
                    self._add_unit(unit, "city", province, province)
            elif kind in ("D", "T"):
                parent = self.by_name[fields[0]]
                level = "district" if kind == "D" else "town"
                for unit in (fields[1].split() if len(fields) > 1 else []):
                    self._add_unit(unit, level, parent.name, parent.province)
        # Longest spelling first, so 连云港 wins over 连云 and 阳江市 over 阳江.
        spellings = sorted(self.surface, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, spellings)))

    def _add(self, region: Region, shorts: list[str]) -> None:
        if region.name in self.by_name:
            return  # first entry wins (鼓楼区 of 南京, not of 福州)
        self.by_name[region.name] = region
        self.full_forms.add(region.name)
        self.surface.setdefault(region.name, region.name)
        for short in shorts:
            if short and len(short) >= 2:
                self.surface.setdefault(short, region.name)

    def _add_unit(self, unit: str, level: str, parent: str, province: str | None) -> None:
        full_only = unit.startswith("!")
        unit = unit.lstrip("!")
        name, _, explicit = unit.partition("=")
        if explicit:
            shorts = explicit.split("/")
        elif full_only or level == "town":
            shorts = []
        else:
            shorts = [_default_short(name)]
        self._add(Region(name, level, parent, province), [s for s in shorts if s])


def _default_short(name: str) -> str:
    for suffix in _STRIP_FOR_SHORT:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


def all_regions() -> list[Region]:
    """Every unit of the gazetteer."""
    return list(_gazetteer().by_name.values())


def normalize_region(name: str) -> Region | None:
    """阳江 -> 阳江市, 赣榆 -> 赣榆区 (连云港市, 江苏省), 广东 -> 广东省, 国务院 -> 全国.

    Also accepts a chain such as 江苏省连云港市赣榆区 (the most specific unit wins). None for
    anything that is not a known place.
    """
    g = _gazetteer()
    key = re.sub(r"\s+", "", name or "")
    if not key:
        return None
    if key in g.surface:
        return g.by_name[g.surface[key]]
    # "阳江地区", "中山区" and similar spellings with another suffix.
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in g.surface:
            return g.by_name[g.surface[key[: -len(suffix)]]]
    matches = find_regions(key)
    if matches and "".join(m.name for m in matches) == key:
        return max(matches, key=lambda m: LEVELS.index(m.level)).region
    return None


def find_regions(text: str) -> list[RegionMatch]:
    """Places named in ``text``, in order, without overlaps (longest spelling wins)."""
    g = _gazetteer()
    out: list[RegionMatch] = []
    for m in g.pattern.finditer(text or ""):
        surface = m.group(0)
        normalised = g.surface[surface]
        if surface not in g.full_forms and _is_false_hit(text, surface, m.start(), m.end()):
            continue
        region = g.by_name[normalised]
        out.append(
            RegionMatch(
                name=surface,
                normalised=normalised,
                level=region.level,
                parent=region.parent,
                province=region.province,
                start=m.start(),
                end=m.end(),
            )
        )
    return out


def _is_false_hit(text: str, surface: str, start: int, end: int) -> bool:
    after = text[end:end + 8]
    before = text[max(0, start - 4):start]
    if surface in _NOT_BEFORE and re.match(_NOT_BEFORE[surface], after):
        return True
    if surface in _NOT_AFTER and re.search(f"(?:{_NOT_AFTER[surface]})$", before):
        return True
    if surface in ("全国", "国务院", "中华人民共和国"):
        return False
    return bool(_UNIVERSITY.match(after))
