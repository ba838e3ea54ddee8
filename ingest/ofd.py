"""OFD (GB/T 33190, China's fixed-layout e-document format): the text of every page.

An OFD file is a zip package of XML: ``OFD.xml`` names each document's root
(``DocBody/DocRoot``), the document lists its pages (``Pages/Page@BaseLoc``), and each page's
``Content.xml`` holds text objects (``TextObject@Boundary`` = x y w h, with ``TextCode``
children at X/Y offsets) in layers and page blocks. Text objects are grouped into lines by
their vertical position and read top to bottom, left to right; each page's start is recorded
like a PDF's. Element names are matched without their namespace (producers differ).

Read with the standard library and lxml rather than easyofd: easyofd 20260427 extracts the
package into the current directory, into a folder named by cutting that path at its first
'.', and deletes the folder afterwards (run from /tmp/jobs.1/x it would delete /tmp/jobs),
and it crashes on the OFD files its own writer makes (KeyError '@Size').
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path

from common.errors import LoaderError
from ingest.models import LoadedText
from ingest.pages import join_pages

_MAX_XML_BYTES = 50 * 1024 * 1024  # one part; a zip bomb is refused, not inflated


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _read_xml(z: zipfile.ZipFile, name: str):  # -> lxml element
    from lxml import etree

    name = name.lstrip("/")
    try:
        info = z.getinfo(name)
    except KeyError:
        # some producers differ in case or use backslashes
        lowered = {n.lower().replace("\\", "/"): n for n in z.namelist()}
        real = lowered.get(name.lower())
        if real is None:
            raise LoaderError("", f"the package has no {name}", hint="") from None
        info = z.getinfo(real)
    if info.file_size > _MAX_XML_BYTES:
        raise LoaderError("", f"{name} is too large ({info.file_size} bytes)", hint="")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(z.read(info), parser)


def _children(el, name: str) -> list:
    return [c for c in el.iter() if _local(c.tag) == name]


def _floats(value: str | None) -> list[float]:
    out = []
    for part in (value or "").replace(",", " ").split():
        try:
            out.append(float(part))
        except ValueError:
            out.append(0.0)
    return out


def _page_text(content) -> str:
    """The text of one page's Content.xml, in reading order, one line per text line."""
    items: list[tuple[float, float, float, str]] = []  # (middle y, x, height, text)
    for obj in _children(content, "TextObject"):
        box = _floats(obj.get("Boundary")) + [0.0] * 4
        size = _floats(obj.get("Size"))
        height = box[3] or (size[0] if size else 1.0) or 1.0
        for code in _children(obj, "TextCode"):
            text = "".join(code.itertext()).strip()
            if not text:
                continue
            x = box[0] + (_floats(code.get("X")) or [0.0])[0]
            y = box[1] + (_floats(code.get("Y")) or [height])[0]
            items.append((y - height / 2, x, height, text))
    items.sort()
    lines: list[list[tuple[float, str]]] = []
    line_mid: float | None = None
    for mid, x, height, text in items:
        if line_mid is not None and abs(mid - line_mid) <= height / 2:
            lines[-1].append((x, text))
        else:
            lines.append([(x, text)])
            line_mid = mid
    return "\n".join("".join(t for _, t in sorted(line)) for line in lines)


def _pages(z: zipfile.ZipFile) -> list[str]:
    root = _read_xml(z, "OFD.xml")
    doc_roots = ["".join(el.itertext()).strip() for el in _children(root, "DocRoot")]
    if not doc_roots:
        raise LoaderError("", "OFD.xml names no document (no DocRoot)", hint="")
    pages: list[str] = []
    for doc_root in doc_roots:
        doc_root = doc_root.replace("\\", "/").lstrip("/")
        document = _read_xml(z, doc_root)
        base = posixpath.dirname(doc_root)
        for page in _children(document, "Page"):
            loc = (page.get("BaseLoc") or "").replace("\\", "/")
            if not loc:
                continue
            path = loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))
            pages.append(_page_text(_read_xml(z, path)).strip("\n"))
    return pages


def load_ofd(path: Path, data: bytes, fmt: str) -> LoadedText:
    """Text of an OFD file, page by page, or :class:`LoaderError`."""
    from lxml import etree

    bad_hint = "check the file opens in an OFD reader (数科, 福昕); export it to PDF and ingest that"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            pages = _pages(z)
    except zipfile.BadZipFile as exc:
        raise LoaderError(str(path), f"{path.name}: not a valid OFD file (not a zip package)",
                          hint=bad_hint) from exc
    except LoaderError as exc:
        raise LoaderError(str(path), f"{path.name}: not a valid OFD file ({exc.message})",
                          hint=bad_hint) from exc
    except (etree.XMLSyntaxError, ValueError, OSError, RuntimeError) as exc:
        raise LoaderError(str(path), f"{path.name}: not a valid OFD file ({type(exc).__name__}: {exc})",
                          hint=bad_hint) from exc
    if not any(p.strip() for p in pages):
        raise LoaderError(
            str(path), f"{path.name}: no text in {len(pages)} OFD page(s) (an image-only OFD?)",
            hint="export it to PDF in an OFD reader and ingest the PDF (scanned pages are OCR'd)",
        )
    text, starts = join_pages(pages)
    return LoadedText(text=text, format=fmt, encoding=None, page_starts=starts)
