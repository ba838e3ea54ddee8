"""Score extracted records against the hand-checked gold list (tests/data/gold_records.py).

A record matches a gold item when it comes from the same document, is of the same kind, has
the same indicator (or measure) and the same value (for measures: the same benefit, or both
none). Matching is one-to-one; among equal candidates the one whose sentence contains the gold
snippet is taken, so a target stated twice needs two records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from common.textnorm import contains, normalize
from ingest.models import Record

import gold_records as gold


@dataclass
class Score:
    kind: str
    gold: int
    records: int
    matched: int
    missed: list[tuple] = field(default_factory=list)
    extra: list[Record] = field(default_factory=list)
    attribute_errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.records if self.records else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    def summary(self) -> str:
        return (
            f"{self.kind:<9} gold {self.gold:>3}  records {self.records:>3}  matched {self.matched:>3}  "
            f"precision {self.precision:.3f}  recall {self.recall:.3f}"
        )


def _key_ok(kind: str, item: tuple, r: Record) -> bool:
    if r.source != item[0]:
        return False
    f = r.fields
    if kind == "measure":
        if f.get("measure") != item[1]:
            return False
        benefit = item[2]
        if benefit is None:
            return not f.get("benefit")
        return contains(f.get("benefit") or "", benefit)
    return f.get("indicator") == item[1] and normalize(str(f.get("value"))) == normalize(item[2])


def score(kind: str, records: Iterable[Record], items: list[tuple] | None = None) -> Score:
    items = items if items is not None else {"target": gold.TARGETS, "measure": gold.MEASURES,
                                              "reported": gold.REPORTED}[kind]
    sources = {i[0] for i in items} | {gold.YJ16, gold.JM17, gold.YJ22, gold.GY16, gold.ZS19}
    pool = [r for r in records if r.kind == kind and r.source in sources]
    used: set[int] = set()
    sc = Score(kind, len(items), len(pool), 0)
    # snippet-bearing candidates first, so repeated targets pair with their own sentences
    for item in items:
        snippet = item[-1]
        candidates = [i for i, r in enumerate(pool) if i not in used and _key_ok(kind, item, r)]
        candidates.sort(key=lambda i: not contains(pool[i].sentence, snippet))
        if not candidates:
            sc.missed.append(item)
            continue
        i = candidates[0]
        used.add(i)
        sc.matched += 1
        r = pool[i]
        if kind == "target" and r.fields.get("deadline_year") != item[4]:
            sc.attribute_errors.append(f"deadline {r.fields.get('deadline_year')} != {item[4]}: {item}")
        if kind == "measure" and r.fields.get("status") != item[3]:
            sc.attribute_errors.append(f"status {r.fields.get('status')} != {item[3]}: {item}")
        if kind == "reported" and r.fields.get("period") != item[4]:
            sc.attribute_errors.append(f"period {r.fields.get('period')} != {item[4]}: {item}")
        if not contains(r.sentence, snippet):
            sc.attribute_errors.append(f"sentence lacks snippet: {item}")
    sc.extra = [r for i, r in enumerate(pool) if i not in used]
    return sc
