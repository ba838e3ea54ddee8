"""Staging browser uploads in the store, with the upload size limit."""

from __future__ import annotations

from webui.uploads import safe_name, stage_uploads


def test_upload_over_the_limit_is_refused_with_reason_and_hint(tmp_path):
    small = tmp_path / "in" / "a.txt"
    big = tmp_path / "in" / "big.txt"
    small.parent.mkdir()
    small.write_text("阳江市科技局", encoding="utf-8")
    big.write_bytes(b"x" * (2 * 1024 * 1024 + 1))
    staged, problems = stage_uploads([small, big], tmp_path / "home", max_mb=2)
    assert [p.name for p in staged] == ["a.txt"]
    assert staged[0].parent == tmp_path / "home" / "uploads"
    assert staged[0].read_text(encoding="utf-8") == "阳江市科技局"
    assert len(problems) == 1 and problems[0].name == "big.txt"
    assert "超过上传上限 2 MB" in problems[0].reason and "MAX_UPLOAD_MB" in problems[0].hint


def test_same_name_uploaded_again_replaces_the_staged_copy(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("v1", encoding="utf-8")
    stage_uploads([f], tmp_path / "home", 1)
    f.write_text("v2", encoding="utf-8")
    staged, _ = stage_uploads([f], tmp_path / "home", 1)
    assert staged[0].read_text(encoding="utf-8") == "v2"
    assert len(list((tmp_path / "home" / "uploads").iterdir())) == 1


def test_missing_file_reported_not_raised(tmp_path):
    staged, problems = stage_uploads([tmp_path / "gone.txt"], tmp_path / "home", 1)
    assert staged == [] and problems[0].name == "gone.txt"


def test_safe_name_drops_path_parts():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\x\\报告.docx") == "报告.docx"
    assert safe_name('a<b>:"c".txt') == "a_b___c_.txt"
    assert safe_name("...") == "upload"


def test_staged_uploads_are_ingestable_though_inside_the_store(tmp_path):
    """ingest skips the store folder when walking, but takes files named explicitly."""
    from ingest.pipeline import collect_files

    home = tmp_path / "home"
    src = tmp_path / "r.txt"
    src.write_text("阳江市科技局", encoding="utf-8")
    staged, _ = stage_uploads([src], home, 1)
    files, missing = collect_files(staged, home)
    assert files == [staged[0].absolute()] and missing == []
    walked, _ = collect_files([tmp_path], home)
    assert staged[0].absolute() not in walked and src.absolute() in walked
