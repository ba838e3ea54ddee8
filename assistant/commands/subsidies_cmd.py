"""``policyqa subsidies``: support measures for a region and an enterprise profile, ranked, cited.

    policyqa subsidies --region 中山
    policyqa subsidies --region 中山 --profile "科技型中小企业，有发明专利，想贷款"
    policyqa subsidies --json --csv measures.csv
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.commands import add_store_option
from assistant.commands.records_io import dumps, write_csv
from assistant.services import Services
from assistant.subsidies import find_measures, parse_profile

CSV_COLUMNS = (
    "rank", "region", "measure", "label", "benefit", "status", "conditions", "reasons", "score",
    "source", "title", "date", "section", "page", "text",
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "subsidies",
        help="support measures matching a region and an enterprise profile, with citations",
        description="Support measures (创新券, 贷款贴息, 风险补偿, 专利质押融资, 科技保险补助 …) "
        "extracted at ingest, ranked for the profile, each with why it matches and the "
        "sentence it comes from.",
    )
    parser.add_argument("--region", metavar="R", help="region, short names accepted (中山, 江门)")
    parser.add_argument(
        "--profile", metavar="TEXT", help='the enterprise in words, e.g. "科技型中小企业，有发明专利，想贷款"'
    )
    parser.add_argument("--with-parents", action="store_true",
                        help="also list measures of the province and the country the region lies in")
    parser.add_argument("--all", action="store_true", help="with --profile: keep measures that match nothing in it")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--csv", metavar="FILE", help="also write the measures to a CSV file")
    add_store_option(parser)
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace, services: Services) -> int:
    store = services.reader
    profile = parse_profile(args.profile) if args.profile else None
    matches = find_measures(store, region=args.region, profile=profile,
                            include_parents=args.with_parents, only_matching=not args.all)
    items = [{"rank": i + 1, **m.to_json()} for i, m in enumerate(matches)]
    if args.csv:
        flat = [{**{k: v for k, v in it.items() if k != "citation"}, **it["citation"]} for it in items]
        n = write_csv(args.csv, flat, CSV_COLUMNS)
        print(f"wrote {n} measures to {args.csv}", file=sys.stderr)
    if args.json:
        print(dumps({"profile": profile.to_json() if profile else None, "count": len(items), "measures": items}))
        return 0
    if not matches:
        print("no support measures match; try without --profile, or check `policyqa docs` for the "
              "regions in the store", file=sys.stderr)
        return 1
    _print(matches, profile)
    return 0


def _print(matches, profile) -> None:
    # piped output (files, tests) gets a wide table; nothing is cut, long cells wrap
    console = Console(file=sys.stdout, highlight=False, soft_wrap=False,
                      width=None if sys.stdout.isatty() else 180)
    if profile is not None:
        console.print(f"profile: 类型 {profile.enterprise_types or '-'} · 已有 {profile.assets or '-'} · "
                      f"需求 {profile.needs or '-'}")
    table = Table(title=f"{len(matches)} support measures", title_justify="left", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("措施", no_wrap=True)
    table.add_column("金额/比例", overflow="fold")
    table.add_column("状态", no_wrap=True)
    table.add_column("为何匹配", ratio=2, overflow="fold")
    table.add_column("来源", no_wrap=True)
    table.add_column("章节 / 原文", ratio=3, overflow="fold")
    for i, m in enumerate(matches, 1):
        status = "已实施" if m.status == "implemented" else "计划中"
        why = "\n".join(m.reasons) if m.reasons else "、".join(m.conditions)
        source = f"{m.region or ''}\n{m.source}\n{m.date or ''}"
        quote = f"[dim]{escape(m.section)}[/dim]\n{escape(m.sentence)}" if m.section else escape(m.sentence)
        table.add_row(str(i), m.label, escape(m.benefit or ""), status, escape(why), source, quote)
    console.print(table)
