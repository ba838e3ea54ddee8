"""Text matching rule shared by eval, answer checks and tests (DESIGN.md section 3).

NFKC-normalise both sides and drop all whitespace, then test substring containment. Full-width
digits and punctuation (５０％, （一）) therefore match their half-width forms.
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, then no whitespace at all."""
    return _WS.sub("", unicodedata.normalize("NFKC", text or ""))


def contains(haystack: str, needle: str) -> bool:
    """True when ``needle`` occurs in ``haystack`` under the matching rule."""
    n = normalize(needle)
    return bool(n) and n in normalize(haystack)
