"""OCR of page images (scanned PDF pages, .png/.jpg documents) with RapidOCR, offline.

``rapidocr_onnxruntime`` ships the PP-OCRv4 Chinese detection and recognition models in its
wheel, so nothing is downloaded. The engine runs in a child process (:class:`OcrWorker`): a page
that takes longer than the per-page limit is stopped by ending that process (an ONNX run
cannot be interrupted in-process), and the engine's memory is not the ingesting process's.

Text keeps the page's reading order and line breaks: recognised boxes are grouped into lines
by vertical overlap, lines are ordered top to bottom and left to right, and a blank line is
written where the page shows a paragraph break (a larger gap, or an indented first line), so
the cleaner re-joins wrapped lines and the chunker still finds headings.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import logging
import os
import selectors
import statistics
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import DependencyError


OCR_CACHE_VERSION = 1  # bump when layout_text changes: cached pages are then read again


class OcrTimeout(Exception):
    """One page took longer than the limit (the worker was stopped)."""


class OcrFailed(Exception):
    """The engine could not read an image (``reason`` says why)."""


@dataclass(frozen=True)
class OcrLine:
    """One recognised line: its text and its box (x0, y0, x1, y1) in image pixels."""

    text: str
    box: tuple[float, float, float, float]
    score: float


@dataclass(frozen=True)
class OcrPage:
    """What OCR read from one image."""

    text: str
    lines: tuple[OcrLine, ...] = ()
    confidence: float = 0.0  # mean recognition score of the lines, weighted by length
    seconds: float = 0.0
    width: int = 0
    height: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text, "confidence": self.confidence, "seconds": self.seconds,
            "width": self.width, "height": self.height,
            "lines": [[ln.text, list(ln.box), ln.score] for ln in self.lines],
        }

    def low(self, min_confidence: float) -> bool:
        """Did OCR read text here, but with scores below ``min_confidence``?"""
        return bool(self.text.strip()) and self.confidence < min_confidence

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrPage:
        lines = tuple(OcrLine(t, tuple(b), float(s)) for t, b, s in d.get("lines", []))  # type: ignore[arg-type]
        return cls(d["text"], lines, float(d["confidence"]), float(d.get("seconds", 0.0)),
                   int(d.get("width", 0)), int(d.get("height", 0)))


class OcrCache:
    """OCR results of one file, by page, in ``<ocr-cache>/<file hash>-<dpi>-v<n>/<page>.json``
    (``dpi`` 0 for an image file, which is read as it is)."""

    def __init__(self, root: Path | None, data: bytes, dpi: int) -> None:
        key = hashlib.sha256(data).hexdigest()[:24]
        self.dir = root / f"{key}-{dpi}-v{OCR_CACHE_VERSION}" if root is not None else None

    def get(self, page_no: int) -> OcrPage | None:
        if self.dir is None:
            return None
        try:
            return OcrPage.from_dict(json.loads((self.dir / f"{page_no}.json").read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, page_no: int, result: OcrPage) -> None:
        if self.dir is None:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.dir / f".{page_no}.json.tmp"
            tmp.write_text(json.dumps(result.to_dict(), ensure_ascii=False), "utf-8")
            tmp.replace(self.dir / f"{page_no}.json")
        except OSError:
            logging.getLogger(__name__).warning("cannot write the OCR cache in %s", self.dir)


def ocr_cache_dir(home: str | Path) -> Path:
    """Where a store keeps its OCR results."""
    return Path(home).expanduser() / "ocr-cache"


# --------------------------------------------------------------------------- layout

@dataclass
class _Row:
    boxes: list[tuple[float, float, float, float, str, float]] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(b[1] for b in self.boxes)

    @property
    def bottom(self) -> float:
        return max(b[3] for b in self.boxes)

    @property
    def left(self) -> float:
        return min(b[0] for b in self.boxes)


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        # Latin words and numbers keep a space between boxes; Chinese text has none.
        if out and out[-1].isascii() and out[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            out += " "
        out += part
    return out


def layout_text(raw: list[Any]) -> tuple[str, tuple[OcrLine, ...], float]:
    """Text, lines and confidence from RapidOCR's ``[[box, text, score], ...]``."""
    boxes = []
    for box, text, score in raw or []:
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        text = str(text).strip()
        if text:
            boxes.append((min(xs), min(ys), max(xs), max(ys), text, float(score)))
    if not boxes:
        return "", (), 0.0
    boxes.sort(key=lambda b: ((b[1] + b[3]) / 2, b[0]))
    rows: list[_Row] = []
    for b in boxes:
        mid = (b[1] + b[3]) / 2
        row = rows[-1] if rows else None
        # Same line: the box's middle lies within the row's vertical extent.
        if row is not None and row.top <= mid <= row.bottom:
            row.boxes.append(b)
        else:
            rows.append(_Row([b]))
    heights = [r.bottom - r.top for r in rows]
    line_h = statistics.median(heights)
    gaps = [rows[i + 1].top - rows[i].bottom for i in range(len(rows) - 1)]
    usual_gap = statistics.median(gaps) if gaps else 0.0
    margin = min(r.left for r in rows)
    lines: list[OcrLine] = []
    out: list[str] = []
    for i, row in enumerate(rows):
        row.boxes.sort(key=lambda b: b[0])
        text = _join([b[4] for b in row.boxes])
        if i:
            gap = row.top - rows[i - 1].bottom
            indented = row.left - margin > 1.5 * line_h  # a paragraph's first line (2 characters in)
            if gap > usual_gap + 0.8 * line_h or indented:
                out.append("")
        out.append(text)
        score = sum(b[5] * len(b[4]) for b in row.boxes) / max(1, sum(len(b[4]) for b in row.boxes))
        lines.append(OcrLine(text, (row.left, row.top, max(b[2] for b in row.boxes), row.bottom), score))
    total = sum(len(ln.text) for ln in lines)
    confidence = sum(ln.score * len(ln.text) for ln in lines) / total if total else 0.0
    return "\n".join(out), tuple(lines), round(confidence, 4)


