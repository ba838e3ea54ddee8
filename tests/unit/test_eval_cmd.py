"""`policyqa eval` command wiring: options, early errors, exit codes, files written.

The systems are replaced by scripted answerers here; the real pipeline and baselines run in
tests/integration/test_eval_cli.py."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from tests.unit.eval_helpers import QUESTIONS, SCRIPT, ScriptedAnswerer


def write_set(path, questions=QUESTIONS, extra_lines=()):
    rows = [
        {
            "id": q.id,
            "question": q.question,
            "kind": q.kind,
            "answerable": q.answerable,
            "expected_facts": list(q.expected_facts),
            "expected_evidence": list(q.expected_evidence),
            "expected_sources": list(q.expected_sources),
        }
        for q in questions
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def scripted(monkeypatch):
    built = {}

    def fake_build(services, names, progress=True):
        built["names"] = names
        built["home"] = services.settings.home
        return [ScriptedAnswerer(SCRIPT, name="policyqa")] + [ScriptedAnswerer(SCRIPT, name=n) for n in names]

    monkeypatch.setattr("assistant.commands.eval_cmd.build_answerers", fake_build)
    return built


def test_empty_file_is_a_clear_error_with_nonzero_exit(tmp_path, capsys):
    p = tmp_path / "q.jsonl"
    p.write_text("", encoding="utf-8")
    assert main(["eval", str(p)]) == 2
    err = capsys.readouterr().err
    assert "is empty" in err and "hint:" in err


def test_no_question_file_and_bad_options_fail_before_any_work(tmp_path, capsys, scripted):
    assert main(["eval"]) == 2
    assert "no question set given" in capsys.readouterr().err
    q = write_set(tmp_path / "q.jsonl")
    assert main(["eval", str(q), "--compare", "naive,gpt"]) == 2
    assert "unknown baseline 'gpt'" in capsys.readouterr().err
    assert main(["eval", str(q), "--report", str(tmp_path / "r.docx")]) == 2
    assert "report format" in capsys.readouterr().err
    assert main(["eval", str(q), "--k", "0"]) == 2
    assert scripted == {}  # nothing was built


def test_a_run_writes_json_and_report_and_names_bad_lines(tmp_path, capsys, scripted):
    q = write_set(tmp_path / "q.jsonl", extra_lines=["{broken"])
    out_json, out_html = tmp_path / "o" / "e.json", tmp_path / "o" / "e.html"
    rc = main(["eval", str(q), "--k", "3", "--compare", "naive,bm25", "--json", str(out_json),
               "--report", str(out_html), "--store", str(tmp_path / "store"), "--no-progress"])  # fmt: skip
    assert rc == 0
    captured = capsys.readouterr()
    assert "line 6: not valid JSON" in captured.err
    assert "policyqa: 2/5 passed" in captured.out and "policyqa/naive" in captured.out
    assert scripted["names"] == ["naive", "bm25"] and str(scripted["home"]) == str(tmp_path / "store")
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert set(data["baselines"]) == {"naive", "bm25"} and data["config"]["k"] == 3
    assert data["problems"] == ["line 6: not valid JSON (Expecting property name enclosed in double quotes at column 2)"]
    assert "<svg" in out_html.read_text(encoding="utf-8")


def test_diff_command(tmp_path, capsys, scripted):
    q = write_set(tmp_path / "q.jsonl")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["eval", str(q), "--json", str(a), "--no-progress"]) == 0
    data = json.loads(a.read_text(encoding="utf-8"))
    data["questions"][1]["passed"] = False  # pretend q2 used to fail
    data["questions"][1]["rank"] = None
    b.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["eval", "--diff", str(b), str(a)]) == 0
    out = capsys.readouterr().out
    assert "1 question(s) better" in out and "q2" in out and "rank miss -> 1" in out
    assert main(["eval", "--diff", str(a), str(tmp_path / "nope.json")]) == 2


def test_a_store_never_ingested_is_one_clear_message(tmp_path, capsys):
    q = write_set(tmp_path / "q.jsonl")
    assert main(["eval", str(q), "--store", str(tmp_path / "nothing_here"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "nothing has been ingested" in err and "policyqa ingest" in err


def test_several_files_run_as_one_set_and_a_shared_id_is_refused(tmp_path, capsys, scripted):
    first, rest = QUESTIONS[:2], QUESTIONS[2:]
    a = write_set(tmp_path / "a.jsonl", questions=first)
    b = write_set(tmp_path / "b.jsonl", questions=rest, extra_lines=["{broken"])
    out = tmp_path / "e.json"
    assert main(["eval", str(a), str(b), "--json", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"b.jsonl line {len(rest) + 1}: not valid JSON" in err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [q["id"] for q in data["questions"]] == [q.id for q in QUESTIONS]
    assert main(["eval", str(a), str(a), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"question id {first[0].id!r} is in both" in err and "different ids" in err
