"""The default answerer: verbatim, cited answer units from the retrieved passages; no LLM.

The top passages are cut into answer units (``assistant.units``: sentences, and pieces of
documents whose line breaks were lost), each known as a statement, a heading, a question, a
title or a lead-in. A pointer (heading, question, lead-in) is never quoted alone: it stands for
the content after it, which is what the question's kind asks for (a figure question gets the
sentence holding the figure, with the neighbour naming its subject when it needs one; a list or
requirement question gets the items under the matched heading, up to a budget; a who/which
question gets the sentence naming the entity). Candidates are described by named features (key
term coverage, IDF-weighted; the value kind asked for, such as an amount, a count or a date;
target and support wording; year and region fit, using only what the metadata states; dense
similarity; retrieval rank) and ordered by the fitted ranker of ``assistant.scoring``. The best
few are quoted verbatim (numbers are therefore never altered), each followed by the marker
``[n]`` of its passage, under a lead line naming the document (``assistant.citing``: a 《title》
only when the document states it).

It abstains ("未在已收录的文件中找到…", plus the nearest passages as 可能相关) when the fitted
abstainer of the store's embedding model gives the best candidate too low a probability of
answering, or when the question is about a region or year that no document is stated to cover.
A region with no document of its own is answered from the documents of the unit above it
(a province's notice governs its cities), and the answer says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from assistant.citing import document_name, lead_line, meta_text, title_stated
from assistant.models import Citation, Passage
from assistant.query import ALWAYS_PARTS, ASPECT_WORDS, QueryAnalysis, find_years, part_span, states_part, states_unit
from common.textnorm import Sentence, is_table_row, row_at
from assistant.scoring import AnsweringModels, packaged_models
from assistant.units import Unit, following, item_family, sibling_items, split_units, starts_list
from common.lexicon import YEAR, support_pattern, synonyms
from common.textnorm import normalize, to_simplified
from ingest.headings import marker_kind, strip_marker
from ingest.metadata import dates_in
from ingest.indicators import find_keywords

NOT_FOUND = "未在已收录的文件中找到"

# Words that mark a target / plan sentence, and a support measure.
_TARGET_CUE = re.compile(r"(?:到|至)\s*20\d\d\s*年|力争|争取|达到|目标|新增|突破|年内|年底前|计划|预计|实现")
_SUBSIDY_CUE = support_pattern()
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万两]+[个家项件名人位万亿元倍次所宗条场期批份]|百分之")

# Words a question and a document use for the same thing (common/lexicon/synonyms.txt).
SYNONYMS: dict[str, tuple[str, ...]] = synonyms()


@dataclass
class Candidate:
    """A possible answer: a verbatim stretch of one passage (one or more contiguous units) and
    the unit that matched the question (the quote itself, or the heading / question / title it
    follows)."""

    passage: int  # index into the passage list
    anchor: Unit
    start: int  # offsets of the quote in the passage text
    end: int
    text: str  # the quote, verbatim
    score: float
    coverage: float  # weighted share of the question's content terms in anchor + quote
    region_ok: bool
    year_ok: bool
    units: int = 1
    features: dict[str, float] = field(default_factory=dict)  # what the ranker scored

    @property
    def sentence(self) -> Sentence:
        """The quote as a Sentence (offsets into its passage), for callers of the old API."""
        return Sentence(self.text, self.start, self.end)

    def overlaps(self, other: "Candidate") -> bool:
        return self.passage == other.passage and self.start < other.end and other.start < self.end


ScoredSentence = Candidate  # the name earlier callers used


@dataclass
class Draft:
    """What an answerer produced, before the pipeline wraps it into an :class:`Answer`."""

    text: str
    citations: list[Citation]
    abstained: bool
    evidence: float = 0.0
    reason: str = ""
    pieces: list[str] = field(default_factory=list)  # text in streaming order; joins to text


TermWeight = Callable[[str], float]


class ExtractiveAnswerer:
    """Quote the best candidate answers with citations, or abstain.

    Candidates are ranked by the fitted :class:`~assistant.scoring.Ranker` and the answer is
    given when the fitted :class:`~assistant.scoring.Abstainer` for the store's embedding model
    says the corpus answers the question (``abstain_threshold`` overrides its threshold).
    ``term_weight`` gives each key term's weight (IDF over the store's chunks, from the
    pipeline) and ``term_absent`` whether no chunk contains it; unit tests may leave them out.
    """

    def __init__(
        self,
        *,
        max_sentences: int = 4,
        abstain_threshold: float | None = None,
        max_quote_chars: int = 320,
        known_regions: Sequence[str] = (),
        models: AnsweringModels | None = None,
        embedding_model: str | None = None,
        extra_gap: float = 2.0,
    ) -> None:
        self.max_sentences = max_sentences
        self.models = models or packaged_models()
        self.abstainer = self.models.abstainer_for(embedding_model)
        self.abstain_threshold = self.abstainer.threshold if abstain_threshold is None else abstain_threshold
        self.max_quote_chars = max_quote_chars
        self.known_regions = list(known_regions)
        self.extra_gap = extra_gap

    @classmethod
    def from_settings(
        cls, answer_settings: object, known_regions: Sequence[str] = (), *,
        models: AnsweringModels | None = None, embedding_model: str | None = None,
    ) -> "ExtractiveAnswerer":
        return cls(
            max_sentences=answer_settings.max_sentences,  # type: ignore[attr-defined]
            abstain_threshold=answer_settings.abstain_threshold,  # type: ignore[attr-defined]
            known_regions=known_regions,
            models=models,
            embedding_model=embedding_model,
            extra_gap=answer_settings.extra_gap,  # type: ignore[attr-defined]
        )

    # --- scoring --------------------------------------------------------------------------

    def score_sentences(
        self, qa: QueryAnalysis, passages: Sequence[Passage], term_weight: TermWeight | None = None
    ) -> list[Candidate]:
        """Every candidate answer of every passage, scored for the question, best first.

        Candidates come from the answer units (``assistant/units.py``): a content unit alone, or
        with the neighbour it needs (a short unit and the next; a figure whose subject the unit
        before names; who/which: the next unit naming the entity); and after a pointer (a
        heading, a question, the title, a lead-in ending in ：) the content that follows it: the
        items under the heading up to a length budget for a list question, the first unit(s)
        otherwise. A pointer is never quoted by itself. Each is described by
        :func:`candidate_features` and scored by the fitted ranker.
        """
        ctx = _Context.of(qa, passages, term_weight)
        out: list[Candidate] = []
        for pi, p in enumerate(passages):
            units = _units_of(p)
            for i, u in enumerate(units):
                if len(_content_chars(u.text)) < 4:
                    continue  # a bare heading number or a stray fragment
                before = coverage(units[i - 1].text, ctx.weights) if i > 0 else 0.0
                for span in _spans(units, i, qa.answer_kind, ctx.budget, ctx.weights):
                    first, last = units[span[0]], units[span[-1]]
                    for start in _starts(p.text, first.start, last.end, span == [i] and qa.answer_kind != "list"):
                        text = p.text[start : last.end]
                        f = candidate_features(
                            ctx, pi, p, u, text, len(span), i == 0 and start == first.start, start
                        )
                        f["before_coverage"] = before if span[0] == i else 0.0
                        f["with_pointer"] = float(u.pointer and span[0] == i)
                        f["clause_start"] = float(start != first.start)
                        out.append(
                            Candidate(
                                pi, u, start, last.end, text, self.models.ranker.score(f),
                                f["coverage"], bool(f["region_ok"]), bool(f["year_ok"]), len(span), f,
                            )
                        )
        # Candidates about the region and year asked come first: a better-scoring one about
        # another place or year is never the answer while one about the right ones exists. A
        # region the document does not state (read from its text) is a clue, not a fact: there
        # the ranker's region feature decides.
        def fits(c: Candidate) -> bool:
            return (c.region_ok or not c.features["region_stated"]) and c.year_ok and c.coverage > 0

        out.sort(key=lambda x: (not fits(x), -x.score, x.passage, x.start))
        return out

    def evidence_score(
        self, qa: QueryAnalysis, best: Candidate | None, passages: Sequence[Passage],
        scored: Sequence[Candidate] = (), term_absent: Callable[[str], bool] | None = None,
        value_given: bool = False, context: Mapping[str, float] | None = None,
    ) -> float:
        """The abstainer's probability that the corpus answers the question, from the best
        candidate (see :func:`question_features`); compared with the abstain threshold.
        ``value_given``: the document's own line gives the value asked (its date, its issuer),
        so the best candidate's passage need not state it. ``context``: term coverage of the
        passage around a quote that is only the value asked ("联系电话:0955-7062526" shares no word
        with the question; the notice it closes does), counted when higher."""
        if best is None:
            return 0.0
        features = question_features(qa, best, scored, passages, term_absent)
        if value_given:
            features.update(figure_miss=0.0, unit_miss=0.0)
        for name, value in (context or {}).items():
            features[name] = max(features.get(name, 0.0), value)
        return self.abstainer.probability(features)

    # --- the answer -----------------------------------------------------------------------

    def answer(
        self,
        qa: QueryAnalysis,
        passages: Sequence[Passage],
        term_weight: TermWeight | None = None,
        term_absent: Callable[[str], bool] | None = None,
        section_of: SectionLookup | None = None,
        document_of: SectionLookup | None = None,
    ) -> Draft:
        """``section_of(passage)``: the chunks of the passage's section (its sibling chunks under
        the same heading, ``ChunkCatalog.section_around``), for list answers whose items the
        chunking put in chunks of their own. ``document_of(passage)``: all its document's chunks
        in order (``ChunkCatalog.document_around``), for questions about the document itself
        (落款日期, 发布单位), answered by the line that states it."""
        passages = list(passages)
        if qa.language == "none":
            return self.abstain(qa, passages, "问题里没有可以检索的文字。")
        if not passages:
            return self.abstain(qa, passages, "没有检索到任何段落。")
        if qa.region_out_of_corpus:
            names = "、".join(qa.region_mentions.get(r, r) for r in qa.uncovered_regions)
            known = "、".join(self.known_regions[:30])
            extra = f"（已收录文件涉及的地区：{known}）" if known else ""
            return self.abstain(qa, passages, f"已收录的文件中没有关于{names}的文件{extra}。")
        if qa.doc_years and set(qa.uncovered_doc_years) >= set(qa.doc_years):
            years = "、".join(f"{y}年" for y in qa.uncovered_doc_years)
            return self.abstain(qa, passages, f"已收录的文件中没有{years}的报告。")
        if qa.year_out_of_corpus and not _year_mentioned(qa, passages):
            years = "、".join(f"{y}年" for y in qa.uncovered_years)
            who = "、".join(r for r in qa.wanted_regions if r not in qa.uncovered_regions)
            return self.abstain(qa, passages, f"已收录的{who}文件没有涉及{years}。")

        scored = self.score_sentences(qa, passages, term_weight)
        best = scored[0] if scored else None
        # asked of the document itself (落款日期, 发布单位): the line of the best passage's document
        # that states it
        fact = (
            _document_fact(qa, passages[best.passage], document_of)
            if best is not None and qa.about_document and document_of is not None else None
        )
        # a contact, phone, e-mail address or document number asked for that no retrieved passage
        # of that document gives: the document's own line that does (a notice's contact line
        # closes it and is seldom retrieved). When the document gives every such value asked, a
        # quote that is only the value is judged with the passage around it.
        asked = [part for part in qa.parts if part in ALWAYS_PARTS]
        lines: list[tuple[str, tuple[Passage, Unit] | None]] = []
        given, context = False, None
        if best is not None and asked:
            ctx = _Context.of(qa, passages, term_weight)
            usable = self._usable_for_parts(best, scored, passages)
            missing = [part for part in asked if not any(states_part(c.text, part) for c in usable)]
            if document_of is not None:
                lines = [(part, _document_part(part, passages[best.passage], document_of, ctx.weights))
                         for part in missing]
            found = {part for part, line in lines if line is not None}
            given = all(part in found for part in missing)
            if given:
                around = passages[best.passage].text
                context = {"coverage": coverage(around, ctx.weights), "coverage_all": coverage(around, ctx.all_weights)}
        ev = self.evidence_score(qa, best, passages, scored, term_absent,
                                 value_given=fact is not None or given, context=context)
        if best is not None and ev < self.abstain_threshold and fact is None and "date" in qa.parts \
                and not states_part(best.text, "date"):
            # A when-question whose best quote gives no date ("现将…予以公示" for 公示期是哪几天):
            # the same document's best quote that gives one is judged instead, and leads if it
            # convinces the abstainer on its own.
            dated = next((c for c in self._usable_for_parts(best, scored, passages)
                          if states_part(c.text, "date")), None)
            if dated is not None:
                ev_dated = self.evidence_score(qa, dated, passages, scored, term_absent)
                if ev_dated >= self.abstain_threshold:
                    best, ev = dated, ev_dated
                    scored = [dated, *(c for c in scored if c is not dated)]
        if best is None or ev < self.abstain_threshold:
            reason = "检索到的段落与问题不够相关。"
            within = [r for r in qa.uncovered_regions if r in qa.within_regions]
            if within:
                names = "、".join(qa.region_mentions.get(r, r) for r in within)
                units = "、".join(dict.fromkeys(qa.within_regions[r] for r in within))
                reason = f"已收录的文件中没有关于{names}的文件；{units}的文件写到了{names}，但没有找到回答这个问题的段落。"
            elif qa.region_absent:
                names = "、".join(qa.region_mentions.get(r, r) for r in qa.uncovered_regions)
                reason = (
                    f"已收录的文件中没有关于{names}的文件，检索到的段落说的是别的地方。"
                    if qa.regions_certain
                    # some documents do not state their region: one of them may be about it
                    else f"已收录的文件中没有写明是关于{names}的文件（有的文件未写明地区），"
                    "不能确认检索到的段落说的是这里。"
                )
            draft = self.abstain(qa, passages, reason)
            draft.evidence = ev
            return draft
        if fact is not None:
            passages.append(fact[0])
            chosen = [replace(best, passage=len(passages) - 1, anchor=fact[1], start=fact[1].start,
                              end=fact[1].end, text=fact[1].text)]
            self._give_parts(qa, chosen, scored, passages, self.max_quote_chars, _taker(chosen, self.max_sentences))
        else:
            chosen = self.select(qa, scored, passages, section_of)
        for part, line in lines:
            if line is not None and not any(states_part(x.text, part) for x in chosen):
                passages.append(line[0])
                chosen.append(replace(best, passage=len(passages) - 1, anchor=line[1], start=line[1].start,
                                      end=line[1].end, text=line[1].text))
        unit = qa.asks_unit
        if unit and qa.intent != "cross" and fact is None and not any(states_unit(c.text, unit) for c in chosen):
            # "多少名" answered by a sentence that counts nothing: the corpus has the topic, not the value
            draft = self.abstain(qa, passages, f"检索到的段落没有写明所问的{_UNIT_NAMES.get(unit, '数值')}。")
            draft.evidence = ev
            return draft
        draft = self.compose(chosen, passages)
        draft.evidence = ev
        note = _governing_note(qa, [passages[c.passage] for c in chosen])
        if note:
            draft.pieces.insert(0, note)
            draft.text = note + draft.text
        return draft

    def select(
        self, qa: QueryAnalysis, scored: list[Candidate], passages: list[Passage],
        section_of: SectionLookup | None = None,
    ) -> list[Candidate]:
        """The best candidate, then others nearly as good (and, for cross-document questions,
        the best one of each region / year asked about), within the length budget of the kind
        of answer asked for."""
        best = scored[0]
        cap = max(self.max_quote_chars, len(best.text)) if qa.intent == "cross" else _BUDGET.get(qa.answer_kind, _BUDGET["what"])
        limit = self.max_sentences + (2 if qa.intent == "subsidy" and qa.asks_list else 0)
        # Another quote joins when the ranker believes it nearly as much: its softmax share at
        # least exp(-gap) of the best's (scores are logits).
        gap = self.extra_gap * (1.5 if qa.intent in ("subsidy", "cross") else 1.0)
        chosen: list[Candidate] = [best]
        take = _taker(chosen, limit)

        if qa.intent == "cross":
            # the best candidate for each region, report year or year compared
            groups: list = []
            if len(qa.wanted_regions) > 1:
                groups = [lambda p, r=r: r in _regions_of(p) for r in qa.wanted_regions]
            elif len(qa.doc_years) > 1:
                groups = [lambda p, y=y: p.year == y for y in qa.doc_years]
            elif len(qa.focus_years) > 1:
                groups = [lambda p, y=y: y in p.years for y in qa.focus_years]
            for belongs in groups:
                for c in scored:
                    # A year group ("2016年承诺到2017年底") is still about the region asked:
                    # another city's 2017 target is not part of this answer; a figure asked
                    # for is what each group's quote must give.
                    if qa.asks_quantity and not has_figure(c.text):
                        continue
                    if c.coverage > 0 and c.region_ok and belongs(passages[c.passage]):
                        take(c, self.max_quote_chars + 200)
                        break
        best_doc = passages[best.passage].doc_id or passages[best.passage].source
        for c in scored[1:]:
            if c.score < best.score - gap or c.coverage <= 0:
                break
            if not (c.region_ok and c.year_ok):
                continue  # never pad an answer with another place or year
            if qa.intent != "cross" and (passages[c.passage].doc_id or passages[c.passage].source) != best_doc:
                continue  # one question, one document's answer (comparisons aside)
            if qa.asks_quantity and not has_figure(c.text):
                continue  # a figure was asked for: more quotes only if they give one
            take(c, cap)
        self._give_parts(qa, chosen, scored, passages, cap, take)
        if qa.answer_kind == "list":
            # A quote that is one item of a list (一是…, （一）…) brings the other items, in order;
            # items the chunking put in chunks of their own are read from the passage's section
            # (small-to-big: the chunk matched, its section answers).
            for n in range(len(chosen)):  # the quotes chosen so far, not the items they bring
                if section_of is not None:
                    chosen[n] = _in_section(chosen[n], passages, section_of, chosen)
                c = chosen[n]
                for item in _other_items(c, passages[c.passage]):
                    take(item, cap, counted=False)
        return chosen

    def _usable_for_parts(self, best: Candidate, scored: Sequence[Candidate], passages: Sequence[Passage]) -> list[Candidate]:
        """The candidates _give_parts may take: of the best one's document and the place and year
        asked, sharing a word of the question or standing in the best one's passage."""
        doc = passages[best.passage].doc_id or passages[best.passage].source
        return [c for c in scored if (passages[c.passage].doc_id or passages[c.passage].source) == doc
                and c.region_ok and c.year_ok and (c.coverage > 0 or c.passage == best.passage)]

    def _give_parts(
        self, qa: QueryAnalysis, chosen: list[Candidate], scored: Sequence[Candidate],
        passages: Sequence[Passage], cap: int, take: Callable[..., bool],
    ) -> None:
        """Each value asked by name is given: the deadline's sentence does not say whom to call.
        The quote that does is one of ``_usable_for_parts``."""
        if not qa.parts:
            return
        usable = self._usable_for_parts(scored[0], scored, passages)
        for part in qa.parts:
            if any(states_part(x.text, part) for x in chosen):
                continue
            for c in usable:
                if states_part(c.text, part) and take(c, cap + _PART_ALLOWANCE, counted=False):
                    break

    def compose(self, chosen: list[Candidate], passages: Sequence[Passage]) -> Draft:
        """Group the chosen quotes by document (in order of first appearance), and by their
        place in the text within a document, except that the best one leads: it is the direct
        answer, and a reader should not have to find it after the context. Each quote keeps
        its own closing punctuation (it is verbatim); citations are numbered by passage rank."""
        by_doc: dict[str, list[Candidate]] = {}
        for c in chosen:
            key = passages[c.passage].doc_id or passages[c.passage].source
            by_doc.setdefault(key, []).append(c)
        pieces: list[str] = []
        quotes: dict[int, list[str]] = {}
        for n, (_, group) in enumerate(by_doc.items()):
            group.sort(key=lambda c: (c is not chosen[0], passages[c.passage].start + c.start))
            lead = lead_line(passages[group[0].passage])
            pieces.append(("\n" if n else "") + lead)
            for c in group:
                quote = _tidy_quote(c.text)
                pieces.append(f"“{quote}”[{c.passage + 1}]")
                quotes.setdefault(c.passage, []).append(c.text)
        citations = [
            Citation(id=pi + 1, passage=passages[pi], quote="".join(qs))
            for pi, qs in sorted(quotes.items())
        ]
        return Draft(text="".join(pieces), citations=citations, abstained=False, pieces=pieces)

    def abstain(self, qa: QueryAnalysis, passages: Sequence[Passage], reason: str) -> Draft:
        """The not-found answer: what was asked, why, and the nearest passages (no markers: they
        are pointers, not evidence)."""
        head = f"{NOT_FOUND}能回答这个问题的内容。{reason}"
        pieces = [head]
        near = list(passages)[:3]
        if near and qa.language != "none":
            pieces.append("\n可能相关：")
            for p in near:
                snippet = re.sub(r"\s+", "", p.text)[:60]
                where = meta_text(p)
                section = f" {p.section.split(' > ')[-1]}" if p.section else ""
                where = f"（{where}）" if where else ""
                pieces.append(f"\n- {document_name(p)}{where}{section}：{snippet}…")
        return Draft(text="".join(pieces), citations=[], abstained=True, reason=reason, pieces=pieces)


