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

# Policy vocabulary jieba's general dictionary splits or misses. High frequency makes jieba
# prefer the whole word; search mode still emits its known sub-words.
DOMAIN_TERMS: tuple[str, ...] = (
    # support measures and instruments
    "创新券", "科技创新券", "科技券", "贷款贴息", "贴息", "风险补偿", "风险补偿金",
    "专利质押", "专利质押融资", "质押融资", "科技保险", "科技保险补助", "科技贷款",
    "研发费用加计扣除", "加计扣除", "苏科贷", "科技贷", "后补助", "以奖代补", "首台套",
    "知识产权", "专利申请量", "专利授权量", "发明专利", "有效发明专利", "万人发明专利拥有量",
    # enterprises and platforms
    "高新技术企业", "高企", "科技型中小企业", "科技型企业", "瞪羚企业", "独角兽企业",
    "孵化器", "科技企业孵化器", "众创空间", "加速器", "新型研发机构", "研发机构",
    "工程技术研究中心", "工程中心", "重点实验室", "院士工作站", "博士后工作站",
    "产学研", "产学研合作", "协同创新", "科技成果转化", "成果转化", "技术合同",
    "技术合同成交额", "研发投入", "研发经费", "全社会研发投入", "高新区", "高新技术产业",
    "高新技术产品", "民营科技企业", "创新驱动", "创新驱动发展", "星火计划", "火炬计划",
    "科技特派员", "科技金融", "科技三项经费", "珠西数谷", "粤港澳大湾区", "双创",
    # places of the sample corpus and their provinces
    "阳江", "阳江市", "江门", "江门市", "台山", "台山市", "赣榆", "赣榆区", "连云港",
    "连云港市", "中山", "中山市", "阳东", "阳西", "阳春", "海陵", "江城区", "蓬江", "江海",
    "新会", "开平", "鹤山", "恩平", "广东", "广东省", "江苏", "江苏省", "浙江", "浙江省",
    "福建", "福建省", "山东", "山东省", "湖北", "湖北省", "四川", "四川省", "安徽", "安徽省",
    "珠三角", "粤东西北",
)  # fmt: skip

# Function words and question words: frequent, say nothing about the topic.
STOPWORDS: frozenset[str] = frozenset(
    """
    的 了 和 与 及 以及 等 等等 在 是 为 对 将 把 被 由 从 向 于 以 之 其 这 那 该 此 各 每
    也 都 而 或 或者 并 并且 且 又 及其 就 还 已 已经 要 会 能 可 可以 有 有关 没有 不
    我 我们 你 你们 他 她 它 他们 本 个 位 项 件 所 着 过 吗 呢 吧 啊 么 嘛
    什么 哪些 哪个 哪里 哪 多少 几 几个 几项 怎么 怎样 如何 是否 请问 请 一下
    """.split()
)  # fmt: skip

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
                for word in DOMAIN_TERMS:
                    tk.add_word(word, freq=max(tk.suggest_freq(word, tune=False), 20000))
            _jieba[domain_terms] = tk
    return tk


def _is_token(tok: str) -> bool:
    return bool(tok.strip()) and bool(_WORDLIKE.search(tok))


def tokenize_with(text: str, options: TokenizerOptions) -> list[str]:
    """Tokens of ``text`` under explicit options (for measurement); see :func:`tokenize`."""
    norm = unicodedata.normalize("NFKC", text or "").lower()
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
