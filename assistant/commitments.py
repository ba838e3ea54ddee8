"""Commitments tracker: targets and reported figures, linked by region and indicator over time.

Reads the records extracted at ingest (``store.list_records``) and answers "what did we commit
to, by when, and what was reported later":

    rows = list_commitments(store, region="阳江", indicator="高企")
    for track in track_commitments(rows):
        track.region, track.indicator   # 阳江市, 高新技术企业数量
        [(r.year, r.kind, r.value_text) for r in track.rows]
        # [(2016, 'reported', '19家'), (2022, 'reported', '126家'), (2022, 'target', '新增30家')]

Every row keeps its source (file, title, date, section) and the verbatim sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from common.errors import ConfigError
from ingest.models import Record
from vectorstore.base import RecordSource
from common.textnorm import normalize
from ingest.indicators import INDICATOR_NAMES, find_keywords
from ingest.regions import normalize_region

KIND_LABELS = {"target": "目标", "reported": "实际"}
_KIND_ORDER = {"reported": 0, "target": 1}


@dataclass
class CommitmentRow:
    """One target or reported figure with its source."""

    kind: str  # "target" | "reported"
    region: str | None
    indicator: str
    value: str
    value_num: float | None
    unit: str
    qualifier: str | None
    level: str | None
    change: str | None  # 新增 / 增长 / None
    year: int | None  # deadline (target) or period (reported)
    doc_year: int | None
    existing: bool
    source: str
    title: str
    date: str | None
    section: str
    sentence: str
    clause: str
    start: int
    end: int
    doc_id: str = ""
    deadline_source: str | None = None  # explicit / section / document (targets)
    parent_region: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)  # the document's metadata provenance
    page: int | None = None  # of the sentence, in a document with pages

    @classmethod
    def from_record(cls, r: Record) -> CommitmentRow:
        f = r.fields
        year = f.get("deadline_year") if r.kind == "target" else f.get("period")
        return cls(
            kind=r.kind,
            region=r.region,
            indicator=str(f.get("indicator") or ""),
            value=str(f.get("value") or ""),
            value_num=f.get("value_num"),
            unit=str(f.get("unit") or ""),
            qualifier=f.get("qualifier"),
            level=f.get("level"),
            change=f.get("change"),
            year=int(year) if year is not None else None,
            doc_year=r.year,
            existing=bool(f.get("existing")),
            source=r.source,
            title=r.title,
            date=r.date,
            section=r.section,
            sentence=r.sentence,
            clause=str(f.get("clause") or r.sentence),
            start=r.start,
            end=r.end,
            doc_id=r.doc_id,
            deadline_source=f.get("deadline_source"),
            parent_region=r.parent_region,
            provenance=dict(r.provenance),
            page=r.page,
        )

    @property
    def value_text(self) -> str:
        """The figure as a reader says it: "省级 3个", "新增30家", "250家以上", "增长300%"."""
        quals = [q for q in (self.qualifier or "").split("、") if q]
        pre = [q for q in quals if q in ("超过", "突破", "超", "约", "近", "逾", "增至", "不少于")]
        post = [q for q in quals if q in ("以上", "左右", "多", "余")]
        text = f"{''.join(pre)}{self.value}{self.unit}{''.join(post)}"
        if self.change:
            text = f"{self.change}{text}"
        if self.existing and self.kind == "reported":
            text = f"现有{text}"
        return f"{self.level} {text}" if self.level else text

    @property
    def aspiration(self) -> str | None:
        quals = (self.qualifier or "").split("、")
        return next((q for q in quals if q in ("力争", "争取")), None)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["value_text"] = self.value_text
        return d


@dataclass
class Track:
    """All figures of one indicator in one region, in time order."""

    region: str | None
    indicator: str
    rows: list[CommitmentRow] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({r.year for r in self.rows if r.year is not None})

    def summary(self) -> str:
        """One line: "2016 实际 19家 → 2022 实际 现有126家 → 2022 目标 新增30家"."""
        parts = [f"{r.year or '?'} {KIND_LABELS.get(r.kind, r.kind)} {r.value_text}" for r in self.rows]
        return " → ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "indicator": self.indicator,
            "years": self.years,
            "summary": self.summary(),
            "items": [r.to_json() for r in self.rows],
        }


# --- filters ---------------------------------------------------------------------------------


def resolve_region(name: str | None) -> str | None:
    """江门 -> 江门市 via the gazetteer; unknown names raise a ConfigError with a hint."""
    if not name:
        return None
    region = normalize_region(name)
    if region is None:
        raise ConfigError(
            f"unknown region {name!r}",
            "give a city, district or province name such as 阳江, 江门市, 赣榆区 or 广东",
        )
    return region.name


def region_matches(record_region: str | None, wanted: str, *, include_parents: bool = False) -> bool:
    """The record is about ``wanted`` or a place inside it (连云港市 covers 赣榆区); with
    ``include_parents`` also a place that contains ``wanted`` (广东省 measures for 中山市)."""
    if not record_region:
        return False
    if record_region == wanted:
        return True
    rec = normalize_region(record_region)
    if rec is not None and wanted in rec.chain:
        return True
    if include_parents:
        w = normalize_region(wanted)
        return w is not None and record_region in w.chain
    return False


def indicator_names(query: str) -> set[str] | None:
    """Indicator names a user's word stands for: 高企 -> {高新技术企业数量}; 专利 -> all patent ones."""
    if not query:
        return None
    q = normalize(query)
    names = {n for n in INDICATOR_NAMES if q in n or n in q}
    names |= {k.indicator.name for k in find_keywords(q)}
    return names


