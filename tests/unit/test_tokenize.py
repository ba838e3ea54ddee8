"""Chinese BM25 tokens: domain words, numbers, NFKC, stopwords, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from vectorstore.tokenize import TokenizerOptions, tokenize, tokenize_with

WORDS_ONLY = TokenizerOptions(bigrams=False)


def test_domain_terms_are_tokens_and_yield_their_sub_words():
    toks = tokenize_with("企业申领科技创新券和研发费用加计扣除，开展专利质押融资。", WORDS_ONLY)
    assert "科技创新券" in toks and "创新券" in toks
    assert "研发费用加计扣除" in toks and "扣除" in toks
    assert "专利质押融资" in toks


def test_question_and_report_wording_share_tokens():
    report = set(tokenize("对获得科技创新券的科技型中小企业给予贷款贴息"))
    question = set(tokenize("我是科技型中小企业，创新券怎么申请？"))
    assert {"创新券", "科技型中小企业"} <= report & question


def test_numbers_stay_tokens():
    toks = tokenize("2015年专利申请量达1724件，同比增长26.61%，补贴50%。")
    assert {"2015", "1724", "26.61%", "50%"} <= set(toks)


def test_nfkc_and_lower_case():
    assert "50%" in tokenize("补贴比例５０％")
    assert "ai" in tokenize("推动AI产业")


def test_stopwords_and_punctuation_are_dropped():
    toks = tokenize_with("请问阳江的孵化器有多少个？！", WORDS_ONLY)
    assert "阳江" in toks and "孵化器" in toks
    for dropped in ("的", "多少", "请问", "？", "！", "个"):
        assert dropped not in toks


def test_bigrams_of_cjk_runs_are_added_by_default():
    toks = tokenize("珠西数谷")
    assert {"珠西", "西数", "数谷"} <= set(toks)


def test_empty_and_punctuation_only():
    assert tokenize("") == []
    assert tokenize("   ") == []
    assert tokenize("？？！。，") == []


def test_concurrent_calls_agree():
    texts = [f"第{i}项：阳江市新增高新技术企业{i}家，孵化器{i % 3}个。" for i in range(40)]
    expected = [tokenize(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(tokenize, texts))
    assert got == expected


def test_traditional_characters_give_the_tokens_of_simplified_ones() -> None:
    """A page mirrored in traditional characters is found by a question in simplified ones."""
    from common.textnorm import to_simplified

    assert tokenize("湘鄉市科技特派員工作會議") == tokenize("湘乡市科技特派员工作会议")
    text = "聯系人:侯杰，海龍孵化器"
    assert to_simplified(text) == "联系人:侯杰，海龙孵化器" and len(to_simplified(text)) == len(text)
    assert to_simplified("中山市科学技术局2018年工作总结") == "中山市科学技术局2018年工作总结"
