"""Word 97-2003 ``.doc`` (and WPS ``.wps`` files saved in that format) through Debian's antiword.

antiword writes UTF-8 text with one paragraph per line (``-w 0``) and tables as ``|cell|cell|``
lines; those become rows with their headers like every other table (``ingest.tables``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from common.errors import LoaderError
from ingest.models import LoadedText
from ingest.tables import table_lines

_TIMEOUT_S = 60
INSTALL_HINT = "install antiword (Debian/Ubuntu: sudo apt-get install antiword; ./scripts/setup.sh " \
    "does it), or save the file as .docx in Word, WPS or LibreOffice"


def _is_table_line(line: str) -> bool:
    s = line.rstrip()
    return len(s) > 2 and s.startswith("|") and s.endswith("|")


def _tables_as_rows(text: str) -> str:
    out: list[str] = []
    grid: list[list[str]] = []
    for line in text.split("\n") + [""]:
        if _is_table_line(line):
            grid.append([c.strip() for c in line.strip()[1:-1].split("|")])
            continue
        if grid:
            out.extend(["", *table_lines(grid), ""])
            grid = []
        out.append(line)
    return "\n".join(out[:-1])


def load_word97(path: Path, data: bytes, fmt: str) -> LoadedText:
    """Text of a .doc/.wps file, or :class:`LoaderError` (antiword missing, not a Word file)."""
    exe = shutil.which("antiword")
    if exe is None:
        raise LoaderError(str(path), f"{path.name}: reading {path.suffix} files needs antiword, "
                          "which is not installed", hint=INSTALL_HINT)
    if not data.startswith(b"\xd0\xcf\x11\xe0"):  # the OLE2 compound-file signature
        raise LoaderError(
            str(path), f"{path.name}: not a Word 97-2003 file (no OLE2 header)",
            hint="check the file opens in Word or WPS; a .docx renamed to .doc can be renamed back",
        )
    with tempfile.TemporaryDirectory(prefix="policyqa-doc-") as tmp:
        copy = Path(tmp) / "in.doc"  # antiword reads a path; the name may hold any characters
        copy.write_bytes(data)
        try:
            done = subprocess.run(
                [exe, "-w", "0", "-m", "UTF-8.txt", str(copy)],
                capture_output=True, timeout=_TIMEOUT_S, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LoaderError(str(path), f"{path.name}: antiword took longer than {_TIMEOUT_S} s",
                              hint="save the file as .docx and ingest that") from exc
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LoaderError(
            str(path), f"{path.name}: antiword cannot read it ({why[-1] if why else 'exit ' + str(done.returncode)})",
            hint="open it in Word, WPS or LibreOffice and save it as .docx",
        )
    text = done.stdout.decode("utf-8", "replace").replace("\r\n", "\n").replace("\f", "\n")
    return LoadedText(text=_tables_as_rows(text), format=fmt, encoding=None)
