"""The ``policyqa`` entry point: how it ends when its output goes nowhere, and how ``ask`` lists
its sources."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import replace

from assistant.cli import main
from assistant.commands import docs_cmd
from assistant.commands.ask_cmd import print_details
from assistant.models import Answer, Citation
from tests.unit.answer_helpers import passage


def test_a_closed_pipe_ends_the_command_quietly(monkeypatch, tmp_path) -> None:
    """`policyqa ask … | head -3`: the reader leaves early; no traceback, exit 141 like `yes | head`."""

    def flood(args, services) -> int:
        for _ in range(10_000):
            print("根据《阳江市科技创新工作情况》" * 20)
        return 0

    monkeypatch.setattr(docs_cmd, "handle", flood)
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        assert main(["docs", "--store", str(tmp_path)]) == 141


def test_ask_citations_name_a_file_once_and_a_titled_document_with_its_file():
    titled = passage("yj", "至2017年底,要推动建立省级孵化器3个。", section="三、2016年主要工作")
    untitled = replace(passage("gy", "全年新增高企5家。"), title="", provenance={"title": "unknown"})
    answer = Answer(question="q", answer="…", abstained=False,
                    citations=[Citation(1, titled), Citation(2, untitled)], passages=[titled, untitled])
    out = io.StringIO()
    print_details(answer, out)
    lines = out.getvalue().splitlines()
    first = next(line for line in lines if line.startswith("[1]"))
    second = next(line for line in lines if line.startswith("[2]"))
    assert first.startswith("[1] 《阳江市科技创新工作情况》") and first.endswith(" 000_6815dfeab2db1bf2.txt")
    assert second.startswith("[2] 文件 003_9713f358d5aa3b1f.txt") and second.count("003_9713f358d5aa3b1f.txt") == 1
    assert "    三、2016年主要工作" in lines
