"""``policyqa eval``: run a question set against the store, with baselines, and report.

    policyqa eval QUESTIONS.jsonl [MORE.jsonl ...] [--k 5] [--json OUT] [--report OUT.md|OUT.html]
                  [--compare naive,bm25] [--store DIR] [--failures-only]
    policyqa eval --diff OLD.json NEW.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.commands import add_store_option
from assistant.eval import terminal
from assistant.eval.baselines import parse_baselines
from assistant.eval.diff import diff_files
from assistant.eval.factory import build_answerers
from assistant.eval.questions import load_questions, merge_question_sets
from assistant.eval.report import report_format, write_json, write_report
from assistant.eval.runner import run_eval
from assistant.request import MAX_K
from assistant.services import Services
from common.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "eval",
        help="evaluate answers against a question set (JSONL), with baselines",
        description="Run every question of a JSONL question set (DESIGN.md section 3) through "
        "PolicyQA and, with --compare, through baselines in the same run; print a per-question "
        "table and totals, and write JSON / Markdown / HTML reports.",
    )
    p.add_argument(
        "questions", nargs="*", metavar="QUESTIONS.jsonl",
        help="the question set; several files are run as one set (their ids must differ)",
    )
    p.add_argument("--k", type=int, default=None, help="passages per answer (default: settings, 5)")
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the JSON report here")
    p.add_argument("--report", metavar="OUT.md|OUT.html", help="write a Markdown or HTML report with a chart")
    p.add_argument(
        "--compare",
        metavar="BASELINES",
        default="",
        help="comma-separated baselines run on the same questions: naive (Chatchat-style "
        "750-character chunks, dense top-3), bm25 (jieba + BM25 only)",
    )
    p.add_argument("--failures-only", action="store_true", help="list only the questions that did not pass")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--diff",
        nargs=2,
        metavar=("OLD.json", "NEW.json"),
        help="compare two JSON reports instead of running: questions that got better or worse",
    )
    add_store_option(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace, services: Services) -> int:
    if args.diff:
        diff = diff_files(*args.diff)
        terminal.print_diff(diff)
        return 0
    if not args.questions:
        raise ConfigError(
            "no question set given",
            "run `policyqa eval QUESTIONS.jsonl` (or `policyqa eval --diff OLD.json NEW.json`)",
        )
    if args.k is not None and not 1 <= args.k <= MAX_K:
        raise ConfigError(f"--k {args.k} is out of range", f"use a value from 1 to {MAX_K} (default 5)")

    # Fail on a typo before loading anything heavy or running for minutes.
    names = parse_baselines(args.compare)
    if args.report:
        report_format(args.report)
    sets = [load_questions(path) for path in args.questions]
    for one in sets:
        for problem in one.problems:
            print(f"warning: {one.path.name} {problem} (skipped)", file=sys.stderr)
    qset = merge_question_sets(sets)
    k = args.k or services.settings.retrieval.k
    show_progress = not args.no_progress
    answerers = build_answerers(services, names, progress=show_progress)
    totals = {a.name: len(qset.questions) for a in answerers}
    with terminal.progress_bar(totals, enabled=show_progress) as progress:
        run = run_eval(
            qset.questions,
            answerers,
            k=k,
            progress=progress,
            questions_path=" ".join(args.questions),
            problems=[str(p) for p in qset.problems],
        )
    terminal.print_questions(run.main, failures_only=args.failures_only)
    terminal.print_summary(run)

    if args.json_out:
        out = write_json(run, args.json_out)
        print(f"JSON report: {out}", file=sys.stderr)
    if args.report:
        out = write_report(run, args.report)
        extra = f" (chart: {Path(out).with_suffix('.svg')})" if out.suffix == ".md" else ""
        print(f"report: {out}{extra}", file=sys.stderr)
    return 0
