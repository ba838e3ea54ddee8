"""Read one report file into text: txt/md (any common Chinese encoding), html, pdf, docx.

Every failure is a :class:`LoaderError` naming the file, what is wrong and what to do, so
ingest can report it and carry on with the other files.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable

from common.errors import LoaderError
from common.settings import IngestSettings
from ingest.models import LoadedText

# --------------------------------------------------------------------------- text decoding

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# Below this share of plausible characters a decoding is taken for mojibake or binary data.
_MIN_PLAUSIBILITY = 0.6


class DecodeError(ValueError):
    """The bytes are not text in any encoding we know (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _chars_of(codec: str, leads: range, trails: list[int]) -> frozenset[str]:
    chars = set()
    for lead in leads:
        for trail in trails:
            try:
                chars.add(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


@lru_cache(maxsize=1)
def _common_hanzi() -> dict[str, frozenset[str]]:
    """The 'frequently used' characters of each standard, read from the codecs themselves.

    GB2312 level 1 (rows 0xB0-0xD7) holds the 3,755 most common simplified characters; Big5
    0xA440-0xC67E the ~5,400 common traditional ones. Text decoded with the wrong codec lands on
    kana, Greek, box drawing, private-use or rare characters instead.
    """
    return {
        "gb18030": _chars_of("gb2312", range(0xB0, 0xD8), list(range(0xA1, 0xFF))),
        "big5": _chars_of("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    }


def _is_cjk_punct(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3000 <= o <= 0x303F  # CJK symbols and punctuation
        or 0xFF01 <= o <= 0xFF5E  # full-width ASCII
        or 0x2010 <= o <= 0x2027  # dashes, quotes, ellipsis
        or ch in "·×÷°℃№"
    )


def plausibility(text: str, codec: str) -> float:
    """Share of characters that real Chinese text in ``codec`` would plausibly contain."""
    common = _common_hanzi().get(codec, frozenset())
    good = bad = 0.0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            if ch.isprintable() or ch in "\r\n\t\f":
                good += 1
            else:
                bad += 1
        elif ch in common or _is_cjk_punct(ch):
            good += 1
        elif 0x4E00 <= o <= 0x9FFF:
            bad += 0.5  # a real but rare character: weak evidence against
        elif unicodedata.category(ch) in ("Co", "Cn", "Cc", "Cs"):
            bad += 2  # private use / unassigned / control: strong evidence against
        else:
            bad += 1  # kana, Greek, Cyrillic, box drawing ...
    total = good + bad
    return good / total if total else 0.0


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode report bytes; return ``(text, encoding)``.

    Order: BOM (utf-8-sig, utf-16), strict UTF-8, then GB18030 (a superset of GBK and GB2312)
    against Big5, choosing by the share of common characters of each script. On a tie (short
    texts valid in both) GB18030 wins: mainland policy documents are far more common here.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {codec} byte-order mark but is not {codec}") from exc
    if b"\x00" in data:
        raise DecodeError("contains NUL bytes (binary data, not text)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    scored: list[tuple[float, int, str, str]] = []
    for rank, codec in enumerate(("gb18030", "big5")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        scored.append((plausibility(text, codec), -rank, text, codec))
    if not scored:
        raise DecodeError("is not valid UTF-8, GB18030/GBK or Big5")
    score, _, text, codec = max(scored)
    if score < _MIN_PLAUSIBILITY:
        raise DecodeError(
            f"does not look like text (best guess {codec}: only {score:.0%} plausible characters)"
        )
    return text, codec


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` (and the Unicode line/paragraph separators) become ``\\n``."""
    return re.sub(r"\r\n?|[\u2028\u2029\x85]", "\n", text)


# --------------------------------------------------------------------------- loaders per format

def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except PermissionError as exc:
        raise LoaderError(
            str(path),
            f"{path.name}: not readable (permission denied)",
            hint=f"check the file's permissions (chmod a+r '{path}') or run as a user that may read it",
        ) from exc
    except IsADirectoryError as exc:
        raise LoaderError(str(path), f"{path.name}: is a directory", hint="pass files or folders") from exc
    except OSError as exc:
        raise LoaderError(
            str(path), f"{path.name}: cannot be read ({exc.strerror or exc})", hint="check the file"
        ) from exc


def _load_plain(path: Path, data: bytes, fmt: str) -> LoadedText:
    try:
        text, encoding = decode_text(data)
    except DecodeError as exc:
        binary = "NUL" in exc.reason or "does not look like text" in exc.reason
        raise LoaderError(
            str(path),
            f"{path.name}: {'binary data, not text' if binary else 'undecodable text'}: {exc.reason}",
            hint="save the file as UTF-8 text (or GB18030/Big5), or remove it from the folder",
        ) from exc
    return LoadedText(text=normalize_newlines(text), format=fmt, encoding=encoding)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# Declared charsets we decode with a superset codec that reads them all.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5",
                    "big5-hkscs": "big5hkscs", "utf8": "utf-8"}


def _decode_html(data: bytes) -> tuple[str, str]:
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        match = _META_CHARSET.search(data[:4096])
        if match:
            declared = match.group(1).decode("ascii", "replace").lower()
            codec = _CHARSET_ALIASES.get(declared, declared)
            try:
                return data.decode(codec), codec
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong or unknown declaration: detect instead
    return decode_text(data)


# Elements that never carry the document's own text.
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "nav",
              "header", "footer", "form", "aside", "button", "select", "input", "textarea",
              "object", "embed", "map", "head")
# id/class words of site chrome (matched as whole words of the attribute values).
_CHROME_WORDS = re.compile(
    r"(?:^|[\s_-])(nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|sidebar|share|toolbar|"
    r"topbar|header|banner|copyright|position|location|skip|advert|ads?)(?:$|[\s_-])",
    re.I,
)
# Where the main text usually is, best first (Chinese government sites use id="zoom").
_MAIN_SELECTORS = ("article", "main", "#zoom", "#content", ".content", ".article",
                   "#article", ".TRS_Editor", "[role=main]")
_BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table thead tbody tfoot "
    "tr blockquote pre address figure figcaption center body html hr".split()
)


def _html_to_text(markup: str) -> str:
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment, Doctype, ProcessingInstruction

    soup = BeautifulSoup(markup, "lxml")
    title_tag = soup.find("title")
    page_title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("body", "html"):
            continue
        attrs = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        if attrs.strip() and _CHROME_WORDS.search(attrs):
            tag.decompose()

    root = None
    for selector in _MAIN_SELECTORS:
        found = soup.select_one(selector)
        if found is not None and found.get_text(strip=True):
            root = found
            break
    if root is None:
        root = soup.body or soup

    out: list[str] = []

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                # Source line breaks inside a paragraph are layout, not text.
                out.append(re.sub(r"\s+", " ", str(child)))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                out.append("\n")
            elif name == "tr":
                cells = [c.get_text(" ", strip=True) for c in child.find_all(["td", "th"])]
                cells = [c for c in cells if c]
                if cells:
                    out.append("\n" + " | ".join(cells) + "\n")
            elif name in _BLOCK_TAGS:
                out.append("\n")
                walk(child)
                out.append("\n")
            else:
                walk(child)

    walk(root)
    lines = [line.strip() for line in "".join(out).split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    # A page whose <h1> was chrome-wrapped still has its <title>: keep it as the first line.
    if page_title and page_title not in text[: len(page_title) + 200]:
        text = f"{page_title}\n\n{text}" if text else page_title
    return text


def _load_html(path: Path, data: bytes, fmt: str) -> LoadedText:
    try:
        markup, encoding = _decode_html(data)
    except DecodeError as exc:
        raise LoaderError(
            str(path),
            f"{path.name}: undecodable HTML: {exc.reason}",
            hint="save the page as UTF-8 or declare its charset in a <meta charset> tag",
        ) from exc
    return LoadedText(text=_html_to_text(normalize_newlines(markup)), format=fmt, encoding=encoding)


def _load_pdf(path: Path, data: bytes, fmt: str) -> LoadedText:
    if b"%PDF-" not in data[:1024]:
        raise LoaderError(
            str(path),
            f"{path.name}: not a valid PDF (no %PDF header; binary junk or another format "
            "renamed to .pdf)",
            hint="check the file opens in a PDF viewer; re-export or re-download it",
        )
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # pypdf raises several types here
                raise LoaderError(
                    str(path),
                    f"{path.name}: the PDF is encrypted",
                    hint="save an unencrypted copy (print to PDF) and ingest that",
                ) from exc
        pages = [(page.extract_text() or "") for page in reader.pages]
    except LoaderError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError) as exc:
        raise LoaderError(
            str(path),
            f"{path.name}: not a valid PDF ({type(exc).__name__}: {exc})",
            hint="check the file opens in a PDF viewer; re-export or re-download it",
        ) from exc
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise LoaderError(
            str(path),
            f"{path.name}: no text layer (scanned?) in {len(pages)} page(s)",
            hint="OCR it first (e.g. ocrmypdf --language chi_sim in.pdf out.pdf), then ingest "
            "the OCRed PDF",
        )
    return LoadedText(text=normalize_newlines(text), format=fmt, encoding=None)


def _load_docx(path: Path, data: bytes, fmt: str) -> LoadedText:
    import io
    import zipfile

    try:
        import docx
        from docx.table import Table
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise LoaderError(str(path), "python-docx is not installed", hint="pip install python-docx") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoaderError(
            str(path),
            f"{path.name}: not a valid .docx ({type(exc).__name__}: {exc})",
            hint="open it in Word or LibreOffice and save it again as .docx "
            "(old .doc files must be converted first)",
        ) from exc
    except Exception as exc:  # python-docx surfaces lxml/opc errors of many kinds
        raise LoaderError(
            str(path), f"{path.name}: not a valid .docx ({type(exc).__name__}: {exc})",
            hint="open it in Word or LibreOffice and save it again as .docx",
        ) from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.append("")
            lines.extend(_table_rows(block))
            lines.append("")
        else:
            lines.append(block.text)
    text = "\n".join(lines)
    return LoadedText(text=normalize_newlines(text), format=fmt, encoding=None)


def _table_rows(table) -> list[str]:
    """Each row as one line, ``cell | cell``; a merged cell counts once."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            key = id(cell._tc)
            if key in seen:
                continue
            seen.add(key)
            value = " ".join(cell.text.split())
            if value:
                cells.append(value)
        if cells:
            rows.append(" | ".join(cells))
    return rows


_LOADERS: dict[str, tuple[str, Callable[[Path, bytes, str], LoadedText]]] = {
    ".txt": ("txt", _load_plain),
    ".md": ("md", _load_plain),
    ".markdown": ("md", _load_plain),
    ".html": ("html", _load_html),
    ".htm": ("html", _load_html),
    ".pdf": ("pdf", _load_pdf),
    ".docx": ("docx", _load_docx),
}


def supported_extensions(settings: IngestSettings) -> list[str]:
    """Extensions both configured and known to a loader."""
    return [ext for ext in settings.extensions if ext.lower() in _LOADERS]


def load_file(path: Path, settings: IngestSettings) -> LoadedText:
    """Read ``path`` into text, or raise :class:`LoaderError` with a reason and a hint."""
    path = Path(path)
    ext = path.suffix.lower()
    allowed = supported_extensions(settings)
    if ext not in allowed:
        raise LoaderError(
            str(path),
            f"{path.name}: unsupported file type {ext or '(no extension)'!r}",
            hint=f"convert it to one of {', '.join(allowed)}"
            + (" (old .doc: save as .docx)" if ext == ".doc" else ""),
        )
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise LoaderError(str(path), f"{path}: file not found", hint="check the path") from exc
    except PermissionError as exc:
        raise LoaderError(
            str(path), f"{path.name}: not readable (permission denied)",
            hint="check the permissions of the file and its folder",
        ) from exc
    size = stat.st_size
    limit = settings.max_file_mb * 1024 * 1024
    # Checked before reading: a huge file must not be loaded into memory just to be refused.
    if size > limit:
        raise LoaderError(
            str(path),
            f"{path.name}: too large ({size / 1024 / 1024:.1f} MB; the limit is "
            f"{settings.max_file_mb:g} MB)",
            hint="raise POLICYQA_INGEST__MAX_FILE_MB or split the file",
        )
    if size == 0:
        raise LoaderError(str(path), f"{path.name}: empty file (0 bytes)",
                          hint="remove the file or add its text")
    fmt, loader = _LOADERS[ext]
    data = _read_bytes(path)
    loaded = loader(path, data, fmt)
    if not loaded.text.strip():
        raise LoaderError(
            str(path),
            f"{path.name}: empty file (no text, only whitespace)",
            hint="remove the file or add its text",
        )
    return loaded