_YEAR_WORD = re.compile(rf"({YEAR})\s*年")


def year_status(text: str, p: Passage, wanted: Sequence[int], before: str = "") -> tuple[bool, bool]:
    """(the sentence names a year asked about, the sentence is about a year asked about).

    A sentence naming the year is about it. Otherwise a section heading naming other years
    decides ("一、2018年工作情况" is not about 2019); then a sentence naming only later years is
    a target of a document covering the year (a 2016 plan's 至2017年底), one naming only earlier
    years is about them unless its document covers the year ("2015年有7家入库，目前共有19家"
    in a 2016 report); else the document's years decide, and where they do not, the last year
    the passage names before the sentence ("2020年,…开展申报工作。…全年共申报9家")."""
    if not wanted:
        return False, True
    want = set(wanted)
    if any(str(y) in text for y in want):
        return True, True
    covers = bool(want & set(p.years)) or (p.year in want if p.year else False)
    in_section = set(find_years(p.section, strict=True)[0]) if p.section else set()
    if in_section and not in_section & want:
        return False, False
    if not covers and before:
        named = [int(m.group(1)) for m in _YEAR_WORD.finditer(before)]
        covers = bool(named) and named[-1] in want
    return False, covers


def coverage(text: str, weights: dict[str, float]) -> float:
    """Weighted share of terms found in ``text``: verbatim or a synonym counts fully; a longer
    Chinese term whose character bigrams mostly occur counts partly (申请量 vs 申请)."""
    if not weights:
        return 0.0
    total = sum(weights.values())
    text = to_simplified(text)  # a page in traditional characters is still about the terms asked
    low = text.lower()
    got = 0.0
    for term, w in weights.items():
        if term in low or any(s in text for s in SYNONYMS.get(term, ())):
            got += w
        elif len(term) >= 3 and not term.isascii():
            grams = [term[i : i + 2] for i in range(len(term) - 1)]
            share = sum(1 for g in grams if g in text) / len(grams)
            if share >= 0.5:
                got += 0.7 * share * w
    return got / total if total else 0.0


