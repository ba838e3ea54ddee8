"""The answering pipeline: analyse -> retrieve -> answer, as a LangChain Runnable.

:class:`QAService` is the Python facade the CLI, the web app and eval use::

    qa = QAService(settings, store, embeddings, lexical)
    answer = qa.ask("阳江2015年专利申请量是多少？")
    for piece in qa.stream("江门到2017年高企要达到多少家？"):
        ...  # str pieces, then the final Answer

Underneath, ``qa.chain`` is ``RunnableLambda(analyze) | RunnableLambda(retrieve) |
RunnableLambda(answer)`` over a request dict, so it composes with other LangChain runnables
(``qa.chain.invoke({"question": "…", "region": "中山市"})`` returns the same Answer).

Answerers: the extractive one by default; the LLM one when a chat model is given or
``settings.llm.base_url`` is set. Subsidy questions ("有哪些补贴 / 我能申请什么") first go to the
optional ``subsidy_finder`` (see :class:`SubsidyFinder`); when it is absent or returns None the
normal answerer runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.conversation import resolve_followup
from assistant.extractive import Draft, ExtractiveAnswerer
from assistant.llm import LLMAnswerer
from assistant.models import Answer, Citation, Passage
from assistant.query import (
    CorpusCoverage, QueryAnalysis, RegionFinder, analyze, clean_question, split_unknown_terms, term_weights,
)
from assistant.request import QuestionRequest
from assistant.retrieval import PolicyRetriever, passage_from_document
from assistant.scoring import load_models
from assistant.verify import cited_ids
from common.errors import QuestionError
from common.settings import Settings
from vectorstore.base import KeywordIndex, PolicyStore
from vectorstore.hybrid import Boosts, HybridSearcher, Reranker, SearchFilters, make_reranker

if TYPE_CHECKING:  # ~0.6 s of langchain imports, needed only when an LLM is configured
    from langchain_core.language_models.chat_models import BaseChatModel


class SubsidyFinder(Protocol):
    """The seam for the subsidy finder (issue 5, ``assistant/subsidies.py``).

    Called for questions asking which measures exist (``QueryAnalysis.wants_measures``: intent
    ``subsidy`` and 有哪些 / 能申请 …, not a single figure) with the (resolved) question, its analysis
    (regions, enterprise types …) and the passages retrieved for it. Return an :class:`Answer`
    listing the matching measures with citations (``[n]`` markers; ``Citation.id`` numbering is
    the finder's own, and ``Answer.passages`` should hold what it cites), or ``None`` to let the
    normal answerer reply. The pipeline fills in ``question``, ``resolved_question``,
    ``analysis`` and ``latency_ms``.
    """

    def __call__(
        self, question: str, analysis: QueryAnalysis, passages: Sequence[Passage]
    ) -> Answer | None: ...


@dataclass
class _Work:
    """One request on its way through the steps."""

    request: QuestionRequest
    started: float = field(default_factory=time.perf_counter)
    generation: str | None = None  # the store's, read once per request
    # filled by the steps
    resolved: str = ""
    analysis: QueryAnalysis | None = None
    passages: list[Passage] = field(default_factory=list)

    @property
    def question(self) -> str:
        return self.request.question


class QAService:
    """Answers questions over a store. Thread-safe; build once, reuse."""

    def __init__(
        self,
        settings: Settings,
        store: PolicyStore,
        embeddings: Embeddings,
        lexical: KeywordIndex,
        llm: BaseChatModel | None = None,
        *,
        subsidy_finder: SubsidyFinder | None = None,
        reranker: Reranker | None = None,
        find_regions: RegionFinder | None = None,
        normalize_region: Callable[[str], str] | None = None,
    ) -> None:
        """``find_regions`` / ``normalize_region`` replace the ingest gazetteer (tests)."""
        self.settings = settings
        self._gazetteer = {"find_regions": find_regions, "normalize_region": normalize_region}
        self.store = store
        if reranker is None and settings.retrieval.reranker_model:
            reranker = make_reranker(settings.retrieval.reranker_model, settings.embedding.device)
        self.searcher = HybridSearcher(store, embeddings, lexical, settings.retrieval, reranker=reranker)
        self.retriever = PolicyRetriever(searcher=self.searcher, k=settings.retrieval.k)
        self.subsidy_finder = subsidy_finder
        self.llm: LLMAnswerer | None = None
        if llm is not None or settings.llm.base_url:
            self.llm = LLMAnswerer.from_settings(settings.llm, chat_model=llm)
        self._coverage: tuple[str, CorpusCoverage] | None = None
        # the fitted candidate ranker and abstainers: the store's own, else the packaged ones
        self.models = load_models(getattr(store, "home", None))
        self._lock = threading.Lock()
        self.chain: Runnable = (
            RunnableLambda(self._step_analyze, name="analyze")
            | RunnableLambda(self._step_retrieve, name="retrieve")
            | RunnableLambda(self._step_answer, name="answer")
        ).with_config(run_name="policyqa")

    # --- public API -----------------------------------------------------------------------

    def ask(self, request: QuestionRequest | str, **loose: Any) -> Answer:
        """Answer one question (see module doc). Raises QuestionError for an empty question.

        ``request``: a :class:`QuestionRequest`, or the question text with the request's loose
        values as keywords (``region=``, ``year=``, ``doc=``, ``k=``, ``history=``).
        """
        return self.chain.invoke(_request(request, loose))

    def stream(self, request: QuestionRequest | str, **loose: Any) -> Iterator[str | Answer]:
        """Yield the answer's text in pieces (sentences, or LLM tokens), then the final Answer.

        The same steps as :meth:`ask` (one analysis, one retrieval, one answer step); with the
        LLM, the final Answer's text is the verified one: flagged sentences are listed in
        ``checks``, and with ``drop_unverified`` they are gone from it.
        """
        req = self._step_retrieve(self._step_analyze(_request(request, loose)))
        yield from self._answer_steps(req)

    def retrieve(self, request: QuestionRequest | str, **loose: Any) -> list[Passage]:
        """The ranked passages for a question (what ``Answer.passages`` holds), best first."""
        req = self._step_retrieve(self._step_analyze(_request(request, loose)))
        return req.passages

    def analyze(self, question: str, **filters: Any) -> QueryAnalysis:
        """The query analysis, against what the store covers."""
        return analyze(question, coverage=self.coverage(), **self._gazetteer, **filters)

    def coverage(self, generation: str | None = None) -> CorpusCoverage:
        """Regions and years the store's documents are about (cached per store generation)."""
        gen = generation if generation is not None else self.store.generation()
        with self._lock:
            if self._coverage is None or self._coverage[0] != gen:
                self._coverage = (gen, CorpusCoverage.from_documents(self.store.list_documents()))
            return self._coverage[1]

    # --- steps ----------------------------------------------------------------------------

    def _step_analyze(self, request: QuestionRequest | Mapping[str, Any] | str) -> _Work:
        if not isinstance(request, QuestionRequest):
            request = QuestionRequest.from_mapping(request)  # the chain invoked with a dict
        clean_question(request.question)  # QuestionError with a hint when empty
        request = replace(request, question=request.question.strip())
        req = _Work(request)
        req.generation = self.store.generation()
        coverage = self.coverage(req.generation)
        f = request.filters

        def analysed(text: str) -> QueryAnalysis:
            return analyze(text, region=f.region, year=f.year, doc=f.doc, coverage=coverage,
                           **self._gazetteer)

        # Each text is analysed once: the question, and (a follow-up) its standalone form.
        first = analysed(req.question)
        req.resolved = resolve_followup(
            req.question,
            request.history,
            analyzer=lambda q: analyze(q, coverage=coverage, **self._gazetteer),
            coverage=coverage,
            analysis=first,
        )
        req.analysis = first if req.resolved == req.question else analysed(req.resolved)
        catalog = self.searcher.catalog(req.generation)
        req.analysis.key_terms = split_unknown_terms(req.analysis.key_terms, catalog.doc_freq)
        req.analysis.note_text_mentions(catalog.named_where_region_unstated, catalog.named_in_documents_about)
        return req

    def _step_retrieve(self, req: _Work) -> _Work:
        qa = req.analysis
        assert qa is not None
        if qa.language == "none":
            return req  # punctuation only: nothing to search for
        # inferred regions boost; a region no document is about is stood in for by the unit
        # above it that governs it (南昌市 -> 江西省)
        boost_regions = [r for r in qa.regions if r not in qa.uncovered_regions and r not in qa.governing_regions]
        boost_regions += [qa.governing_regions[r] for r in qa.regions if r in qa.governing_regions]
        docs = self.retriever.invoke(
            qa.text,
            k=req.request.k or self.settings.retrieval.k,
            # the request's filters with the region name resolved (中山 -> 中山市)
            filters=SearchFilters(region=qa.filter_region, year=qa.filter_year, doc=qa.filter_doc),
            boosts=Boosts(
                tuple(boost_regions), tuple(int(y) for y in qa.focus_years), tuple(int(y) for y in qa.doc_years)
            ),
            generation=req.generation,
        )
        req.passages = [passage_from_document(d) for d in docs]
        return req

    def _step_answer(self, req: _Work) -> Answer:
        """The answer step of the chain: the last item of :meth:`_answer_steps`."""
        final: Answer | None = None
        for item in self._answer_steps(req):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def _answer_steps(self, req: _Work) -> Iterator[str | Answer]:
        """The one answer step, routed once: the subsidy finder for what the asker can get,
        else the extractive answerer (always when the question cannot be answered from the
        corpus), else the LLM. Yields text pieces, then the Answer."""
        qa = req.analysis
        assert qa is not None
        special = self._subsidy_answer(req)
        if special is not None:
            yield special.answer
            yield special
            return
        if self.llm is None or qa.language == "none" or not req.passages or self._hard_abstain(qa, req.passages):
            draft = self._extractive(req)
            yield from draft.pieces
            yield self._wrap(req, draft)
            return
        parts: list[str] = []
        for piece in self.llm.stream_text(req.resolved, req.passages):
            parts.append(piece)
            yield piece
        yield self._finish_llm(req, "".join(parts))

    # --- answerers ------------------------------------------------------------------------

    def _extractive(self, req: _Work) -> Draft:
        qa = req.analysis
        assert qa is not None
        answerer = ExtractiveAnswerer.from_settings(
            self.settings.answer, known_regions=sorted(self.coverage(req.generation).doc_regions),
            models=self.models, embedding_model=getattr(self.store, "embedding_model", None),
        )
        catalog = self.searcher.catalog(req.generation)
        return answerer.answer(
            qa, req.passages, term_weight=self._term_weight(qa, req.generation),
            term_absent=lambda t: catalog.doc_freq(t) == 0,
            section_of=lambda p: catalog.section_around(p.chunk_id),
            document_of=lambda p: catalog.document_around(p.chunk_id),
        )

    def _term_weight(self, qa: QueryAnalysis, generation: str | None = None):
        catalog = self.searcher.catalog(generation)
        weights = term_weights(qa.key_terms, catalog.doc_freq, max(1, len(catalog)))
        return lambda t: weights.get(t, 1.0)

    def _hard_abstain(self, qa: QueryAnalysis, passages: Sequence[Passage]) -> bool:
        """Region or year out of the corpus: the extractive abstention says so without asking
        the LLM (which might still quote a neighbouring number)."""
        if qa.region_out_of_corpus:
            return True
        if qa.doc_years and set(qa.uncovered_doc_years) >= set(qa.doc_years):
            return True
        return qa.year_out_of_corpus and not any(f"{y}年" in p.text for p in passages for y in qa.years)

    def _subsidy_answer(self, req: _Work) -> Answer | None:
        qa = req.analysis
        if self.subsidy_finder is None or qa is None or not qa.wants_measures or qa.region_out_of_corpus:
            return None
        answer = self.subsidy_finder(req.resolved, qa, req.passages)
        if answer is None:
            return None
        answer.question = req.question
        answer.resolved_question = req.resolved if req.resolved != req.question else None
        answer.analysis = {**qa.to_json(), **(answer.analysis or {})}
        answer.latency_ms = (time.perf_counter() - req.started) * 1000
        if not answer.answerer or answer.answerer == "extractive":
            answer.answerer = "subsidies"
        return answer

    def _wrap(self, req: _Work, draft: Draft) -> Answer:
        qa = req.analysis
        assert qa is not None
        analysis = qa.to_json()
        analysis["evidence"] = round(draft.evidence, 4)
        if draft.reason:
            analysis["abstain_reason"] = draft.reason
        # a passage the answerer read beyond those retrieved (the document's own signature line,
        # for a question about the document) is listed after them, under its citation's number
        passages = list(req.passages)
        for c in sorted(draft.citations, key=lambda c: c.id):
            if c.id == len(passages) + 1:
                passages.append(c.passage)
        return Answer(
            question=req.question,
            answer=draft.text,
            abstained=draft.abstained,
            citations=draft.citations,
            passages=passages,
            resolved_question=req.resolved if req.resolved != req.question else None,
            analysis=analysis,
            answerer="extractive",
            latency_ms=(time.perf_counter() - req.started) * 1000,
        )

    def _finish_llm(self, req: _Work, text: str) -> Answer:
        assert self.llm is not None and req.analysis is not None
        final, checks, abstained = self.llm.finish(text, req.passages)

        ids = sorted({i for i in cited_ids(final) if 1 <= i <= len(req.passages)})
        citations = [Citation(id=i, passage=req.passages[i - 1], quote="") for i in ids]
        analysis = req.analysis.to_json()
        analysis["unverified"] = sum(1 for c in checks if not c.ok)
        return Answer(
            question=req.question,
            answer=final,
            abstained=abstained,
            citations=[] if abstained else citations,
            passages=req.passages,
            resolved_question=req.resolved if req.resolved != req.question else None,
            analysis=analysis,
            checks=checks,
            answerer="llm",
            latency_ms=(time.perf_counter() - req.started) * 1000,
        )


def _request(request: QuestionRequest | str, loose: Mapping[str, Any]) -> QuestionRequest:
    if isinstance(request, QuestionRequest):
        if loose:
            raise TypeError("pass either a QuestionRequest or the question with keywords, not both")
        return request
    return QuestionRequest.of(request, **loose)
