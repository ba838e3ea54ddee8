"""A small Services-shaped object for the web UI's unit tests (no model, no Chroma).

The shipped app composes real services with ``assistant.services.build_services``; these fakes
only let the UI's handlers run in milliseconds. Answers are built from the fake documents' text,
so tests can check what the UI does with real-looking citations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.models import Answer, Citation, Passage
from assistant.request import QuestionRequest
from common.errors import QuestionError
from common.settings import Settings
from ingest.models import Record
from vectorstore.base import StoredChunk

DOCS = [
    {
        "doc_id": "d-yj",
        "source": "000_yangjiang.txt",
        "path": "/corpus/000_yangjiang.txt",
        "title": "阳江市科技创新工作情况",
        "issuer": "阳江市科学技术局",
        "region": "阳江市",
        "parent_region": None,
        "province": "广东省",
        "date": "2016-04-25",
        "years": [2015, 2016],
        "doc_type": "总结+计划",
        "chunk_count": 42,
        "record_count": 7,
    },
    {
        "doc_id": "d-gy",
        "source": "003_ganyu.txt",
        "path": "/corpus/003_ganyu.txt",
        "title": "2015年工作总结和2016年工作计划",
        "issuer": "科学技术局",
        "region": "赣榆区",
        "parent_region": "连云港市",
        "province": "江苏省",
        "date": "2015-12-08",
        "years": [2015, 2016],
        "doc_type": "总结+计划",
        "chunk_count": 30,
        "record_count": 4,
    },
]

YJ_TEXT = (
    "推动各县(市、区)共同参与建设科技企业孵化载体。至2017年底，要推动建立省级孵化器3个，"
    "省众创空间2个。至2018年，各县(市、区)均建有科技企业孵化器。"
)


def passage(text: str = YJ_TEXT, **kw: Any) -> Passage:
    base = dict(
        chunk_id="d-yj:12", text=text, score=0.9, source="000_yangjiang.txt",
        title="阳江市科技创新工作情况", region="阳江市", date="2016-04-25", year=2016,
        section="二、2016年工作计划 > （四）建立孵化服务体系", doc_id="d-yj",
    )
    base.update(kw)
    return Passage(**base)


def found_answer(question: str) -> Answer:
    p = passage()
    quote = "至2017年底，要推动建立省级孵化器3个，省众创空间2个。"
    return Answer(
        question=question,
        answer=f"根据《阳江市科技创新工作情况》（阳江市科学技术局，2016-04-25）：\n{quote}[1]",
        abstained=False,
        citations=[Citation(1, p, quote)],
        passages=[p],
    )


def not_found_answer(question: str) -> Answer:
    p = passage(text="2015年全市专利申请量1724件。", chunk_id="d-yj:3", section="一、2015年工作")
    return Answer(question=question, answer="未在已收录的文件中找到深圳的相关内容。", abstained=True, passages=[p])


@dataclass
class FakeQA:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def ask(self, request: QuestionRequest | str, **kw: Any) -> Answer:
        req = request if isinstance(request, QuestionRequest) else QuestionRequest.of(request, **kw)
        f = req.filters
        self.calls.append({"question": req.question, "region": f.region, "year": f.year, "doc": f.doc,
                           "k": req.k, "history": list(req.history)})
        question = req.question
        if not question.strip():
            raise QuestionError("问题为空", hint="请输入一个问题")
        return not_found_answer(question) if "深圳" in question else found_answer(question)

    def retrieve(self, request: QuestionRequest | str, **kw: Any) -> list[Passage]:
        return self.ask(request, **kw).passages

    def stream(self, request: QuestionRequest | str, **kw: Any) -> Iterator[str | Answer]:
        answer = self.ask(request, **kw)
        for i in range(0, len(answer.answer), 8):
            yield answer.answer[i : i + 8]
        yield answer


@dataclass
class FakeStore:
    docs: list[dict[str, Any]] = field(default_factory=lambda: [dict(d) for d in DOCS])

    def list_documents(self) -> list[dict[str, Any]]:
        return list(self.docs)

    def get_document(self, doc_id: str) -> dict[str, Any] | None:
        return next((d for d in self.docs if d["doc_id"] == doc_id), None)

    def delete_document(self, doc_id: str) -> None:
        self.docs = [d for d in self.docs if d["doc_id"] != doc_id]

    def list_records(self, kind: str | None = None) -> list[Record]:
        recs = [
            Record("target", "至2017年底,要推动建立省级孵化器3个", "三、2016年主要工作", 10, 30,
                   {"indicator": "孵化器", "deadline_year": 2017}, source="000_yangjiang.txt", region="阳江市"),
            Record("measure", "全区30家企业申领科技创新券300万元", "一、2015年工作总结", 40, 60,
                   {"measure": "创新券", "benefit": "300万元"}, source="003_ganyu.txt", region="赣榆区"),
        ]
        return [r for r in recs if kind in (None, r.kind)]

    def iter_chunks(self) -> Iterator[StoredChunk]:
        texts = {"000_yangjiang.txt": [YJ_TEXT, "2015年全市专利申请量1724件。"], "003_ganyu.txt": ["全年专利授权697件。"]}
        for d in self.docs:
            for i, t in enumerate(texts.get(d["source"], [])):
                yield StoredChunk(f"{d['doc_id']}:{i}", t, {"source": d["source"], "doc_id": d["doc_id"]})


@dataclass
class FakeServices:
    settings: Settings
    qa: FakeQA = field(default_factory=FakeQA)
    store: FakeStore = field(default_factory=FakeStore)
    embeddings: Any = None


def fake_services(home: Path, **server: Any) -> FakeServices:
    settings = Settings(home=home)
    if server:
        server_settings = type(settings.server).model_validate({**settings.server.model_dump(), **server})
        settings = settings.model_copy(update={"server": server_settings})
    return FakeServices(settings=settings)
