"""Data passed between the ingest steps and into the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# Progress through the pages of one file: (pages done, pages total, what is happening).
PageFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class LoadedText:
    """What a loader read from one file."""

    text: str
    format: str  # "txt", "md", "html", "pdf", "docx", "doc", "ofd", "image"
    encoding: str | None = None  # text files: "utf-8", "utf-8-sig", "gb18030", "big5"
    # Formats with pages (pdf, ofd): where page n+1 starts in ``text``; () for the others.
    page_starts: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # 1-based pages read by OCR (an image file: (1,))
    low_confidence_pages: tuple[int, ...] = ()  # OCR'd pages below the confidence setting
    notes: tuple[str, ...] = ()  # what the ingest summary should say (pages skipped ...)


# The metadata fields whose provenance (stated / inferred / unknown) travels with every chunk.
PROVENANCE_KEYS = ("title", "issuer", "region", "date", "years")


@dataclass
class DocumentMeta:
    """Metadata of one document, found by cleaning + metadata extraction.

    ``doc_id`` is derived from the file's absolute path (a changed file keeps its id);
    ``content_hash`` from its cleaned text (the same content under two names is a duplicate).
    """

    doc_id: str
    source: str  # the file's base name, as cited
    path: str  # absolute path at ingest time
    title: str
    issuer: str | None
    region: str | None  # normalised: 阳江市, 赣榆区 ...
    parent_region: str | None  # the city a district belongs to: 连云港市
    province: str | None  # 广东省
    date: str | None  # ISO date of the document (成文/发布)
    years: list[int] = field(default_factory=list)  # years covered, ascending
    doc_type: str = "报告"  # 总结 / 计划 / 要点 / 方案 / 报告, joined with '+' when several
    content_hash: str = ""
    format: str = "txt"
    encoding: str | None = None
    header: dict[str, str] = field(default_factory=dict)  # 来源, 发布机构, 时间, 成文日期 ...
    # field -> "stated" (the document says it), "inferred" (a rule worked it out from the
    # text) or "unknown"; for title, issuer, region, date, years, doc_type.
    provenance: dict[str, str] = field(default_factory=dict)
    found_by: dict[str, str] = field(default_factory=dict)  # field -> where: "title line", "text" …

    def stated(self, key: str) -> bool:
        """Does the document state ``key`` (title, issuer, region, date, years, doc_type)?
        Metadata made before provenance was recorded counts as stated."""
        return self.provenance.get(key, "stated") == "stated"

    @property
    def year(self) -> int | None:
        """The document's own year: its date's year, else the last year it covers."""
        if self.date:
            return int(self.date[:4])
        return self.years[-1] if self.years else None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document's cleaned text; ``text == cleaned[start:end]``."""

    text: str
    start: int
    end: int
    section: str  # "三、… > （二）…", "" before the first heading
    index: int
    tokens: int
    page: int | None = None  # 1-based first page (formats with pages), else None
    page_end: int | None = None  # last page, when the chunk runs over a page break


@dataclass
class Record:
    """A structured fact extracted at ingest: a target, a reported figure or a support measure.

    ``fields`` holds the kind-specific values (indicator, value, unit, qualifier, deadline_year,
    period, measure, benefit, conditions ...); the rest ties it to its verbatim source.
    """

    kind: str  # "target" | "reported" | "measure"
    sentence: str  # verbatim, from the cleaned text
    section: str
    start: int
    end: int
    fields: dict[str, Any] = field(default_factory=dict)
    # Filled from the document by the store when read back:
    doc_id: str = ""
    source: str = ""
    title: str = ""
    region: str | None = None
    date: str | None = None
    year: int | None = None
    parent_region: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)  # the document's (see DocumentMeta)
    page: int | None = None  # 1-based page of the sentence (formats with pages)
