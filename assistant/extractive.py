"""The default answerer: verbatim, cited sentences from the retrieved passages; no LLM.

Sentences of the top passages (split on 。；！？ and line breaks) are scored for the question:
coverage of its key terms (IDF-weighted, so 专利申请量 counts more than 企业), numbers when it
asks 多少 / 几 / 比例 / 金额, target wording for target questions, support wording for subsidy
questions, the year and region asked about, and the passage's retrieval rank. The best few are
quoted verbatim (numbers are therefore never altered), each followed by the marker ``[n]`` of
its passage (n = the passage's rank in ``Answer.passages``), under a short lead line naming the
document: 根据《…》（中山市科学技术局，2019-03-22）：“…”[1]. Evidence from several documents is
grouped under one lead line per document.

It abstains ("未在已收录的文件中找到…", plus the nearest passages as 可能相关) when the evidence
is weak: an evidence score combining term coverage of the best sentence, the passage's dense
similarity and any region / year mismatch falls under ``settings.answer.abstain_threshold``
(calibrated on answerable and unanswerable questions, see README), or the question is about a
region or year that no document covers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.citing import document_name, lead_line, meta_text, title_stated
from assistant.models import Citation, Passage
from assistant.query import ASPECT_WORDS, QueryAnalysis, find_years, states_unit
from assistant.sentences import Sentence
from assistant.units import Unit, following, split_units

NOT_FOUND = "未在已收录的文件中找到"

# Words that mark a target / plan sentence, and a support measure.
_TARGET_CUE = re.compile(r"(?:到|至)\s*20\d\d\s*年|力争|争取|达到|目标|新增|突破|年内|年底前|计划|预计|实现")
_SUBSIDY_CUE = re.compile(r"补贴|补助|资助|贴息|奖励|创新券|扶持资金|风险补偿|减免|加计扣除|科技保险|质押融资|贷款")
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万两]+[个家项件名人位万亿元倍次所宗条场期批份]|百分之")
_HEADING = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]")

# Synonyms a question and a report use for the same thing.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "高新技术企业": ("高企",),
    "高企": ("高新技术企业",),
    "科技型中小企业": ("科技型中小微企业", "科技型小微企业"),
    "研发": ("研究开发", "研究与开发"),
    "孵化器": ("孵化载体",),
    "专利": ("知识产权",),
    # users write GDP; reports write 国内生产总值 (national) or 地区生产总值 (a province or city)
    "gdp": ("国内生产总值", "地区生产总值"),  # "GDP" itself matches through the lower-cased text
    "国内生产总值": ("GDP",),
    "地区生产总值": ("GDP",),
}


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
    """Quote the best sentences with citations, or abstain.

    ``term_weight`` gives each key term's weight (IDF over the store's chunks, from the
    pipeline); unit tests may leave it out (every term weighs 1).
    """

    def __init__(
        self,
        *,
        max_sentences: int = 4,
        abstain_threshold: float = 0.35,
        max_quote_chars: int = 320,
        known_regions: Sequence[str] = (),
    ) -> None:
        self.max_sentences = max_sentences
        self.abstain_threshold = abstain_threshold
        self.max_quote_chars = max_quote_chars
        self.known_regions = list(known_regions)

    @classmethod
    def from_settings(cls, answer_settings: object, known_regions: Sequence[str] = ()) -> "ExtractiveAnswerer":
        return cls(
            max_sentences=answer_settings.max_sentences,  # type: ignore[attr-defined]
            abstain_threshold=answer_settings.abstain_threshold,  # type: ignore[attr-defined]
            known_regions=known_regions,
        )

    # --- scoring --------------------------------------------------------------------------

    def score_sentences(
        self, qa: QueryAnalysis, passages: Sequence[Passage], term_weight: TermWeight | None = None
    ) -> list[Candidate]:
        """Every candidate answer of every passage, scored for the question, best first.

        Candidates come from the answer units (``assistant/units.py``): a content unit alone, or
        with the neighbour it needs (who/which: the next unit naming the entity; a figure whose
        subject the unit before names); and after a pointer (a heading, a question, the title, a
        lead-in ending in ：) that matches the question, the content that follows it: the items
        under the heading up to a length budget for a list question, the first unit otherwise.
        A pointer is never quoted by itself.
        """
        weight = term_weight or (lambda t: 1.0)
        content = qa.content_terms
        generic_only = all(t in ASPECT_WORDS for t in qa.key_terms)
        weights = {t: weight(t) for t in content}
        all_weights = {t: weight(t) for t in qa.key_terms}
        top = max((p.score for p in passages), default=0.0) or 1.0
        wanted_regions = set(qa.answer_regions)
        kind = qa.answer_kind
        budget = _BUDGET.get(kind, _BUDGET["what"])
        q_grams = _bigrams(qa.text)
        out: list[Candidate] = []
        for pi, p in enumerate(passages):
            region_ok = not wanted_regions or bool(wanted_regions & _regions_of(p))
            rank_prior = max(0.0, p.score / top) if top > 0 else 0.0
            units = split_units(p.text, title=p.title if p.start == 0 and title_stated(p) else None)
            for i, u in enumerate(units):
                if len(_content_chars(u.text)) < 4:
                    continue  # a bare heading number or a stray fragment
                for span in _spans(units, i, kind, budget):
                    first, last = units[span[0]], units[span[-1]]
                    text = p.text[first.start : last.end]
                    cov_anchor = coverage(u.text, weights)
                    cov_quote = coverage(text, weights) if span != [i] else cov_anchor
                    cov = max(cov_anchor, cov_quote)
                    cov_all = max(coverage(u.text, all_weights), coverage(text, all_weights))
                    year_in_sent, year_ok = year_status(text if span == [i] else u.text + text, p, qa.wanted_years)
                    if qa.doc_years and p.year not in qa.doc_years:
                        year_ok = False  # "2019年报告里…": another year's report
                    elif qa.doc_years:
                        year_ok = year_ok or not qa.wanted_years
                    score = 0.55 * cov + 0.10 * cov_all + 0.15 * rank_prior
                    score += _kind_fit(kind, qa, text, u, len(span))
                    if qa.intent == "target" and _TARGET_CUE.search(text):
                        score += 0.08
                    if qa.intent in ("cross", "target") and not qa.asks_quantity and has_figure(text):
                        score += 0.05  # comparisons and targets are about figures
                    if qa.intent == "subsidy" and _SUBSIDY_CUE.search(text):
                        score += 0.08
                    if qa.wanted_years:
                        score += 0.08 if year_in_sent else (0.0 if year_ok else -0.10)
                    if wanted_regions and not region_ok:
                        score -= 0.15
                    if generic_only:  # "阳江2016年的目标是什么": nothing but region/year/aspect
                        cue = _TARGET_CUE.search(text) or _SUBSIDY_CUE.search(text)
                        cov = max(cov, (0.5 if region_ok and year_ok else 0.2) + (0.2 if cue else 0.0))
                        score += 0.3 * cov
                    if _novelty(text, q_grams) < 0.35:
                        score -= 0.15  # it restates the question instead of answering it
                    if len(text) > budget:
                        score -= 0.05
                    out.append(Candidate(pi, u, first.start, last.end, text, score, cov, region_ok, year_ok, len(span)))
        # Candidates about the region and year asked come first: a better-scoring one about
        # another place or year is never the answer while one about the right ones exists.
        out.sort(key=lambda x: (not (x.region_ok and x.year_ok and x.coverage > 0), -x.score, x.passage, x.start))
        return out

    def evidence_score(
        self, qa: QueryAnalysis, best: ScoredSentence | None, passages: Sequence[Passage]
    ) -> float:
        """How well the best sentence answers the question, in [0, 1]; compared with the
        abstain threshold."""
        if best is None:
            return 0.0
        p = passages[best.passage]
        dense = float(p.scores.get("dense", 0.0))
        if not dense:
            # Found by BM25 only: no cosine was computed. It ranked below every dense
            # candidate, so the lowest one retrieved is a fair stand-in.
            known = [float(x.scores["dense"]) for x in passages if x.scores.get("dense")]
            dense = min(known) if known else 0.0
        # e5 cosine similarities of related Chinese texts sit in ~0.75-0.90: map that band to
        # [0, 1] so it can add a little where term coverage is borderline.
        dense_part = min(1.0, max(0.0, (dense - 0.75) / 0.15)) if dense else 0.0
        ev = 0.8 * best.coverage + 0.2 * dense_part
        if qa.asks_quantity and not has_figure(best.text):
            ev *= 0.4  # asked for a figure; the best evidence gives none
        elif not states_unit(best.text, qa.asks_unit):
            ev *= 0.4  # asked for an amount or a share; the best evidence gives another figure
        if not best.region_ok:
            ev *= 0.4
        if not best.year_ok:
            ev *= 0.4
        return max(0.0, min(1.0, ev))

    # --- the answer -----------------------------------------------------------------------

    def answer(
        self,
        qa: QueryAnalysis,
        passages: Sequence[Passage],
        term_weight: TermWeight | None = None,
    ) -> Draft:
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
        ev = self.evidence_score(qa, best, passages)
        if best is None or ev < self.abstain_threshold:
            draft = self.abstain(qa, passages, "检索到的段落与问题不够相关。")
            draft.evidence = ev
            return draft
        chosen = self.select(qa, scored, passages)
        draft = self.compose(chosen, passages)
        draft.evidence = ev
        note = _governing_note(qa, [passages[c.passage] for c in chosen])
        if note:
            draft.pieces.insert(0, note)
            draft.text = note + draft.text
        return draft

    def select(
        self, qa: QueryAnalysis, scored: list[Candidate], passages: Sequence[Passage]
    ) -> list[Candidate]:
        """The best candidate, then others nearly as good (and, for cross-document questions,
        the best one of each region / year asked about), within the length budget of the kind
        of answer asked for."""
        best = scored[0]
        cap = max(self.max_quote_chars, len(best.text)) if qa.intent == "cross" else _BUDGET.get(qa.answer_kind, _BUDGET["what"])
        limit = self.max_sentences + (2 if qa.intent == "subsidy" and qa.asks_list else 0)
        ratio = 0.6 if qa.intent in ("subsidy", "cross") else 0.8
        chosen: list[Candidate] = [best]
        chars = len(best.text)

        def take(c: Candidate, cap: int) -> bool:
            nonlocal chars
            if any(c.overlaps(x) or c.text == x.text for x in chosen) or len(chosen) >= limit:
                return False
            if chars + len(c.text) > cap:
                return False
            chosen.append(c)
            chars += len(c.text)
            return True

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
                    # another city's 2017 target is not part of this answer.
                    if c.coverage > 0 and c.region_ok and belongs(passages[c.passage]):
                        take(c, self.max_quote_chars + 200)
                        break
        for c in scored[1:]:
            if c.score < ratio * best.score or c.coverage <= 0:
                break
            if not (c.region_ok and c.year_ok):
                continue  # never pad an answer with another place or year
            if qa.asks_quantity and not has_figure(c.text):
                continue  # a figure was asked for: more quotes only if they give one
            take(c, cap)
        return chosen

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


def year_status(text: str, p: Passage, wanted: Sequence[int]) -> tuple[bool, bool]:
    """(the sentence names a year asked about, the sentence is about a year asked about).

    A sentence naming the year is about it. Otherwise a section heading naming other years
    decides ("一、2018年工作情况" is not about 2019); then a sentence naming only later years is
    a target of a document covering the year (a 2016 plan's 至2017年底), one naming only earlier
    years is about them unless its document covers the year ("2015年有7家入库，目前共有19家"
    in a 2016 report); else the document's years decide."""
    if not wanted:
        return False, True
    want = set(wanted)
    if any(str(y) in text for y in want):
        return True, True
    covers = bool(want & set(p.years)) or (p.year in want if p.year else False)
    in_section = set(find_years(p.section, strict=True)[0]) if p.section else set()
    if in_section and not in_section & want:
        return False, False
    return False, covers


def coverage(text: str, weights: dict[str, float]) -> float:
    """Weighted share of terms found in ``text``: verbatim or a synonym counts fully; a longer
    Chinese term whose character bigrams mostly occur counts partly (申请量 vs 申请)."""
    if not weights:
        return 0.0
    total = sum(weights.values())
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
    t = re.sub(r"^\s*\d{1,2}[.、．]", "", t)  # a numbered heading's own number
    t = re.sub(r"(?<![第\d])一批", "", t)  # 培育一批…企业: "a number of", not a count
    return bool(_NUMBER.search(t))


def _is_heading(text: str) -> bool:
    """A heading (7.多措并举推动高企发展。 / （七）加强知识产权保护 / 三是鼓励企业研发投入。 / a short
    line without a sentence end): names a topic, states no fact."""
    if len(text) >= 30:
        return False
    if _HEADING.match(text) or re.match(r"^[一二三四五六七八九十]是", text):
        return True
    return not re.search(r"[。；！？;!?]", text) and len(text) < 20


def _content_chars(text: str) -> str:
    return re.sub(r"[\W\d_]+", "", text)


def _strip_end(text: str) -> str:
    return re.sub(r"[。；;！!？?\s]+$", "", text)


def _same(a: ScoredSentence, b: ScoredSentence) -> bool:
    return a.sentence.text == b.sentence.text


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


# Length budget of an answer's quotes by the kind of answer asked for (characters).
_BUDGET = {"figure": 180, "who": 160, "when": 140, "what": 200, "list": 280}
# After a pointer, a question asking for one thing gets the first unit(s) up to this.
_FIRST_BUDGET = 120
_ENTITY = re.compile(
    r"[\u4e00-\u9fff]{2,16}(?:有限公司|股份公司|公司|集团|医院|银行|大学|学院|研究院|研究所|协会|商会)"
    r"|(?:局长|市长|书记|主任|县长|区长|省长|部长|处长|院长|董事长|总经理)[\u4e00-\u9fff]{2,3}"
    r"|[\u4e00-\u9fff]{2,3}(?:局长|市长|书记|主任|县长|区长|省长|部长|院长)(?:主持|出席|强调|指出|表示)"
)
_DATE_CUE = re.compile(r"\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}日(?:起|前|后|至)|月底|年底|上旬|中旬|下旬|之日起")


def _spans(units: list[Unit], i: int, kind: str, budget: int) -> list[list[int]]:
    """The quotes unit ``i`` can anchor (lists of contiguous unit indexes)."""
    u = units[i]
    if u.pointer:
        idx = following(units, i, budget if kind == "list" else _FIRST_BUDGET)
        if kind == "figure":
            idx = idx[:1]  # the figure is in the first statement under its heading
        return [idx] if idx else []
    spans = [[i]]
    nxt = i + 1 if i + 1 < len(units) and units[i + 1].kind == "content" else None
    if nxt is not None and kind in ("list", "what"):
        spans.append([i, nxt])
    if nxt is not None and kind == "who" and not _ENTITY.search(u.text) and _ENTITY.search(units[nxt].text):
        spans.append([i, nxt])
    if kind == "figure" and i > 0 and units[i - 1].kind == "content" and has_figure(u.text):
        spans.append([i - 1, i])  # the sentence before may name what the figure counts
    return spans


def _kind_fit(kind: str, qa: QueryAnalysis, text: str, anchor: Unit, n_units: int) -> float:
    """How well a quote fits the kind of answer asked for."""
    if kind == "figure" or qa.asks_quantity:
        fit = 0.10 if has_figure(text) else -0.10
        if qa.asks_unit and states_unit(text, qa.asks_unit):
            fit += 0.05  # the kind of figure asked for (万元, 50%)
        return fit
    if kind == "who":
        return 0.08 if _ENTITY.search(text) else -0.05
    if kind == "when":
        return 0.08 if _DATE_CUE.search(text) else -0.05
    if kind == "list":
        return 0.06 if anchor.pointer or n_units > 1 else 0.0
    return 0.0


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\W_]+", "", text)
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


def _governing_note(qa: QueryAnalysis, used: Sequence[Passage]) -> str:
    """"No 南昌市 document; this is 江西省's, which governs it" when the answer comes from the
    unit above a region no document is about."""
    notes = []
    for region, above in qa.governing_regions.items():
        if region in qa.wanted_regions and any(above in _regions_of(p) for p in used):
            asked = qa.region_mentions.get(region, region)
            notes.append(f"已收录的文件中没有关于{asked}的文件；以下依据{above}的文件（适用于{asked}）。")
    return "".join(notes) + ("\n" if notes else "")