def _year_matches(row: CommitmentRow, year: int, doc_years: Sequence[int]) -> bool:
    """The deadline (target) or period (reported) is ``year``; rows without one go by the
    years their document covers."""
    return row.year == year if row.year is not None else year in doc_years


def list_commitments(
    store: RecordSource,
    region: str | None = None,
    indicator: str | None = None,
    year: int | None = None,
    kind: str = "all",
) -> list[CommitmentRow]:
    """Targets and reported figures, filtered, ordered by region, indicator, year, kind.

    ``region`` accepts short names (江门); ``indicator`` a name or a word from the reports (高企,
    孵化器, 专利); ``year`` keeps rows whose deadline (targets) or period (reported) is that
    year; ``kind`` is ``target``, ``reported`` or ``all``.
    """
    if kind not in ("target", "reported", "all"):
        raise ConfigError(f"unknown kind {kind!r}", "use target, reported or all")
    wanted_region = resolve_region(region)
    wanted_indicators = indicator_names(indicator) if indicator else None
    kinds = ("target", "reported") if kind == "all" else (kind,)
    rows: list[CommitmentRow] = []
    for k in kinds:
        for rec in store.list_records(kind=k):
            if wanted_region and not region_matches(rec.region, wanted_region):
                continue
            row = CommitmentRow.from_record(rec)
            if wanted_indicators is not None and row.indicator not in wanted_indicators:
                continue
            if year is not None and not _year_matches(row, year, rec.fields.get("doc_years") or []):
                continue
            rows.append(row)
    rows.sort(key=_row_order)
    return rows


def _row_order(r: CommitmentRow) -> tuple:
    return (
        r.region or "",
        r.indicator,
        r.year if r.year is not None else 9999,
        _KIND_ORDER.get(r.kind, 9),
        r.date or "",
        r.source,
        r.start,
    )


def track_key(r: CommitmentRow) -> tuple[str, str]:
    """Figures join one track only when they are about the same place: the same region (and
    the same city above it: 鼓楼区 of 南京 is not 鼓楼区 of 福州). A document whose region is
    unknown is a track of its own: figures of two unknown places are never joined."""
    place = f"{r.region}|{r.parent_region or ''}" if r.region else f"doc:{r.doc_id or r.source}"
    return place, r.indicator


def track_commitments(rows: Iterable[CommitmentRow]) -> list[Track]:
    """Rows grouped by place and indicator (:func:`track_key`), each group in time order
    (reported before target in the same year); groups with a target first, then by region and
    indicator."""
    groups: dict[tuple[str, str], Track] = {}
    for r in sorted(rows, key=_row_order):
        groups.setdefault(track_key(r), Track(r.region, r.indicator)).rows.append(r)
    tracks = list(groups.values())
    tracks.sort(key=lambda t: (t.region or "", not any(r.kind == "target" for r in t.rows), t.indicator))
    return tracks
