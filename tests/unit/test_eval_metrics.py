"""Metric maths of `policyqa eval`, with a scripted answerer whose ranks, facts, citations,
abstentions and latencies are known, so every total has one exact right value."""

from __future__ import annotations

import pytest

from assistant.eval.answerers import Attempt
from assistant.eval.metrics import aggregate, fact_in, first_rank, percentile, score_question
from assistant.eval.questions import Question
from assistant.eval.runner import run_eval
from tests.unit.eval_helpers import QUESTIONS, SCRIPT, A, B, C, P, ScriptedAnswerer


@pytest.fixture
def run():
    return run_eval(QUESTIONS, [ScriptedAnswerer(SCRIPT)], k=3)


def test_per_question_scores(run):
    r = {x.id: x for x in run.main.results}
    assert [r[i].rank for i in ("q1", "q2", "q3", "q4", "q5")] == [2, 1, 7, None, None]
    assert r["q1"].facts_found == ["10家"] and r["q1"].facts_missing == ["20%"]
    assert r["q1"].fact_recall == 0.5 and r["q1"].citation_precision == 0.5
    assert r["q2"].source_recall == 1.0 and r["q3"].source_recall == 0.0
    # The abstention text happens to contain the fact; an abstention still delivers nothing.
    assert r["q3"].fact_recall == 0.0 and r["q3"].facts_missing == ["7项"]
    assert r["q3"].citation_precision is None
    assert [r[i].passed for i in ("q1", "q2", "q3", "q4", "q5")] == [False, True, False, True, False]
    assert [r[i].abstention_correct for i in ("q1", "q2", "q3", "q4", "q5")] == [True, True, False, True, False]


