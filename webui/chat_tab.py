"""The chat tab: streamed, cited answers, a source viewer, filters, examples, copy and feedback.

Layout: the conversation on the left; on the right the filters, the citation list of the
current answer and the source viewer. A click on ``[n]`` in an answer (page script in
``webui/style.py`` -> hidden button), on a citation in the list, or on an earlier answer opens
its passage. Each browser session keeps its own :class:`ChatSession` in a ``gr.State``; the
previous answers go to ``QAService`` as history so follow-ups ("那中山呢？") resolve.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from assistant.models import Answer
from assistant.request import QuestionRequest
from common.errors import EmptyStoreError, PolicyQAError
from webui import formatting as fmt
from webui.backend import Backend
from webui.style import COPY_JS, READ_CITE_JS

log = logging.getLogger(__name__)

ALL = ""  # the filter value meaning "no filter"


@dataclass
class Turn:
    question: str
    answer: Answer | None  # None when the question failed (error bubble shown)
    filters: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChatSession:
    """One browser tab's conversation."""

    turns: list[Turn] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    current: int = -1  # the turn whose citations the side panel shows

    def history(self) -> list[tuple[str, Answer]]:
        """Earlier (question, answer) pairs, as QAService takes them for follow-ups."""
        return [(t.question, t.answer) for t in self.turns if t.answer is not None]

    def views(self, turn: int) -> list[fmt.CitationView]:
        if 0 <= turn < len(self.turns) and self.turns[turn].answer is not None:
            return fmt.citation_views(self.turns[turn].answer)  # type: ignore[arg-type]
        return []


def _filters(region: str | None, year: Any, doc: str | None) -> dict[str, Any]:
    y: int | None
    try:
        y = int(year) if year not in (None, "", ALL) else None
    except (TypeError, ValueError):
        y = None
    return {"region": region or None, "year": y, "doc": doc or None}


def cite_choices(session: ChatSession, turn: int) -> list[tuple[str, str]]:
    return [(v.label(), f"{turn}:{v.id}") for v in session.views(turn)]


def view_for(session: ChatSession, key: str) -> tuple[int, fmt.CitationView | None]:
    parsed = fmt.parse_cite_key(key)
    if parsed is None:
        return -1, None
    turn, n = parsed
    for v in session.views(turn):
        if v.id == n:
            return turn, v
    return turn, None