def has_figure(text: str) -> bool:
    """Does the sentence state a figure (1724件, 50%, 三个, 2-3场), not just a year (2015年)?"""
    t = re.sub(r"(?<!\d)(?:19|20)\d\d\s*年", "", text)  # years are dates, not figures
    t = strip_marker(t.lstrip())  # a numbered heading's own number
    t = re.sub(r"(?<![第\d])一批", "", t)  # 培育一批…企业: "a number of", not a count
    return bool(_NUMBER.search(t))


def _content_chars(text: str) -> str:
    return re.sub(r"[\W\d_]+", "", text)


def _units_of(p: Passage) -> list[Unit]:
    return split_units(p.text, title=p.title if p.start == 0 and title_stated(p) else None)


class SectionChunk(Protocol):
    id: str
    text: str
    metadata: Mapping[str, Any]


SectionLookup = Callable[[Passage], Sequence[SectionChunk]]


def _in_section(c: Candidate, passages: list[Passage], section_of: SectionLookup, chosen: list[Candidate]) -> Candidate:
    """Widen quote ``c``'s passage to its section's chunks (joined by line breaks, so each unit
    stays verbatim) and return ``c`` at its offsets there; the other chosen quotes of that
    passage move with it. Unchanged when the passage is its section or is already widened."""
    p = passages[c.passage]
    chunks = list(section_of(p))
    mine = [i for i, ch in enumerate(chunks) if ch.id == p.chunk_id]
    if len(chunks) < 2 or not mine or chunks[mine[0]].text != p.text:
        return c
    shift = sum(len(ch.text) + 1 for ch in chunks[: mine[0]])
    pages = [int(n) for ch in chunks for n in (ch.metadata.get("page"), ch.metadata.get("page_end")) if n is not None]
    passages[c.passage] = replace(
        p, text="\n".join(ch.text for ch in chunks),
        start=int(chunks[0].metadata.get("start", p.start)), end=int(chunks[-1].metadata.get("end", p.end)),
        section=" > ".join(p.section.split(" > ")[:-1]) or p.section,
        # a section over a page break cites all its pages (第3-4页)
        page=min(pages) if pages else p.page, page_end=max(pages) if pages and max(pages) != min(pages) else None,
    )
    for i, x in enumerate(chosen):
        if x.passage == c.passage and x is not c:
            chosen[i] = _shifted(x, shift)
    return _shifted(c, shift)