def test_totals_are_exact(run):
    m = run.main.metrics
    assert m["questions"] == 5 and m["answerable"] == 3 and m["unanswerable"] == 2
    assert m["hit@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["hit@3"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["hit@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr@10"] == pytest.approx((1 / 2 + 1 + 1 / 7) / 3, abs=1e-4)
    assert m["source_recall@k"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["fact_recall"] == pytest.approx(0.5)
    assert m["citation_precision"] == pytest.approx(0.75)
    assert m["abstention_accuracy"] == pytest.approx(0.6)
    assert m["answered_when_answerable"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["abstained_when_unanswerable"] == pytest.approx(0.5)
    assert m["pass_rate"] == pytest.approx(0.4)
    assert m["latency_p50_ms"] == pytest.approx(300)
    assert m["latency_p95_ms"] == pytest.approx(480)
    assert m["median_answer_chars"] == pytest.approx((8 + 15) / 2)


def test_by_kind(run):
    bk = run.main.by_kind
    assert set(bk) == {"fact", "cross", "unanswerable"}
    assert bk["fact"]["questions"] == 2
    assert bk["fact"]["hit@1"] == 0.0 and bk["fact"]["hit@3"] == 0.5
    assert bk["fact"]["mrr@10"] == pytest.approx((1 / 2 + 1 / 7) / 2, abs=1e-4)
    assert bk["cross"]["hit@1"] == 1.0
    # No answerable question in the kind: retrieval metrics are undefined, not zero.
    assert bk["unanswerable"]["hit@1"] is None and bk["unanswerable"]["fact_recall"] is None
    assert bk["unanswerable"]["abstention_accuracy"] == 0.5


def test_followup_history_is_asked_first_and_passed_on():
    script = {
        "阳江2016年有多少高企？": Attempt("19家", False, [P(A, "19家")], [P(A, "19家")], 1),
        "那2022年呢？": Attempt("126家", False, [P(B, "现存的126家高企")], [P(B, "x")], 1),
    }
    q = Question("f1", "那2022年呢？", "followup", True, ("126家",), ("126家",), (B,), history=("阳江2016年有多少高企？",))
    ans = ScriptedAnswerer(script)
    run = run_eval([q], [ans], k=5)
    assert [c[0] for c in ans.calls] == ["阳江2016年有多少高企？", "那2022年呢？"]
    assert ans.calls[1][1] == ["阳江2016年有多少高企？"]
    assert run.main.results[0].passed and run.main.results[0].rank == 1


def test_filters_reach_the_answerer():
    q = Question("z", "补贴多少？", "subsidy", True, ("50%",), ("50%",), (A,), filters={"region": "中山市"})
    ans = ScriptedAnswerer({"补贴多少？": Attempt("50%", False, [P(A, "50%")], [P(A, "50%")], 1)})
    run_eval([q], [ans], k=5)
    assert ans.calls[0][2] == {"region": "中山市"}


def test_a_crash_on_one_question_is_a_recorded_failure_and_the_run_goes_on():
    script = {"第一问": RuntimeError("boom"), "第四问": SCRIPT["第四问"]}
    run = run_eval([QUESTIONS[0], QUESTIONS[3]], [ScriptedAnswerer(script)], k=3)
    r1, r4 = run.main.results
    assert r1.error == "RuntimeError: boom" and not r1.passed and r1.rank is None
    assert r4.passed
    assert run.main.metrics["errors"] == 1
    assert run.main.metrics["latency_p50_ms"] == 400  # failed calls have no latency


def test_unknown_kind_is_just_another_group():
    q = Question("x", "第二问", "政策解读", True, ("5个",), ("证据二",), (A, C))
    run = run_eval([q], [ScriptedAnswerer(SCRIPT)], k=3)
    assert list(run.main.by_kind) == ["政策解读"] and run.main.by_kind["政策解读"]["hit@1"] == 1.0


def test_matching_rule_nfkc_and_whitespace():
    ps = [P(A, "对企业贷款时产生的银行利息、保险费用分别补贴支出费用的 ５０％")]
    assert first_rank(ps, ["补贴支出费用的50%"]) == 1
    assert first_rank(ps, ["补贴支出费用的60%"]) is None
    assert first_rank(ps, []) is None
    # depth bounds the search
    many = [P(A, "x")] * 10 + [P(A, "补贴支出费用的50%")]
    assert first_rank(many, ["补贴支出费用的50%"]) is None


def test_percentile_interpolates_like_numpy():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)


def test_question_without_evidence_is_left_out_of_retrieval_metrics():
    q_no_ev = Question("n", "第一问", "fact", True, ("10家",), (), (A,))
    res = [score_question(q_no_ev, SCRIPT["第一问"], 3), score_question(QUESTIONS[1], SCRIPT["第二问"], 3)]
    m = aggregate(res, 3)
    assert m["ranked"] == 1 and m["hit@1"] == 1.0
    # Without evidence there is no rank to require: answered with every fact is a pass.
    assert res[0].facts_missing == [] and res[0].fact_recall == 1.0 and res[0].passed


def test_ranked_consistency_is_recorded():
    at = Attempt("a", False, [P(A, "x"), P(B, "y")], [], 1, answer_passages=[P(A, "x"), P(B, "y")])
    assert score_question(QUESTIONS[0], at, 2).ranked_consistent is True
    at.answer_passages = [P(B, "y")]
    assert score_question(QUESTIONS[0], at, 2).ranked_consistent is False


def test_facts_respect_number_boundaries():
    assert fact_in("年内争取入库科技型中小企业达130家", "130家")
    assert not fact_in("年内争取入库科技型中小企业达130家", "30家")
    assert fact_in("入库130家，新增30家", "30家")  # a later, standalone occurrence counts
    assert not fact_in("占比82.5%", "2.5%") and fact_in("强度达到2.5%", "2.5%")
    assert fact_in("补贴支出费用的５０％", "50%")  # NFKC still applies
    assert fact_in("高企补助和孵化器认定", "孵化器认定") and not fact_in("x", "")


# --- answers scored against a gold span (gold_answer) --------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from assistant.eval.metrics import lcs_length, rouge_l_f1, span_start_in  # noqa: E402


def _lcs_table(a: str, b: str) -> int:
    """The textbook dynamic programme, as the independent reference."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@given(st.text(alphabet="ab一二。", max_size=40), st.text(alphabet="ab一二。", max_size=40))
def test_bit_parallel_lcs_equals_the_table(a, b):
    assert lcs_length(a, b) == _lcs_table(a, b)


def test_rouge_l_by_hand():
    # gold 每亩补贴3000元 (9 chars) lies whole inside the 13-char answer: P = 9/13, R = 1.
    assert rouge_l_f1("对温室每亩补贴3000元。", "每亩补贴3000元") == pytest.approx(2 * (9 / 13) / (9 / 13 + 1), abs=1e-9)
    assert rouge_l_f1("", "每亩补贴3000元") == 0.0
    # whitespace and full-width forms do not count (matching rule)
    assert rouge_l_f1("每亩 补贴３０００元", "每亩补贴3000元") == pytest.approx(1.0)


def test_span_start_is_the_first_twenty_characters():
    gold = "可以应用于交通卡口、小区（村）通行以及企业复工申请等场景，方便我省居民出门出行"
    assert span_start_in("根据文件：“八闽健康码可以应用于交通卡口、小区(村)通行以及企业复工申请”[1]。", gold)
    assert not span_start_in("可以应用于交通卡口、小区通行", gold)  # 小区（村） cut short
    assert span_start_in("不受。", "不受")  # a span shorter than 20: the whole span


def test_span_scores_and_an_abstention_scores_zero():
    q = Question("s1", "问", "policy", True, (), ("每亩补贴3000元",), (A,), gold_answer="每亩补贴3000元。")
    hit = [P(A, "对恢复生产的闲置温室每亩补贴3000元。")]
    good = score_question(q, Attempt("“每亩补贴3000元。”[1]", False, hit, hit, 1.0), k=3)
    # the span ends with 。: an answer that drops it does not hold the whole (short) span
    assert score_question(q, Attempt("“每亩补贴3000元”[1]。", False, hit, hit, 1.0), k=3).span_start is False
    other = score_question(q, Attempt("“对恢复生产的闲置温室给予补助”[1]。", False, hit, hit, 1.0), k=3)
    quiet = score_question(q, Attempt("未找到。每亩补贴3000元", True, hit, [], 1.0), k=3)
    # 10 of the answer's 15 characters are the span: P = 10/15, R = 1, F1 = 0.8
    assert good.passed and good.span_start and good.span_rouge_l == pytest.approx(0.8)
    # pass stays DESIGN.md's (answered, evidence in the top k, facts); the span is scored beside it
    assert other.passed and other.span_start is False and other.rank == 1
    assert not quiet.passed and quiet.span_rouge_l == 0.0 and quiet.span_start is False
    m = aggregate([good, other, quiet], 3)
    assert m["span_questions"] == 3 and m["span_start"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["span_rouge_l"] == pytest.approx((good.span_rouge_l + other.span_rouge_l) / 3, abs=1e-4)
