"""Ingest bookkeeping on a real local Chroma with hash embeddings: incremental, duplicates,
prune, bad input, leftovers, progress, exit codes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.settings import Settings
from ingest.models import Record
from ingest.pipeline import IngestProgress, ingest_paths
from tests.fakes import HashEmbeddings, make_chunks, make_meta
from vectorstore.chroma_store import ChromaStore, open_store

REPORT_A = """阳江市科学技术局2016年工作总结
发布时间：2016-04-25
一、2015年主要工作
（一）高新技术企业培育。2015年全市高新技术企业达到19家，新增省级孵化器2家。
（二）知识产权。2015年专利申请量达1724件，同比增长26.61%。
二、2016年工作计划
（一）力争新增高新技术企业10家。
（二）推动科技创新券在全市推广，支持科技型中小企业研发。
"""

REPORT_B = """中山市科学技术局2018年工作总结及2019年工作计划
一、2018年工作情况
（一）科技金融。发放科技创新券500万元，专利质押融资贴息比例为50%。
（二）科技保险。对科技型中小企业购买科技保险给予补助。
二、2019年工作计划
（一）继续实施科技贷款风险补偿，扩大风险补偿资金池。
"""

REPORT_C = """江门市加快推进创新驱动发展重点工作方案（2015-2017年）
一、工作目标
到2017年，全市高新技术企业达到250家以上，新型研发机构达到10家。
二、主要措施
（一）与浪潮集团合作建设珠西数谷。
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "store")


@pytest.fixture
def emb() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def store(settings: Settings, emb: HashEmbeddings) -> ChromaStore:
    return open_store(settings, emb, create=True)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text(REPORT_A, "utf-8")
    (d / "b.txt").write_text(REPORT_B, "gb18030")
    sub = d / "sub"
    sub.mkdir()
    (sub / "c.md").write_text(REPORT_C, "utf-8")
    return d


def run(folder, settings, store, emb, **kw):
    return ingest_paths([folder], settings, store, emb, **kw)


def sources(items) -> list[str]:
    return sorted(r.source for r in items)


def test_first_run_adds_every_file_and_rerun_embeds_nothing(folder, settings, store, emb):
    first = run(folder, settings, store, emb)
    assert sources(first.added) == ["a.txt", "b.txt", "c.md"]
    assert not first.failed and first.exit_code() == 0
    assert first.chunks_embedded == emb.documents_embedded > 0
    assert store.verify() == []
    docs = {d["source"]: d for d in store.list_documents()}
    assert docs["b.txt"]["encoding"] == "gb18030"
    assert sum(d["chunk_count"] for d in docs.values()) == len(list(store.iter_chunks()))
    gen = store.generation()

    calls = emb.document_calls
    second = run(folder, settings, store, emb)
    assert sources(second.unchanged) == ["a.txt", "b.txt", "c.md"]
    assert not (second.added or second.updated or second.removed or second.failed)
    assert emb.document_calls == calls  # nothing embedded
    assert second.chunks_embedded == 0
    assert store.generation() == gen


def test_changed_file_replaces_its_old_chunks_and_embeds_only_new_text(folder, settings, store, emb):
    run(folder, settings, store, emb)
    old = {c.id for c in store.iter_chunks() if c.metadata["source"] == "a.txt"}
    before = emb.documents_embedded
    (folder / "a.txt").write_text(REPORT_A + "三、其他\n（一）新建众创空间3家，院士工作站1个。\n", "utf-8")
    report = run(folder, settings, store, emb)
    assert sources(report.updated) == ["a.txt"]
    assert sources(report.unchanged) == ["b.txt", "c.md"]
    a_chunks = [c for c in store.iter_chunks() if c.metadata["source"] == "a.txt"]
    assert not old & {c.id for c in a_chunks}  # old version gone
    assert any("众创空间3家" in c.text for c in a_chunks)
    assert not any("众创空间" in c.text for c in store.iter_chunks() if c.id in old)
    # Only the chunks whose text is new were embedded; the rest reused stored vectors.
    assert 0 < report.chunks_embedded == emb.documents_embedded - before < len(a_chunks)
    assert report.updated[0].reused == len(a_chunks) - report.updated[0].embedded
    assert store.verify() == []
    assert store.stats()["chunks"] == len(list(store.iter_chunks()))


def test_duplicate_content_is_stored_once(folder, settings, store, emb):
    (folder / "copy_of_a.txt").write_text(REPORT_A, "utf-8")
    report = run(folder, settings, store, emb)
    assert sources(report.added) == ["a.txt", "b.txt", "c.md"]
    assert [(r.source, r.duplicate_of) for r in report.duplicate] == [("copy_of_a.txt", "a.txt")]
    assert "a.txt" in report.duplicate[0].reason
    assert len(store.list_documents()) == 3
    again = run(folder, settings, store, emb)
    assert [r.source for r in again.duplicate] == ["copy_of_a.txt"]
    assert again.chunks_embedded == 0


