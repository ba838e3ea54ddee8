"""Example questions come from what a store holds: the sample reports and the one-line notices
give examples about their own places, indicators, measures and titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.examples import USERS, example_questions
from common.settings import Settings
from ingest.document import prepare_document
from ingest.records import extract_records
from tests.conftest import SHARED


def _corpus(folder: Path) -> tuple[list[dict], list]:
    docs, records = [], []
    for path in sorted(folder.iterdir()):
        prepared = prepare_document(path, Settings())
        records += extract_records(prepared.meta, prepared.text, prepared.chunks)
        docs.append(prepared.meta.to_dict())
    return docs, records


@pytest.mark.parametrize("folder", [SHARED / "corpus" / "reports", SHARED / "policies2020" / "docs"])
def test_examples_name_what_the_store_holds(folder: Path) -> None:
    docs, records = _corpus(folder)
    examples = example_questions(docs, records)
    assert set(examples) == set(USERS) and all(1 <= len(qs) <= 3 for qs in examples.values())
    places = {d["region"] for d in docs if d["region"]} | {"全国"}
    titles = {d["title"] for d in docs if d["provenance"]["title"] == "stated"}
    for user, questions in examples.items():
        for q in questions:
            quoted = q.split("《")[1].split("》")[0] if "《" in q else None
            names_a_place = any(p in q for p in places)
            # every question names a title the corpus states, or a place it is about; the one
            # exception is the evaluator's probe of a region the corpus does not have
            assert (quoted in titles) or names_a_place or (user == "评估人员" and "创新券额度" in q), q
    assert example_questions(docs, records) == examples  # the same store, the same examples


def test_no_store_no_examples() -> None:
    assert example_questions([], []) == {}