class ChatTab:
    """Builds the chat tab inside the current Blocks context and wires its events."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    # --- layout ---------------------------------------------------------------------------
    def render(self) -> None:
        opts = self.backend.filter_options()
        self.session = gr.State(ChatSession())
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                self.chatbot = gr.Chatbot(
                    elem_id="pq-chat",
                    label="问答",
                    height=560,
                    buttons=[],  # the built-in copy copies our HTML; we copy plain text instead
                    feedback_options=("Like", "Dislike"),
                    placeholder="向已收录的科技政策文件提问，回答会引用原文 [n]。",
                    layout="panel",
                    group_consecutive_messages=False,
                )
                with gr.Row():
                    self.question = gr.Textbox(
                        elem_id="pq-question",
                        show_label=False,
                        placeholder="输入问题，例如：某市2020年新增多少家高新技术企业？",
                        lines=1,
                        max_lines=4,
                        scale=5,
                        autofocus=True,
                    )
                    self.send = gr.Button("提问", variant="primary", elem_id="pq-send", scale=1, min_width=80)
                with gr.Row():
                    self.copy = gr.Button("复制回答", size="sm", elem_id="pq-copy")
                    self.new_chat = gr.Button("新对话", size="sm", elem_id="pq-new-chat")
                self.copy_text = gr.Textbox(visible="hidden", elem_id="pq-copy-text")
                # made from the indexed documents (assistant/examples.py), not fixed ones
                for who, questions in self.backend.example_questions().items():
                    gr.Examples(
                        examples=[[q] for q in questions],
                        inputs=[self.question],
                        label=f"示例问题 · {who}",
                        examples_per_page=len(questions),
                    )
            with gr.Column(scale=2, min_width=320):
                with gr.Accordion("筛选", open=True, elem_id="pq-filters"):
                    self.region = gr.Dropdown(
                        choices=self._region_choices(opts.regions),
                        value=ALL,
                        label="地区",
                        elem_id="pq-filter-region",
                    )
                    self.year = gr.Dropdown(
                        choices=self._year_choices(opts.years),
                        value=ALL,
                        label="年份",
                        elem_id="pq-filter-year",
                    )
                    self.doc = gr.Dropdown(
                        choices=self._doc_choices(opts.documents),
                        value=ALL,
                        label="文件",
                        elem_id="pq-filter-doc",
                    )
                self.citations = gr.Radio(
                    choices=[],
                    label="引用（点击查看原文）",
                    elem_id="pq-citations",
                )
                self.passage = gr.HTML(fmt.passage_html(None), elem_id="pq-passage")
                # Carries the citation a click on [n] picked (see style.PAGE_JS).
                self.cite_key = gr.Textbox(visible="hidden", elem_id="pq-cite-key")
                self.open_cite = gr.Button("打开引用", visible="hidden", elem_id="pq-open-cite")
        self._wire()

    @staticmethod
    def _region_choices(regions: list[str]) -> list[tuple[str, str]]:
        return [("全部地区", ALL)] + [(r, r) for r in regions]

    @staticmethod
    def _year_choices(years: list[int]) -> list[tuple[str, str]]:
        return [("全部年份", ALL)] + [(str(y), str(y)) for y in years]

    @staticmethod
    def _doc_choices(docs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [("全部文件", ALL)] + docs

    @property
    def filter_components(self) -> list[gr.Dropdown]:
        return [self.region, self.year, self.doc]

    def refresh_filters(self) -> tuple[Any, Any, Any]:
        """New filter choices after the documents changed; keeps what is still valid."""
        opts = self.backend.filter_options()
        return (
            gr.Dropdown(choices=self._region_choices(opts.regions)),
            gr.Dropdown(choices=self._year_choices(opts.years)),
            gr.Dropdown(choices=self._doc_choices(opts.documents)),
        )

    # --- events ---------------------------------------------------------------------------
    def _wire(self) -> None:
        outputs = [self.chatbot, self.session, self.citations, self.passage, self.copy_text, self.question]
        inputs = [self.question, self.region, self.year, self.doc, self.session]
        for trigger in (self.send.click, self.question.submit):
            trigger(
                self.respond,
                inputs,
                outputs,
                api_visibility="private",
                concurrency_id="answer",
                show_progress="minimal",
            )
        self.open_cite.click(
            self.open_citation,
            [self.cite_key, self.session],
            [self.citations, self.passage, self.copy_text, self.session],
            js=READ_CITE_JS,
            api_visibility="private",
            queue=False,
        )
        self.citations.input(
            self.open_citation,
            [self.citations, self.session],
            [self.citations, self.passage, self.copy_text, self.session],
            api_visibility="private",
            queue=False,
        )
        self.chatbot.select(
            self.select_message,
            [self.session],
            [self.citations, self.passage, self.copy_text, self.session],
            api_visibility="private",
            queue=False,
        )
        self.chatbot.like(self.rate, [self.session], None, api_visibility="private", queue=False)
        self.copy.click(self.copied, [self.copy_text], None, js=COPY_JS, api_visibility="private", queue=False)
        self.chatbot.clear(
            self.reset,
            None,
            [self.chatbot, self.session, self.citations, self.passage, self.copy_text],
            api_visibility="private",
            queue=False,
        )
        self.new_chat.click(
            self.reset,
            None,
            [self.chatbot, self.session, self.citations, self.passage, self.copy_text],
            api_visibility="private",
            queue=False,
        )

    def respond(
        self, question: str, region: str, year: str, doc: str, session: ChatSession
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat, then show its citations in the side panel."""
        question = (question or "").strip()
        if not question:
            gr.Warning("请输入问题。")
            yield (gr.skip(),) * 6
            return
        filters = _filters(region, year, doc)
        turn = len(session.turns)
        session.messages.append({"role": "user", "content": html.escape(question)})
        session.messages.append({"role": "assistant", "content": fmt.streaming_html("")})
        yield list(session.messages), session, gr.Radio(choices=[], value=None), gr.skip(), gr.skip(), ""
        text = ""
        answer: Answer | None = None
        try:
            request = QuestionRequest.of(question, history=session.history(), **filters)
            for piece in self.backend.stream(request):
                if isinstance(piece, Answer):
                    answer = piece
                    break
                text += str(piece)
                session.messages[-1] = {"role": "assistant", "content": fmt.streaming_html(text)}
                yield list(session.messages), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            if answer is None:
                raise PolicyQAError("回答流程没有返回结果", hint="请重试；若仍出错请查看服务器日志")
        except EmptyStoreError:
            session.turns.append(Turn(question, None, filters))
            session.messages[-1] = {
                "role": "assistant",
                "content": fmt.error_html(
                    "还没有收录任何文件，无法回答。",
                    "在「文件」页上传报告（.txt .md .html .pdf .docx .doc .ofd 或扫描图片），或运行 policyqa ingest PATH",
                ),
            }
            yield list(session.messages), session, gr.Radio(choices=[], value=None), gr.skip(), "", gr.skip()
            return
        except PolicyQAError as exc:
            session.turns.append(Turn(question, None, filters))
            session.messages[-1] = {"role": "assistant", "content": fmt.error_html(exc.message, exc.hint)}
            yield list(session.messages), session, gr.Radio(choices=[], value=None), gr.skip(), "", gr.skip()
            return
        except Exception as exc:  # never leave the user with a spinning bubble
            log.exception("answering %r failed", question)
            session.turns.append(Turn(question, None, filters))
            session.messages[-1] = {
                "role": "assistant",
                "content": fmt.error_html(f"内部错误：{type(exc).__name__}", "请重试；若仍出错请查看服务器日志"),
            }
            yield list(session.messages), session, gr.Radio(choices=[], value=None), gr.skip(), "", gr.skip()
            return
        session.turns.append(Turn(question, answer, filters))
        session.current = turn
        session.messages[-1] = {"role": "assistant", "content": fmt.answer_html(answer, turn)}
        yield (
            list(session.messages),
            session,
            gr.Radio(choices=cite_choices(session, turn), value=None),
            fmt.passage_html(None),
            fmt.answer_plain_text(answer),
            gr.skip(),
        )

    def open_citation(self, key: str, session: ChatSession) -> tuple[Any, ...]:
        """Show one citation's passage; switch the list to that answer's citations if needed."""
        turn, view = view_for(session, key)
        if view is None:
            return gr.skip(), gr.skip(), gr.skip(), session
        session.current = turn
        answer = session.turns[turn].answer
        return (
            gr.Radio(choices=cite_choices(session, turn), value=f"{turn}:{view.id}"),
            fmt.passage_html(view, page_image=self.backend.page_image(view)),
            fmt.answer_plain_text(answer) if answer else "",
            session,
        )

    def select_message(self, session: ChatSession, evt: gr.SelectData) -> tuple[Any, ...]:
        """A click on an earlier answer makes it the current one (citations, copy)."""
        index = evt.index if isinstance(evt.index, int) else (evt.index or [0])[0]
        turn = int(index) // 2
        if not (0 <= turn < len(session.turns)) or session.turns[turn].answer is None:
            return gr.skip(), gr.skip(), gr.skip(), session
        session.current = turn
        return (
            gr.Radio(choices=cite_choices(session, turn), value=None),
            fmt.passage_html(None),
            fmt.answer_plain_text(session.turns[turn].answer),  # type: ignore[arg-type]
            session,
        )

    def rate(self, session: ChatSession, evt: gr.LikeData) -> None:
        """Thumbs up / down on an answer -> feedback.jsonl in the store."""
        index = evt.index if isinstance(evt.index, int) else (evt.index or [0])[0]
        turn = int(index) // 2
        if not (0 <= turn < len(session.turns)) or session.turns[turn].answer is None:
            return
        liked = evt.liked
        rating = "up" if liked is True or liked == "Like" else "down" if liked is False or liked == "Dislike" else "none"
        t = session.turns[turn]
        self.backend.feedback.record(t.answer, rating, filters=t.filters)  # type: ignore[arg-type]
        gr.Info("谢谢，反馈已记录。" if rating != "none" else "已撤销反馈。")

    @staticmethod
    def copied(text: str) -> None:
        if text:
            gr.Info("回答已复制到剪贴板。")
        else:
            gr.Warning("还没有可复制的回答。")

    @staticmethod
    def reset() -> tuple[Any, ...]:
        fresh = ChatSession()
        return [], fresh, gr.Radio(choices=[], value=None), fmt.passage_html(None), ""
