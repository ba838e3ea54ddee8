"""Chinese tokens for BM25: jieba with a policy-domain dictionary.

``tokenize(text)`` is used for both the indexed chunks and the questions, so whatever it does
to one it does to the other. Steps: NFKC (full-width digits and ％ become ASCII), lower-case,
jieba's search-engine mode (long words also yield their dictionary sub-words, so 科技创新券 in a
report matches 创新券 in a question), then drop punctuation, whitespace and stopwords. Numbers
stay tokens: ``1724``, ``26.61%``, ``2017`` (and ``2017年`` as well, see :data:`_YEAR`).

The variants (``cut`` vs ``cut_for_search``, stopwords, domain words, character bigrams of
CJK runs) were measured on ``evals/dev.jsonl`` with ``benchmarks/tokenize_bench.py``; the
defaults below are the best of those runs (figures in that script's docstring).

jieba is initialised once per process, lazily, under a lock, on a private ``jieba.Tokenizer``
(so other users of the global jieba are not affected), with its log quiet and its cache file in
a writable directory. After initialisation jieba only reads its dictionary, so concurrent
``tokenize`` calls are safe.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.lexicon import domain_terms as lexicon_terms
from common.lexicon import function_words
from common.textnorm import to_simplified

# Policy vocabulary jieba's general dictionary splits or misses, and the function words BM25
# ignores: the lexicon's (common/lexicon/domain_terms.txt, stopwords.txt).
STOPWORDS: frozenset[str] = function_words()

_NUMBER = re.compile(r"^\d+(\.\d+)?%?$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_WORDLIKE = re.compile(r"\w", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True)
class TokenizerOptions:
    """Switches measured by benchmarks/tokenize_bench.py; defaults = the chosen variant."""

    search_mode: bool = True  # jieba.cut_for_search (sub-words) instead of jieba.cut
    hmm: bool = True  # jieba's HMM for unknown words
    domain_terms: bool = True
    stopwords: bool = True
    year_tokens: bool = False  # "2017" + "年" also yields "2017年"
    bigrams: bool = True  # add character bigrams of CJK runs


DEFAULT_OPTIONS = TokenizerOptions()

_lock = threading.Lock()
_jieba: dict[bool, Any] = {}  # domain_terms -> initialised jieba.Tokenizer


def _cache_dir() -> str:
    """Somewhere writable for jieba's dictionary cache (it writes one file on first use)."""
    for candidate in (Path.home() / ".cache" / "policyqa", Path(tempfile.gettempdir()) / "policyqa"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return str(candidate)
        except OSError:
            continue
    return tempfile.gettempdir()


def _tokenizer(domain_terms: bool = True) -> Any:
    tk = _jieba.get(domain_terms)
    if tk is not None:
        return tk
    with _lock:
        tk = _jieba.get(domain_terms)
        if tk is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict ..." on stderr
            tk = jieba.Tokenizer()
            tk.tmp_dir = _cache_dir()
            tk.initialize()
            if domain_terms:
                for word in lexicon_terms():
                    tk.add_word(word, freq=max(tk.suggest_freq(word, tune=False), 20000))
            _jieba[domain_terms] = tk
    return tk


def _is_token(tok: str) -> bool:
    return bool(tok.strip()) and bool(_WORDLIKE.search(tok))


def tokenize_with(text: str, options: TokenizerOptions) -> list[str]:
    """Tokens of ``text`` under explicit options (for measurement); see :func:`tokenize`."""
    norm = to_simplified(unicodedata.normalize("NFKC", text or "")).lower()
    if not norm.strip():
        return []
    tk = _tokenizer(options.domain_terms)
    pieces = (
        tk.cut_for_search(norm, HMM=options.hmm) if options.search_mode else tk.cut(norm, HMM=options.hmm)
    )
    raw = [p.strip() for p in pieces]
    out: list[str] = []
    for i, tok in enumerate(raw):
        if not _is_token(tok):
            if tok == "%" and out and _NUMBER.match(out[-1]) and not out[-1].endswith("%"):
                out[-1] += "%"  # "50 %" -> "50%"
            continue
        if options.year_tokens and tok == "年" and i > 0 and _YEAR.match(raw[i - 1]):
            out.append(raw[i - 1] + "年")
        if options.stopwords and tok in STOPWORDS:
            continue
        out.append(tok)
    if options.bigrams:
        for run in _CJK.findall(norm):
            out.extend(run[j : j + 2] for j in range(len(run) - 1))
    return out


def tokenize(text: str) -> list[str]:
    """BM25 tokens of ``text`` (a chunk or a question)."""
    return tokenize_with(text, DEFAULT_OPTIONS)


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) instead of at the first question."""
    _tokenizer(DEFAULT_OPTIONS.domain_terms)
