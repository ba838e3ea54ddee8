"""Shared bits of ``policyqa commitments`` and ``policyqa subsidies`` (and the web app's
exports): writing CSV/JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from common.errors import ConfigError


def write_csv(path: str | Path, rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> int:
    """Rows as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese right); list values
    are joined with '；'. Returns the number of rows written."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        n = 0
        with target.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(row.get(k)) for k in columns})
                n += 1
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}", "choose a writable path for --csv") from exc
    return n


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "；".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
