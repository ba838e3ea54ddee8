"""Thumbs up/down feedback kept as JSONL in the store."""

from __future__ import annotations

import json
import threading

import pytest

from webui.feedback import FeedbackLog
from tests.unit.webui_fakes import found_answer


def test_rating_line_has_question_answer_rating_citations_and_time(tmp_path):
    log = FeedbackLog(tmp_path)
    log.record(found_answer("阳江建几个省级孵化器？"), "down", filters={"region": "阳江市", "year": None})
    line = json.loads((tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert line["question"] == "阳江建几个省级孵化器？"
    assert "省级孵化器3个" in line["answer"]
    assert line["rating"] == "down"
    assert line["citations"][0]["source"] == "000_yangjiang.txt"
    assert line["sources"] == ["000_yangjiang.txt"]
    assert line["filters"] == {"region": "阳江市"}
    assert line["timestamp"][:2] == "20"


def test_bad_rating_refused(tmp_path):
    with pytest.raises(ValueError):
        FeedbackLog(tmp_path).record(found_answer("q"), "meh")


def test_concurrent_ratings_all_land_as_whole_lines(tmp_path):
    log = FeedbackLog(tmp_path)
    threads = [threading.Thread(target=log.record, args=(found_answer(f"q{i}"), "up")) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = log.read()
    assert sorted(r["question"] for r in got) == sorted(f"q{i}" for i in range(20))
