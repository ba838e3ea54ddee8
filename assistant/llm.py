"""Optional LLM answerer: any OpenAI-compatible endpoint through langchain-openai's ChatOpenAI.

Used only when ``settings.llm.base_url`` is set (``POLICYQA_LLM__BASE_URL``). The model gets the
retrieved passages numbered [1]..[k] (prompts/answer_*.md), fenced as data, and is told to cite
[n] and keep numbers exact. Replies stream; after the last token every sentence is checked
(assistant/verify.py) and failing sentences are flagged in ``Answer.checks`` or dropped
(``settings.llm.drop_unverified``). Connection failures and timeouts become :class:`LLMError`
with a hint naming the URL and the setting to change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from assistant.models import Passage, SentenceCheck
from assistant.verify import drop_failed, verify_answer
from common.errors import LLMError
from common.settings import LLMSettings
from prompts import render_answer_messages

if TYPE_CHECKING:  # ~0.6 s of langchain imports, needed only when an LLM is configured
    from langchain_core.language_models.chat_models import BaseChatModel

NOT_FOUND_MARK = "未找到"


def make_chat_model(llm_settings: LLMSettings) -> BaseChatModel:
    """``ChatOpenAI`` for ``settings.llm``; raises LLMError when no base URL is configured."""
    if not llm_settings.base_url:
        raise LLMError(
            "no LLM endpoint configured",
            "set POLICYQA_LLM__BASE_URL (e.g. http://127.0.0.1:8000/v1) or use the extractive answerer",
        )
    from langchain_openai import ChatOpenAI  # lazy: pulls openai + httpx

    return ChatOpenAI(
        model=llm_settings.model,
        base_url=llm_settings.base_url,
        api_key=llm_settings.api_key,
        temperature=llm_settings.temperature,
        timeout=llm_settings.timeout_s,
        max_retries=0,  # a retry doubles the wait on a dead endpoint; the user can ask again
    )


def llm_error(exc: Exception, base_url: str | None, timeout_s: float | None = None) -> LLMError:
    """Turn an openai / httpx exception into an LLMError with a useful hint."""
    try:
        import openai
    except ImportError:  # pragma: no cover - langchain-openai depends on it
        openai = None  # type: ignore[assignment]
    if openai is not None and isinstance(exc, openai.APITimeoutError):
        return LLMError(
            f"the LLM endpoint {base_url} did not answer within {timeout_s} s",
            "raise POLICYQA_LLM__TIMEOUT_S, check the server's load, or unset "
            "POLICYQA_LLM__BASE_URL to use the extractive answerer",
        )
    if openai is not None and isinstance(exc, openai.APIConnectionError):
        return LLMError(
            f"cannot connect to the LLM endpoint {base_url}: {exc}",
            "start the OpenAI-compatible server (vLLM, Ollama …) or fix POLICYQA_LLM__BASE_URL; "
            "unset it to use the extractive answerer",
        )
    if openai is not None and isinstance(exc, openai.AuthenticationError):
        return LLMError(
            f"the LLM endpoint {base_url} refused the API key", "set POLICYQA_LLM__API_KEY"
        )
    if openai is not None and isinstance(exc, openai.APIStatusError):
        return LLMError(
            f"the LLM endpoint {base_url} answered HTTP {exc.status_code}: {exc.message}",
            "check POLICYQA_LLM__MODEL names a model the server serves",
        )
    return LLMError(f"the LLM call failed: {type(exc).__name__}: {exc}", "see the server's log")


class LLMAnswerer:
    """Generate a cited answer from passages with a chat model, then verify it."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        drop_unverified: bool = False,
        base_url: str | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.chat_model = chat_model
        self.drop_unverified = drop_unverified
        self.base_url = base_url or getattr(chat_model, "openai_api_base", None)
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, llm_settings: LLMSettings, chat_model: BaseChatModel | None = None) -> LLMAnswerer:
        return cls(
            chat_model or make_chat_model(llm_settings),
            drop_unverified=llm_settings.drop_unverified,
            base_url=llm_settings.base_url,
            timeout_s=llm_settings.timeout_s,
        )

    def stream_text(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """Yield the reply's text pieces as they arrive."""
        messages = render_answer_messages(question, passages)
        try:
            for chunk in self.chat_model.stream(messages):
                piece = chunk.content if isinstance(chunk.content, str) else _text_of(chunk.content)
                if piece:
                    yield piece
        except LLMError:
            raise
        except Exception as exc:  # openai/httpx errors: connection refused, timeout, HTTP 5xx
            raise llm_error(exc, self.base_url, self.timeout_s) from exc

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        """The whole reply in one (non-streaming) request."""
        messages = render_answer_messages(question, passages)
        try:
            reply = self.chat_model.invoke(messages)
        except Exception as exc:
            raise llm_error(exc, self.base_url, self.timeout_s) from exc
        return reply.content if isinstance(reply.content, str) else _text_of(reply.content)

    def finish(self, text: str, passages: Sequence[Passage]) -> tuple[str, list[SentenceCheck], bool]:
        """Verify a complete reply: (final text, checks, abstained)."""
        checks = verify_answer(text, passages)
        final = drop_failed(text, checks) if self.drop_unverified else text
        abstained = is_not_found(final)
        if self.drop_unverified and not final.strip():
            final = f"{NOT_FOUND_MARK}：模型的回答未通过引用和数字核对，已全部删除。"
            abstained = True
        return final.strip(), checks, abstained


def is_not_found(text: str) -> bool:
    """The model said the passages do not answer (prompt rule 6): 未找到 near the start and no
    citation."""
    head = text.strip()[:30]
    return NOT_FOUND_MARK in head and "[" not in text


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content or "")
