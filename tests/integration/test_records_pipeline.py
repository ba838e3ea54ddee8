"""Records through the real pipeline: cleaned text -> Chroma -> commitments / subsidies / chat.

Uses H2's session fixture ``reports_store`` (the five sample reports ingested once with the
bundled model) and runs ``policyqa commitments`` / ``policyqa subsidies`` as real processes:
the done-when checks of issue 5.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

import gold_records as gold  # noqa: E402
from gold_scoring import score  # noqa: E402

pytestmark = pytest.mark.slow


def test_records_round_trip_through_the_store_and_meet_the_gold(reports_store, reports_dir: Path) -> None:
    from ingest.document import prepare_document
    from ingest.records import extract_records

    stored = reports_store.store.list_records()
    fresh = []
    for path in sorted(reports_dir.glob("*.txt")):
        doc = prepare_document(path, reports_store.settings)
        fresh += extract_records(doc.meta, doc.text, doc.chunks)

    def key(r):
        return (r.source, r.start, r.kind, r.fields.get("indicator") or r.fields.get("measure"), r.fields.get("value"))

    assert sorted(map(key, stored)) == sorted(map(key, fresh))
    for r in stored:  # the store fills the document fields back in
        assert r.region and r.source and r.title and r.sentence
    t, m = score("target", stored), score("measure", stored)
    print(t.summary())
    print(m.summary())
    assert t.precision >= 0.95 and t.recall >= 0.95, (t.missed, [x.fields for x in t.extra])
    assert m.precision >= 0.95 and m.recall >= 0.95, (m.missed, [x.fields for x in m.extra])


def test_cli_commitments_jiangmen_lists_the_2017_targets(reports_store, policyqa_main) -> None:
    res = policyqa_main("commitments", "--region", "江门", "--store", str(reports_store.path))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for needle in ("250家以上", "20%以上", "新型研发机构", "10家", "国家级 2家", "省级 3家", "市级 7家",
                   gold.JM17, "2015-12-07"):
        assert needle in out, needle
    res = policyqa_main("commitments", "--region", "江门", "--kind", "target", "--json", "--store",
                       str(reports_store.path))
    data = json.loads(res.stdout)
    items = [i for t in data["tracks"] for i in t["items"]]
    assert {i["source"] for i in items} == {gold.JM17} and all(i["year"] == 2017 for i in items)
    assert all(i["sentence"] and i["section"] is not None for i in items)


def test_cli_commitments_tracks_yangjiang_high_tech(reports_store, policyqa_main) -> None:
    res = policyqa_main("commitments", "--region", "阳江", "--indicator", "高企", "--json", "--store",
                       str(reports_store.path))
    assert res.returncode == 0, res.stderr
    (track,) = json.loads(res.stdout)["tracks"]
    assert [(i["year"], i["kind"], i["value"]) for i in track["items"]] == [
        (2016, "reported", "19"), (2022, "reported", "126"), (2022, "target", "30"),
    ]


def test_cli_subsidies_zhongshan_lists_measures_with_amounts(reports_store, policyqa_main, tmp_path) -> None:
    csv_path = tmp_path / "zs.csv"
    res = policyqa_main("subsidies", "--region", "中山", "--csv", str(csv_path), "--store", str(reports_store.path))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for needle in ("科技创新券", "6360万元", "专利质押融资补贴", "补贴支出费用的50%", "科技贷款贴息",
                   "944.41万元", "科技保险补助", "607.89万元", gold.ZS19):
        assert needle in out, needle
    assert csv_path.read_text(encoding="utf-8-sig").count("\n") > 8


def test_chat_subsidy_question_goes_through_the_finder(reports_store) -> None:
    from assistant.pipeline import QAService
    from assistant.subsidies import make_subsidy_finder
    from vectorstore.lexical import LexicalIndex

    qa = QAService(
        reports_store.settings, reports_store.store, reports_store.embeddings,
        LexicalIndex(reports_store.store), subsidy_finder=make_subsidy_finder(reports_store.store),
    )
    answer = qa.ask("我是中山的科技型中小企业，有哪些补贴可以申请？")
    assert answer.answerer == "subsidies" and not answer.abstained
    assert "创新券" in answer.answer and "[1]" in answer.answer
    assert answer.citations and all(c.passage.region == "中山市" for c in answer.citations)
    assert answer.to_json()["citations"][0]["source"] == gold.ZS19
