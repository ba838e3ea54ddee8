"""``policyqa serve [--host 127.0.0.1] [--port 7860] [--store DIR]``: start the web app.

The web app is ``app.py``; this command runs that module in place of the current process, so
``policyqa serve`` and ``python app.py`` are literally the same program, and nothing under
``assistant/`` imports gradio or ``app.py`` (the dependency arrow stays app.py -> assistant).
"""

from __future__ import annotations

import argparse
import os
import sys

from assistant.commands import add_store_option
from assistant.services import Services


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="start the web app (chat with citations, documents, evaluation)",
        description="Start the PolicyQA web app. Binds to 127.0.0.1 unless told otherwise; "
        "login with POLICYQA_SERVER__USERNAME / POLICYQA_SERVER__PASSWORD.",
    )
    parser.add_argument("--host", default=None, help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: 7860)")
    add_store_option(parser)
    parser.set_defaults(func=handle)


def app_argv(args: argparse.Namespace) -> list[str]:
    """The command line that starts app.py with these options."""
    argv = [sys.executable, "-m", "app"]
    if args.host:
        argv += ["--host", str(args.host)]
    if args.port:
        argv += ["--port", str(args.port)]
    if args.store:
        argv += ["--store", str(args.store)]
    return argv


def handle(args: argparse.Namespace, services: Services) -> int:
    """Replace this process with app.py, which composes its own services (same settings)."""
    argv = app_argv(args)
    sys.stdout.flush()
    sys.stderr.flush()
    # exec, not a child process: Ctrl+C and service managers' signals reach the server directly.
    os.execv(argv[0], argv)
    return 0  # pragma: no cover - execv does not return
