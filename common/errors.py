"""The small error hierarchy of PolicyQA.

Every error carries a message that names the bad value and a hint that says what to do.
They are raised deep inside the packages and turned into CLI or UI messages only at the edge
(``assistant/cli.py``, ``app.py``), so library code never prints or exits.
"""

from __future__ import annotations

import sys
from typing import TextIO


class PolicyQAError(Exception):
    """Base class. ``hint`` tells the user how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


def print_error(exc: PolicyQAError, file: TextIO | None = None) -> None:
    """How the command line and app.py report an error: ``error: ...`` then ``  hint: ...``."""
    out = file if file is not None else sys.stderr
    print(f"error: {exc.message}", file=out)
    if exc.hint:
        print(f"  hint: {exc.hint}", file=out)


class ConfigError(PolicyQAError):
    """A setting or option has a value we cannot use."""


class DependencyError(PolicyQAError):
    """An optional package or model is missing; the hint names what to install."""


class LoaderError(PolicyQAError):
    """One input file could not be read or parsed; other files go on."""

    def __init__(self, path: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.path = path


class StoreError(PolicyQAError):
    """The store (Chroma collection, lexical index, manifest) is unusable."""


class EmbedderMismatchError(StoreError):
    """The store was built with another embedding model; vectors must never be mixed."""


class EmptyStoreError(StoreError):
    """Nothing has been ingested yet."""


class QuestionError(PolicyQAError):
    """A question (or question-set line) cannot be answered as given."""


class LLMError(PolicyQAError):
    """The optional OpenAI-compatible endpoint failed or is misconfigured."""