def test_prune_removes_only_gone_files_under_the_given_paths(folder, settings, store, emb, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c2.txt").write_text(REPORT_C.replace("江门市", "台山市"), "utf-8")
    run(folder, settings, store, emb)
    ingest_paths([elsewhere], settings, store, emb)
    (folder / "b.txt").unlink()
    (elsewhere / "c2.txt").unlink()
    kept = run(folder, settings, store, emb)  # without --prune nothing is removed
    assert kept.removed == [] and len(store.list_documents()) == 4
    report = run(folder, settings, store, emb, prune=True)
    assert sources(report.removed) == ["b.txt"]  # c2.txt is gone too, but not under `folder`
    assert sorted(d["source"] for d in store.list_documents()) == ["a.txt", "c.md", "c2.txt"]
    assert store.verify() == [] and report.exit_code() == 0


def test_moved_file_with_prune_reuses_vectors(folder, settings, store, emb):
    run(folder, settings, store, emb)
    before = emb.documents_embedded
    (folder / "b.txt").rename(folder / "sub" / "b_moved.txt")
    report = run(folder, settings, store, emb, prune=True)
    assert sources(report.removed) == ["b.txt"] and sources(report.added) == ["b_moved.txt"]
    assert emb.documents_embedded == before  # same texts: vectors reused from the store


def test_bad_inputs_are_reported_and_the_rest_indexed(folder, settings, store, emb):
    bad = {
        "empty.txt": b"",
        "junk.pdf": os.urandom(4096),
        "undecodable.txt": bytes(range(128, 256)) * 64,
        "table.xlsx": b"PK\x03\x04 not a supported type",
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    with open(folder / "huge.txt", "wb") as fh:  # 50 MB, sparse on disk
        fh.truncate(50 * 1024 * 1024)
    report = run(folder, settings, store, emb)
    failed = {r.source: r for r in report.failed}
    assert sorted(failed) == sorted([*bad, "huge.txt"])
    for r in report.failed:
        assert r.reason and r.hint and Path(r.path).name == r.source
    assert "text layer" in failed["junk.pdf"].reason or "PDF" in failed["junk.pdf"].reason
    assert "MB" in failed["huge.txt"].reason
    assert sources(report.added) == ["a.txt", "b.txt", "c.md"]
    assert report.exit_code() == 0
    assert store.verify() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file; the CLI test covers this as nobody")
def test_unreadable_file_is_reported(folder, settings, store, emb):
    locked = folder / "locked.txt"
    locked.write_text(REPORT_A + "x", "utf-8")
    locked.chmod(0)
    report = run(folder, settings, store, emb)
    assert [r.source for r in report.failed] == ["locked.txt"]
    assert report.failed[0].hint


def test_nothing_indexable_gives_a_failing_exit_code(tmp_path, settings, store, emb):
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert run(empty, settings, store, emb).exit_code() == 1
    (empty / "e.txt").write_bytes(b"")
    only_bad = run(empty, settings, store, emb)
    assert len(only_bad.failed) == 1 and only_bad.exit_code() == 1
    missing = ingest_paths([tmp_path / "no_such_dir"], settings, store, emb)
    assert missing.failed[0].reason == "no such file or folder" and missing.exit_code() == 1


def test_hidden_files_and_the_store_itself_are_skipped(folder, emb, tmp_path):
    (folder / ".hidden.txt").write_text(REPORT_B, "utf-8")
    (folder / ".git").mkdir()
    (folder / ".git" / "x.txt").write_text(REPORT_B, "utf-8")
    inside = Settings(home=folder / "store_here")
    store = open_store(inside, emb, create=True)
    report = ingest_paths([folder], inside, store, emb)
    assert report.files_seen == 3 and not report.failed


def test_leftovers_of_an_interrupted_run_are_collected(folder, settings, store, emb):
    texts = ["半截写入的块。", "另一块。"]
    store.stage_chunks(make_meta("ghost", "x"), make_chunks(texts), emb.embed_documents(texts))
    report = run(folder, settings, store, emb)
    assert report.garbage_collected == 2
    assert all(c.metadata["doc_id"] != "ghost" for c in store.iter_chunks())
    assert store.stats()["chunks"] == len(list(store.iter_chunks()))


def test_progress_reports_files_and_chunks(folder, settings, store, emb):
    events: list[IngestProgress] = []
    report = run(folder, settings, store, emb, progress=events.append)
    embeds = [e for e in events if e.stage == "embed"]
    commits = [e for e in events if e.stage == "commit"]
    assert [e.files_done for e in commits] == [1, 2, 3]
    assert embeds[-1].chunks_done == embeds[-1].chunks_total == report.chunks_embedded
    assert [e.chunks_done for e in embeds] == sorted(e.chunks_done for e in embeds)
    assert events[-1].stage == "done"


def test_records_are_committed_and_a_failing_extractor_does_not_lose_the_document(
    folder, settings, store, emb, monkeypatch
):
    import ingest.pipeline

    def fake_extract(meta, text, chunks):
        if meta.source == "b.txt":
            raise ValueError("boom")
        i = text.index("高新技术企业")
        return [Record("target", text[i : i + 6], "", i, i + 6, {"indicator": "高企"})]

    monkeypatch.setattr(ingest.pipeline, "extract_records", fake_extract)
    report = run(folder, settings, store, emb)
    assert sources(report.added) == ["a.txt", "b.txt", "c.md"]
    assert [w.source for w in report.warnings] == ["b.txt"] and "boom" in report.warnings[0].reason
    recs = store.list_records()
    assert sorted(r.source for r in recs) == ["a.txt", "c.md"]
    assert all(r.sentence == "高新技术企业" for r in recs)


def test_other_chunk_settings_rewrite_the_document_in_place(folder, settings, store, emb):
    run(folder, settings, store, emb)
    n_before = len(list(store.iter_chunks()))
    smaller = settings.model_copy(
        update={"chunk": settings.chunk.model_copy(update={"max_tokens": 24, "min_tokens": 0})}
    )
    report = run(folder, smaller, store, emb)
    assert sources(report.updated) == ["a.txt", "b.txt", "c.md"]
    assert len(list(store.iter_chunks())) > n_before
    assert store.verify() == []
    assert store.stats()["chunks"] == len(list(store.iter_chunks()))
    back = run(folder, settings, store, emb)  # and back: the tail of small chunks is trimmed
    assert sources(back.updated) == ["a.txt", "b.txt", "c.md"]
    assert len(list(store.iter_chunks())) == n_before == store.stats()["chunks"]
    assert store.verify() == []


def test_changed_metadata_alone_is_rewritten_without_embedding(folder, settings, store, emb, monkeypatch):
    run(folder, settings, store, emb)
    import ingest.pipeline

    real = ingest.pipeline.prepare_document
    change: dict = {"issuer": "某市科技局"}

    def altered(path, s, **kw):
        doc = real(path, s, **kw)
        for key, value in change.items():
            setattr(doc.meta, key, value)
        return doc

    monkeypatch.setattr(ingest.pipeline, "prepare_document", altered)
    before = emb.documents_embedded
    report = run(folder, settings, store, emb)
    assert sources(report.updated) == ["a.txt", "b.txt", "c.md"]
    assert emb.documents_embedded == before  # the issuer is not part of what is embedded
    assert {d["issuer"] for d in store.list_documents()} == {"某市科技局"}
    assert {c.metadata["issuer"] for c in store.iter_chunks()} == {"某市科技局"}
    assert store.verify() == []
    # The title is embedded with each chunk: a new title means new vectors, replaced in place.
    change["title"] = "新标题"
    report = run(folder, settings, store, emb)
    assert emb.documents_embedded - before == report.chunks_embedded == len(list(store.iter_chunks()))
    assert {c.metadata["title"] for c in store.iter_chunks()} == {"新标题"}
    assert store.verify() == [] and store.stats()["chunks"] == report.chunks_embedded


def test_a_second_ingest_waits_for_the_store_lock(folder, settings, store, emb):
    from common.errors import StoreError
    from ingest.pipeline import ingest_lock

    events: list[IngestProgress] = []
    with ingest_lock(settings.home, timeout=5):
        with pytest.raises(StoreError) as err:
            ingest_paths([folder], settings, store, emb, progress=events.append, lock_timeout=0.5)
    assert "another ingest" in err.value.message and err.value.hint
    assert events and events[0].stage == "waiting"
    assert not run(folder, settings, store, emb).failed  # released: the next run goes ahead


def test_pruning_a_removed_folder_is_not_a_failure(folder, settings, store, emb):
    import shutil

    run(folder, settings, store, emb)
    shutil.rmtree(folder / "sub")
    report = ingest_paths([folder / "sub"], settings, store, emb, prune=True)
    assert sources(report.removed) == ["c.md"] and report.failed == []
    assert report.exit_code() == 0


def test_duplicate_of_a_vanished_file_hints_at_prune(folder, settings, store, emb, tmp_path):
    run(folder, settings, store, emb)
    moved = tmp_path / "moved"
    moved.mkdir()
    (folder / "a.txt").rename(moved / "a_renamed.txt")
    report = ingest_paths([moved], settings, store, emb)
    assert [r.duplicate_of for r in report.duplicate] == ["a.txt"]
    assert "--prune" in report.duplicate[0].hint
