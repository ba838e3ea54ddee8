"""The domain lexicon: the words and patterns of Chinese policy language, written once.

Every list lives in a data file beside this module (one entry per line, ``#`` comments) and is
read here, once per process; ingest (cleaning, headings, metadata, records), query analysis,
the tokenizer, the subsidy finder and the answerer all take their vocabulary from here instead
of keeping their own copies. What a file holds and why each entry is there is written at its
top. Nothing here exists for one document: each entry is a fact of the language of policy
documents (an enterprise type, a support instrument, a heading marker), seen across corpora.

Files:

- ``enterprise_types.txt``  kinds of enterprise and applicant, their surface forms, and broader kinds
- ``measures.txt``          support measures (pattern, label, who, needs, assets) and support words
- ``headings.txt``          heading marker families (一、 （一） 1. …) with outline levels
- ``stopwords.txt``         function words (tokenizer) and question phrasing (query analysis)
- ``aspects.txt``           words naming the kind of answer wanted (目标, 措施 …), not its topic
- ``synonyms.txt``          words a question and a document use for the same thing
- ``domain_terms.txt``      policy vocabulary the tokenizer keeps whole (创新券, 专利质押融资 …)
- ``place_words.txt``       place short forms that are ordinary words, and false-hit contexts
- ``national_issuers.txt``  organisations whose documents are national (国务院, X部)

Sentence splitting is ``common/textnorm.py``'s; the gazetteer itself is the cpca data package's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_PACKAGE = "common.lexicon"


def _lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a lexicon file (a ``#`` starts a comment only at the
    start of a line, so entries may contain it)."""
    text = resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return [line.rstrip("\n") for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _rows(name: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("\t")] for line in _lines(name)]


def _words(name: str) -> frozenset[str]:
    return frozenset(w for line in _lines(name) for w in line.split())


# --- places ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceWords:
    """What ``ingest/regions.py`` needs beyond the gazetteer data package.

    ``full_only``: units whose short form is an ordinary word (长治 in 长治久安, 日照 sunshine)
    and so are recognised by their full name only. ``not_before`` / ``not_after``: a short form
    followed / preceded by these is something else (中山大学, 孙中山, 阳春白雪).
    """

    full_only: frozenset[str]
    not_before: dict[str, re.Pattern[str]]
    not_after: dict[str, re.Pattern[str]]


@lru_cache(maxsize=1)
def place_words() -> PlaceWords:
    full_only: set[str] = set()
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for row in _rows("place_words.txt"):
        kind, *rest = row
        if kind == "full_only":
            full_only.update(rest[0].split())
        elif kind == "not_before":
            before[rest[0]] = rest[1]
        elif kind == "not_after":
            after[rest[0]] = rest[1]
    return PlaceWords(
        frozenset(full_only),
        {k: re.compile(v) for k, v in before.items()},
        {k: re.compile(f"(?:{v})$") for k, v in after.items()},
    )


@lru_cache(maxsize=1)
def national_issuer() -> re.Pattern[str]:
    """Matches the start of a title or issuer naming a national body (国务院, 国家税务总局,
    商务部办公厅 …): such a document is about the whole country unless it names a place."""
    return re.compile("^(?:" + "|".join(_lines("national_issuers.txt")) + ")")


# --- enterprise types ------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseTypes:
    """Kinds of enterprise (``enterprise_types.txt``)."""

    surfaces: dict[str, tuple[str, ...]]  # canonical -> surface forms
    broader: dict[str, tuple[str, ...]]  # kind -> the broader kinds it belongs to

    @property
    def all_surfaces(self) -> tuple[str, ...]:
        """Every surface form, longest first (for matching)."""
        return tuple(sorted({s for forms in self.surfaces.values() for s in forms}, key=len, reverse=True))

    def canonical(self, surface: str) -> str | None:
        for name, forms in self.surfaces.items():
            if surface in forms:
                return name
        return None

    def find(self, text: str) -> list[str]:
        """Canonical kinds named in ``text``, in order of first mention, each surface read once
        at its longest (科技型中小企业 is not also 中小企业)."""
        hits: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for surface in self.all_surfaces:
            for m in re.finditer(re.escape(surface), text):
                a, b = m.span()
                if all(b <= x or a >= y for x, y in taken):
                    taken.append((a, b))
                    hits.append((a, self.canonical(surface) or surface))
        out: list[str] = []
        for _, name in sorted(hits):
            if name not in out:
                out.append(name)
        return out

    def satisfied_by(self, kind: str) -> tuple[str, ...]:
        """Surface forms of ``kind`` and of every broader kind: the groups a measure may name
        that an applicant of this kind belongs to."""
        kinds = [kind, *self.broader.get(kind, ())]
        return tuple(s for k in kinds for s in self.surfaces.get(k, ()))


