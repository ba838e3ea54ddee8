"""One module per ``policyqa`` subcommand; see assistant/cli.py.

Each module has ``register(subparsers)``, which adds its parser and sets ``func`` on it:
``func(args, services) -> exit code``, where ``services`` is the composed
:class:`assistant.services.Services` for the store the command works on.
"""

from __future__ import annotations

import argparse


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """``--store DIR``: shared by every command that opens the store."""
    parser.add_argument(
        "--store",
        metavar="DIR",
        default=None,
        help="store directory (default: $POLICYQA_HOME, else ./.policyqa)",
    )
