"""``policyqa ask QUESTION [--region R] [--year Y] [--k N] [--json] [--store DIR]``.

Human output streams the answer, then lists the citations with document, section, region and
date (and, for LLM answers, any sentence that failed its number / citation check). ``--json``
prints exactly ``Answer.to_json()`` (the DESIGN.md contract).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from assistant.citing import document_name, meta_text, title_stated
from assistant.commands import add_store_option
from assistant.models import Answer
from assistant.request import MAX_K
from assistant.services import Services
from common.errors import QuestionError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ask",
        help="answer a question with cited passages",
        description="Answer a question from the ingested reports, quoting them with citations.",
    )
    p.add_argument("question", help="the question, e.g. '阳江2015年专利申请量是多少？'")
    p.add_argument("--region", help="only passages from this region (e.g. 中山, 阳江市)")
    p.add_argument("--year", type=int, help="only documents covering this year")
    p.add_argument("--doc", help="only this document (file name or doc id)")
    p.add_argument("--k", type=int, default=None, help="passages to retrieve (default 5)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, services: Services, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.k is not None and not 1 <= args.k <= MAX_K:  # checked before the model loads
        raise QuestionError(f"bad --k {args.k}", f"use a number of passages from 1 to {MAX_K}")
    qa = services.qa
    kwargs = {"region": args.region, "year": args.year, "doc": args.doc, "k": args.k}
    if args.json:
        answer = qa.ask(args.question, **kwargs)
        json.dump(answer.to_json(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    final: Answer | None = None
    for piece in qa.stream(args.question, **kwargs):
        if isinstance(piece, Answer):
            final = piece
        else:
            out.write(piece)
            out.flush()
    out.write("\n")
    if final is not None:
        print_details(final, out)
    return 0


def print_details(answer: Answer, out: TextIO) -> None:
    """Citations (and failed checks) under the streamed answer text."""
    a = answer
    if getattr(a, "resolved_question", None):
        out.write(f"\n（按上下文理解为：{a.resolved_question}）\n")
    if a.abstained:
        return
    if a.citations:
        out.write("\n出处：\n")
        for c in a.citations:
            p = c.passage
            meta = meta_text(p)
            name = f"{document_name(p)}（{meta}）" if meta else document_name(p)
            # A document without a stated title is already named by its file.
            where = f" {p.source}" if title_stated(p) else ""
            page = f" {p.pages_label}" if p.page is not None else ""
            out.write(f"[{c.id}] {name}{where}{page}\n")
            if p.section:
                out.write(f"    {p.section}\n")
    failed = [c for c in a.checks if not c.ok]
    if failed:
        out.write("\n未通过核对的句子：\n")
        for c in failed:
            out.write(f"  ✗ {c.sentence}  ——{'；'.join(c.problems)}\n")
