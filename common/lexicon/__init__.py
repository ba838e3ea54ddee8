"""The domain lexicon: the words and patterns of Chinese policy language, written once.

Every list lives in a data file beside this module (one entry per line, ``#`` comments) and is
read here, once per process; ingest (cleaning, headings, metadata, records), query analysis,
the tokenizer, the subsidy finder and the answerer all take their vocabulary from here instead
of keeping their own copies. What a file holds and why each entry is there is written at its
top. Nothing here exists for one document: each entry is a fact of the language of policy
documents (an enterprise type, a support instrument, a heading marker), seen across corpora.

Files:

- ``enterprise_types.txt``  canonical type <tab> surface forms (科技型中小企业 …)
- ``measures.txt``          support measures: name <tab> label <tab> cue words <tab> who/needs/assets
- ``cues.txt``              named cue-word groups (support, target, done, plan, money, share …)
- ``synonyms.txt``          words a question and a document use for the same thing
- ``stopwords.txt``         words that say nothing about a topic (tokenizer and query analysis)
- ``aspects.txt``           words naming the kind of answer wanted (目标, 措施 …), not its topic
- ``domain_terms.txt``      policy vocabulary the tokenizer must keep whole (创新券, 专利质押融资 …)
- ``place_words.txt``       place short forms that are ordinary words, and false-hit contexts
- ``national_issuers.txt``  patterns of organisations whose documents are national (国务院, X部)
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
