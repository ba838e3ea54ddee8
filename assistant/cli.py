"""The ``policyqa`` command line.

Each subcommand lives in its own module under ``assistant/commands/`` and exposes
``register(subparsers)``; the module sets ``func`` on its parser. Errors from the library arrive
here as :class:`PolicyQAError` and are printed with their hint; nothing below this file exits.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from common.errors import PolicyQAError

# Order is the order `policyqa --help` lists them in.
COMMAND_MODULES = (
    "ingest_cmd",
    "docs_cmd",
    "ask_cmd",
    "eval_cmd",
    "commitments_cmd",
    "subsidies_cmd",
    "serve_cmd",
)


def _version() -> str:
    try:
        return version("policyqa")
    except PackageNotFoundError:  # running from a checkout without install
        return "dev"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policyqa",
        description="Cited answers over local science-and-technology policy reports.",
    )
    parser.add_argument("--version", action="version", version=f"policyqa {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"assistant.commands.{name}").register(sub)
    return parser


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """``--store DIR``: shared by every command that opens the store."""
    parser.add_argument(
        "--store",
        metavar="DIR",
        default=None,
        help="store directory (default: $POLICYQA_HOME, else ./.policyqa)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PolicyQAError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`policyqa ask … | head`): stop quietly, as other Unix tools do.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by a closed pipe


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
