"""Read one report file into text: txt/md (any common Chinese encoding), html, pdf (text layer
or OCR, ``ingest.pdf``), docx, doc/wps (``ingest.word97``), ofd (``ingest.ofd``), images (OCR).

Every failure is a :class:`LoaderError` naming the file, what is wrong and what to do, so
ingest can report it and carry on with the other files.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from common.errors import LoaderError
from common.settings import IngestSettings
from ingest.models import LoadedText, PageFn
from ingest.html_text import html_to_text
from ingest.ocr import OcrCache, OcrFailed, OcrTimeout, worker
from ingest.ofd import load_ofd
from ingest.pdf import load_pdf
from ingest.word97 import load_word97
from ingest.tables import table_lines


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


def _load_plain(path: Path, data: bytes, fmt: str, opts: LoadOptions) -> LoadedText:
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


def _load_html(path: Path, data: bytes, fmt: str, opts: LoadOptions) -> LoadedText:
    try:
        markup, encoding = _decode_html(data)
    except DecodeError as exc:
        raise LoaderError(
            str(path),
            f"{path.name}: undecodable HTML: {exc.reason}",
            hint="save the page as UTF-8 or declare its charset in a <meta charset> tag",
        ) from exc
    return LoadedText(text=html_to_text(normalize_newlines(markup)), format=fmt, encoding=encoding)


def _load_pdf(path: Path, data: bytes, fmt: str, opts: LoadOptions) -> LoadedText:
    return load_pdf(path, data, opts.settings, ocr_cache=opts.ocr_cache, on_page=opts.on_page)


def _load_image(path: Path, data: bytes, fmt: str, opts: LoadOptions) -> LoadedText:
    """A photo or scan of a document page: OCR'd like a scanned PDF page (one page)."""
    if not opts.settings.ocr:
        raise LoaderError(str(path), f"{path.name}: an image, and OCR is off",
                          hint="turn OCR on (POLICYQA_INGEST__OCR=true, the default) to read images")
    notify = opts.on_page or (lambda _d, _t, _m: None)
    notify(0, 1, "OCR")
    cache = OcrCache(opts.ocr_cache, data, dpi=0)  # an unchanged image is not read again
    try:
        page = cache.get(1) or worker(opts.settings.ocr_page_timeout_s).read(data)
    except OcrTimeout as exc:
        raise LoaderError(str(path), f"{path.name}: OCR stopped, it {exc}",
                          hint="raise POLICYQA_INGEST__OCR_PAGE_TIMEOUT_S, or crop the image") from exc
    except OcrFailed as exc:
        raise LoaderError(str(path), f"{path.name}: {exc}",
                          hint="check the image opens in a viewer; save it again as PNG or JPEG") from exc
    cache.put(1, page)
    notify(1, 1, "OCR done")
    return LoadedText(
        text=page.text, format="image", encoding=None,
        ocr_pages=(1,) if page.text.strip() else (),
        low_confidence_pages=(1,) if page.low(opts.settings.ocr_min_confidence) else (),
    )


def _load_docx(path: Path, data: bytes, fmt: str, opts: LoadOptions) -> LoadedText:
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
    """Each row as one line with its column headers (:func:`ingest.tables.table_lines`).

    python-docx gives a merged cell once per grid column it spans (across) and per row it
    spans (down, the cell above): a value merged down is repeated in every row it covers, one
    merged across is written once."""
    grid = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            # the same cell again in the next column is a merge across: its value counts once
            cells.append("" if cell._tc is previous else cell.text)
            previous = cell._tc
        grid.append(cells)
    return table_lines(grid)


def _load_word97(path: Path, data: bytes, fmt: str, opts: LoadOptions) -> LoadedText:
    return load_word97(path, data, fmt)


def _load_ofd(path: Path, data: bytes, fmt: str, opts: LoadOptions) -> LoadedText:
    return load_ofd(path, data, fmt)


_LOADERS: dict[str, tuple[str, Callable[[Path, bytes, str, LoadOptions], LoadedText]]] = {
    ".txt": ("txt", _load_plain),
    ".md": ("md", _load_plain),
    ".markdown": ("md", _load_plain),
    ".html": ("html", _load_html),
    ".htm": ("html", _load_html),
    ".pdf": ("pdf", _load_pdf),
    ".docx": ("docx", _load_docx),
    ".doc": ("doc", _load_word97),
    ".wps": ("wps", _load_word97),
    ".ofd": ("ofd", _load_ofd),
    ".png": ("image", _load_image),
    ".jpg": ("image", _load_image),
    ".jpeg": ("image", _load_image),
}


def supported_extensions(settings: IngestSettings) -> list[str]:
    """Extensions both configured and known to a loader."""
    return [ext for ext in settings.extensions if ext.lower() in _LOADERS]


@dataclass(frozen=True)
class LoadOptions:
    """What a loader may need beyond the file: settings, where OCR results are cached, and a
    callback for progress through the pages of a long file."""

    settings: IngestSettings
    ocr_cache: Path | None = None
    on_page: PageFn | None = None


def load_file(
    path: Path,
    settings: IngestSettings,
    *,
    ocr_cache: Path | None = None,
    on_page: PageFn | None = None,
) -> LoadedText:
    """Read ``path`` into text, or raise :class:`LoaderError` with a reason and a hint.

    ``ocr_cache``: a folder for OCR results (the store's ``ocr-cache``); ``on_page(done, total,
    what)`` is called as the pages of a PDF are read or OCR'd."""
    path = Path(path)
    ext = path.suffix.lower()
    allowed = supported_extensions(settings)
    if ext not in allowed:
        raise LoaderError(
            str(path),
            f"{path.name}: unsupported file type {ext or '(no extension)'!r}",
            hint=f"convert it to one of {', '.join(allowed)}",
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
    loaded = loader(path, data, fmt, LoadOptions(settings, ocr_cache, on_page))
    if not loaded.text.strip():
        raise LoaderError(
            str(path),
            f"{path.name}: empty file (no text, only whitespace)",
            hint="remove the file or add its text",
        )
    return loaded
