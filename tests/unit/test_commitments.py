"""Commitments tracker and subsidy finder over records of the five sample reports (no Chroma).

The records come from ``extract_records`` on the raw reports, committed into the real store on
the memory backend (the store contract suite holds it to embedded Chroma's behaviour). The CLI
commands run in-process through ``assistant.cli.main(argv, services=...)`` over that store.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

import gold_records as gold  # noqa: E402
from sample_meta import sample_meta  # noqa: E402

from assistant.cli import main  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.commitments import list_commitments, resolve_region, track_commitments  # noqa: E402
from assistant.subsidies import (  # noqa: E402
    answer_subsidy_question,
    find_measures,
    make_subsidy_finder,
    parse_profile,
)
from common.errors import ConfigError  # noqa: E402
from common.settings import EmbeddingSettings, Settings, StoreSettings  # noqa: E402
from common.textnorm import contains  # noqa: E402
from ingest.models import Record  # noqa: E402
from ingest.records import extract_records  # noqa: E402
from vectorstore import memory_chroma  # noqa: E402
from vectorstore.base import PolicyStore, commit_document  # noqa: E402


@pytest.fixture(scope="module")
def services(reports_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The real store on the memory backend, holding each report's extracted records (no chunks
    needed: the tracker and the finder read records only)."""
    home = tmp_path_factory.mktemp("records_store")
    svc = Services(Settings(home=home, store=StoreSettings(backend="memory"), embedding=EmbeddingSettings(backend="hash")))
    store = svc.writer()
    for path in sorted(reports_dir.glob("*.txt")):
        meta = sample_meta(path)
        commit_document(store, meta, [], [], extract_records(meta, path.read_text(encoding="utf-8"), []))
    yield svc
    memory_chroma.forget(str(home))


@pytest.fixture(scope="module")
def store(services: Services) -> PolicyStore:
    return services.store


# --- commitments -----------------------------------------------------------------------------


def test_short_region_names_resolve() -> None:
    assert resolve_region("江门") == "江门市"
    assert resolve_region("赣榆") == "赣榆区"
    with pytest.raises(ConfigError) as exc:
        resolve_region("不存在的地方")
    assert exc.value.hint


def test_jiangmen_lists_the_2017_targets(store: PolicyStore) -> None:
    rows = list_commitments(store, region="江门", kind="target")
    assert rows and all(r.region == "江门市" and r.kind == "target" for r in rows)
    texts = {(r.indicator, r.value_text) for r in rows}
    for expected in [
        ("高新技术企业数量", "国家级 250家以上"),
        ("研发机构比例", "20%以上"),
        ("新型研发机构", "10家"),
        ("孵化器", "国家级 2家"),
        ("孵化器", "省级 3家"),
        ("孵化器", "市级 7家"),
    ]:
        assert expected in texts
    assert all(r.year == 2017 and r.source == gold.JM17 and r.sentence for r in rows)


def test_yangjiang_high_tech_track_links_2016_and_2022(store: PolicyStore) -> None:
    tracks = track_commitments(list_commitments(store, region="阳江", indicator="高企"))
    assert len(tracks) == 1
    t = tracks[0]
    assert (t.region, t.indicator) == ("阳江市", "高新技术企业数量")
    seq = [(r.year, r.kind, r.value) for r in t.rows]
    assert seq == [(2016, "reported", "19"), (2022, "reported", "126"), (2022, "target", "30")]
    assert {r.source for r in t.rows} == {gold.YJ16, gold.YJ22}
    assert "19家" in t.summary() and "新增30家" in t.summary()


def test_filters_by_year_kind_and_parent_region(store: PolicyStore) -> None:
    rows_2016 = list_commitments(store, year=2016, kind="target")
    assert rows_2016 and all(r.year == 2016 for r in rows_2016)
    assert {r.source for r in rows_2016} == {gold.YJ16, gold.GY16}
    assert {r.region for r in list_commitments(store, region="连云港")} == {"赣榆区"}
    patents = list_commitments(store, indicator="专利")
    assert patents and all("专利" in r.indicator for r in patents)
    with pytest.raises(ConfigError):
        list_commitments(store, kind="wish")


# --- subsidies --------------------------------------------------------------------------------


def test_profile_parsing() -> None:
    p = parse_profile("科技型中小企业，有发明专利，想贷款")
    assert p.enterprise_types == ["科技型中小企业"]
    assert p.assets == ["发明专利"]
    assert p.needs == ["贷款"]
    q = parse_profile("我们是高企，想引进人才、做研发")
    assert q.enterprise_types == ["高新技术企业"] and set(q.needs) == {"人才", "研发"}
    assert parse_profile("").empty


