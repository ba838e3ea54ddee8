"""The ``policyqa`` entry point: how it ends when its output goes nowhere."""

from __future__ import annotations

import os
import sys

from assistant.cli import main
from assistant.commands import docs_cmd


def test_a_closed_pipe_ends_the_command_quietly(monkeypatch, tmp_path) -> None:
    """`policyqa ask … | head -3`: the reader leaves early; no traceback, exit 141 like `yes | head`."""

    def flood(args) -> int:
        for _ in range(10_000):
            print("根据《阳江市科技创新工作情况》" * 20)
        return 0

    monkeypatch.setattr(docs_cmd, "handle", flood)
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        assert main(["docs", "--store", str(tmp_path)]) == 141
