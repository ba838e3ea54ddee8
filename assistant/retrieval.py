"""The retriever as a LangChain ``BaseRetriever``, and Passage <-> Document conversion.

:class:`PolicyRetriever` wraps :class:`vectorstore.hybrid.HybridSearcher`. It returns LangChain
``Document`` objects whose metadata carries everything a citation needs (source, title, region,
date, section, offsets, component scores), so it composes with any LangChain chain;
:func:`passage_from_document` turns them into the assistant's :class:`Passage`.

Filters and boosts come through ``invoke`` keyword arguments::

    retriever.invoke("专利申请量", filters=SearchFilters(region="阳江市"), k=5)   # explicit filter
    retriever.invoke("专利申请量", boosts=Boosts(regions=("阳江市",)))          # inferred: boost only
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.models import Passage
from ingest.models import PROVENANCE_KEYS
from vectorstore.hybrid import Boosts, Hit, HybridSearcher, SearchFilters


class PolicyRetriever(BaseRetriever):
    """Hybrid (dense + BM25) retriever over the policy store."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    k: int = 5

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        filters: SearchFilters | None = None,
        boosts: Boosts | None = None,
        lexical_query: str | None = None,
        generation: str | None = None,
    ) -> list[Document]:
        hits = self.searcher.search(
            query, k=k or self.k, filters=filters, boosts=boosts, lexical_query=lexical_query,
            generation=generation,
        )
        return [document_from_hit(h) for h in hits]


def document_from_hit(hit: Hit) -> Document:
    meta = dict(hit.metadata)
    meta["chunk_id"] = hit.id
    meta["score"] = float(hit.score)
    meta["scores"] = {k: float(v) for k, v in hit.scores.items()}
    return Document(page_content=hit.text, metadata=meta, id=hit.id)


def passage_from_document(doc: Document) -> Passage:
    m = doc.metadata
    year = m.get("year")
    return Passage(
        chunk_id=str(m.get("chunk_id") or doc.id or ""),
        text=doc.page_content,
        score=float(m.get("score", 0.0)),
        source=str(m.get("source", "")),
        title=str(m.get("title") or m.get("source") or ""),
        region=m.get("region"),
        date=m.get("date"),
        year=int(year) if year is not None else None,
        section=str(m.get("section", "")),
        doc_id=str(m.get("doc_id", "")),
        start=int(m.get("start", 0) or 0),
        end=int(m.get("end", 0) or 0),
        years=[int(y) for y in (m.get("years") or [])],
        issuer=m.get("issuer"),
        doc_type=m.get("doc_type"),
        parent_region=m.get("parent_region"),
        province=m.get("province"),
        scores=dict(m.get("scores") or {}),
        provenance={k: str(m[f"{k}_status"]) for k in PROVENANCE_KEYS if m.get(f"{k}_status")},
        page=int(m["page"]) if m.get("page") is not None else None,
        page_end=int(m["page_end"]) if m.get("page_end") is not None else None,
    )


def document_from_passage(p: Passage) -> Document:
    """The inverse, for handing passages to LangChain components (prompts, other chains)."""
    meta: dict[str, Any] = {
        "chunk_id": p.chunk_id,
        "source": p.source,
        "title": p.title,
        "region": p.region,
        "date": p.date,
        "year": p.year,
        "years": list(p.years),
        "section": p.section,
        "doc_id": p.doc_id,
        "start": p.start,
        "end": p.end,
        "issuer": p.issuer,
        "doc_type": p.doc_type,
        "parent_region": p.parent_region,
        "province": p.province,
        "score": p.score,
        "scores": dict(p.scores),
        **{f"{k}_status": v for k, v in p.provenance.items()},
    }
    if p.page is not None:
        meta["page"] = p.page
    if p.page_end is not None:
        meta["page_end"] = p.page_end
    return Document(page_content=p.text, metadata=meta, id=p.chunk_id or None)