@lru_cache(maxsize=1)
def enterprise_types() -> EnterpriseTypes:
    surfaces: dict[str, tuple[str, ...]] = {}
    broader: dict[str, tuple[str, ...]] = {}
    for row in _rows("enterprise_types.txt"):
        if row[0] == "@broader":
            broader[row[1]] = tuple(row[2].split())
        else:
            surfaces[row[0]] = tuple(row[1].split())
    return EnterpriseTypes(surfaces, broader)


# --- headings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadingMarkers:
    """Heading marker families in matching order (``headings.txt``)."""

    markers: tuple[tuple[str, int, str], ...]  # (family, outline level, regex)
    inline: tuple[str, ...]  # inline enumerators (一是 …)


@lru_cache(maxsize=1)
def heading_markers() -> HeadingMarkers:
    markers: list[tuple[str, int, str]] = []
    inline: list[str] = []
    for row in _rows("headings.txt"):
        if row[0] == "@inline":
            inline.append(row[1])
        else:
            markers.append((row[0], int(row[1]), row[2]))
    return HeadingMarkers(tuple(markers), tuple(inline))


# --- support measures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One support measure of ``measures.txt``."""

    name: str
    label: str
    pattern: re.Pattern[str] | None  # None: found by other means (科技项目资助)
    what: str
    types: tuple[str, ...] = ()  # enterprise kinds it is for; empty: any applicant
    needs: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()


def _list(cell: str) -> tuple[str, ...]:
    return () if cell.strip() in ("", "-") else tuple(cell.split())


@lru_cache(maxsize=1)
def measures() -> tuple[Measure, ...]:
    out = []
    for row in _rows("measures.txt"):
        if row[0].startswith("@"):
            continue
        name, label, pattern, what, types, needs, assets = (row + ["-"] * 7)[:7]
        out.append(Measure(name, label, None if pattern == "-" else re.compile(pattern), what,
                           _list(types), _list(needs), _list(assets)))
    return tuple(out)


@lru_cache(maxsize=1)
def support_words() -> tuple[str, ...]:
    """Words that mark support (补贴, 贴息, 创新券 …) in a sentence or a question."""
    return tuple(w for row in _rows("measures.txt") if row[0] == "@support" for w in row[1].split())


def support_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, support_words())))


# --- words -----------------------------------------------------------------------------------


def _sections(name: str) -> dict[str, list[str]]:
    """The words of a file split in ``@section`` parts."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in _lines(name):
        if line.startswith("@"):
            current = line[1:].strip()
            continue
        out.setdefault(current, []).extend(line.split())
    return out


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """Function and question words: the tokenizer drops them."""
    return frozenset(_sections("stopwords.txt").get("function", []))


@lru_cache(maxsize=1)
def question_stopwords() -> frozenset[str]:
    """Words query analysis never takes for key terms: function words and question phrasing."""
    return function_words() | frozenset(_sections("stopwords.txt").get("question", []))


@lru_cache(maxsize=1)
def asking_prefixes() -> tuple[str, ...]:
    """Question words that open a token (几家, 多少钱): such a token asks, it names no topic."""
    return tuple(_sections("stopwords.txt").get("asking", []))


@lru_cache(maxsize=1)
def aspect_words() -> frozenset[str]:
    return _words("aspects.txt")


@lru_cache(maxsize=1)
def document_fact_words() -> frozenset[str]:
    """Words that ask about the document itself (落款, 发文, 发布单位): see document_facts.txt."""
    return _words("document_facts.txt")


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    return {row[0]: tuple(row[1].split()) for row in _rows("synonyms.txt")}


@lru_cache(maxsize=1)
def domain_terms() -> tuple[str, ...]:
    """Words the tokenizer keeps whole: the domain terms, the enterprise kinds, the measures'
    names and labels."""
    words = list(_words("domain_terms.txt"))
    words += enterprise_types().all_surfaces
    words += [w for m in measures() for w in (m.name, m.label)]
    return tuple(sorted(dict.fromkeys(w for w in words if len(w) >= 2)))


# A four-digit year of policy documents (1949-2099); the callers add the context they need
# (followed by 年, not part of an amount such as 2000万元).
YEAR = r"(?:19[4-9]\d|20\d\d)"
