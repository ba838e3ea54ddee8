"""CSV and JSON downloads of table views, written into the app's temp folder.

CSV uses the same writer and columns as ``policyqa commitments/subsidies --csv`` (UTF-8 with BOM
so spreadsheet programs read the Chinese right), so a download and a CLI export agree.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from assistant.commands.records_io import write_csv


def export_dir() -> Path:
    """A fresh folder inside Gradio's upload/cache folder (the app's own temp folder)."""
    from gradio.utils import get_upload_folder

    root = Path(get_upload_folder())
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="export-", dir=root))


def write_exports(
    name: str, rows: Sequence[dict[str, Any]], columns: Sequence[str], payload: Any, folder: Path | None = None
) -> list[str]:
    """``<name>-<time>.csv`` (flat ``rows``) and ``.json`` (``payload``); returns both paths."""
    folder = folder or export_dir()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    csv_path = folder / f"{name}-{stamp}.csv"
    json_path = folder / f"{name}-{stamp}.json"
    write_csv(csv_path, rows, columns)
    json_path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [str(csv_path), str(json_path)]
