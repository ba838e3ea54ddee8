"""Example questions made from what a store actually holds, for the web app's three kinds of user.

Fixed examples about 中山 or 阳江 fail on every other corpus; these are built from the indexed
documents and their records, so each one names a region, an indicator, a measure or a title the
store has (and the evaluator's last one a region it has not, which should be answered with
未找到). Deterministic: the same store gives the same examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from assistant.citing import title_stated
from ingest.models import Record
from ingest.regions import COUNTRY, all_regions

USERS = ("企业", "政府工作人员", "评估人员")
PER_USER = 3


def _place(region: str | None) -> str:
    return "全国" if region == COUNTRY else (region or "")


def example_questions(docs: Sequence[dict[str, Any]], records: Iterable[Record]) -> dict[str, list[str]]:
    """Up to three questions per kind of user (企业, 政府工作人员, 评估人员); none for no documents."""
    if not docs:
        return {}
    records = sorted(records, key=lambda r: (r.source, r.start))
    measures = [r for r in records if r.kind == "measure" and r.region]
    targets = [r for r in records if r.kind == "target" and r.region and r.fields.get("indicator")]
    reported = [r for r in records if r.kind == "reported" and r.region and r.fields.get("indicator")]
    titled = [d for d in docs if title_stated(d)]
    out: dict[str, list[str]] = {u: [] for u in USERS}

    def add(user: str, question: str) -> None:
        if question and question not in out[user] and len(out[user]) < PER_USER:
            out[user].append(question)

    # Enterprises: what they can get, and one measure's amount.
    for r in measures:
        add("企业", f"我是{_place(r.region)}的企业，有哪些补贴可以申请？")
        break
    for r in measures:
        if r.fields.get("benefit"):
            add("企业", f"{_place(r.region)}的{r.fields['measure']}补贴标准是多少？")
            break
    for d in titled:
        add("企业", f"《{d['title']}》对企业有哪些支持措施？")
        break
    # Government staff: a target with its deadline, a reported figure.
    for r in targets:
        year = r.fields.get("deadline_year")
        when = f"到{year}年" if year else ""
        add("政府工作人员", f"{_place(r.region)}{when}{r.fields['indicator']}的目标是多少？")
        if len(out["政府工作人员"]) >= 2:
            break
    for r in reported:
        period = r.fields.get("period")
        add("政府工作人员", f"{_place(r.region)}{str(period) + '年' if period else ''}{r.fields['indicator']}是多少？")
        break
    # Evaluators: a title's content, a region's document, and a region the store has not.
    for d in titled[1:] or titled:
        add("评估人员", f"《{d['title']}》提出了哪些要求？请给出原文出处")
        break
    regions = {d.get("region") for d in docs} | {d.get("parent_region") for d in docs} | {d.get("province") for d in docs}
    absent = next((r.name for r in all_regions() if r.level == "city" and r.name not in regions
                   and r.province not in regions), None)
    if absent:
        add("评估人员", f"{absent}的科技创新券额度是多少？")
    # Too few records (notices have few targets): questions on the documents themselves.
    pool = iter(titled)
    for user in USERS:
        while len(out[user]) < PER_USER:
            d = next(pool, None)
            if d is None:
                break
            add(user, f"《{d['title']}》的主要内容是什么？")
    return {u: qs for u, qs in out.items() if qs}
