"""The ``policyqa`` command line.

Each subcommand lives in its own module under ``assistant/commands/`` and exposes
``register(subparsers)``; the module sets ``func(args, services)`` on its parser. :func:`main`
parses, composes the services for the store (``--store DIR``, else the settings') once, runs the
command and turns library errors (:class:`PolicyQAError`) into ``error:`` / ``hint:`` lines and
an exit code; nothing below this file exits. Tests call ``main(argv, services=...)`` in-process
with services of their own (a memory store, the hash embedder).
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from assistant.commands import (
    ask_cmd,
    commitments_cmd,
    docs_cmd,
    eval_cmd,
    ingest_cmd,
    serve_cmd,
    subsidies_cmd,
)
from assistant.services import Services, build_services
from common.errors import PolicyQAError, print_error
from common.settings import load_settings

# Order is the order `policyqa --help` lists them in.
COMMANDS = (ingest_cmd, docs_cmd, ask_cmd, eval_cmd, commitments_cmd, subsidies_cmd, serve_cmd)


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
    for command in COMMANDS:
        command.register(sub)
    return parser


def services_for(args: argparse.Namespace, services: Services | None) -> Services:
    """The services of the store the command names: ``--store DIR`` wins over the given ones'."""
    store = getattr(args, "store", None)
    if services is None:
        return build_services(load_settings(store=store))
    return services.for_store(store) if store is not None else services


def main(argv: list[str] | None = None, services: Services | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args, services_for(args, services)) or 0)
    except PolicyQAError as exc:
        print_error(exc)
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
