"""``policyqa commitments``: targets and reported figures by region and indicator, with sources.

    policyqa commitments --region 江门
    policyqa commitments --region 阳江 --indicator 高企 --json
    policyqa commitments --kind target --csv targets.csv
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.commands import add_store_option
from assistant.commands.records_io import dumps, write_csv
from assistant.commitments import KIND_LABELS, list_commitments, track_commitments
from assistant.services import Services

CSV_COLUMNS = (
    "region", "indicator", "kind", "year", "value_text", "value", "unit", "qualifier", "level",
    "change", "existing", "source", "title", "date", "section", "page", "clause", "sentence", "start", "end",
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "commitments",
        help="targets and reported figures by region and indicator, with their sources",
        description="Targets (到2017年…达到250家以上) and reported figures (2015年…1724件) "
        "extracted at ingest, grouped by region and indicator in time order, each with its "
        "source file, section, date and verbatim sentence.",
    )
    parser.add_argument("--region", metavar="R", help="region, short names accepted (江门, 赣榆)")
    parser.add_argument("--indicator", metavar="I", help="indicator or a word for it (高企, 孵化器, 专利)")
    parser.add_argument("--year", metavar="Y", type=int, help="deadline year of targets / period of reported figures")
    parser.add_argument(
        "--kind", choices=("target", "reported", "all"), default="all", help="targets, reported figures or both"
    )
    parser.add_argument("--json", action="store_true", help="print JSON (tracks with their rows)")
    parser.add_argument("--csv", metavar="FILE", help="also write the rows to a CSV file")
    add_store_option(parser)
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace, services: Services) -> int:
    store = services.reader
    rows = list_commitments(store, region=args.region, indicator=args.indicator, year=args.year, kind=args.kind)
    tracks = track_commitments(rows)
    if args.csv:
        n = write_csv(args.csv, (r.to_json() for t in tracks for r in t.rows), CSV_COLUMNS)
        print(f"wrote {n} rows to {args.csv}", file=sys.stderr)
    if args.json:
        print(dumps({"count": len(rows), "tracks": [t.to_json() for t in tracks]}))
        return 0
    if not rows:
        print("no targets or reported figures match; try without --indicator/--year, or check "
              "`policyqa docs` for the regions in the store", file=sys.stderr)
        return 1
    _print_tracks(tracks, len(rows))
    return 0


def _print_tracks(tracks, count: int) -> None:
    # piped output (files, tests) gets a wide table; nothing is cut, long cells wrap
    console = Console(file=sys.stdout, highlight=False, soft_wrap=False,
                      width=None if sys.stdout.isatty() else 180)
    console.print(f"{count} figures in {len(tracks)} tracks (region · indicator)")
    for t in tracks:
        table = Table(title=escape(f"{t.region or '?'} · {t.indicator}    {t.summary()}"), title_justify="left",
                      show_lines=True, expand=True)
        table.add_column("年份", no_wrap=True)
        table.add_column("类型", no_wrap=True)
        table.add_column("数值", no_wrap=True)
        table.add_column("来源", no_wrap=True)
        table.add_column("章节", ratio=1, overflow="fold")
        table.add_column("原文", ratio=3, overflow="fold")
        for r in t.rows:
            source = f"{r.source}\n{r.date or ''}"
            table.add_row(str(r.year or ""), KIND_LABELS.get(r.kind, r.kind), escape(r.value_text), source,
                          escape(r.section), escape(r.sentence))
        console.print(table)