# --------------------------------------------------------------------------- engine

_ENGINE = None


def _engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise DependencyError(
                "OCR needs rapidocr_onnxruntime, which is not installed",
                "run ./scripts/setup.sh (or pip install 'rapidocr_onnxruntime==1.4.*'), or turn "
                "OCR off with POLICYQA_INGEST__OCR=false",
            ) from exc
        _ENGINE = RapidOCR()
    return _ENGINE


def read_image(image_bytes: bytes) -> OcrPage:
    """OCR one encoded image (PNG, JPEG …) in this process."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    t0 = time.perf_counter()
    try:
        with Image.open(io.BytesIO(image_bytes)) as im:
            im.load()
            rgb = im.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise OcrFailed(f"not a readable image ({type(exc).__name__}: {exc})") from exc
    raw, _ = _engine()(np.asarray(rgb))
    text, lines, confidence = layout_text(raw or [])
    return OcrPage(text, lines, confidence, round(time.perf_counter() - t0, 3), rgb.width, rgb.height)


# --------------------------------------------------------------------------- worker process
# Protocol on the child's stdin/stdout: an 8-byte big-endian length, then that many bytes
# (parent -> child: an encoded image; child -> parent: JSON {"kind": ..., "detail": ...}).

def _send(stream: Any, payload: bytes) -> None:
    stream.write(struct.pack(">Q", len(payload)) + payload)
    stream.flush()


def _recv(stream: Any) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    return stream.read(size)


def _serve() -> None:  # pragma: no cover - runs in the child process
    """The child's loop: read images from stdin, answer on the original stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the engine prints goes to stderr, not into the protocol
    src = sys.stdin.buffer

    def answer(kind: str, detail: Any) -> None:
        _send(out, json.dumps({"kind": kind, "detail": detail}, ensure_ascii=False).encode())

    try:
        _engine()
    except Exception as exc:
        answer("error", f"{type(exc).__name__}: {exc}")
        return
    answer("ready", None)
    while (data := _recv(src)) is not None:
        try:
            answer("ok", read_image(data).to_dict())
        except Exception as exc:
            answer("failed", str(exc) if isinstance(exc, OcrFailed) else f"{type(exc).__name__}: {exc}")


class OcrWorker:
    """RapidOCR in a child process (``python -m ingest.ocr``), with a time limit per page.

    A separate interpreter rather than multiprocessing: it never re-imports the caller's main
    module (a script without a ``__main__`` guard would start itself again) and never forks a
    process that runs torch. The child is started on first use (loading the models takes a
    second or two, not counted against the page limit) and again after a page that ran over
    the limit.
    """

    _START_TIMEOUT_S = 120.0

    def __init__(self, page_timeout_s: float) -> None:
        self.page_timeout_s = page_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None

    def _reply(self, timeout: float) -> dict[str, Any] | None:
        assert self._proc is not None and self._proc.stdout is not None
        # selectors (epoll), not select.select: select fails on descriptors above 1024, which a
        # long-running app holding many files and sockets reaches
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            ready = sel.select(timeout)
        if not ready:
            return None
        data = _recv(self._proc.stdout)
        if data is None:
            raise OcrFailed("the OCR process ended")
        return json.loads(data)

    def _start(self) -> None:
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(x for x in (root, env.get("PYTHONPATH")) if x)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ingest.ocr"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, cwd=root,
        )
        try:
            msg = self._reply(self._START_TIMEOUT_S)
        except OcrFailed:
            msg = {"kind": "error", "detail": "it exited while starting"}
        if msg is None or msg.get("kind") != "ready":
            detail = "no answer within %.0f s" % self._START_TIMEOUT_S if msg is None else msg.get("detail")
            self.close()
            raise DependencyError(
                f"the OCR engine could not start: {detail}",
                "run ./scripts/setup.sh (rapidocr_onnxruntime), or turn OCR off with "
                "POLICYQA_INGEST__OCR=false",
            )

    def read(self, image_bytes: bytes) -> OcrPage:
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            _send(self._proc.stdin, image_bytes)
            msg = self._reply(self.page_timeout_s)
        except (BrokenPipeError, OSError, OcrFailed) as exc:
            self.close()
            raise OcrFailed(f"the OCR process ended ({exc})") from exc
        if msg is None:
            self.close()  # the only way to stop a running ONNX session
            raise OcrTimeout(f"took longer than {self.page_timeout_s:g} s")
        if msg.get("kind") != "ok":
            raise OcrFailed(str(msg.get("detail")))
        return OcrPage.from_dict(msg["detail"])

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


_WORKERS: dict[float, OcrWorker] = {}


def worker(page_timeout_s: float) -> OcrWorker:
    """The process's OCR worker for this time limit (kept between files and ingest runs)."""
    w = _WORKERS.get(page_timeout_s)
    if w is None:
        w = _WORKERS[page_timeout_s] = OcrWorker(page_timeout_s)
    return w


@atexit.register
def _close_workers() -> None:
    for w in _WORKERS.values():
        w.close()


if __name__ == "__main__":  # pragma: no cover - the worker process
    _serve()