def _taker(chosen: list[Candidate], limit: int) -> Callable[..., bool]:
    """``take(c, cap, counted=True)``: add quote ``c`` to ``chosen`` unless it overlaps or repeats
    one, the answer would pass ``cap`` characters, or (counted) ``limit`` quotes are chosen."""
    def take(c: Candidate, cap: int, counted: bool = True) -> bool:
        if any(c.overlaps(x) or c.text == x.text for x in chosen) or counted and len(chosen) >= limit:
            return False
        if sum(len(x.text) for x in chosen) + len(c.text) > cap:
            return False
        chosen.append(c)
        return True

    return take


def _document_fact(qa: QueryAnalysis, p: Passage, document_of: SectionLookup) -> tuple[Passage, Unit] | None:
    """The line of ``p``'s document that states what the question asks of the document (its
    date: the signature's 2016年3月10日; its issuer: 福州市科学技术局), as a passage of that chunk
    and the line in it; None when the document does not state it in its text (a value read
    from a web page's header, or worked out by a rule, is not quoted as the document's)."""
    field_ = qa.about_document or ""
    value = p.date if field_ == "date" else p.issuer
    if not value or p.provenance.get(field_, "stated") != "stated":
        return None

    def at(line: str) -> tuple[int, int] | None:
        if field_ == "date":
            return next((span for span, iso in dates_in(line) if iso == value), None)
        return (line.index(value), line.index(value) + len(value)) if value in line else None

    short, long = _lines_stating(document_of(p), at)
    # a short line is the signature or the issuer line; the last one, since a signature closes
    # the document (a date in a sentence may be any day the text mentions)
    return _line_passage(p, *(short[-1] if short else long[0])) if short or long else None