def test_zhongshan_measures_without_profile(store: PolicyStore) -> None:
    found = find_measures(store, region="中山")
    names = {m.measure for m in found}
    assert {"创新券", "专利质押融资", "贷款贴息", "科技保险补助"} <= names
    assert all(m.region == "中山市" and m.source == gold.ZS19 for m in found)
    benefits = {m.measure: m.benefit for m in found if m.benefit}
    assert "6360万元" in benefits["创新券"] or any("6360万元" in (m.benefit or "") for m in found)
    assert any(m.measure == "科技保险补助" and "607.89万元" in (m.benefit or "") for m in found)
    # implemented measures with amounts rank before plans without
    assert found[0].benefit and found[-1].status == "planned"


def test_profile_ranks_loans_and_patents_first(store: PolicyStore) -> None:
    found = find_measures(store, region="中山", profile="科技型中小企业，有发明专利，想贷款")
    assert found[0].measure == "专利质押融资"
    assert any(r.startswith("有发明专利") for r in found[0].reasons)
    top = {m.measure for m in found[:5]}
    assert {"专利质押融资", "贷款贴息", "风险补偿"} <= top
    # nothing for other applicants (孵化器补助, 新型研发机构经费支持) and nothing unrelated
    assert not {m.measure for m in found} & {"孵化器补助", "新型研发机构经费支持", "人才扶持"}
    assert all(m.profile_match and m.reasons for m in found)


def test_subsidy_answer_cites_verbatim_sentences(store: PolicyStore) -> None:
    analysis = SimpleNamespace(wanted_regions=["中山市"], enterprise_types=["科技型中小企业"])
    answer = answer_subsidy_question("我是中山的科技型中小企业，有哪些补贴可以申请？", analysis, store)
    assert answer is not None and not answer.abstained
    assert "创新券" in answer.answer and "[1]" in answer.answer
    ids = {c.id for c in answer.citations}
    for n in range(1, len(ids) + 1):
        assert f"[{n}]" in answer.answer
    text = (Path(__file__).resolve().parents[2].parent / "shared/corpus/reports" / gold.ZS19)
    raw = text.read_text(encoding="utf-8") if text.exists() else None
    for c in answer.citations:
        assert c.passage.region == "中山市" and c.passage.source == gold.ZS19
        if raw is not None:
            assert contains(raw, c.quote)
    assert answer.passages and answer.to_json()["citations"][0]["quote"]


def test_subsidy_finder_seam_returns_none_when_nothing_matches(store: PolicyStore, tmp_path: Path) -> None:
    empty = Services(Settings(home=tmp_path, store=StoreSettings(backend="memory"), embedding=EmbeddingSettings(backend="hash"))).writer()
    finder = make_subsidy_finder(empty)
    analysis = SimpleNamespace(wanted_regions=["中山市"], enterprise_types=[])
    assert finder("有哪些补贴？", analysis, []) is None
    assert make_subsidy_finder(store)("有哪些补贴？", analysis, []) is not None


# --- CLI --------------------------------------------------------------------------------------


@pytest.fixture()
def cli(services: Services) -> Callable[[list[str]], int]:
    """``policyqa ARGS`` in-process, over the records store."""
    return lambda argv: main(argv, services=services)


def test_commitments_cli_table_json_and_csv(cli, capsys, tmp_path: Path) -> None:
    assert cli(["commitments", "--region", "江门"]) == 0
    out = capsys.readouterr().out
    for needle in ("江门市 · 孵化器", "250家以上", "20%以上", gold.JM17, "2015-12-07"):
        assert needle in out
    csv_path = tmp_path / "c.csv"
    assert cli(["commitments", "--region", "江门", "--kind", "target", "--json", "--csv", str(csv_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == sum(len(t["items"]) for t in data["tracks"]) >= 12
    with csv_path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == data["count"] and {r["kind"] for r in rows} == {"target"}
    assert any(r["indicator"] == "新型研发机构" and r["value"] == "10" for r in rows)


def test_commitments_cli_no_match_and_bad_region(cli, capsys) -> None:
    assert cli(["commitments", "--region", "江门", "--indicator", "专利申请量", "--kind", "reported"]) == 1
    assert "no targets" in capsys.readouterr().err
    assert cli(["commitments", "--region", "火星"]) == 2
    assert "unknown region" in capsys.readouterr().err


def test_subsidies_cli_profile_json_and_csv(cli, capsys, tmp_path: Path) -> None:
    assert cli(["subsidies", "--region", "中山"]) == 0
    out = capsys.readouterr().out
    for needle in ("科技创新券", "专利质押融资补贴", "科技贷款贴息", "科技保险补助", "6360万元", "607.89万元"):
        assert needle in out
    csv_path = tmp_path / "s.csv"
    argv = ["subsidies", "--region", "中山", "--profile", "科技型中小企业，有发明专利，想贷款", "--json", "--csv", str(csv_path)]
    assert cli(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"]["assets"] == ["发明专利"]
    assert data["measures"][0]["measure"] == "专利质押融资" and data["measures"][0]["citation"]["text"]
    with csv_path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == data["count"] and rows[0]["source"] == gold.ZS19
