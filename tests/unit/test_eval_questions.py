"""Reading question-set files: bad lines are named and skipped, the rest still runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.eval.questions import load_questions, parse_question
from common.errors import QuestionError

GOOD = {
    "id": "zs-03",
    "question": "中山专利质押贴多少？",
    "kind": "subsidy",
    "answerable": True,
    "expected_facts": ["50%"],
    "expected_evidence": ["补贴支出费用的50%"],
    "expected_sources": ["004_4757f8428a5e4ec7.txt"],
    "filters": {"region": "中山市", "year": "2019"},
}


def write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "q.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_a_good_line_becomes_a_question(tmp_path):
    qs = load_questions(write(tmp_path, [json.dumps(GOOD, ensure_ascii=False)]))
    q = qs.questions[0]
    assert (q.id, q.kind, q.answerable, q.line) == ("zs-03", "subsidy", True, 1)
    assert q.expected_facts == ("50%",) and q.filters == {"region": "中山市", "year": 2019}
    assert qs.problems == []


def test_malformed_lines_are_reported_with_their_number_and_skipped(tmp_path):
    lines = [
        json.dumps(GOOD, ensure_ascii=False),  # 1 ok
        "{not json",  # 2
        json.dumps({**GOOD, "id": "b", "answerable": "yes"}),  # 3 wrong type
        json.dumps({**GOOD, "id": "c", "question": ""}),  # 4 empty question
        "",  # 5 blank: ignored
        "# a comment",  # 6 ignored
        json.dumps({**GOOD, "id": "d", "expected_facts": [1, 2]}),  # 7 wrong list
        json.dumps([1, 2]),  # 8 not an object
        json.dumps({**GOOD}),  # 9 duplicate id
        json.dumps({**GOOD, "id": "e", "kind": "政策解读"}),  # 10 unknown kind is fine
        json.dumps({**GOOD, "id": "f", "filters": {"city": "中山"}}),  # 11 unknown filter
        json.dumps({k: v for k, v in GOOD.items() if k != "answerable"} | {"id": "g"}),  # 12
    ]
    qs = load_questions(write(tmp_path, lines))
    assert [q.id for q in qs.questions] == ["zs-03", "e"]
    assert qs.questions[1].kind == "政策解读"
    by_line = {p.line: p.message for p in qs.problems}
    assert sorted(by_line) == [2, 3, 4, 7, 8, 9, 11, 12]
    assert "not valid JSON" in by_line[2]
    assert "'answerable' must be true or false" in by_line[3]
    assert "missing 'question'" in by_line[4]
    assert "'expected_facts' must be a list of strings" in by_line[7]
    assert "expected a JSON object" in by_line[8]
    assert "duplicate id 'zs-03' (first on line 1)" in by_line[9]
    assert "unknown filter 'city'" in by_line[11]
    assert "missing 'answerable'" in by_line[12]
    assert str(qs.problems[0]).startswith("line 2: ")


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_an_empty_file_is_a_clear_error(tmp_path, content):
    p = tmp_path / "empty.jsonl"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionError) as exc:
        load_questions(p)
    assert "is empty" in exc.value.message and "JSON object" in exc.value.hint


def test_a_file_with_no_valid_line_names_the_first_problem(tmp_path):
    with pytest.raises(QuestionError) as exc:
        load_questions(write(tmp_path, ["{oops", "[]"]))
    assert "has no valid question" in exc.value.message and "line 1" in exc.value.message


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(QuestionError, match="not found"):
        load_questions(tmp_path / "nope.jsonl")
    p = tmp_path / "gbk.jsonl"
    p.write_bytes(json.dumps(GOOD, ensure_ascii=False).encode("gbk"))
    with pytest.raises(QuestionError, match="not UTF-8"):
        load_questions(p)


def test_bom_and_lenient_fields(tmp_path):
    p = tmp_path / "bom.jsonl"
    row = {"id": 7, "question": "那中山呢？", "answerable": False, "history": "阳江有多少高企？"}
    p.write_text("\ufeff" + json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    q = load_questions(p).questions[0]
    assert q.id == "7" and q.kind == "fact" and q.history == ("阳江有多少高企？",)


def test_parse_question_rejects_bad_history():
    with pytest.raises(ValueError, match="history"):
        parse_question({**GOOD, "history": [""]})


def test_the_project_sets_load_without_problems():
    root = Path(__file__).resolve().parents[2] / "evals"
    for name in ("questions.jsonl", "dev.jsonl"):
        qs = load_questions(root / name)
        assert qs.problems == [] and len(qs.questions) >= 40