def _document_part(
    part: str, p: Passage, document_of: SectionLookup, weights: Mapping[str, float],
) -> tuple[Passage, Unit] | None:
    """The line of ``p``'s document that gives the part asked (联系人:李帆 电话:2046546, 电子邮箱:…),
    for a notice whose contact line closes it and was not retrieved: of the short lines giving
    one, the one naming most of the question's words, the first of equals."""
    short, long = _lines_stating(document_of(p), lambda line: part_span(line, part))
    found = short or long
    if not found:
        return None
    best = max(found, key=lambda x: (coverage(x[0].text[x[1]:x[2]], weights), -found.index(x)))
    return _line_passage(p, *best)


def _lines_stating(
    chunks: Sequence[SectionChunk], at: Callable[[str], tuple[int, int] | None]
) -> tuple[list[tuple[Any, int, int]], list[tuple[Any, int, int]]]:
    """(chunk, start, end) of each line of ``chunks`` where ``at`` finds what is sought, in
    document order: the short lines whole, and of a long one the sentence holding it."""
    short: list[tuple[Any, int, int]] = []
    long: list[tuple[Any, int, int]] = []
    for ch in chunks:
        for m in re.finditer(r"[^\n]+", ch.text):
            line = m.group(0)
            span = at(line) if line.strip() else None
            if span is None:
                continue
            if len(line.strip()) <= _FACT_LINE:
                lead = len(line) - len(line.lstrip())
                short.append((ch, m.start() + lead, m.start() + len(line.rstrip())))
            else:  # a sentence that states it: that sentence, not the whole paragraph
                lo = max(line.rfind(x, 0, span[0]) for x in "。；;！？") + 1
                ends = [i for i in (line.find(x, span[1]) for x in "。；;！？") if i >= 0]
                long.append((ch, m.start() + lo, m.start() + (min(ends) + 1 if ends else len(line))))
    return short, long


def _line_passage(p: Passage, ch: Any, start: int, end: int) -> tuple[Passage, Unit]:
    """Chunk ``ch`` of ``p``'s document as a passage (its own offsets, section and page), and
    the line ``start:end`` in it."""
    meta = ch.metadata
    pages = [int(x) for x in (meta.get("page"), meta.get("page_end")) if x is not None]
    passage = replace(
        p, chunk_id=ch.id, text=ch.text, start=int(meta.get("start", 0) or 0), end=int(meta.get("end", 0) or 0),
        section=str(meta.get("section") or ""), page=min(pages) if pages else None,
        page_end=max(pages) if len(set(pages)) > 1 else None,
    )
    return passage, Unit(ch.text[start:end], start, end, "content")


