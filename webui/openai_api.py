"""An OpenAI-compatible chat API on the web app's port: ``/v1/models``, ``/v1/chat/completions``.

Open WebUI, LobeChat, Dify or a script with the ``openai`` package add PolicyQA as a custom
OpenAI-compatible model (base URL ``http://HOST:PORT/v1``, model ``policyqa``). Following
OpenAI's chat schema, streaming (server-sent events) and not:

- the reply's ``content`` is the cited answer with its ``[n]`` markers;
- ``references`` (an extra field of the response, and of the last stream chunk) lists what the
  markers point to: id, source, title, section, page, region, date, year, the passage text and
  the verbatim quote, whether the title is the document's own, and which fields were inferred;
  ``abstained`` says whether the corpus did not answer;
- earlier ``user`` messages are the conversation: a follow-up (那中山呢？) resolves as in the chat;
- filters go in an extra ``policyqa`` object: ``{"region": "阳江市", "year": 2016, "doc":
  "file.txt", "k": 5}`` (``extra_body={"policyqa": {...}}`` with the openai client);
- with ``POLICYQA_SERVER__API_KEY`` set, requests need ``Authorization: Bearer <key>``;
- errors come in OpenAI's shape ``{"error": {"message", "type", "param", "code"}}``;
- at most ``server.concurrency`` answers are computed at once; up to ``server.api_queue``
  requests wait (at most ``api_queue_timeout_s``) for a slot, more are refused at once with 429
  ``busy``, and a wait that runs out is a 503 ``busy``: never a hang.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from assistant.models import Answer
from assistant.request import QuestionRequest
from common.errors import PolicyQAError
from webui.backend import Backend

MODEL_ID = "policyqa"
_FILTER_KEYS = ("region", "year", "doc", "k")


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}},
            status_code=self.status,
        )


def _question_and_history(messages: Any) -> tuple[str, list[str]]:
    """The last user message, and the user messages before it (the conversation)."""
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "'messages' must be a non-empty list of {role, content}", param="messages")
    users: list[str] = []
    for n, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m:
            raise ApiError(400, f"messages[{n}] must be an object with a role", param="messages")
        content = m.get("content")
        if isinstance(content, list):  # the content-parts form: keep the text parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        if m["role"] == "user":
            users.append(str(content or ""))
    if not users or not users[-1].strip():
        raise ApiError(400, "the last user message is empty: nothing to answer", param="messages")
    return users[-1], users[:-1]


def _filters(body: dict[str, Any]) -> dict[str, Any]:
    extra = body.get("policyqa") or {}
    if not isinstance(extra, dict):
        raise ApiError(400, "'policyqa' must be an object: {region, year, doc, k}", param="policyqa")
    unknown = sorted(set(extra) - set(_FILTER_KEYS))
    if unknown:
        raise ApiError(400, f"unknown policyqa field(s) {unknown}; known: {list(_FILTER_KEYS)}", param="policyqa")
    out = {k: extra[k] for k in _FILTER_KEYS if extra.get(k) not in (None, "")}
    for key in ("year", "k"):
        if key in out:
            try:
                out[key] = int(out[key])
            except (TypeError, ValueError):
                raise ApiError(400, f"policyqa.{key} must be an integer", param=f"policyqa.{key}") from None
    return out


def references(answer: Answer) -> list[dict[str, Any]]:
    return [c.to_json() for c in answer.citations]


def _usage(question: str, text: str) -> dict[str, int]:
    # characters, not tokens: there is no generating model whose tokenizer would count
    return {"prompt_tokens": len(question), "completion_tokens": len(text), "total_tokens": len(question) + len(text)}


class _Admission:
    """``slots`` answers at a time, ``queue`` more waiting; the rest refused (see module doc)."""

    def __init__(self, slots: int, queue: int, timeout_s: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._room = threading.BoundedSemaphore(slots + queue)
        self.timeout_s = timeout_s

    async def enter(self) -> Callable[[], None]:
        """Take a slot (or raise the busy error); returns the one-shot release.

        Waits on the event loop, never in a worker thread: waiting requests must not take the
        threads the streams holding the slots need to finish (with 50 streams at once they did,
        and every request timed out)."""
        if not self._room.acquire(blocking=False):
            raise ApiError(429, "PolicyQA is busy: too many requests are waiting; retry shortly",
                           kind="rate_limit_error", code="busy")
        deadline = time.monotonic() + self.timeout_s
        while not self._slots.acquire(blocking=False):
            if time.monotonic() >= deadline:
                self._room.release()
                raise ApiError(503, f"PolicyQA is busy: no answer slot within {self.timeout_s:g} s; retry",
                               kind="server_error", code="busy")
            await asyncio.sleep(0.01)
        done = threading.Event()

        def leave() -> None:
            if not done.is_set():  # once, whoever gets there first
                done.set()
                self._slots.release()
                self._room.release()

        return leave


class OpenAIChatAPI:
    """The routes over the app's :class:`Backend` (the same answering as the chat tab)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        server = backend.settings.server
        self.admission = _Admission(server.concurrency, server.api_queue, server.api_queue_timeout_s)

    def routes(self) -> list[APIRoute]:
        return [
            APIRoute("/v1/models", self.models, methods=["GET"]),
            APIRoute("/v1/chat/completions", self.chat_completions, methods=["POST"]),
        ]

    def _check_key(self, request: Request) -> None:
        key = self.backend.settings.server.api_key
        if key is None:
            return
        given = request.headers.get("authorization", "")
        token = given[7:].strip() if given.lower().startswith("bearer ") else ""
        if not hmac.compare_digest(token.encode(), key.get_secret_value().encode()):
            raise ApiError(401, "invalid or missing API key (Authorization: Bearer <key>)",
                           kind="invalid_request_error", code="invalid_api_key")

    async def models(self, request: Request) -> JSONResponse:
        try:
            self._check_key(request)
        except ApiError as exc:
            return exc.response()
        return JSONResponse({"object": "list", "data": [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "policyqa"}]})

    async def chat_completions(self, request: Request) -> Any:
        try:
            self._check_key(request)
            try:
                body = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise ApiError(400, "the request body is not JSON") from None
            if not isinstance(body, dict):
                raise ApiError(400, "the request body must be a JSON object")
            model = body.get("model") or MODEL_ID
            if model != MODEL_ID:
                raise ApiError(404, f"the model '{model}' does not exist; use '{MODEL_ID}'",
                               param="model", code="model_not_found")
            question, history = _question_and_history(body.get("messages"))
            filters = _filters(body)
        except ApiError as exc:
            return exc.response()
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        try:
            leave = await self.admission.enter()
        except ApiError as exc:
            return exc.response()
        if body.get("stream"):
            filters.pop("k", None)  # the stream answers from the default k, as the chat does
            # released when the stream ends, and (the background task) also when the client
            # left before the stream started
            return StreamingResponse(
                self._stream(cid, created, question, history, filters, leave),
                media_type="text/event-stream", background=BackgroundTask(leave),
            )
        try:
            return await self._complete(cid, created, question, history, filters)
        finally:
            leave()

    async def _complete(self, cid: str, created: int, question: str, history: list[str],
                        filters: dict[str, Any]) -> JSONResponse:
        try:
            answer = await run_in_threadpool(
                lambda: self.backend.ask(QuestionRequest.of(question, history=history, **filters))
            )
        except PolicyQAError as exc:
            return ApiError(503, f"{exc.message} ({exc.hint})" if exc.hint else exc.message,
                            kind="server_error", code="policyqa_error").response()
        return JSONResponse({
            "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.answer},
                         "finish_reason": "stop"}],
            "usage": _usage(question, answer.answer),
            "references": references(answer),
            "abstained": answer.abstained,
        })

    def _stream(self, cid: str, created: int, question: str, history: list[str],
                filters: dict[str, Any], leave: Callable[[], None]) -> Iterator[str]:
        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        try:
            yield from self._stream_answer(chunk, question, history, filters)
        finally:
            leave()  # also when the client goes away mid-stream

    def _stream_answer(self, chunk: Any, question: str, history: list[str],
                       filters: dict[str, Any]) -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        final: Answer | None = None
        try:
            for piece in self.backend.stream(QuestionRequest.of(question, history=history, **filters)):
                if isinstance(piece, Answer):
                    final = piece
                elif piece:
                    yield chunk({"content": piece})
        except PolicyQAError as exc:
            # headers are sent: the error travels as an event in OpenAI's error shape
            err = {"error": {"message": exc.message, "type": "server_error", "param": None, "code": "policyqa_error"}}
            yield f"data: {json.dumps(err, ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"
            return
        text = final.answer if final else ""
        yield chunk({}, "stop", references=references(final) if final else [],
                    abstained=final.abstained if final else True, usage=_usage(question, text))
        yield "data: [DONE]\n\n"
