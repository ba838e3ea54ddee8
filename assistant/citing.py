"""How a cited document is named, everywhere (answers, CLI, web app, subsidy and commitment lists).

The one rule: only what the document states is written as its own. A title goes in 《》 only
when the document states it (its title line, header or headline); otherwise the document is named
by its file, ``文件 002_a295750ddb2d6bca.txt``. An issuer is shown only as stated. A region,
date or year a rule worked out from the text (``provenance == "inferred"``) is shown after
``据正文推断：`` so a reader never takes it for the document's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

INFERRED_MARK = "据正文推断："


class Described(Protocol):
    """A cited thing: a Passage, a MeasureMatch, a commitment row. Read here are title, source,
    provenance and, where it has them, issuer, region, date, years / year."""

    @property
    def title(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def provenance(self) -> dict[str, str]: ...


# ... or a document of the store's manifest, which comes as a dict with those keys
Cited = Described | Mapping[str, Any]


def _get(obj: Cited, key: str) -> Any:
    """An attribute, or a key of a dict (documents come as dicts from the store's manifest)."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _status(obj: Cited, key: str) -> str:
    prov = _get(obj, "provenance") or {}
    return str(prov.get(key, "stated"))


def title_stated(obj: Cited) -> bool:
    return _status(obj, "title") == "stated" and bool(_get(obj, "title"))


def document_name(obj: Cited) -> str:
    """《the document's own title》, or 文件 <file name> when it states none."""
    if title_stated(obj):
        return f"《{_get(obj, 'title')}》"
    return f"文件 {_get(obj, 'source') or _get(obj, 'title') or ''}"


def meta_parts(obj: Cited, *, concise: bool = False) -> tuple[list[str], list[str]]:
    """(stated, inferred) descriptions of a document: issuer, region, date or year.

    ``concise`` (an answer's lead line): the region is left out when the title or issuer
    already names it (根据《阳江市科技创新工作情况》（阳江市科学技术局…）)."""
    stated: list[str] = []
    inferred: list[str] = []
    issuer = _get(obj, "issuer")
    if issuer and _status(obj, "issuer") == "stated":
        stated.append(issuer)
    region = _get(obj, "region")
    named = (issuer or "") + (_get(obj, "title") if title_stated(obj) else "")
    if region and not (concise and region[:2] in named):
        (stated if _status(obj, "region") == "stated" else inferred).append(region)
    date = _get(obj, "date")
    if date and _status(obj, "date") == "stated":
        stated.append(date)
    else:
        years = list(_get(obj, "years") or [])
        year = years[-1] if years else _get(obj, "year")
        if year:
            (stated if _status(obj, "years") == "stated" else inferred).append(f"{year}年")
    return stated, inferred


def meta_text(obj: Cited, *, concise: bool = False, sep: str = "，") -> str:
    """科学技术局，2015-12-08；据正文推断：赣榆区 (empty when nothing is known). ``sep`` joins
    the stated parts (the web app's lists use " · ")."""
    stated, inferred = meta_parts(obj, concise=concise)
    text = sep.join(stated)
    if inferred:
        text += (("；" if sep == "，" else sep) if text else "") + INFERRED_MARK + "、".join(inferred)
    return text


def lead_line(obj: Cited) -> str:
    """根据《title》（issuer，date）： — the line an extractive answer opens a document's quotes
    with: what the document states about itself (what was inferred is in the citation list).
    A document without a stated title is named by its file, with its inferred region (the only
    thing then that says where it is from)."""
    stated, inferred = meta_parts(obj, concise=True)
    if not title_stated(obj):
        stated += [f"{INFERRED_MARK}{'、'.join(inferred)}"] if inferred else []
    meta = "，".join(stated)
    return f"根据{document_name(obj)}（{meta}）：" if meta else f"根据{document_name(obj)}："


def inferred_fields(obj: Cited) -> list[str]:
    """The metadata fields of a document that were inferred, not stated."""
    prov = _get(obj, "provenance") or {}
    return sorted(k for k, v in prov.items() if v == "inferred")


def page_label(page: int | None, page_end: int | None = None) -> str:
    """第3页, 第3-4页, or "" for formats without pages: how every edge names a page."""
    if page is None:
        return ""
    return f"第{page}-{page_end}页" if page_end and page_end != page else f"第{page}页"
