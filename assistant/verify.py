"""Check a generated answer against the passages it cites.

For each sentence of an LLM answer:

* every marker ``[n]`` must point to a retrieved passage (1 <= n <= number of passages);
* every number in a sentence that cites passages must occur in one of the cited passages (its
  text, or what a lead line names of it: title, date, section).

Numbers are compared by value after normalisation: NFKC (５０％ -> 50%), thousands separators
dropped (1,724 -> 1724), trailing zeros of decimals ignored (3.50 -> 3.5), simple Chinese
numerals read when they count something or are a percentage (五十家 -> 50, 百分之五十 -> 50).
The citation markers themselves are removed before numbers are read, so ``[3]`` never counts as
the number 3. A sentence that fails gets ``ok=False`` with its problems listed; the pipeline
keeps it flagged or drops it (``settings.llm.drop_unverified``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from assistant.models import Passage, SentenceCheck
from common.textnorm import split_sentences

MARKER = re.compile(r"\[(\d{1,3})\]")
_ARABIC = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇一二两三四五六七八九十百千"
# A Chinese numeral counts as a number when a measure word or unit follows it, or it is a
# percentage (百分之…): 五十家, 三个, 两项, 百分之五十. Words such as 一是 / 进一步 / 统一 are not.
_CN_COUNTED = re.compile(
    rf"百分之([{_CN_NUM}]+)|([{_CN_NUM}]+)(?=[个家项件名人位倍次所宗条场台套座批万亿元%])"
)


def normalize_number(raw: str) -> str | None:
    """'1,724' -> '1724', '25.560' -> '25.56', '3.0' -> '3'; None when not a number."""
    s = raw.replace(",", "")
    try:
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return str(int(s)) if "." not in s else s
    except ValueError:
        return None


def chinese_to_int(text: str) -> int | None:
    """Read a simple Chinese numeral as an int: 三 -> 3, 五十 -> 50, 一百零五 -> 105,
    两千 -> 2000, 二〇一九 -> 2019 (digits without units). None if unreadable."""
    if not text or any(ch not in _CN_NUM for ch in text):
        return None
    if not any(ch in _CN_UNITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def numbers_in(text: str) -> set[str]:
    """Normalised numbers written in ``text`` (citation markers excluded)."""
    t = unicodedata.normalize("NFKC", MARKER.sub(" ", text))
    found: set[str] = set()
    for m in _ARABIC.finditer(t):
        n = normalize_number(m.group(0))
        if n is not None:
            found.add(n)
    for m in _CN_COUNTED.finditer(t):
        value = chinese_to_int(m.group(1) or m.group(2))
        if value is not None:
            found.add(str(value))
    return found


def _citable_text(p: Passage) -> str:
    """A passage's text plus what a citation may name of it: title, issuer, date, section."""
    return "\n".join(x for x in (p.text, p.title, p.issuer or "", p.date or "", p.section) if x)


def cited_ids(sentence: str) -> list[int]:
    return [int(n) for n in MARKER.findall(sentence)]


def check_sentence(sentence: str, passages: Sequence[Passage]) -> SentenceCheck:
    """Check one sentence: its markers and its numbers."""
    ids = cited_ids(sentence)
    problems: list[str] = []
    valid = [i for i in ids if 1 <= i <= len(passages)]
    for i in ids:
        if not 1 <= i <= len(passages):
            problems.append(f"引用[{i}]不存在（只检索到{len(passages)}段）")
    nums = numbers_in(sentence)
    if nums:
        if not ids:
            problems.append("含数字但未标注出处")
        elif valid:
            have: set[str] = set()
            for i in valid:
                have |= numbers_in(_citable_text(passages[i - 1]))
            missing = sorted(nums - have, key=lambda x: (len(x), x))
            if missing:
                cites = "".join(f"[{i}]" for i in valid)
                problems.append(f"数字{'、'.join(missing)}不在所引段落{cites}中")
    return SentenceCheck(sentence=sentence, citations=ids, ok=not problems, problems=problems)


def verify_answer(text: str, passages: Sequence[Passage]) -> list[SentenceCheck]:
    """Check every sentence of an answer."""
    return [check_sentence(s.text, passages) for s in split_sentences(text)]


def drop_failed(text: str, checks: Sequence[SentenceCheck]) -> str:
    """The answer without the sentences that failed their check."""
    bad = {c.sentence for c in checks if not c.ok}
    kept = [s.text for s in split_sentences(text) if s.text not in bad]
    return "".join(kept)