# A line this short that states the document's date or issuer is its signature or issuer line.
_FACT_LINE = 60


def _shifted(c: Candidate, shift: int) -> Candidate:
    anchor = replace(c.anchor, start=c.anchor.start + shift, end=c.anchor.end + shift)
    return replace(c, anchor=anchor, start=c.start + shift, end=c.end + shift)


def _other_items(c: Candidate, p: Passage) -> list[Candidate]:
    """The other items of the list the first item in quote ``c`` belongs to (not the heading it
    was matched by: "二、基本原则" is answered by its （一） （二） （三）), each quoted whole, in
    order. They are part of the same answer, so they carry the quote's scores."""
    units = _units_of(p)
    first = next((i for i, u in enumerate(units) if c.start <= u.start < c.end and item_family(u)
                  and not (c.anchor.pointer and u.start == c.anchor.start)), None)
    if first is None:
        # a quote that introduces a list ("着力实施“五大工程”。" then 一是 …): the list it opens
        first = next((i for i, u in enumerate(units) if u.start >= c.end), None)
        if first is None or not starts_list(units, first):
            return []
    return [
        Candidate(c.passage, units[j], units[j].start, units[j].end, units[j].text, c.score, c.coverage,
                  c.region_ok, c.year_ok, 1, c.features)
        for j in sibling_items(units, first) if not c.start <= units[j].start < c.end
    ]


def _regions_of(p: Passage) -> set[str]:
    """The regions a passage's document is about: its own, its city's, its province's."""
    return {r for r in (p.region, p.parent_region, p.province) if r}


def _year_mentioned(qa: QueryAnalysis, passages: Sequence[Passage]) -> bool:
    """A year no document covers by its metadata may still be written in a passage of the
    region asked about (a 2016 report's target 至2017年底)."""
    wanted = set(qa.answer_regions)
    for p in passages:
        if wanted and not wanted & _regions_of(p):
            continue
        if any(f"{y}年" in p.text for y in qa.uncovered_years):
            return True
    return False


# What each kind of value asked for (query.asked_unit) is called in an abstention.
_UNIT_NAMES = {"money": "金额", "share": "比例", "amount": "金额或比例", "clock": "时间", "duration": "期限",
               "phone": "电话", "count": "数量", "year": "年份", "date": "日期"}
# Length budget of an answer's quotes by the kind of answer asked for (characters).
_BUDGET = {"figure": 180, "who": 160, "when": 140, "what": 200, "list": 280}
# After a pointer, a question asking for one thing gets the first unit(s) up to this.
_FIRST_BUDGET = 120
# Room beyond the answer's budget for the quote that gives a value asked by name (a contact
# line, an e-mail address): such lines are short, and without one the answer is incomplete.
_PART_ALLOWANCE = 120
_SHORT_UNIT = 40
_ENTITY = re.compile(
    r"[\u4e00-\u9fff]{2,16}(?:有限公司|股份公司|公司|集团|医院|银行|大学|学院|研究院|研究所|协会|商会)"
    r"|(?:局长|市长|书记|主任|县长|区长|省长|部长|处长|院长|董事长|总经理)[\u4e00-\u9fff]{2,3}"
    r"|[\u4e00-\u9fff]{2,3}(?:局长|市长|书记|主任|县长|区长|省长|部长|院长)(?:主持|出席|强调|指出|表示)"
)
_DATE_CUE = re.compile(
    r"\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}日(?:起|前|后|至)|月底|年底|年内|上旬|中旬|下旬|之日起|"
    r"[上下]半年|第[一二三四]季度|\d+\s*个?工作日|\d+\s*[日天](?:内|以内)"
)


def _starts(text: str, start: int, end: int, clauses: bool) -> list[int]:
    """Where a quote of ``text[start:end]`` may begin: at its start, and (one unit, a question
    asking for one thing) after each clause break, so the quote can leave out what only leads up
    to the answer ("…5万床棉被、1万张折叠床，用于群众转移安置…" answers "用于什么方面" from 用于 on)."""
    out = [start]
    if clauses and not row_at(text, start, end):  # a table row is quoted whole, headers and all
        for m in _CLAUSE.finditer(text, start, end):
            if re.search(r"\d", text[start : m.start()]):
                break  # never leave out a figure, a year or a deadline (至2017年底) before it
            at = m.end()
            while at < end and text[at].isspace():
                at += 1
            if len(_content_chars(text[at:end])) >= _MIN_KEPT_CHARS:
                out.append(at)
    return out


def _spans(
    units: list[Unit], i: int, kind: str, budget: int, weights: dict[str, float] | None = None
) -> list[list[int]]:
    """The quotes unit ``i`` can anchor (lists of contiguous unit indexes)."""
    u = units[i]
    if u.pointer:
        idx = following(units, i, budget if kind == "list" else _FIRST_BUDGET)
        if kind == "figure":
            idx = idx[:1]  # the figure is in the first statement under its heading
        if not idx:
            return []
        # the content alone, and (a heading that states something: "（二）…严格保密。") with it
        return [idx, [i, *idx]] if u.kind in ("heading", "lead") else [idx]
    spans = [[i]]
    nxt = i + 1 if i + 1 < len(units) and units[i + 1].kind == "content" else None
    if nxt is not None and (kind in ("list", "what") or kind == "figure" and not has_figure(units[nxt].text)) \
            and len(u.text) < _SHORT_UNIT:
        spans.append([i, nxt])  # a short unit is often half of what answers
    if nxt is not None and kind == "who" and not _ENTITY.search(u.text) and _ENTITY.search(units[nxt].text):
        spans.append([i, nxt])
    # (a table row names its subject in its headers: the row above is another item)
    if kind == "figure" and i > 0 and units[i - 1].kind == "content" and has_figure(u.text) \
            and not is_table_row(u.text) \
            and weights is not None and coverage(units[i - 1].text, weights) > coverage(u.text, weights):
        spans.append([i - 1, i])  # the sentence before names what the figure counts
    return spans


