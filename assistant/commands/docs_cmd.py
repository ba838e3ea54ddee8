"""``policyqa docs [--store DIR] [--json]``: the ingested documents, their metadata and counts.

Reads the manifest only; no embedding model is loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from assistant.citing import title_stated
from assistant.commands import add_store_option
from assistant.services import Services
from vectorstore.base import PolicyStore

# Keys of each JSON object, in this order (DocumentMeta's fields plus the store's counts).
JSON_KEYS = (
    "doc_id", "source", "path", "title", "issuer", "region", "parent_region", "province",
    "date", "year", "years", "doc_type", "format", "encoding", "content_hash", "header",
    "chunk_count", "record_count", "chars", "ingested_at", "provenance", "found_by",
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docs",
        help="list the ingested documents with their metadata and chunk counts",
        description="List the documents in the store: title, region, date, years covered, "
        "type, source file, encoding, chunk and record counts.",
    )
    add_store_option(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.set_defaults(func=handle)


def documents(store: PolicyStore) -> list[dict[str, Any]]:
    """The store's documents as plain dicts with :data:`JSON_KEYS`."""
    return [{k: d.get(k) for k in JSON_KEYS} for d in store.list_documents()]


def _years(years: list[int]) -> str:
    if not years:
        return ""
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def handle(args: argparse.Namespace, services: Services) -> int:
    docs = documents(services.reader)
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=2))
        return 0
    table = Table(title=f"{len(docs)} documents", title_justify="left")
    for col, justify in (
        ("source", "left"), ("title", "left"), ("region", "left"), ("date", "left"),
        ("years", "left"), ("type", "left"), ("chunks", "right"), ("records", "right"),
        ("encoding", "left"),
    ):  # fmt: skip
        table.add_column(col, justify=justify, no_wrap=col in ("source", "date"))  # type: ignore[arg-type]
    for d in docs:
        region = d.get("region") or ""
        if d.get("parent_region"):
            region = f"{region} ({d['parent_region']})"
        if region and (d.get("provenance") or {}).get("region") == "inferred":
            region += " *"  # read from the text, not stated
        table.add_row(
            d.get("source") or "",
            d.get("title") if title_stated(d) else "(no title line)",
            region,
            d.get("date") or "",
            _years(d.get("years") or []),
            d.get("doc_type") or "",
            str(d.get("chunk_count") or 0),
            str(d.get("record_count") or 0),
            d.get("encoding") or d.get("format") or "",
        )
    console = Console(file=sys.stdout, highlight=False)
    table.caption = "* region read from the text (inferred), not stated by the document"
    if not console.is_terminal:
        console.width = 200  # logs and pipes: full titles rather than 80-column ellipses
    console.print(table)
    return 0
