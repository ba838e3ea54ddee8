"""Check a blind question set against its documents (kept outside the project).

    python evals/verify_blind.py 11            # evals/blind11 against /work/blind11/docs
    POLICYQA_BLIND11=/path/to/docs python evals/verify_blind.py 11

Every answerable question has facts, evidence and sources; every fact and every evidence string
occurs verbatim in its source files, and each fact sits inside one of its evidence strings;
unanswerable questions carry none. At most three questions per document. Exits 1 on a failure.
"""

from __future__ import annotations

import collections
import json
import os
import sys
from pathlib import Path

EVALS = Path(__file__).resolve().parent


def main(n: str) -> int:
    default = f"/work/blind{'' if n == '1' else n}/docs"
    docs = Path(os.environ.get(f"POLICYQA_BLIND{n}", default))
    ids: set[str] = set()
    kinds: collections.Counter[str] = collections.Counter()
    per_doc: collections.Counter[str] = collections.Counter()
    bad = 0
    for line in (EVALS / f"blind{n}" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        assert q["id"] not in ids, f"duplicate id {q['id']}"
        ids.add(q["id"])
        kinds[q["kind"]] += 1
        if not q["answerable"]:
            if q["kind"] != "unanswerable" or q["expected_facts"] or q["expected_evidence"] or q["expected_sources"]:
                print("UNANSWERABLE WITH AN ANSWER", q["id"])
                bad += 1
            continue
        if not (q["expected_facts"] and q["expected_evidence"] and q["expected_sources"]):
            print("INCOMPLETE", q["id"])
            bad += 1
            continue
        missing = [s for s in q["expected_sources"] if not (docs / s).is_file()]
        if missing:
            print("SOURCE MISSING", q["id"], ", ".join(missing), f"(not in {docs})")
            bad += 1
            continue
        text = "".join((docs / s).read_text(encoding="utf-8") for s in q["expected_sources"])
        per_doc.update(q["expected_sources"])
        for fact in q["expected_facts"]:
            if fact not in text:
                print("FACT MISSING", q["id"], fact)
                bad += 1
            if not any(fact in e for e in q["expected_evidence"]):
                print("FACT NOT IN ANY EVIDENCE", q["id"], fact)
                bad += 1
        for e in q["expected_evidence"]:
            if e not in text:
                print("EVIDENCE MISSING", q["id"], e)
                bad += 1
    crowded = {d: c for d, c in per_doc.items() if c > 3}
    if crowded:
        print("MORE THAN THREE QUESTIONS", crowded)
        bad += 1
    print("questions", len(ids), dict(kinds), "documents", len(per_doc), "failures", bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "1"))