def _indicators(text: str) -> set[str]:
    """The indicators (ingest/indicators.py: 专利授权量, 高新技术企业数量 …) a text names."""
    return {k.indicator.name for k in find_keywords(normalize(to_simplified(text)))}


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\W_]+", "", to_simplified(text))
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _novelty(text: str, question_grams: set[str]) -> float:
    """Share of a quote's character bigrams the question does not have: a quote that only
    restates the question ("支持带贫企业开工复工") answers nothing."""
    grams = _bigrams(text)
    if not grams:
        return 0.0
    return len(grams - question_grams) / len(grams)


def _tidy_quote(text: str) -> str:
    """The quote as shown: verbatim, runs of whitespace (lost line breaks, indents) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def _about_wanted(p: Passage, qa: QueryAnalysis, text: str = "") -> bool:
    """Is the passage's document about a region the question asks for: the region itself, a
    place in it, or the unit above it that governs it when no document is about the region (a
    document *about* 江西省, not one about another city of 江西). ``text`` (a quote) is about it
    also when it names the region and the document is about the unit above it, no document
    being about the region itself (萍乡市's summary: “上栗县新增高新技术企业12家”)."""
    if set(qa.wanted_regions) & _regions_of(p):
        return True
    if p.provenance.get("region", "stated") != "stated" and p.doc_id in qa.naming_docs:
        # a region read from the text is a guess: a document naming the place asked may be about it
        return True
    if text and any(p.region == above and any(f in text for f in qa.region_forms(r))
                    for r, above in qa.within_regions.items() if r in qa.wanted_regions):
        return True
    return any(p.region == above for r, above in qa.governing_regions.items() if r in qa.wanted_regions)


def _governing_note(qa: QueryAnalysis, used: Sequence[Passage]) -> str:
    """"No 南昌市 document; this is 江西省's, which governs it" when the answer comes from the
    unit above a region no document is about; "this document names no region" when the answer
    comes from one that does not say where it is from."""
    notes = []
    for units, source in ((qa.governing_regions, "以下依据{above}的文件（适用于{asked}）"),
                          (qa.within_regions, "以下是{above}文件中写到{asked}的段落")):
        for region, above in units.items():
            if region in qa.wanted_regions and any(p.region == above for p in used):
                asked = qa.region_mentions.get(region, region)
                notes.append(f"已收录的文件中没有关于{asked}的文件；" + source.format(above=above, asked=asked) + "。")
    unknown = list(dict.fromkeys(document_name(p) for p in used if not p.region))
    guessed = list(dict.fromkeys(
        f"{document_name(p)}（据正文推断为{p.region}）" for p in used
        if p.region and p.provenance.get("region", "stated") != "stated" and not _about_wanted(p, qa)
    ))
    if qa.wanted_regions and (unknown or guessed):
        asked = "、".join(qa.region_mentions.get(r, r) for r in qa.wanted_regions)
        notes.append(f"{'、'.join(unknown + guessed)}未写明所属地区，是否关于{asked}请核对原文。")
    return "".join(notes) + ("\n" if notes else "")


_CLAUSE = re.compile(r"[，,；;：:]")
_MIN_KEPT_CHARS = 8


@dataclass(frozen=True)
class _Context:
    """What every candidate of one question is measured against."""

    qa: QueryAnalysis
    weights: dict[str, float]  # content terms
    all_weights: dict[str, float]  # every key term
    focus_weights: dict[str, float]  # the terms of the clause that asks
    generic_only: bool  # the question names nothing but region / year / aspect words
    top: float  # best passage score
    q_grams: set[str]
    budget: int
    indicators: frozenset[str]  # the indicators the question names (ingest/indicators.py)

    @classmethod
    def of(cls, qa: QueryAnalysis, passages: Sequence[Passage], term_weight: TermWeight | None) -> "_Context":
        weight = term_weight or (lambda t: 1.0)
        return cls(
            qa=qa,
            weights={t: weight(t) for t in qa.content_terms},
            all_weights={t: weight(t) for t in qa.key_terms},
            focus_weights={t: weight(t) for t in qa.focus_terms},
            generic_only=all(t in ASPECT_WORDS for t in qa.key_terms),
            top=max((p.score for p in passages), default=0.0) or 1.0,
            q_grams=_bigrams(qa.text),
            budget=_BUDGET.get(qa.answer_kind, _BUDGET["what"]),
            indicators=frozenset(_indicators(qa.text)),
        )


# The features of a candidate answer, in the order the ranker reports them.
RANKER_FEATURES = (
    "coverage", "coverage_all", "focus_coverage", "lead_coverage", "bigram_coverage", "anchor_coverage",
    "indicator_match", "indicator_clash", "passage_score", "dense_rel", "lexical_rel",
    "inv_rank", "figure_match", "figure_miss", "unit_match", "unit_miss", "entity_match",
    "date_match", "pointer", "pointer_list", "units", "length", "novelty", "restates",
    "region_ok", "region_stated", "year_ok", "year_named", "target_cue", "subsidy_cue", "first_unit", "after_title",
    "opens_heading", "before_coverage", "with_pointer", "clause_start",
)


def candidate_features(
    ctx: _Context, pi: int, p: Passage, anchor: Unit, text: str, n_units: int, first_unit: bool,
    start: int | None = None,
) -> dict[str, float]:
    """What the ranker knows about one candidate (all in [0, 1] or counts)."""
    qa = ctx.qa
    single = n_units == 1 and not anchor.pointer
    cov_anchor = coverage(anchor.text, ctx.weights)
    cov_quote = cov_anchor if single else coverage(text, ctx.weights)
    cov = max(cov_anchor, cov_quote)
    cov_all = max(coverage(anchor.text, ctx.all_weights), coverage(text, ctx.all_weights))
    wanted = set(qa.wanted_regions)
    # A document that names no region at all may be about the one asked: neither fits nor clashes.
    region_ok: float = 1.0 if not wanted or _about_wanted(p, qa, text) else (0.5 if not p.region else 0.0)
    year_named, year_ok = year_status(
        text if single else anchor.text + text, p, qa.wanted_years, p.text[: anchor.start if start is None else min(anchor.start, start)]
    )
    if qa.doc_years and p.year not in qa.doc_years:
        year_ok = False  # "2019年报告里…": another year's report
    elif qa.doc_years:
        year_ok = year_ok or not qa.wanted_years
    if ctx.generic_only:  # "阳江2016年的目标是什么": nothing but region/year/aspect
        cue = _TARGET_CUE.search(text) or _SUBSIDY_CUE.search(text)
        cov = max(cov, (0.5 if region_ok and year_ok else 0.2) + (0.2 if cue else 0.0))
    figure = has_figure(text)
    kind = qa.answer_kind
    novelty = _novelty(text, ctx.q_grams)
    return {
        "coverage": cov,
        "coverage_all": cov_all,
        "focus_coverage": coverage(text, ctx.focus_weights),
        # "对于因履行工作职责感染新冠肺炎的医务人员，配合…": the topic first, then what is done
        "lead_coverage": coverage(_CLAUSE.split(text.strip(), 1)[0], ctx.weights),
        "bigram_coverage": len(ctx.q_grams & _bigrams(text)) / len(ctx.q_grams) if ctx.q_grams else 0.0,
        # the indicator asked about (专利授权量) named in the text, or only others (发明专利授权量)
        "indicator_match": float(bool(ctx.indicators & (found := _indicators(text)))),
        "indicator_clash": float(bool(ctx.indicators) and bool(found) and not ctx.indicators & found),
        "anchor_coverage": cov_anchor,
        "passage_score": max(0.0, p.score / ctx.top) if ctx.top > 0 else 0.0,
        "dense_rel": float(p.scores.get("dense_norm", 0.0)),
        "lexical_rel": float(p.scores.get("lexical_norm", 0.0)),
        "inv_rank": 1.0 / (pi + 1),
        "figure_match": float(qa.asks_quantity and figure),
        "figure_miss": float(qa.asks_quantity and not figure),
        "unit_match": float(bool(qa.asks_unit) and states_unit(text, qa.asks_unit)),
        "unit_miss": float(bool(qa.asks_unit) and not states_unit(text, qa.asks_unit)),
        "entity_match": float(kind == "who" and bool(_ENTITY.search(text))),
        "date_match": float(kind == "when" and bool(_DATE_CUE.search(text))),
        "pointer": float(anchor.pointer),
        "pointer_list": float(anchor.pointer and kind == "list"),
        "units": float(n_units),
        "length": min(1.0, len(text) / 300.0),
        "novelty": novelty,
        "restates": float(novelty < 0.35),
        "region_ok": region_ok,
        "region_stated": float(p.provenance.get("region", "stated") == "stated"),
        "year_ok": float(year_ok),
        "year_named": float(bool(qa.wanted_years) and year_named),
        "target_cue": float(qa.intent == "target" and bool(_TARGET_CUE.search(text))),
        "subsidy_cue": float(qa.intent == "subsidy" and bool(_SUBSIDY_CUE.search(text))),
        "first_unit": float(first_unit and p.start == 0),
        "after_title": float(anchor.kind == "title"),
        "opens_heading": float(marker_kind(text.lstrip()) is not None),
    }


# The features the abstainer reads, besides those of the best candidate; "dense" (the raw
# cosine of the best candidate's passage) only where fitted for the embedding model.
ABSTAINER_FEATURES = (
    "coverage", "coverage_all", "novelty", "figure_miss", "unit_miss", "region_ok", "year_ok",
    "region_absent", "year_uncovered", "absent_terms", "best_score", "margin", "dense",
)
# The direction in which each of these features may move the abstainer's probability that the
# corpus answers (the fit keeps it; novelty is free). More of the question's words in the quote,
# the place and year asked, a better-scored and clearer winner, a closer passage never count
# against an answer; a figure or unit missing, a place or year no document is about, words of
# the question no document has never count for one. Fit on eight dev sets without them, the
# weights of dense, best_score and absent_terms came out with the wrong sign, and "What is the
# capital of France?" was answered from a Shandong report.
ABSTAINER_SIGNS = {
    "coverage": 1, "coverage_all": 1, "region_ok": 1, "year_ok": 1, "best_score": 1, "margin": 1, "dense": 1,
    "figure_miss": -1, "unit_miss": -1, "region_absent": -1, "year_uncovered": -1, "absent_terms": -1,
}


def question_features(
    qa: QueryAnalysis, best: Candidate, scored: Sequence[Candidate], passages: Sequence[Passage],
    term_absent: Callable[[str], bool] | None = None,
) -> dict[str, float]:
    """What the abstainer knows about a question and its best candidate."""
    f = best.features
    second = next((c.score for c in scored if c.passage != best.passage or not c.overlaps(best)), None) if scored else None
    terms = qa.content_terms
    absent = sum(1 for t in terms if term_absent and term_absent(t)) / len(terms) if terms else 0.0
    p = passages[best.passage]
    dense = float(p.scores.get("dense", 0.0))
    if not dense:
        # Found by BM25 only: no cosine was computed. It ranked below every dense candidate,
        # so the lowest one retrieved is a fair stand-in.
        known = [float(x.scores["dense"]) for x in passages if x.scores.get("dense")]
        dense = min(known) if known else 0.0
    return {
        "coverage": f.get("coverage", best.coverage),
        "coverage_all": f.get("coverage_all", 0.0),
        "novelty": f.get("novelty", 1.0),
        "figure_miss": f.get("figure_miss", 0.0),
        "unit_miss": f.get("unit_miss", 0.0),
        "region_ok": best.features["region_ok"],
        "year_ok": float(best.year_ok),
        "region_absent": float(qa.region_absent),
        # no document is read as covering the years asked (stated or inferred years: when
        # stated, the rule above has abstained already), and no retrieved passage names one
        # of them (至2017年底 in a 2016 report)
        "year_uncovered": float(
            bool(qa.years) and set(qa.uncovered_years) >= set(qa.years)
            and not any(f"{y}年" in x.text for x in passages for y in qa.years)
        ),
        "absent_terms": absent,
        "best_score": best.score,
        "margin": best.score - second if second is not None else 0.0,
        "dense": dense,
    }
